"""What the transfer queue holds: items, jobs, their states and the account they belong to.

Plain data, no I/O: :mod:`sds_desktop.core.queue` keeps them and
:mod:`sds_desktop.core.queue_journal` writes them to SQLite.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

__all__ = [
    "ACTIVE_STATES",
    "FAILED_STATES",
    "FINISHED_STATES",
    "MOVABLE_STATES",
    "STOPPED_STATES",
    "Direction",
    "ItemSpec",
    "ItemState",
    "Job",
    "JobProgress",
    "Listener",
    "QueueEvent",
    "QueueItem",
    "account_key",
]


_LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")


def account_key(account: str) -> str:
    """The identity queue items are bound to: ``host|email`` without the port of a
    loopback host (the sandbox gets a new port at every start; its items stay its own)."""
    host, sep, email = account.partition("|")
    if not sep:
        return account
    scheme, slashes, rest = host.rpartition("//")
    name, colon, port = rest.rpartition(":")
    if colon and port.isdigit() and name.lower() in _LOOPBACK:
        rest = name
    return f"{scheme}{slashes}{rest}|{email}"


class Direction(StrEnum):
    UPLOAD = "upload"
    DOWNLOAD = "download"


class ItemState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"
    WAITING = "waiting to retry"
    """A retryable failure: the item goes back to queued at ``retry_at`` by itself."""
    CONFLICT = "needs a decision"
    """The target exists: the item waits for the user's conflict answer."""


ACTIVE_STATES = frozenset(
    {
        ItemState.QUEUED,
        ItemState.RUNNING,
        ItemState.PAUSED,
        ItemState.WAITING,
        ItemState.CONFLICT,
    }
)
"""Shown in the Queued/Active tab."""
FAILED_STATES = frozenset({ItemState.FAILED})
"""Counted as failures."""
STOPPED_STATES = frozenset({ItemState.FAILED, ItemState.CANCELLED})
"""Shown in the Failed / cancelled tab; can be retried. Cancelled is not a failure."""
FINISHED_STATES = frozenset({ItemState.DONE, ItemState.SKIPPED})
"""Shown in the Done tab; pruned beyond the history limit."""

QueueEvent = Literal["added", "changed", "removed", "moved"]
MOVABLE_STATES = frozenset({ItemState.QUEUED, ItemState.PAUSED})
"""Items that can be moved up or down the queue."""
Listener = Callable[[QueueEvent, list[int]], None]


@dataclass(frozen=True)
class ItemSpec:
    """What a caller knows about one file before it is queued."""

    direction: Direction
    name: str
    local_path: str
    sds_path: str
    """Full SDS path of the file (directory + name), user-relative."""
    size: int
    file_uuid: str = ""
    """Downloads: the remote file's UUID (to re-fetch its metadata after a restart)."""


@dataclass
class QueueItem:
    id: int
    job_id: int
    direction: Direction
    name: str
    local_path: str
    sds_path: str
    size: int
    account: str = ""
    file_uuid: str = ""
    state: ItemState = ItemState.QUEUED
    bytes_done: int = 0
    attempts: int = 0
    error: str = ""
    checksum: str = ""
    """Checksum result shown to the user: "verified", "skipped: already on SDS", ..."""
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    retry_at: float | None = None
    """WAITING items: when (``time.monotonic``) the next try starts. Not journaled."""
    first_try_at: float | None = None
    """``time.monotonic`` of the first try since queued or retried by the user (deadline)."""
    note: str = ""
    """Live status text beside the state ("restarting from 0", ...). Not journaled."""
    rank: float = 0.0
    """Queue order: the next item to start is the queued one with the lowest (rank, id)."""
    phase: str = ""
    """What a running item does now: "hashing", "sending", "receiving", "verifying" (or
    ""). Not journaled; cleared when it stops running."""
    phase_done: int = 0
    phase_total: int = 0

    def copy(self) -> QueueItem:
        """A snapshot for callers (never the queue's own item): a shallow copy, about 20
        times cheaper than ``dataclasses.replace`` (which runs ``__init__``), so that
        handing out 20,000 items costs milliseconds."""
        new = object.__new__(QueueItem)
        new.__dict__.update(self.__dict__)
        return new

    @property
    def fraction(self) -> float:
        if self.size <= 0:
            return 1.0 if self.state in FINISHED_STATES else 0.0
        return min(1.0, self.bytes_done / self.size)


@dataclass(frozen=True)
class Job:
    id: int
    label: str
    direction: Direction
    account: str
    created_at: float


@dataclass(frozen=True)
class JobProgress:
    total_items: int
    finished_items: int
    failed_items: int
    total_bytes: int
    bytes_done: int
