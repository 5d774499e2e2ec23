# ruff: noqa: ARG002 - Qt naming and signatures
"""The flat, virtual file list both sides use: a table model over compact rows and its view.

A folder of 100,000 files is one list of tuples. The view is a ``QTableView`` with fixed
row heights, which asks only for the rows it paints (a tree view lays out every row
through Python). Rows arrive in large batches (``append``), are sorted in Python with a
key per column (a proxy would call back into Python twice per comparison), and a fresh
listing replaces the rows in place (``replace``): removed rows go, changed rows are
repainted, new rows are inserted, and the selection follows its rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QAbstractTableModel,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    QUrl,
)
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

AnyIndex = QModelIndex | QPersistentModelIndex
Row = tuple[Any, ...]
"""Every row starts with (name, is_dir); the rest is up to the model."""

REMOTE_MIME = "application/x-sds-desktop-remote"
"""JSON list of ``{"kind": "file"|"dir", "sds_path": ..., "uuid": ...}``."""
PATH_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # == QFileSystemModel.FilePathRole
KIND_ROLE = int(Qt.ItemDataRole.UserRole) + 2
ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 3
DISPLAY = int(Qt.ItemDataRole.DisplayRole)
ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
DECORATION = int(Qt.ItemDataRole.DecorationRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
FONT = int(Qt.ItemDataRole.FontRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_UNANSWERED = frozenset(
    int(r)
    for r in (
        Qt.ItemDataRole.EditRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.SizeHintRole,
        Qt.ItemDataRole.StatusTipRole,
        Qt.ItemDataRole.WhatsThisRole,
        Qt.ItemDataRole.AccessibleTextRole,
        Qt.ItemDataRole.AccessibleDescriptionRole,
    )
)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
_DIR_FLAGS = _FLAGS | Qt.ItemFlag.ItemIsDropEnabled


class Column:
    """One column: header, the row's sort key, how to show it, its width and priority."""

    def __init__(
        self,
        header: str,
        key: Callable[[Row], Any],
        show: Callable[[Row], str],
        *,
        width: int = 0,
        right: bool = False,
        priority: int = 0,
        tip: str = "",
    ) -> None:
        self.header = header
        self.key = key
        self.show = show
        self.width = width
        self.right = right
        self.priority = priority  # columns with the highest priority hide first
        self.tip = tip


def name_key(row: Row) -> str:
    return str(row[0]).lower()


