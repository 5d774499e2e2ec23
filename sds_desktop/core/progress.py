"""A small terminal progress bar on stderr, for ``verbose=True`` library calls.

Drawn only when the stream is a TTY; thread-safe (pool workers report concurrently);
redrawn at most every ``interval`` seconds so that chunk events cost almost nothing.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


class TerminalProgress:
    """``update(n)`` adds bytes, ``file_done()`` counts files, ``close()`` ends the line."""

    def __init__(
        self,
        total_bytes: int,
        total_files: int,
        *,
        label: str = "",
        stream: TextIO | None = None,
        interval: float = 0.2,
        width: int = 30,
    ) -> None:
        self.total_bytes = max(total_bytes, 0)
        self.total_files = total_files
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.width = width
        self.done_bytes = 0
        self.done_files = 0
        self._lock = threading.Lock()
        self._last_draw = 0.0
        self._start = time.monotonic()
        try:
            self.enabled = bool(self.stream.isatty())
        except (AttributeError, ValueError):
            self.enabled = False

    def update(self, n: int) -> None:
        with self._lock:
            self.done_bytes += n
            self._maybe_draw()

    def file_done(self) -> None:
        with self._lock:
            self.done_files += 1
            self._maybe_draw(force=self.done_files == self.total_files)

    def _maybe_draw(self, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < self.interval:
            return
        self._last_draw = now
        self.stream.write("\r" + self.render(now))
        self.stream.flush()

    def render(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        frac = 1.0 if self.total_bytes == 0 else min(1.0, self.done_bytes / self.total_bytes)
        filled = int(frac * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = max(now - self._start, 1e-6)
        rate = human_bytes(self.done_bytes / elapsed)
        label = f"{self.label} " if self.label else ""
        return (
            f"{label}[{bar}] {frac * 100:5.1f}% {self.done_files}/{self.total_files} files "
            f"{human_bytes(self.done_bytes)}/{human_bytes(self.total_bytes)} {rate}/s"
        )

    def close(self) -> None:
        with self._lock:
            if self.enabled:
                self.stream.write("\r" + self.render() + "\n")
                self.stream.flush()
                self.enabled = False

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["TerminalProgress", "human_bytes"]
