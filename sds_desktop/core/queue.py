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
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from sds_desktop.core.queue_items import (
    ACTIVE_STATES,
    FAILED_STATES,
    FINISHED_STATES,
    MOVABLE_STATES,
    STOPPED_STATES,
    Direction,
    ItemSpec,
    ItemState,
    Job,
    JobProgress,
    Listener,
    QueueEvent,
    QueueItem,
    account_key,
)
from sds_desktop.core.queue_journal import Journal
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
        self._journal = Journal(path)
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
            for job in self._journal.jobs():
                self._jobs[job.id] = replace(job, account=account_key(job.account))
            interrupted = []
            for item in self._journal.items():
                item.account = account_key(item.account)
                self._max_rank = max(self._max_rank, item.rank)
                if item.state in {ItemState.RUNNING, ItemState.WAITING, ItemState.CONFLICT}:
                    item.state = ItemState.QUEUED
                    item.bytes_done = 0
                    interrupted.append(item)
                self._items[item.id] = item
                self._track(item, None)
            if interrupted:
                self._journal.write_many(interrupted)

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

    def close(self) -> None:
        """Flush byte counters and close the journal."""
        with self._lock:
            self._journal.close(self._items.values())

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
            with self._journal.transaction():
                job = Job(
                    self._journal.insert_job(label, direction, account, now),
                    label,
                    direction,
                    account,
                    now,
                )
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
                    item.id = self._journal.insert_item(item)
                    item.rank = max(float(item.id), self._max_rank + 1)
                    self._max_rank = item.rank
                    if item.rank != item.id:  # after a move to the bottom: join the end
                        self._journal.set_ranks({item.id: item.rank})
                    added.append(item)
                self._journal.add_left_out(job.id, left_out)
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
            return self._journal.left_out(job_id)

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
            with self._journal.transaction():
                self._journal.set_ranks(changes)
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
        return bool(self._transition_many([item_id], state, allowed=allowed, **changes))

    def _transition_many(
        self,
        item_ids: Iterable[int],
        state: ItemState,
        *,
        allowed: frozenset[ItemState] | None = None,
        **changes: object,
    ) -> list[int]:
        """Move the items in ``allowed`` states to ``state``: one journal transaction and
        one notification for all of them (pausing 20,000 items is one write, one repaint).
        The ids that moved, in the order given."""
        stopped = state in FINISHED_STATES or state in STOPPED_STATES
        finished_at = time.time() if stopped else None
        clear_retry = state is not ItemState.WAITING
        clear_phase = state is not ItemState.RUNNING
        with self._lock:
            moved = []
            for item_id in dict.fromkeys(item_ids):
                item = self._items.get(item_id)
                if item is None or (allowed is not None and item.state not in allowed):
                    continue
                old, item.state = item.state, state
                self._track(item, old)
                for key, value in changes.items():
                    setattr(item, key, value)
                item.finished_at = finished_at
                if clear_retry:
                    item.retry_at = None
                if state in STOPPED_STATES:
                    item.note = ""
                if clear_phase:
                    item.phase, item.phase_done, item.phase_total = "", 0, 0
                moved.append(item)
            # RUNNING is not journaled: on load it would read as QUEUED anyway, and
            # skipping it halves the writes per transfer (they happen on the GUI thread).
            if len(moved) == 1 and state is not ItemState.RUNNING:
                self._journal.write(moved[0])
            elif moved and state is not ItemState.RUNNING:
                # the same new values for all: one statement (20,000 items in ~10 ms)
                same = {k: v for k, v in changes.items() if k in Journal.STATE_FIELDS}
                self._journal.write_same(
                    [i.id for i in moved], state=state, finished_at=finished_at, **same
                )
        ids = [i.id for i in moved]
        self._notify("changed", ids)
        return ids

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

    _PAUSABLE = frozenset({ItemState.QUEUED, ItemState.RUNNING, ItemState.WAITING})

    def cancel(self, item_id: int) -> bool:
        """Any active state → cancelled (a running worker must be told separately)."""
        return bool(self.cancel_many([item_id]))

    def cancel_many(self, item_ids: Iterable[int]) -> list[int]:
        """:meth:`cancel` for many items at once (one write, one notification): the ids
        cancelled."""
        return self._transition_many(item_ids, ItemState.CANCELLED, allowed=ACTIVE_STATES)

    def pause(self, item_id: int) -> bool:
        """queued, running or waiting → paused (a running worker must be told separately)."""
        return bool(self.pause_many([item_id]))

    def pause_many(self, item_ids: Iterable[int]) -> list[int]:
        return self._transition_many(
            item_ids, ItemState.PAUSED, allowed=self._PAUSABLE, bytes_done=0
        )

    def resume(self, item_id: int) -> bool:
        return bool(self.resume_many([item_id]))

    def resume_many(self, item_ids: Iterable[int]) -> list[int]:
        return self._transition_many(
            item_ids, ItemState.QUEUED, allowed=frozenset({ItemState.PAUSED})
        )

    def retry(self, item_id: int) -> bool:
        """failed or cancelled → queued, keeping the attempt count."""
        return bool(self.retry_many([item_id]))

    def retry_many(self, item_ids: Iterable[int]) -> list[int]:
        return self._transition_many(
            item_ids,
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
        leaving = collections.Counter(self._items[i].job_id for i in ids)
        empty = [job for job, n in leaving.items() if self._job_size[job] == n]
        self._journal.delete(ids, empty)  # first: if it fails, nothing is forgotten
        for i in ids:
            self._untrack(self._items.pop(i))
        for job_id in empty:
            self._jobs.pop(job_id, None)
