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
from enum import StrEnum
from typing import TypeVar

from sds_desktop.core.errors import (
    AuthError,
    CancelledError,
    NetworkError,
    RateLimitedError,
    SDSError,
    ServiceError,
    StalledError,
)

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

# -- the queue's retry layer ----------------------------------------------------------


class Verdict(StrEnum):
    """What the queue does with one failed attempt of one file."""

    RETRY = "retry"
    """This file had trouble (a drop, a stall, a timeout): retry it after a backoff."""
    WAIT_FOR_SERVER = "wait for server"
    """SDS is unreachable or failing (refused, DNS, 5xx, 429): the whole queue waits."""
    NEEDS_KEY = "needs key"
    """The key was refused (401): pause the queue once and ask the user for a new key."""
    FAIL = "fail"
    """Repeating cannot help (4xx, checksum, local file trouble): the item fails."""


_SERVER_DOWN_MARKERS = (
    "refused",
    "could not be resolved",
    "unreachable",
    "no route",
)


def classify(exc: BaseException) -> Verdict:
    """The queue's decision for ``exc`` (cancellation is handled before this)."""
    if isinstance(exc, AuthError) and exc.status == 401:
        return Verdict.NEEDS_KEY
    if isinstance(exc, RateLimitedError):
        return Verdict.WAIT_FOR_SERVER
    if isinstance(exc, ServiceError) and exc.retryable:
        return Verdict.WAIT_FOR_SERVER
    if isinstance(exc, NetworkError) and not isinstance(exc, StalledError) and exc.retryable:
        text = str(exc).lower()
        if any(marker in text for marker in _SERVER_DOWN_MARKERS):
            return Verdict.WAIT_FOR_SERVER
        return Verdict.RETRY
    if isinstance(exc, SDSError) and exc.retryable:
        return Verdict.RETRY
    return Verdict.FAIL


@dataclass(frozen=True)
class QueueRetryPolicy:
    """Backoff of the queue's one retry layer: exponential with full jitter, bounded by
    ``attempts`` (tries per file) and by ``deadline`` seconds since the file's first try.

    ``server_delay`` is how the wait for an unreachable SDS grows (capped at
    ``max_server_delay``); it does not use up a file's attempts.
    """

    attempts: int = 8
    deadline: float = 3600.0
    base_delay: float = 2.0
    max_delay: float = 120.0
    server_base_delay: float = 5.0
    max_server_delay: float = 60.0
    stall_seconds: float = 30.0
    jitter: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if not self.deadline > 0 or not self.stall_seconds > 0:
            raise ValueError("deadline and stall_seconds must be positive")

    def retry_delay(self, attempt: int, first_try: float, now: float) -> float | None:
        """Seconds before try ``attempt + 1`` after try ``attempt`` failed, or None when
        the attempts or the deadline are used up."""
        if attempt >= self.attempts:
            return None
        cap = min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 1)))
        # full jitter, but never less than a tenth of the step (no hot loop)
        wait = max(cap * 0.1, cap * self.jitter())
        if now + wait - first_try > self.deadline:
            return None
        return float(wait)

    def server_delay(self, waits: int, exc: BaseException | None = None) -> float:
        """Seconds before probing SDS again after ``waits`` (1-based) failed probes."""
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            return max(0.5, min(exc.retry_after, self.max_server_delay))
        cap = min(self.max_server_delay, self.server_base_delay * (2 ** max(0, waits - 1)))
        return float(max(cap * 0.5, cap * self.jitter()))


__all__ = [
    "NO_RETRY",
    "QueueRetryPolicy",
    "RetryPolicy",
    "Verdict",
    "classify",
    "is_retryable",
]
