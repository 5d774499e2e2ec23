"""The transfer queue's store: its items and jobs in memory, kept in step with the journal.

:class:`QueueStore` holds what :class:`sds_desktop.core.queue.TransferQueue` is made of:
the items and jobs (the in-memory dicts are the source of truth for reads), the indexes
kept in step with every change (queued heaps per lane, counters per state and per job),
the SQLite journal they are written through to, and the listeners told of each change.
It adds jobs and removes items (bounded history); state transitions live in
:mod:`sds_desktop.core.queue_transitions`, reads and reordering in
:mod:`sds_desktop.core.queue`.
"""

from __future__ import annotations

import collections
import contextlib
import heapq
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from sds_desktop.core.queue_items import (
    FINISHED_STATES,
    Direction,
    ItemSpec,
    ItemState,
    Job,
    Listener,
    QueueEvent,
    QueueItem,
    account_key,
)
from sds_desktop.core.queue_journal import Journal
from sds_desktop.core.transfer import SMALL_FILE_BYTES

__all__ = ["PREPARE_CHUNK", "PreparedJob", "QueueStore"]

PREPARE_CHUNK = 2000
"""Items written per transaction by :meth:`QueueStore.prepare_job` (~25 ms of the lock)."""


@dataclass(frozen=True)
class PreparedJob:
    """A job written to the journal but not yet in the queue (:meth:`QueueStore.publish`)."""

    job: Job
    items: list[QueueItem]
    """The queue's own items, to be: nobody else holds them."""
    copies: list[QueueItem]
    """Snapshots of them, for the caller."""


class QueueStore:
    """Items and jobs with their indexes, the journal and the listeners, under one lock.

    ``path`` is the journal file (``None`` → in memory); see :class:`TransferQueue`.
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

    def _track_moves(self, moved: list[QueueItem], olds: list[ItemState]) -> None:
        """:meth:`_track` for many items that all went to one state, in bulk (a batch
        action on 20,000 items: a few counter updates and one heap rebuild, not 20,000
        calls)."""
        if not moved:
            return
        state = moved[0].state
        self._by_state.subtract(collections.Counter(olds))
        self._by_state[state] += len(moved)
        now_finished = state in FINISHED_STATES
        jobs = [
            i.job_id
            for i, old in zip(moved, olds, strict=True)
            if (old in FINISHED_STATES) is not now_finished
        ]
        if jobs:
            if now_finished:
                self._job_done.update(jobs)
            else:
                self._job_done.subtract(jobs)
        if state is ItemState.QUEUED:
            self._push_queued(
                [i for i, old in zip(moved, olds, strict=True) if old is not ItemState.QUEUED]
            )

    def _push_queued(self, items: list[QueueItem]) -> None:
        """Put newly queued items in their lanes' heaps: one by one for a few, else
        appended and each heap rebuilt (linear, in C)."""
        small = self.small_file_bytes
        lanes: dict[tuple[str, bool], list[tuple[float, int]]] = {}
        for item in items:
            lanes.setdefault((item.account, item.size < small), []).append((item.rank, item.id))
        for lane, entries in lanes.items():
            heap = self._queued.setdefault(lane, [])
            if len(entries) < 64:
                for entry in entries:
                    heapq.heappush(heap, entry)
            else:
                heap.extend(entries)
                heapq.heapify(heap)

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
        the job for its details. Both halves at once: see :meth:`prepare_job`."""
        return self.publish(
            self.prepare_job(label, direction, specs, account=account, left_out=left_out)
        )

    def prepare_job(
        self,
        label: str,
        direction: Direction,
        specs: Iterable[ItemSpec],
        *,
        account: str = "",
        left_out: Iterable[tuple[str, str]] = (),
    ) -> PreparedJob:
        """The first half of :meth:`add_job`, for any thread (the app's planner): the job
        and its items built and written to the journal but not yet in the queue;
        :meth:`publish` puts them in, on the thread that owns the listeners. Most of a
        20,000-item job's cost (SQLite, the items' objects, the callers' copies) is paid
        here, and the queue's lock is held for one chunk of rows at a time (~25 ms), so a
        GUI thread that reads the queue meanwhile never waits for the whole job.

        The job is written as not ready, its items in chunks, then marked ready in a last
        transaction: a restart in between finds no trace of it (it never reached the
        queue), and a restart after finds it whole, every item queued."""
        now = time.time()
        account = account_key(account)
        with self._lock, self._journal.transaction():
            job_id = self._journal.insert_job(label, direction, account, now, ready=False)
        job = Job(job_id, label, direction, account, now)
        added = [
            QueueItem(
                id=0,
                job_id=job_id,
                direction=spec.direction,
                name=spec.name,
                local_path=spec.local_path,
                sds_path=spec.sds_path,
                size=spec.size,
                account=account,
                file_uuid=spec.file_uuid,
                created_at=now,
            )
            for spec in specs
        ]
        try:
            for start in range(0, len(added), PREPARE_CHUNK):
                self._journal_chunk(added[start : start + PREPARE_CHUNK])
            with self._lock, self._journal.transaction():
                self._journal.add_left_out(job_id, left_out)
                self._journal.mark_ready(job_id)
        except BaseException:
            with contextlib.suppress(Exception), self._lock:
                self._journal.delete([i.id for i in added if i.id], [job_id])
            raise
        return PreparedJob(job, added, [i.copy() for i in added])

    def _journal_chunk(self, chunk: list[QueueItem]) -> None:
        """Give ``chunk`` its ids and ranks and write it, in one transaction."""
        with self._lock, self._journal.transaction():
            moved: dict[int, float] = {}
            for item, item_id in zip(chunk, self._journal.insert_items(chunk), strict=True):
                item.id = item_id
                item.rank = max(float(item_id), self._max_rank + 1)
                self._max_rank = item.rank
                if item.rank != item_id:  # after a move to the bottom: join the end
                    moved[item_id] = item.rank
            if moved:
                self._journal.set_ranks(moved)

    def publish(self, prepared: PreparedJob) -> tuple[Job, list[QueueItem]]:
        """Put a prepared job's items in the queue and tell the listeners ("added");
        the job and copies of its items. Cheap at any size: the items are new and queued,
        so the indexes take them in bulk."""
        job, added = prepared.job, prepared.items
        with self._lock:
            if job.id in self._jobs:
                raise ValueError(f"job {job.id} is in the queue already")
            self._jobs[job.id] = job
            self._items.update((item.id, item) for item in added)
            self._push_queued(added)
            self._by_state[ItemState.QUEUED] += len(added)
            self._job_size[job.id] += len(added)
        self._notify("added", [i.id for i in added])
        return job, prepared.copies

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
