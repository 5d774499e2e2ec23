"""The transfer queue: one item per file, grouped in jobs, persisted in SQLite.

Qt-free on purpose (design.md): the GUI wraps it in a thin table-model adapter, and a
future CLI or the self-test can drive the same object. The in-memory dict is the source
of truth for reads; every state transition is written through to the SQLite journal so
that a crash or restart loses nothing. Byte counters are updated in memory only (workers
call :meth:`TransferQueue.add_progress` per chunk) and persisted with the next
transition, which keeps the journal cheap.

Thread-safety: every public method takes one re-entrant lock, so workers may report
progress while the GUI thread reads.
"""

from __future__ import annotations

import collections
import contextlib
import heapq
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Literal

from sds_desktop.core.paths import private_dir, private_file
from sds_desktop.core.queue_order import Where, new_ranks
from sds_desktop.core.transfer import SMALL_FILE_BYTES

__all__ = [
    "ACTIVE_STATES",
    "FAILED_STATES",
    "FINISHED_STATES",
    "STOPPED_STATES",
    "Direction",
    "ItemSpec",
    "ItemState",
    "Job",
    "JobProgress",
    "QueueEvent",
    "QueueItem",
    "TransferQueue",
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


_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    label TEXT NOT NULL,
    direction TEXT NOT NULL,
    account TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    direction TEXT NOT NULL,
    name TEXT NOT NULL,
    local_path TEXT NOT NULL,
    sds_path TEXT NOT NULL,
    size INTEGER NOT NULL,
    account TEXT NOT NULL,
    file_uuid TEXT NOT NULL,
    state TEXT NOT NULL,
    bytes_done INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    error TEXT NOT NULL,
    checksum TEXT NOT NULL,
    created_at REAL NOT NULL,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS items_state ON items(state);
CREATE TABLE IF NOT EXISTS left_out (
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    path TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS left_out_job ON left_out(job_id);
"""
_RANK_COLUMN = "ALTER TABLE items ADD COLUMN rank REAL"
"""Journals from before reordering have no rank: NULL reads as the item's id."""

_COLUMNS = (
    "id, job_id, direction, name, local_path, sds_path, size, account, file_uuid, state, "
    "bytes_done, attempts, error, checksum, created_at, finished_at"
)


class TransferQueue:
    """Transfer items and jobs with their states, persisted in a SQLite journal.

    ``path`` is the journal file (``None`` → in memory). On open, items that were
    running when the previous process ended go back to ``queued`` (their partial bytes
    are discarded: uploads and downloads restart the file).
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        history_limit: int = 1000,
        small_file_bytes: int = SMALL_FILE_BYTES,
    ) -> None:
        self.history_limit = history_limit
        self.small_file_bytes = small_file_bytes
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        self._held: dict[int, dict[QueueEvent, list[int]]] = {}  # thread -> batched()
        target = ":memory:" if path is None else str(path)
        if path is not None:
            # the journal names the user's files and folders: private (0700 / 0600)
            private_dir(Path(path).parent)
            private_file(Path(path))
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        if path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        if "rank" not in {row[1] for row in self._db.execute("PRAGMA table_info(items)")}:
            self._db.execute(_RANK_COLUMN)
        self._max_rank = 0.0
        self._items: dict[int, QueueItem] = {}
        self._jobs: dict[int, Job] = {}
        # Queued ids per (account, small file?) as min-heaps with lazy deletion: picking
        # the next item is O(log n) however long the queue, not a scan from the start.
        self._queued: dict[tuple[str, bool], list[tuple[float, int]]] = {}
        # Counters kept in step by _track, so reads never scan the queue (GUI thread):
        self._by_state: collections.Counter[ItemState] = collections.Counter()
        self._job_done: collections.Counter[int] = collections.Counter()  # finished per job
        self._job_size: collections.Counter[int] = collections.Counter()  # items per job
        self._load()

    # -- persistence ---------------------------------------------------------------
    def _load(self) -> None:
        with self._lock:
            for row in self._db.execute(
                "SELECT id, label, direction, account, created_at FROM jobs"
            ):
                job = Job(
                    int(row[0]),
                    str(row[1]),
                    Direction(row[2]),
                    account_key(str(row[3])),
                    float(row[4]),
                )
                self._jobs[job.id] = job
            ranks: dict[int, float | None] = dict(self._db.execute("SELECT id, rank FROM items"))
            for row in self._db.execute(f"SELECT {_COLUMNS} FROM items ORDER BY id"):  # noqa: S608
                item = QueueItem(
                    id=int(row[0]),
                    job_id=int(row[1]),
                    direction=Direction(row[2]),
                    name=str(row[3]),
                    local_path=str(row[4]),
                    sds_path=str(row[5]),
                    size=int(row[6]),
                    account=str(row[7]),
                    file_uuid=str(row[8]),
                    state=ItemState(row[9]),
                    bytes_done=int(row[10]),
                    attempts=int(row[11]),
                    error=str(row[12]),
                    checksum=str(row[13]),
                    created_at=float(row[14]),
                    finished_at=None if row[15] is None else float(row[15]),
                )
                item.account = account_key(item.account)
                stored = ranks.get(item.id)
                item.rank = float(item.id) if stored is None else float(stored)
                self._max_rank = max(self._max_rank, item.rank)
                if item.state in {ItemState.RUNNING, ItemState.WAITING, ItemState.CONFLICT}:
                    item.state = ItemState.QUEUED
                    item.bytes_done = 0
                    self._write(item)
                self._items[item.id] = item
                self._track(item, None)

    def _track(self, item: QueueItem, old: ItemState | None) -> None:
        """Keep the queued heaps and the counters in step with a state change
        (``old`` None: the item is new; ``item.state`` None-like removal: see _untrack)."""
        if item.state is ItemState.QUEUED and old is not ItemState.QUEUED:
            lane = (item.account, item.size < self.small_file_bytes)
            heapq.heappush(self._queued.setdefault(lane, []), (item.rank, item.id))
        if old is None:
            self._job_size[item.job_id] += 1
        else:
            self._by_state[old] -= 1
            self._job_done[item.job_id] -= old in FINISHED_STATES
        self._by_state[item.state] += 1
        self._job_done[item.job_id] += item.state in FINISHED_STATES

    def _untrack(self, item: QueueItem) -> None:
        self._by_state[item.state] -= 1
        self._job_size[item.job_id] -= 1
        self._job_done[item.job_id] -= item.state in FINISHED_STATES

    @property
    def _finished(self) -> int:
        return sum(self._by_state[s] for s in FINISHED_STATES)

    def _write(self, item: QueueItem) -> None:
        self._db.execute(
            "UPDATE items SET state=?, bytes_done=?, attempts=?, error=?, checksum=?, "
            "finished_at=? WHERE id=?",
            (
                item.state.value,
                item.bytes_done,
                item.attempts,
                item.error,
                item.checksum,
                item.finished_at,
                item.id,
            ),
        )

    def close(self) -> None:
        """Flush byte counters and close the journal."""
        with self._lock:
            try:
                self._db.execute("BEGIN")
                for item in self._items.values():
                    self._write(item)
                self._db.execute("COMMIT")
            finally:
                self._db.close()

    # -- observers -----------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(event, item_ids)`` after items are added, changed or removed.

        Listeners run on the thread that made the change (the GUI thread, in the app).
        Byte progress does not notify: poll :meth:`get` on a timer instead.
        """
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self, event: QueueEvent, ids: list[int]) -> None:
        if not ids:
            return
        held = self._held.get(threading.get_ident())
        if held is not None:
            held[event].extend(ids)
            return
        for listener in list(self._listeners):
            listener(event, ids)

    @contextlib.contextmanager
    def batched(self) -> Iterator[None]:
        """Hold this thread's notifications until the block ends, then send one per kind
        ("added", "changed", "removed"; each id once, in order): a batch of transitions
        (the GUI settling what the transfer lanes finished) repaints the views once."""
        me = threading.get_ident()
        if me in self._held:
            yield  # nested: the outer block sends
            return
        held: dict[QueueEvent, list[int]] = {"added": [], "changed": [], "removed": [], "moved": []}
        self._held[me] = held
        try:
            yield
        finally:
            del self._held[me]
            for event, ids in held.items():
                self._notify(event, list(dict.fromkeys(ids)))

    # -- adding --------------------------------------------------------------------
    def add_job(
        self,
        label: str,
        direction: Direction,
        specs: Iterable[ItemSpec],
        *,
        account: str = "",
        left_out: Iterable[tuple[str, str]] = (),
    ) -> tuple[Job, list[QueueItem]]:
        """Create one job holding one queued item per spec; ``left_out`` = the (path,
        reason) of files it leaves out on purpose (empty, ignored, symlinks), kept with
        the job for its details."""
        now = time.time()
        account = account_key(account)
        added: list[QueueItem] = []
        with self._lock:
            self._db.execute("BEGIN")
            try:
                cur = self._db.execute(
                    "INSERT INTO jobs (label, direction, account, created_at) VALUES (?,?,?,?)",
                    (label, direction.value, account, now),
                )
                job = Job(int(cur.lastrowid or 0), label, direction, account, now)
                for spec in specs:
                    item = QueueItem(
                        id=0,
                        job_id=job.id,
                        direction=spec.direction,
                        name=spec.name,
                        local_path=spec.local_path,
                        sds_path=spec.sds_path,
                        size=spec.size,
                        account=account,
                        file_uuid=spec.file_uuid,
                        created_at=now,
                    )
                    cur = self._db.execute(
                        f"INSERT INTO items ({_COLUMNS}) "  # noqa: S608
                        "VALUES (NULL,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            item.job_id,
                            item.direction.value,
                            item.name,
                            item.local_path,
                            item.sds_path,
                            item.size,
                            item.account,
                            item.file_uuid,
                            item.state.value,
                            0,
                            0,
                            "",
                            "",
                            now,
                            None,
                        ),
                    )
                    item.id = int(cur.lastrowid or 0)
                    item.rank = max(float(item.id), self._max_rank + 1)
                    self._max_rank = item.rank
                    if item.rank != item.id:  # after a move to the bottom: join the end
                        self._db.execute("UPDATE items SET rank=? WHERE id=?", (item.rank, item.id))
                    added.append(item)
                self._db.executemany(
                    "INSERT INTO left_out (job_id, path, reason) VALUES (?,?,?)",
                    [(job.id, path, reason) for path, reason in left_out],
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._jobs[job.id] = job
            for item in added:
                self._items[item.id] = item
                self._track(item, None)
        self._notify("added", [i.id for i in added])
        return job, [replace(i) for i in added]

    # -- reading -------------------------------------------------------------------
    def get(self, item_id: int) -> QueueItem:
        """A snapshot copy of one item (KeyError if unknown)."""
        with self._lock:
            return replace(self._items[item_id])

    def peek(self, item_id: int) -> QueueItem:
        """The live item itself, for read-only display on the thread that changes states
        (a view paints many cells: no copy per cell). Never modify it; KeyError if unknown.
        Workers only add to ``bytes_done``, an int read atomically."""
        return self._items[item_id]

    def job_counts(self, job_id: int) -> tuple[int, int]:
        """(finished items, items) of a job, without scanning the queue."""
        with self._lock:
            return self._job_done[job_id], self._job_size[job_id]

    def __contains__(self, item_id: object) -> bool:
        with self._lock:
            return item_id in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def items(self, states: Iterable[ItemState] | None = None) -> list[QueueItem]:
        """Snapshots of all items (in queue order), optionally only those in ``states``."""
        wanted = None if states is None else frozenset(states)
        with self._lock:
            return [replace(i) for i in self._items.values() if wanted is None or i.state in wanted]

    def ids(self) -> list[int]:
        """Every item's id, in queue order (rank)."""
        with self._lock:
            return sorted(self._items, key=lambda i: (self._items[i].rank, i))

    def left_out(self, job_id: int) -> list[tuple[str, str]]:
        """The (path, reason) of the files job ``job_id`` left out, in plan order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT path, reason FROM left_out WHERE job_id=? ORDER BY rowid", (job_id,)
            ).fetchall()
        return [(str(p), str(r)) for p, r in rows]

    def rank_of(self, item_id: int) -> float:
        return self._items[item_id].rank

    def move(self, item_ids: Iterable[int], where: Where) -> list[int]:
        """Move queued or paused items to the top, up, down or to the bottom of the
        queue (journaled); the ids whose rank changed (listeners get ``moved``)."""
        chosen = set(item_ids)
        with self._lock:
            movable = sorted(
                ((i.id, i.rank) for i in self._items.values() if i.state in MOVABLE_STATES),
                key=lambda pair: (pair[1], pair[0]),
            )
            changes = new_ranks(movable, chosen, where)
            if not changes:
                return []
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "UPDATE items SET rank=? WHERE id=?", [(r, i) for i, r in changes.items()]
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            for item_id, rank in changes.items():
                item = self._items[item_id]
                item.rank = rank
                self._max_rank = max(self._max_rank, rank)
                if item.state is ItemState.QUEUED:
                    lane = (item.account, item.size < self.small_file_bytes)
                    heapq.heappush(self._queued.setdefault(lane, []), (rank, item_id))
        self._notify("moved", list(changes))
        return list(changes)

    def job(self, job_id: int) -> Job:
        with self._lock:
            return self._jobs[job_id]

    def job_progress(self, job_id: int) -> JobProgress:
        with self._lock:
            members = [i for i in self._items.values() if i.job_id == job_id]
            return JobProgress(
                total_items=len(members),
                finished_items=sum(i.state in FINISHED_STATES for i in members),
                failed_items=sum(i.state in FAILED_STATES for i in members),
                total_bytes=sum(i.size for i in members),
                bytes_done=sum(min(i.bytes_done, i.size) for i in members),
            )

    def counts(self) -> dict[str, int]:
        """Item counts: ``active``, ``running``, ``failed`` (cancelled not included),
        ``cancelled``, ``waiting`` (to retry), ``conflicts`` and ``finished``."""
        with self._lock:
            by_state = self._by_state.copy()
        return {
            "active": sum(by_state[s] for s in ACTIVE_STATES),
            "running": by_state[ItemState.RUNNING],
            "failed": sum(by_state[s] for s in FAILED_STATES),
            "cancelled": by_state[ItemState.CANCELLED],
            "waiting": by_state[ItemState.WAITING],
            "conflicts": by_state[ItemState.CONFLICT],
            "finished": sum(by_state[s] for s in FINISHED_STATES),
        }

    def next_queued(
        self, account: str | None = None, *, small: bool | None = None
    ) -> QueueItem | None:
        """The first queued item in queue order (of ``account`` when given; only files under
        ``small_file_bytes`` when ``small`` is True, only the others when False), or None."""
        if account is not None:
            account = account_key(account)
        with self._lock:
            best: QueueItem | None = None
            for (lane_account, lane_small), heap in self._queued.items():
                if (account is not None and lane_account != account) or (
                    small is not None and lane_small != small
                ):
                    continue
                while heap:
                    rank, head_id = heap[0]
                    head = self._items.get(head_id)
                    if head is not None and head.state is ItemState.QUEUED and head.rank == rank:
                        break
                    heapq.heappop(heap)  # stale: started, cancelled, removed, moved, a twin
                if heap and (best is None or heap[0] < (best.rank, best.id)):
                    best = self._items[heap[0][1]]
            return None if best is None else replace(best)

    # -- transitions ---------------------------------------------------------------
    def _transition(
        self,
        item_id: int,
        state: ItemState,
        *,
        allowed: frozenset[ItemState] | None = None,
        **changes: object,
    ) -> bool:
        with self._lock:
            item = self._items.get(item_id)
            if item is None or (allowed is not None and item.state not in allowed):
                return False
            old, item.state = item.state, state
            self._track(item, old)
            for key, value in changes.items():
                setattr(item, key, value)
            if state in FINISHED_STATES or state in STOPPED_STATES:
                item.finished_at = time.time()
            else:
                item.finished_at = None
            if state is not ItemState.WAITING:
                item.retry_at = None
            if state in STOPPED_STATES:
                item.note = ""
            if state is not ItemState.RUNNING:
                item.phase, item.phase_done, item.phase_total = "", 0, 0
                # RUNNING is not journaled: on load it would read as QUEUED anyway, and
                # skipping it halves the writes per transfer (they happen on the GUI thread).
                self._write(item)
        self._notify("changed", [item_id])
        return True

    def mark_running(self, item_id: int) -> bool:
        """queued → running; counts one attempt and restarts the byte counter."""
        with self._lock:
            item = self._items.get(item_id)
            if item is None or item.state is not ItemState.QUEUED:
                return False
            attempts = item.attempts + 1
            first = item.first_try_at if item.first_try_at is not None else time.monotonic()
        return self._transition(
            item_id,
            ItemState.RUNNING,
            allowed=frozenset({ItemState.QUEUED}),
            attempts=attempts,
            bytes_done=0,
            first_try_at=first,
        )

    def add_progress(self, item_id: int, nbytes: int) -> None:
        """Count ``nbytes`` more bytes for a running item (called from worker threads)."""
        with self._lock:
            item = self._items.get(item_id)
            if item is not None:
                item.bytes_done += nbytes

    def set_progress(self, item_id: int, nbytes: int) -> None:
        with self._lock:
            item = self._items.get(item_id)
            if item is not None:
                item.bytes_done = nbytes

    def mark_done(self, item_id: int, *, checksum: str = "", skipped: bool = False) -> bool:
        with self._lock:
            item = self._items.get(item_id)
            size = item.size if item is not None else 0
        ok = self._transition(
            item_id,
            ItemState.SKIPPED if skipped else ItemState.DONE,
            allowed=frozenset({ItemState.RUNNING}),
            checksum=checksum,
            bytes_done=size,
            error="",
        )
        if ok:
            self.prune()
        return ok

    def mark_failed(self, item_id: int, error: str, *, checksum: str = "") -> bool:
        return self._transition(
            item_id,
            ItemState.FAILED,
            allowed=frozenset({ItemState.RUNNING, ItemState.QUEUED}),
            error=error,
            checksum=checksum,
        )

    def requeue(self, item_id: int, error: str = "") -> bool:
        """running → queued (automatic retry after a retryable error)."""
        return self._transition(
            item_id,
            ItemState.QUEUED,
            allowed=frozenset({ItemState.RUNNING}),
            error=error,
            bytes_done=0,
        )

    def wait_to_retry(self, item_id: int, delay: float, error: str) -> bool:
        """running → waiting; the caller moves it back with :meth:`due` after ``delay``."""
        ok = self._transition(
            item_id,
            ItemState.WAITING,
            allowed=frozenset({ItemState.RUNNING}),
            error=error,
            bytes_done=0,
        )
        if ok:
            with self._lock:
                self._items[item_id].retry_at = time.monotonic() + max(0.0, delay)
        return ok

    def due(self, now: float | None = None) -> list[int]:
        """Move the waiting items whose time has come back to queued; their ids."""
        now = time.monotonic() if now is None else now
        with self._lock:
            ready = [
                i.id
                for i in self._items.values()
                if i.state is ItemState.WAITING and (i.retry_at or 0.0) <= now
            ]
        for item_id in ready:
            self._transition(item_id, ItemState.QUEUED, allowed=frozenset({ItemState.WAITING}))
        return ready

    def next_retry_at(self) -> float | None:
        with self._lock:
            times = [
                i.retry_at
                for i in self._items.values()
                if i.state is ItemState.WAITING and i.retry_at is not None
            ]
        return min(times) if times else None

    def hold_for_decision(self, item_id: int, reason: str) -> bool:
        """running → conflict (waits for the user's answer)."""
        return self._transition(
            item_id,
            ItemState.CONFLICT,
            allowed=frozenset({ItemState.RUNNING}),
            error=reason,
            bytes_done=0,
        )

    def decided(self, item_id: int) -> bool:
        """conflict → queued, once the user answered."""
        return self._transition(
            item_id, ItemState.QUEUED, allowed=frozenset({ItemState.CONFLICT}), error=""
        )

    def set_phase(self, item_id: int, phase: str, done: int = 0, total: int = 0) -> None:
        """What a running item does now (called from workers, per block: no notification;
        the view repaints running rows on its tick)."""
        item = self._items.get(item_id)
        if item is not None and item.state is ItemState.RUNNING:
            item.phase, item.phase_done, item.phase_total = phase, done, total

    def set_note(self, item_id: int, note: str) -> None:
        with self._lock:
            item = self._items.get(item_id)
            if item is not None:
                item.note = note

    def cancel(self, item_id: int) -> bool:
        """Any active state → cancelled (a running worker must be told separately)."""
        return self._transition(item_id, ItemState.CANCELLED, allowed=ACTIVE_STATES)

    def pause(self, item_id: int) -> bool:
        """queued or running → paused (a running worker must be told separately)."""
        return self._transition(
            item_id,
            ItemState.PAUSED,
            allowed=frozenset({ItemState.QUEUED, ItemState.RUNNING, ItemState.WAITING}),
            bytes_done=0,
        )

    def resume(self, item_id: int) -> bool:
        return self._transition(item_id, ItemState.QUEUED, allowed=frozenset({ItemState.PAUSED}))

    def retry(self, item_id: int) -> bool:
        """failed or cancelled → queued, keeping the attempt count."""
        return self._transition(
            item_id,
            ItemState.QUEUED,
            allowed=STOPPED_STATES,
            error="",
            checksum="",
            bytes_done=0,
            first_try_at=None,
        )

    # -- removal -------------------------------------------------------------------
    def remove(self, item_ids: Iterable[int]) -> list[int]:
        """Forget items that are not running; returns the ids actually removed."""
        with self._lock:
            gone = [
                i
                for i in item_ids
                if i in self._items and self._items[i].state is not ItemState.RUNNING
            ]
            self._delete(gone)
        self._notify("removed", gone)
        return gone

    def clear_finished(self) -> list[int]:
        with self._lock:
            gone = [i.id for i in self._items.values() if i.state in FINISHED_STATES]
            self._delete(gone)
        self._notify("removed", gone)
        return gone

    def prune(self, *, slack: float = 0.1) -> list[int]:
        """Drop the oldest finished items beyond ``history_limit`` (bounded history).

        Work is done only once the history is ``slack`` over the limit, and then brings it
        back to the limit, so a long run costs O(1) amortised per finished item.
        """
        with self._lock:
            if self._finished <= self.history_limit * (1 + slack):
                return []
            finished = [i for i in self._items.values() if i.state in FINISHED_STATES]
            excess = len(finished) - self.history_limit
            if excess <= 0:
                return []
            finished.sort(key=lambda i: (i.finished_at or 0.0, i.id))
            gone = [i.id for i in finished[:excess]]
            self._delete(gone)
        self._notify("removed", gone)
        return gone

    def _delete(self, ids: list[int]) -> None:
        if not ids:
            return
        self._db.execute("BEGIN")
        try:
            self._db.executemany("DELETE FROM items WHERE id=?", [(i,) for i in ids])
            jobs = {self._items[i].job_id for i in ids}
            for i in ids:
                self._untrack(self._items.pop(i))
            still = {i.job_id for i in self._items.values()}
            for job_id in jobs - still:
                self._db.execute("DELETE FROM left_out WHERE job_id=?", (job_id,))
                self._db.execute("DELETE FROM jobs WHERE id=?", (job_id,))
                self._jobs.pop(job_id, None)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
