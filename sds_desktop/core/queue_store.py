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
from dataclasses import replace
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

__all__ = ["QueueStore"]


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
        with self._lock:
            with self._journal.transaction():
                job = Job(
                    self._journal.insert_job(label, direction, account, now),
                    label,
                    direction,
                    account,
                    now,
                )
                added = [
                    QueueItem(
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
                    for spec in specs
                ]
                for item, item_id in zip(added, self._journal.insert_items(added), strict=True):
                    item.id = item_id
                    item.rank = max(float(item.id), self._max_rank + 1)
                    self._max_rank = item.rank
                    if item.rank != item.id:  # after a move to the bottom: join the end
                        self._journal.set_ranks({item.id: item.rank})
                self._journal.add_left_out(job.id, left_out)
            self._jobs[job.id] = job
            for item in added:
                self._items[item.id] = item
                self._track(item, None)
        self._notify("added", [i.id for i in added])
        return job, [i.copy() for i in added]

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
