"""The transfer queue's state machine: every move of an item from one state to another.

:class:`QueueTransitions` adds to :class:`sds_desktop.core.queue_store.QueueStore` the
transitions workers and the GUI ask for (running, done, failed, waiting to retry, held
for a conflict, cancelled, paused, resumed, retried), each checked against the states it
may leave, written through to the journal in one statement (``running`` is not
journaled) and notified once, however many items move. Byte and phase counters of
running items are set here too (in memory only: persisted with the next transition).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from sds_desktop.core.queue_items import (
    ACTIVE_STATES,
    FINISHED_STATES,
    STOPPED_STATES,
    ItemState,
    QueueItem,
)
from sds_desktop.core.queue_journal import Journal
from sds_desktop.core.queue_store import QueueStore

__all__ = ["QueueTransitions"]


class QueueTransitions(QueueStore):
    """State transitions of queue items (one journal write, one notification per call)."""

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
        clear_note = state in STOPPED_STATES
        with self._lock:
            moved: list[QueueItem] = []
            olds: list[ItemState] = []
            items = self._items
            for item_id in dict.fromkeys(item_ids):
                item = items.get(item_id)
                if item is None or (allowed is not None and item.state not in allowed):
                    continue
                olds.append(item.state)
                item.state = state
                for key, value in changes.items():
                    setattr(item, key, value)
                item.finished_at = finished_at
                if clear_retry:
                    item.retry_at = None
                if clear_note:
                    item.note = ""
                if clear_phase:
                    item.phase, item.phase_done, item.phase_total = "", 0, 0
                moved.append(item)
            self._track_moves(moved, olds)
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
            if not self._by_state[ItemState.WAITING]:
                return []  # the usual case, at every tick: no walk over 20,000 items
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
            if not self._by_state[ItemState.WAITING]:
                return None
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
