"""Shared pieces of the per-file steps (``transfer`` uploads, ``download`` downloads):
temp file names, the stall / deadline guard, the progress high-water meter."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from sds_desktop.core.checksum import ProgressCallback
from sds_desktop.core.errors import (
    CancelledError,
    SDSError,
    StalledError,
)
from sds_desktop.core.progress import StallWatch

log = logging.getLogger(__name__)

TEMP_PREFIX = ".sds-"
TEMP_SUFFIX = ".partial"
_CONTENT_RANGE_RE = re.compile(r"^bytes\s+(\d+)-(\d+)/(\d+|\*)$")

# -- stall and deadline guard -------------------------------------------------------


class NoWatch:
    """The feed of an unguarded attempt: does nothing."""

    def __call__(self, _n: int = 0) -> None:
        return None

    def grace(self, _seconds: float) -> None:
        return None


@contextlib.contextmanager
def guard(
    cancel: threading.Event | None, stall_seconds: float | None, deadline: float | None
) -> Iterator[tuple[threading.Event | None, StallWatch | NoWatch]]:
    """(cancel event to hand to the transfer, feed) for one attempt; a stall or a passed
    deadline becomes ``StalledError`` (retryable), a user cancel stays ``CancelledError``.
    The feed is called per chunk; ``feed.grace(s)`` allows a longer silence once."""
    if stall_seconds is None and deadline is None:
        yield cancel, NoWatch()
        return
    watch = StallWatch(cancel, stall_seconds or float("inf"), deadline=deadline)
    with watch:
        try:
            yield watch.event, watch
        except CancelledError as exc:
            if watch.reason is not None:
                raise StalledError(watch.reason) from exc
            raise
        except SDSError as exc:
            # an interrupted socket may surface as a network error rather than a cancel
            if watch.reason is not None and not isinstance(exc, StalledError):
                raise StalledError(watch.reason) from exc
            raise
    if watch.reason is not None:
        raise StalledError(watch.reason)


PhaseCallback = Callable[[str, int, int], None]
"""``on_phase(phase, done, total)``: "hashing" (bytes hashed of total), "sending",
"receiving", "verifying" (the whole body is out or in; the checksum is being checked)."""


def no_phase(_phase: str, _done: int, _total: int) -> None:
    """The default :data:`PhaseCallback`: phases are not reported."""


def hashing_meter(on_phase: PhaseCallback, total: int) -> Callable[[int], None]:
    """A progress callback (bytes per block) that reports ``hashing`` done/total."""
    done = [0]
    on_phase("hashing", 0, total)

    def feed(n: int) -> None:
        done[0] += n
        on_phase("hashing", done[0], total)

    return feed


def fanout(*callbacks: Callable[[int], None] | None) -> Callable[[int], None]:
    live = [c for c in callbacks if c is not None]

    def call(n: int) -> None:
        for c in live:
            c(n)

    return call


def local_modified(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except (OSError, ValueError, OverflowError):
        return None


class HighWater:
    """Forward only bytes beyond what earlier attempts already reported."""

    def __init__(self, progress: ProgressCallback | None) -> None:
        self._progress = progress
        self.reported = 0
        self.current = 0

    def restart(self) -> None:
        self.current = 0

    def __call__(self, n: int) -> None:
        self.current += n
        if self._progress is not None and self.current > self.reported:
            delta = self.current - self.reported
            self.reported = self.current
            self._progress(delta)
