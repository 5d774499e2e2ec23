"""One tab of the transfer queue (Queued/Active, Failed, Done): its own table model.

A tab holds the ordered ids of its items, in queue order or sorted by a column. The
queue model (:mod:`~sds_desktop.gui.queue_model`) routes each coalesced batch of queue
events to the tabs at once: ids leaving and entering a tab, and ids that changed in it.
A tab turns its batch into one signal per contiguous run of rows (removals, then
insertions at their sorted places), or into one layout change when that would take more
than ``MAX_RUNS`` signals or when its order changed (a sort, a move, a changed sort
key). So a state change of 20,000 items costs a few list operations and a few signals,
not a Python call from Qt per row and tab (as filter proxies over one model did).

Sorting is done here, on the id list, with keys computed once per item (not per
comparison) and kept: an item entering a sorted tab takes its place by one merge sort.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import compress, count, filterfalse, islice
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QObject,
    Qt,
    Signal,
)

from sds_desktop.core.queue import QueueItem
from sds_desktop.gui.queue_cells import CHANGING_KEYS, COLUMNS, AnyIndex, Cells, runs

MAX_RUNS = 64
"""Above this many runs of rows for one batch, a tab changes with one layout change."""
TOP_ROWS = 2048
"""Rows looked through for a few ids before the id -> row map is built again: in queue
order, the rows that start and finish are near the top."""

_SORT_HINT = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
_LAYOUT = ("QList<QPersistentModelIndex>", "QAbstractItemModel::LayoutChangeHint")
"""The overload of the layout signals that carries the hint (rows, not columns, move:
the horizontal header keeps its sections as they are)."""


class TabModel(QAbstractTableModel):
    """The rows of one tab: item ids in the tab's order."""

    regrouping = Signal()
    """About to change with one layout change (sorted, reordered, or a change of many
    scattered rows): views take note of their selection, by ids, and clear it..."""
    regrouped = Signal()
    """...and select those ids again here (kept by Qt otherwise, row by row)."""

    def __init__(
        self,
        cells: Cells,
        ids: list[int],
        items: list[QueueItem],
        flush: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.cells = cells
        self.column = -1
        """The column sorted by (-1: queue order)."""
        self.descending = False
        self._flush = flush
        self._ids: list[int] = list(ids)  # in queue order, as the queue lists them
        self._rows: dict[int, int] | None = None  # id -> row, built when needed
        keys = cells.sort_keys(-1, descending=False, items=items)
        self._keys: dict[int, Any] = dict(zip(self._ids, keys, strict=True))

    # -- reading -------------------------------------------------------------------
    def item_id(self, row: int) -> int:
        return self._ids[row]

    def ids(self) -> list[int]:
        """Every id of the tab, in its order."""
        return list(self._ids)

    def ids_at(self, rows: list[int]) -> list[int]:
        return list(map(self._ids.__getitem__, rows))

    def row_of(self, item_id: int) -> int:
        rows = self.rows_of([item_id])
        return rows[0] if rows else -1

    def rows_of(self, ids: Iterable[int]) -> list[int]:
        """The sorted rows of those of ``ids`` in the tab."""
        wanted = set(ids)
        if self._rows is None and len(wanted) <= TOP_ROWS // 64:
            top = islice(self._ids, TOP_ROWS)  # after a change, before a map of every row
            found = list(compress(count(), map(wanted.__contains__, top)))
            if len(found) == len(wanted):
                return found
        rows = self._row_map()
        return sorted(map(rows.__getitem__, rows.keys() & wanted))

    def _row_map(self) -> dict[int, int]:
        if self._rows is None:
            self._rows = dict(zip(self._ids, count()))
        return self._rows

    def refresh(self, ids: Iterable[int]) -> None:
        """Those of ``ids`` in the tab changed without a queue event (running items'
        progress and speed): sorted by such a column, they take their new places."""
        ids, items = self.cells.present(list(self._keys.keys() & set(ids)))
        if ids:
            self.apply(set(), {}, dict(zip(ids, items, strict=True)), set())

    def flush(self) -> None:
        """Apply the queue's pending events now (to every tab): see QueueModel.flush."""
        self._flush()

    # -- sorting -------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column`` (-1: back to queue order): one sort of the id list."""
        column = column if 0 <= column < len(COLUMNS) else -1
        descending = column >= 0 and order == Qt.SortOrder.DescendingOrder
        if (column, descending) == (self.column, self.descending):
            return
        self._flush()  # removed items gone, new ones in: every id here has its item
        self.column, self.descending = column, descending
        ids, items = self.cells.present(self._ids)
        self._keys = dict(zip(ids, self._sort_keys(items), strict=True))
        self._regroup(self._ordered(self._keys))

    def _sort_keys(self, items: list[QueueItem]) -> list[Any]:
        return self.cells.sort_keys(self.column, self.descending, items)

    def _ordered(self, ids: Any) -> list[int]:
        return sorted(ids, key=self._keys.__getitem__, reverse=self.descending)

    # -- changes -------------------------------------------------------------------
    def apply(
        self,
        gone: set[int],
        came: dict[int, QueueItem],
        touched: dict[int, QueueItem],
        moved: set[int],
    ) -> None:
        """One batch: ``gone`` ids leave, ``came`` join at their sorted places,
        ``touched`` stay but changed (and among them those ``moved`` in the queue)."""
        keys = self._keys
        resort = False
        if touched:
            rekey = list(touched) if self.column in CHANGING_KEYS else list(moved & touched.keys())
            if rekey:
                new = self._sort_keys([touched[i] for i in rekey])
                if list(map(keys.__getitem__, rekey)) != new:
                    keys.update(zip(rekey, new, strict=True))
                    resort = True
        removals = runs(self.rows_of(gone), MAX_RUNS) if gone and not resort else []
        for item_id in gone:
            del keys[item_id]
        if came:
            keys.update(zip(came, self._sort_keys(list(came.values())), strict=True))
        if resort or came or removals is None:
            kept = list(filterfalse(gone.__contains__, self._ids)) if gone else self._ids
            final = kept + self._ordered(came)
            if came or resort:
                final.sort(key=keys.__getitem__, reverse=self.descending)  # merges sorted runs
            inserted = list(compress(count(), map(came.__contains__, final))) if came else []
            insertions = None if resort else runs(inserted, MAX_RUNS)
            if removals is None or insertions is None or len(removals) + len(insertions) > MAX_RUNS:
                self._regroup(final)
                return
        else:
            final, insertions = [], []
        ids, root = self._ids, QModelIndex()
        for first, last in reversed(removals):
            self.beginRemoveRows(root, first, last)
            del ids[first : last + 1]
            self._rows = None
            self.endRemoveRows()
        for first, last in insertions:  # ascending: the rows before each run are final
            self.beginInsertRows(root, first, last)
            ids[first:first] = final[first : last + 1]
            self._rows = None
            self.endInsertRows()
        if touched:
            self._repaint(touched)

    def _repaint(self, touched: dict[int, QueueItem]) -> None:
        """One dataChanged over the rows that changed in place (their bounding range)."""
        rows = self.rows_of(touched) if len(touched) <= MAX_RUNS else [0, len(self._ids) - 1]
        if rows and rows[-1] >= 0:
            last = len(COLUMNS) - 1
            self.dataChanged.emit(self.index(rows[0], 0), self.index(rows[-1], last))

    def _regroup(self, final: list[int]) -> None:
        """Show ``final`` with one layout change: the few persistent indexes left once
        the views have noted their selection (``regrouping``) follow their ids."""
        self.regrouping.emit()
        self.layoutAboutToBeChanged[_LAYOUT].emit([], _SORT_HINT)  # type: ignore[index]
        old = self.persistentIndexList()
        old_ids = [self._ids[i.row()] for i in old]
        self._ids = final
        self._rows = None
        rows = self._row_map() if old else {}
        new = [
            QModelIndex() if (row := rows.get(item_id)) is None else self.index(row, i.column())
            for item_id, i in zip(old_ids, old, strict=True)
        ]
        self.changePersistentIndexList(old, new)
        self.layoutChanged[_LAYOUT].emit([], _SORT_HINT)  # type: ignore[index]
        self.regrouped.emit()

    # -- model ---------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        return COLUMNS[section] if role == Qt.ItemDataRole.DisplayRole else None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self._item_at(index.row()) if index.isValid() else None
        return None if item is None else self.cells.role(item, index.column(), role)

    def multiData(self, index: AnyIndex, roleDataSpan: QModelRoleDataSpan) -> None:  # noqa: N803
        """Every role a view asks of one cell, in one call from Qt."""
        item = self._item_at(index.row()) if index.isValid() else None
        col, role = index.column(), self.cells.role
        for role_data in roleDataSpan:
            role_data.setData(None if item is None else role(item, col, role_data.role()))

    def _item_at(self, row: int) -> QueueItem | None:
        if not 0 <= row < len(self._ids):
            return None
        return self.cells.item(self._ids[row])  # None: removed, its row goes at the flush