class FlatListModel(QAbstractTableModel):
    """A sortable list of rows, folders first, keyed by (is_dir, name)."""

    columns: Sequence[Column] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._show = [c.show for c in self.columns]
        self._right = [c.right for c in self.columns]
        self.rows: list[Row] = []
        self.sort_column = 0
        self.sort_order = Qt.SortOrder.AscendingOrder
        self.placeholder = ""

    # -- Qt model -------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        col = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.header
        if role == Qt.ItemDataRole.TextAlignmentRole and col.right:
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and col.tip:
            return col.tip
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return _DIR_FLAGS if self.rows[index.row()][1] else _FLAGS

    def data(self, index: AnyIndex, role: int = DISPLAY) -> Any:
        # The hottest Python in the window (every visible cell, every role, each paint):
        # plain int roles (comparing with enum members costs several microseconds each),
        # and the roles nobody answers leave first.
        if role in _UNANSWERED:
            return None
        n = index.row()
        rows = self.rows
        if not 0 <= n < len(rows):
            return None
        return self._answer(rows[n], index.column(), role)

    def multiData(self, index: AnyIndex, roleDataSpan: QModelRoleDataSpan) -> None:  # noqa: N803
        # A view's delegate asks for all the roles of a cell at once: one call into
        # Python (one GIL hand-over while listing threads run) instead of one per role.
        n = index.row()
        rows = self.rows
        row = rows[n] if 0 <= n < len(rows) else None
        col = index.column()
        for role_data in roleDataSpan:
            role = role_data.role()
            if row is not None and role not in _UNANSWERED:
                role_data.setData(self._answer(row, col, role))
            else:
                role_data.clearData()

    def _answer(self, row: Row, col: int, role: int) -> Any:
        if role == DISPLAY:
            return self._show[col](row)
        if role == ALIGN:
            return _RIGHT if self._right[col] else None
        if role == KIND_ROLE:
            return "dir" if row[1] else "file"
        if role == ROW_ROLE:
            return row
        return self.extra_data(row, col, role)

    def extra_data(self, row: Row, col: int, role: int) -> Any:
        return None

    # -- sorting --------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self.sort_column, self.sort_order = column, order
        self._relayout(self.rows)

    def _sorted(self, rows: list[Row]) -> list[Row]:
        key = self.columns[self.sort_column].key
        out = sorted(rows, key=name_key)  # ties in any column are broken by name
        if self.sort_column != 0 or self.sort_order == Qt.SortOrder.DescendingOrder:
            out.sort(key=key, reverse=self.sort_order == Qt.SortOrder.DescendingOrder)
        out.sort(key=itemgetter(1), reverse=True)  # stable: folders first
        return out

    def _relayout(self, rows: list[Row]) -> None:
        """Show ``rows`` (same set as now, new order), moving persistent indexes along."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        before = self.rows
        keys = [
            (before[i.row()][1], before[i.row()][0]) if 0 <= i.row() < len(before) else None
            for i in old
        ]
        self.rows = self._sorted(rows)
        if old:
            wanted = set(keys)
            where = {(r[1], r[0]): n for n, r in enumerate(self.rows) if (r[1], r[0]) in wanted}
            new = [
                self.index(where[k], i.column()) if k in where else QModelIndex()
                for i, k in zip(old, keys, strict=True)
            ]
            self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    # -- changing rows --------------------------------------------------------------
    def clear(self, placeholder: str = "") -> None:
        self.beginResetModel()
        self.rows = []
        self.placeholder = placeholder
        self.endResetModel()

    def set_placeholder(self, text: str) -> None:
        self.placeholder = text
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 0)  # views repaint

    def append(self, rows: Sequence[Row]) -> None:
        """Add a batch at the end (the caller re-sorts when the batch run is over)."""
        if not rows:
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()

    def update_rows(self, changed: Iterable[Row]) -> None:
        """Replace rows by key (same name and kind), repainting them."""
        where = {(r[1], r[0]): n for n, r in enumerate(self.rows)}
        lo, hi = len(self.rows), -1
        for row in changed:
            n = where.get((row[1], row[0]))
            if n is None:
                continue
            self.rows[n] = row
            lo, hi = min(lo, n), max(hi, n)
        if hi >= 0:
            self.dataChanged.emit(self.index(lo, 0), self.index(hi, len(self.columns) - 1))

    def resort(self) -> None:
        self._relayout(self.rows)

    def replace(self, rows: Sequence[Row]) -> None:
        """Show exactly ``rows``: remove what went, update what changed, add what is new."""
        new_by_key = {(r[1], r[0]): r for r in rows}
        keep = [n for n, r in enumerate(self.rows) if (r[1], r[0]) in new_by_key]
        if len(keep) < len(self.rows):
            kept = set(keep)
            # remove contiguous runs from the end, so earlier row numbers stay valid
            n = len(self.rows) - 1
            while n >= 0:
                if n in kept:
                    n -= 1
                    continue
                end = n
                while n >= 0 and n not in kept:
                    n -= 1
                self.beginRemoveRows(QModelIndex(), n + 1, end)
                del self.rows[n + 1 : end + 1]
                self.endRemoveRows()
        changed = []
        for n, r in enumerate(self.rows):
            fresh = new_by_key.pop((r[1], r[0]))
            if fresh != r:
                self.rows[n] = fresh
                changed.append(n)
        if changed:
            self.dataChanged.emit(
                self.index(min(changed), 0), self.index(max(changed), len(self.columns) - 1)
            )
        self.append(list(new_by_key.values()))
        self.resort()

    # -- drag and drop --------------------------------------------------------------
    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction


class FileListView(QTableView):
    """A flat list: fixed row heights, sortable, multi-select, drag and drop, a
    placeholder when empty, and columns that hide by priority when space is short (the
    name column never does)."""

    MIN_NAME = 170

    def __init__(
        self,
        model: FlatListModel,
        parent: QWidget | None = None,
        *,
        shown: QAbstractItemModel | None = None,
    ) -> None:
        super().__init__(parent)
        self.source = model
        self.setModel(shown or model)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setSortingEnabled(True)
        self.setAlternatingRowColors(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vheader = self.verticalHeader()
        vheader.hide()
        vheader.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vheader.setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        for n, col in enumerate(model.columns):
            if n:
                header.setSectionResizeMode(n, QHeaderView.ResizeMode.Interactive)
                header.resizeSection(n, self._scaled(col.width))
        model.modelReset.connect(self.viewport().update)
        model.headerDataChanged.connect(self.viewport().update)

    def _scaled(self, width: int) -> int:
        # widths are given for a 9-pt font: follow the font the user has
        return max(40, round(width * self.fontMetrics().averageCharWidth() / 7))

    def fit_columns(self) -> None:
        """Hide the least important columns while the name would get too narrow."""
        cols = self.source.columns
        avail = self.viewport().width()
        order = sorted(range(1, len(cols)), key=lambda n: cols[n].priority)
        shown: list[int] = []
        used = self.MIN_NAME
        for n in order:
            width = self.horizontalHeader().sectionSize(n) or self._scaled(cols[n].width)
            if self.isColumnHidden(n):
                width = self._scaled(cols[n].width)
            if used + width <= avail:
                shown.append(n)
                used += width
        for n in range(1, len(cols)):
            hide = n not in shown
            if self.isColumnHidden(n) != hide:
                self.setColumnHidden(n, hide)
                if not hide:
                    self.horizontalHeader().resizeSection(n, self._scaled(cols[n].width))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        text = self.source.placeholder
        if text and self.source.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            rect = self.viewport().rect().adjusted(12, 12, -12, -12)
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            painter.drawText(rect, int(flags), text)
            painter.end()

    def to_source(self, index: AnyIndex) -> QModelIndex:
        """Map a view index down the proxy chain (filter, decorator) to the list model."""
        index = QModelIndex(index)
        model = index.model()
        while isinstance(model, QAbstractProxyModel):
            index = model.mapToSource(index)
            model = index.model()
        return index

    def from_source(self, row: int) -> QModelIndex:
        chain = []
        model = self.model()
        while isinstance(model, QAbstractProxyModel):
            chain.append(model)
            model = model.sourceModel()
        index = self.source.index(row, 0)
        for proxy in reversed(chain):
            index = proxy.mapFromSource(index)
        return index

    def selected_rows(self) -> list[Row]:
        rows = self.source.rows
        out = []
        for i in self.selectionModel().selectedRows(0):
            n = self.to_source(i).row()
            if 0 <= n < len(rows):
                out.append(rows[n])
        return out

    def select_row(self, row: int) -> None:
        index = self.from_source(row)
        if index.isValid():
            flag = QItemSelectionModel.SelectionFlag
            selection = self.selectionModel()
            selection.setCurrentIndex(index, flag.NoUpdate)
            selection.select(index, flag.ClearAndSelect | flag.Rows)
            self.scrollTo(index)


def remote_mime(entries: list[dict[str, str]]) -> QMimeData:
    mime = QMimeData()
    mime.setData(REMOTE_MIME, json.dumps(entries).encode("utf-8"))
    return mime


def decode_remote_mime(data: QMimeData) -> list[dict[str, str]]:
    if not data.hasFormat(REMOTE_MIME):
        return []
    try:
        entries = json.loads(bytes(data.data(REMOTE_MIME).data()).decode("utf-8"))
    except ValueError:
        return []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def local_urls_mime(paths: Iterable[Path]) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


__all__ = [
    "KIND_ROLE",
    "PATH_ROLE",
    "REMOTE_MIME",
    "ROW_ROLE",
    "Column",
    "FileListView",
    "FlatListModel",
    "decode_remote_mime",
    "local_urls_mime",
    "remote_mime",
]
