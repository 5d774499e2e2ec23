"""The transfer queue: one item per file, grouped in jobs, persisted in SQLite.

Qt-free on purpose (design.md): the GUI wraps it in a thin table-model adapter, and a
future CLI or the self-test can drive the same object. The in-memory dict is the source
of truth for reads; every state transition is written through to the SQLite journal so
that a crash or restart loses nothing. Byte counters are updated in memory only (workers
call :meth:`TransferQueue.add_progress` per chunk) and persisted with the next
transition, which keeps the journal cheap.

Thread-safety: every public method takes one re-entrant lock, so workers may report
progress while the GUI thread reads.

The parts: :mod:`~sds_desktop.core.queue_items` (what the queue holds),
:mod:`~sds_desktop.core.queue_journal` (SQLite), :mod:`~sds_desktop.core.queue_store`
(items in memory, indexes, listeners, adding and removing),
:mod:`~sds_desktop.core.queue_transitions` (the state machine); this module adds
reads and reordering, and re-exports the item types.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

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
    QueueEvent,
    QueueItem,
    account_key,
)
from sds_desktop.core.queue_order import Where, new_ranks
from sds_desktop.core.queue_store import PreparedJob
from sds_desktop.core.queue_transitions import QueueTransitions

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
    "PreparedJob",
    "QueueEvent",
    "QueueItem",
    "TransferQueue",
    "account_key",
]


class TransferQueue(QueueTransitions):
    """Transfer items and jobs with their states, persisted in a SQLite journal.

    ``path`` is the journal file (``None`` → in memory). On open, items that were
    running when the previous process ended go back to ``queued`` (their partial bytes
    are discarded: uploads and downloads restart the file).
    """

    # -- reading -------------------------------------------------------------------
    def get(self, item_id: int) -> QueueItem:
        """A snapshot copy of one item (KeyError if unknown)."""
        with self._lock:
            return self._items[item_id].copy()

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
            return [i.copy() for i in self._items.values() if wanted is None or i.state in wanted]

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
            return None if best is None else best.copy()
