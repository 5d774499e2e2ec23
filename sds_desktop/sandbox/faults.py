"""Fault injection for reliability tests; every knob is off until a test turns it on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class FaultInjector:
    """Thread-safe switches read by the request handlers of one sandbox server.

    - ``drop_after_bytes(n)``: cut the TCP connection once ``n`` bytes of a request body
      (upload) or response body (download) have gone through; ``count`` limits how many
      requests are cut (None: until cleared).
    - ``fail_next(k, status)``: answer the next ``k`` API requests with ``status``.
    - ``throttle(bps)``: pace request and response bodies to ``bps`` bytes per second.
    - ``latency(seconds)``: delay every API response (``/api/...``) by ``seconds``
      before it is sent, as a WAN round trip would. The request thread sleeps holding
      no lock, so concurrent requests overlap their delays as on a real network.
      ``delayed`` counts the responses delayed so far.
    - ``honour_range(on)``: answer ``Range`` requests with 206 / 416 (for the client's
      resume tests). Off by default, as production: Range is ignored, 200 whole body.
    - ``revoke_key(key)``: revoke an API key (it then gets 401 "API key not found").
    - ``reset()``: everything back off.

    ``sleep`` (also an attribute) is what the latency knob waits with; tests may pass
    or set a recorder instead of waiting for real.
    """

    def __init__(
        self,
        revoke: Callable[[str], bool] | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._lock = threading.Lock()
        self._revoke = revoke
        self.sleep = sleep
        self._latency: float | None = None
        self._delayed = 0
        self._drop_after: int | None = None
        self._drop_count: int | None = None
        self._fail_left = 0
        self._fail_status = 503
        self._bps: int | None = None
        self._range = False

    def drop_after_bytes(self, n: int | None, *, count: int | None = None) -> None:
        if n is not None and n < 0:
            raise ValueError("n must be >= 0")
        with self._lock:
            self._drop_after = n
            self._drop_count = count if n is not None else None

    def fail_next(self, k: int, status: int = 503) -> None:
        if k < 0 or not 400 <= status <= 599:
            raise ValueError("k must be >= 0 and status an HTTP error code")
        with self._lock:
            self._fail_left = k
            self._fail_status = status

    def throttle(self, bytes_per_second: int | None) -> None:
        if bytes_per_second is not None and bytes_per_second <= 0:
            raise ValueError("bytes_per_second must be positive (or None to disable)")
        with self._lock:
            self._bps = bytes_per_second

    def latency(self, seconds: float | None) -> None:
        if seconds is not None:
            seconds = float(seconds)
            if not 0 <= seconds < float("inf"):
                raise ValueError("latency must be a finite number of seconds >= 0 (or None)")
        with self._lock:
            self._latency = seconds or None

    def honour_range(self, on: bool) -> None:
        if not isinstance(on, bool):
            raise TypeError("honour_range takes true or false")
        with self._lock:
            self._range = on

    @property
    def range_honoured(self) -> bool:
        with self._lock:
            return self._range

    @property
    def latency_seconds(self) -> float | None:
        with self._lock:
            return self._latency

    @property
    def delayed(self) -> int:
        """How many API responses the latency knob has delayed."""
        with self._lock:
            return self._delayed

    def state(self) -> dict[str, object]:
        """The knobs as they are now (reported by the sandbox-admin faults endpoint)."""
        with self._lock:
            return {
                "drop_after_bytes": self._drop_after,
                "count": self._drop_count,
                "fail_next": self._fail_left,
                "status": self._fail_status,
                "throttle": self._bps,
                "latency": self._latency,
                "delayed": self._delayed,
                "honour_range": self._range,
            }

    def revoke_key(self, key: str) -> bool:
        if self._revoke is None:
            return False
        return self._revoke(key)

    def reset(self) -> None:
        with self._lock:
            self._drop_after = None
            self._drop_count = None
            self._fail_left = 0
            self._fail_status = 503
            self._bps = None
            self._latency = None
            self._range = False

    # -- used by the server -----------------------------------------------------------
    def take_failure(self) -> int | None:
        """The status to fail this request with, or None (consumes one failure)."""
        with self._lock:
            if self._fail_left > 0:
                self._fail_left -= 1
                return self._fail_status
            return None

    def peek_drop_limit(self) -> int | None:
        """Byte limit after which a body transfer is cut, or None."""
        with self._lock:
            return self._drop_after

    def consume_drop(self) -> None:
        """Record that one transfer was cut (one-shot and counted drops expire)."""
        with self._lock:
            if self._drop_count is not None:
                self._drop_count -= 1
                if self._drop_count <= 0:
                    self._drop_after = None
                    self._drop_count = None

    def delay_response(self) -> None:
        """Sleep for the configured latency, if any (outside the lock)."""
        with self._lock:
            seconds = self._latency
            if seconds:
                self._delayed += 1
        if seconds:
            self.sleep(seconds)

    @property
    def bytes_per_second(self) -> int | None:
        with self._lock:
            return self._bps


class Pacer:
    """Sleeps so that the bytes passed through stay under a bytes-per-second rate."""

    def __init__(self, faults: FaultInjector) -> None:
        self._faults = faults
        self._start = time.monotonic()
        self._done = 0

    def __call__(self, n: int) -> None:
        self._done += n
        bps = self._faults.bytes_per_second
        if not bps:
            self._start = time.monotonic()
            self._done = 0
            return
        due = self._start + self._done / bps
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
