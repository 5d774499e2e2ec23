"""The transfer queue's models: a thin adapter over the Qt-free queue.

:class:`QueueModel` listens to the queue and keeps three tab models
(:class:`~sds_desktop.gui.queue_tabs.TabModel`: Queued/Active, Failed, Done), each holding
the ids of its items. It never polls on its own: queue listeners tell it about added,
changed, moved and removed items (GUI thread), and the controller's ~4 Hz tick repaints
the progress, speed and ETA cells of running rows.

Kept cheap for the GUI thread, which shares the GIL with the transfer workers: every
call from Qt into Python must take the GIL back, and with 16 busy workers that can wait.
So the queue's events are applied together at most every ``FLUSH_MS``: one flush works
out which ids leave and enter which tab (list operations over the batch), and each tab
changes with a few signals, whatever the number of rows. A painted cell asks once for all
its roles (``multiData``) instead of once per role.
"""

from __future__ import annotations

from itertools import compress, filterfalse, repeat
from operator import eq
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QTimer, Signal, Slot

from sds_desktop.core.queue import QueueEvent, QueueItem, TransferQueue
from sds_desktop.gui.queue_cells import (
    C_ATTEMPTS,
    C_CHECKSUM,
    C_DIR,
    C_ERROR,
    C_ETA,
    C_JOB,
    C_LOCAL,
    C_NAME,
    C_PROGRESS,
    C_SDS,
    C_SIZE,
    C_SPEED,
    C_STATE,
    COLUMNS,
    FRACTION_ROLE,
    ID_ROLE,
    LIVE_KEYS,
    STATE,
    STATE_ROLE,
    TAB_OF,
    Cells,
    ProgressDelegate,
    progress_text,
    runs,
)
from sds_desktop.gui.queue_tabs import TabModel
from sds_desktop.gui.transfers import TransferController

__all__ = [
    "COLUMNS",
    "C_ATTEMPTS",
    "C_CHECKSUM",
    "C_DIR",
    "C_ERROR",
    "C_ETA",
    "C_JOB",
    "C_LOCAL",
    "C_NAME",
    "C_PROGRESS",
    "C_SDS",
    "C_SIZE",
    "C_SPEED",
    "C_STATE",
    "FLUSH_MS",
    "FRACTION_ROLE",
    "ID_ROLE",
    "STATE_ROLE",
    "TAB_OF",
    "ProgressDelegate",
    "QueueModel",
    "TabModel",
    "progress_text",
]

FLUSH_MS = 100
"""Queue events are applied to the rows at most this often."""

TABS = 3


