"""A small terminal progress bar on stderr, for ``verbose=True`` library calls.

Drawn only when the stream is a TTY; thread-safe (pool workers report concurrently);
redrawn at most every ``interval`` seconds so that chunk events cost almost nothing.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
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


class StallWatch:
    """Abort a transfer that moves no bytes for ``stall_seconds`` or outlives ``deadline``.

    Use ``watch.event`` as the transfer's cancel event and call ``watch.feed(n)`` for every
    chunk. A helper thread sets the event when the user's ``cancel`` is set, when no chunk
    came for ``stall_seconds`` (a server that drips a byte every few seconds never fills a
    chunk: it is stalled too), or when ``deadline`` seconds have passed; the request is
    then interrupted (``connection.interruptible``). ``reason`` says which, ``None`` for a
    user cancel.
    """

    def __init__(
        self,
        cancel: threading.Event | None,
        stall_seconds: float,
        *,
        deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.user_cancel = cancel
        self.stall_seconds = float(stall_seconds)
        self.deadline = deadline
        self.clock = clock
        self.event = threading.Event()
        self.reason: str | None = None
        self._start = self._last = clock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def feed(self, _n: int = 0) -> None:
        self._last = self.clock()

    def _check(self) -> bool:
        if self.user_cancel is not None and self.user_cancel.is_set():
            self.event.set()
            return True
        now = self.clock()
        if now - self._last >= self.stall_seconds:
            self.reason = f"stalled: no data for {self.stall_seconds:g} s"
        elif self.deadline is not None and now - self._start >= self.deadline:
            self.reason = f"took longer than the {self.deadline:g} s deadline per file"
        if self.reason is not None:
            self.event.set()
            return True
        return False

    def _run(self) -> None:
        poll = max(0.02, min(0.25, self.stall_seconds / 4))
        while not self._stop.wait(poll):
            if self._check():
                return

    def __enter__(self) -> StallWatch:
        self._thread = threading.Thread(target=self._run, name="sds-stall-watch", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
