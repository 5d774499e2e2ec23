"""The one retry policy: what is retried, how often, and how long we wait.

Retried: connection errors and timeouts (``NetworkError`` but not ``TLSError``), HTTP
5xx (``ServiceError`` with a 5xx status) and 429 (``RateLimitedError``, honouring
``Retry-After``). Never retried: other 4xx, 401/403 (``AuthError``), checksum
mismatches, cancellation. Backoff is exponential with full jitter.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sds_desktop.core.errors import CancelledError, RateLimitedError, SDSError

log = logging.getLogger(__name__)

T = TypeVar("T")


def is_retryable(exc: BaseException) -> bool:
    """Whether repeating the failed step may succeed."""
    return isinstance(exc, SDSError) and exc.retryable


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` is the total number of tries (1 = no retry)."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_retry_after: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    jitter: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")

    def delay(self, retry_number: int, exc: BaseException | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based)."""
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            return max(0.0, min(exc.retry_after, self.max_retry_after))
        cap = min(self.max_delay, self.base_delay * (2 ** (retry_number - 1)))
        return float(cap * self.jitter())

    def call(
        self,
        fn: Callable[[], T],
        *,
        cancel: threading.Event | None = None,
        what: str = "request",
    ) -> T:
        """Run ``fn``, repeating it on retryable errors; the last error is re-raised."""
        attempt = 1
        while True:
            if cancel is not None and cancel.is_set():
                raise CancelledError(f"{what} cancelled")
            try:
                return fn()
            except SDSError as exc:
                if not exc.retryable or attempt >= self.attempts:
                    raise
                wait = self.delay(attempt, exc)
                log.info(
                    "%s failed (%s), retry %d/%d in %.1fs",
                    what,
                    exc,
                    attempt,
                    self.attempts - 1,
                    wait,
                )
                self._wait(wait, cancel)
                attempt += 1

    def _wait(self, seconds: float, cancel: threading.Event | None) -> None:
        if seconds <= 0:
            return
        if cancel is not None and self.sleep is time.sleep:
            if cancel.wait(seconds):
                raise CancelledError("cancelled while waiting to retry")
            return
        self.sleep(seconds)


NO_RETRY = RetryPolicy(attempts=1)

__all__ = ["NO_RETRY", "RetryPolicy", "is_retryable"]