class QueueModel(QObject):
    """The queue's items in three tab models (``tabs``), in step with the queue."""

    flushed = Signal()
    """A flush changed rows (tab counts, what the actions apply to)."""

    def __init__(
        self,
        queue: TransferQueue,
        controller: TransferController | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.queue = queue
        self.controller = controller
        self.cells = Cells(queue, controller)
        ids, items = self.cells.present(queue.ids())  # in queue order
        tabs = list(map(TAB_OF.get, map(STATE, items)))
        self._tab: dict[int, int] = {
            i: t for i, t in zip(ids, tabs, strict=True) if t is not None
        }  # id -> its tab, as the tab models show it
        groups = _split(tabs, ids, items)
        self.tabs: list[TabModel] = []
        for tab in range(TABS):
            tab_ids, tab_items = groups.get(tab, ([], []))
            self.tabs.append(TabModel(self.cells, tab_ids, tab_items, self.flush, self))
        self._added: dict[int, None] = {}  # events not applied yet (see flush)
        self._changed: set[int] = set()
        self._removed: set[int] = set()
        self._moved: set[int] = set()
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self.flush)
        queue.subscribe(self._on_queue)
        if controller is not None:
            controller.tick.connect(self._on_tick)

    def detach(self) -> None:
        self.queue.unsubscribe(self._on_queue)

    def tab_of(self, item_id: int) -> int:
        """The tab an item is shown in (-1: none, or not flushed yet)."""
        return self._tab.get(item_id, -1)

    def index_of(self, item_id: int, column: int = 0) -> QModelIndex:
        """The cell of an item in its tab's model (invalid: not shown)."""
        tab = self._tab.get(item_id)
        if tab is None:
            return QModelIndex()
        model = self.tabs[tab]
        return model.index(model.row_of(item_id), column)

    # -- updates ------------------------------------------------------------------
    def _on_queue(self, event: QueueEvent, ids: list[int]) -> None:
        if event == "added":
            self._added.update(dict.fromkeys(ids))
        elif event == "changed":
            self._changed.update(ids)
        elif event == "moved":
            self._moved.update(ids)
        elif event == "removed":
            gone = set(ids)
            for item_id in gone & self._added.keys():
                del self._added[item_id]  # came and went between two flushes: never shown
                gone.discard(item_id)
            self._removed |= gone
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    @Slot()
    def flush(self) -> None:
        """Apply the queue's events since the last flush to the tabs, all at once.
        Called by its timer; call it to see the rows now (after a move, in tests)."""
        self._flush_timer.stop()
        removed, self._removed = self._removed, set()
        added, self._added = self._added, {}
        changed, self._changed = self._changed, set()
        moved, self._moved = self._moved, set()
        if not (removed or added or changed or moved):
            return
        tab_of = self._tab
        gone: list[set[int]] = [set() for _ in range(TABS)]
        came: list[dict[int, QueueItem]] = [{} for _ in range(TABS)]
        touched: list[dict[int, QueueItem]] = [{} for _ in range(TABS)]
        leaving = list(removed & tab_of.keys())
        for tab, (ids,) in _split(list(map(tab_of.pop, leaving)), leaving).items():
            gone[tab].update(ids)
        # the ids to look at: new ones, and changed or moved ones still shown
        fresh = list(filterfalse(tab_of.__contains__, added))
        look, items = self.cells.present(fresh + list((changed | moved) & tab_of.keys()))
        olds, news = list(map(tab_of.get, look)), list(map(TAB_OF.get, map(STATE, items)))
        for old, (old_ids, old_items, old_news) in _split(olds, look, items, news).items():
            for new, (ids, its) in _split(old_news, old_ids, old_items).items():
                if old == new:
                    if old is not None:
                        touched[old].update(zip(ids, its, strict=True))
                    continue
                if old is not None:
                    gone[old].update(ids)
                if new is None:
                    for item_id in ids:
                        tab_of.pop(item_id, None)
                    continue
                came[new].update(zip(ids, its, strict=True))
                tab_of.update(dict.fromkeys(ids, new))
        for tab, model in enumerate(self.tabs):
            model.apply(gone[tab], came[tab], touched[tab], moved)
        self.flushed.emit()

    @Slot()
    def _on_tick(self) -> None:
        """Repaint the live cells of running rows (one dataChanged per run of rows)."""
        if self.controller is None:
            return
        active = self.tabs[0]  # running and waiting items are all in the first tab
        running = list(self.controller._workers)
        if active.column in LIVE_KEYS:
            active.refresh(running)  # sorted by progress, speed or ETA: rows move on
        rows = active.rows_of(running)
        for first, last in runs(rows) or ():  # running rows are mostly adjacent: few signals
            active.dataChanged.emit(active.index(first, C_PROGRESS), active.index(last, C_ETA))
        counts = self.controller.queue.counts()
        size = active.rowCount()
        if size and (counts["waiting"] or self.controller.health_text()):
            # countdowns ("retrying in 12 s", "next try in 20 s"): one signal, one column
            active.dataChanged.emit(active.index(0, C_STATE), active.index(size - 1, C_STATE))


def _split(keys: list[Any], *columns: list[Any]) -> dict[Any, tuple[list[Any], ...]]:
    """The parallel lists ``columns``, split by the value of ``keys`` at each place
    (a handful of distinct values: which tab an item leaves for which): one pass in C per
    value, not a Python step per item."""
    values = set(keys)
    if len(values) <= 1:
        return dict.fromkeys(values, columns)
    split = {}
    for value in values:
        mask = list(map(eq, keys, repeat(value)))
        split[value] = tuple(list(compress(column, mask)) for column in columns)
    return split
