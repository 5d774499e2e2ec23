"""One transfer speed limit shared by every running transfer: a token bucket.

Workers call :meth:`TokenBucket.consume` with each chunk they moved (from their progress
callback, in both directions); a worker that finds the bucket in debt sleeps until the
shared budget allows more. The rate can change at any time, also while workers sleep
(they wait in short slices and look again); 0 means no limit. Thread-safe, Qt-free;
the clock and the sleep are injectable, so tests need no real time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["TokenBucket"]

_SLICE_S = 0.1
"""Longest single sleep: a rate change or a cancel is noticed within this."""
_BURST_S = 0.25
"""Unused budget saved up for at most this long (then a burst cannot exceed the limit
by more than a quarter of a second's worth)."""


class TokenBucket:
    """A byte budget refilled at ``rate`` bytes per second (0: unlimited).

    A chunk is taken whole as soon as the bucket is not in debt (so one large chunk never
    waits for a budget it can never reach); the debt it leaves is paid back, at the
    rate, by whoever comes next. Over any span ``T`` the bytes taken are at most
    ``rate * T`` plus a quarter second's budget plus one chunk per worker.
    """

    def __init__(
        self,
        rate: float = 0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._rate = 0.0
        self._tokens = 0.0
        self._stamp = clock()
        self.set_rate(rate)

    @property
    def rate(self) -> float:
        """Bytes per second; 0 when unlimited."""
        return self._rate

    def set_rate(self, bytes_per_s: float) -> None:
        """Change the limit (also while transfers run); 0 or less: no limit."""
        with self._lock:
            self._refill()
            rate = max(0.0, float(bytes_per_s))
            if rate != self._rate:
                self._rate = rate
                # a new limit starts without saved-up budget, but a debt stays owed
                self._tokens = min(self._tokens, 0.0)

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        if self._rate > 0:
            self._tokens = min(self._tokens + elapsed * self._rate, self._rate * _BURST_S)

    def _wait_time(self) -> float:
        """Seconds until the bucket is out of debt (0: now); called under the lock."""
        self._refill()
        if self._rate <= 0 or self._tokens > -1.0:
            return 0.0  # less than a byte owed: float noise, not debt
        return -self._tokens / self._rate

    def consume(self, nbytes: int, cancel: threading.Event | None = None) -> None:
        """Account for ``nbytes`` moved; returns once the limit allows going on.

        Returns at once when unlimited, and early when ``cancel`` is set (the caller's
        chunk loop then notices the cancel itself).
        """
        if nbytes <= 0 or self._rate <= 0:
            return
        while True:
            with self._lock:
                wait = self._wait_time()
                if wait <= 0:
                    if self._rate > 0:
                        self._tokens -= nbytes
                    return
            if cancel is not None and cancel.is_set():
                return
            self._sleep(min(wait, _SLICE_S))
