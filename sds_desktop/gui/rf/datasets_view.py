"""The Datasets tab: datasets the user has met (through captures and files) and opened.

Production has no dataset list: a dataset appears here when a listed capture or file
belongs to it, or when the user opens it by UUID or by a link pasted from the web UI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sds_desktop.gui.rf.info import DatasetInfo

AnyIndex = QModelIndex | QPersistentModelIndex
COLUMNS = ("Name", "Status", "Authors", "DOI", "Captures", "Found through", "UUID")


class DatasetsModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[DatasetInfo] = []
        self._index: dict[str, int] = {}

    def clear(self) -> None:
        self.beginResetModel()
        self._rows, self._index = [], {}
        self.endResetModel()

    def add(self, infos: Iterable[DatasetInfo], *, only_new: bool = False) -> None:
        """Add datasets; a known one is replaced (unless ``only_new``: stubs from a
        listing never overwrite a dataset already read in full)."""
        fresh: list[DatasetInfo] = []
        for info in infos:
            row = self._index.get(info.uuid)
            if row is None:
                if all(f.uuid != info.uuid for f in fresh):
                    fresh.append(info)
                continue
            if only_new:
                continue
            old = self._rows[row]
            keep_source = not info.source or (info.source == "opened" and old.source)
            self._rows[row] = replace(info, source=old.source) if keep_source else info
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        if not fresh:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        for i, info in enumerate(fresh):
            self._index[info.uuid] = first + i
        self._rows.extend(fresh)
        self.endInsertRows()

    def info(self, row: int) -> DatasetInfo:
        return self._rows[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        info = self._rows[index.row()]
        col = index.column()
        if col == 0:
            return info.name
        if col == 1:
            return info.status
        if col == 2:
            return info.authors
        if col == 3:
            return info.doi
        if col == 4:
            return str(len(info.captures)) if info.captures else ""
        if col == 5:
            return info.source
        return info.uuid


class DatasetsView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = DatasetsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        sp = QStyle.StandardPixmap
        self.actions_: dict[str, QAction] = {}
        for key, icon, text, shortcut, tip in (
            ("open", sp.SP_DialogOpenButton, "Open dataset…", "Ctrl+Shift+O",
             "Open a dataset by UUID or by a link pasted from the SDS web UI"),
            ("download", sp.SP_ArrowDown, "Download dataset…", "",
             "Download the dataset's files (all, some captures or folders, or artifacts only)"),
            ("properties", sp.SP_FileDialogInfoView, "Properties", "",
             "Authors, DOI, keywords, licence, captures and artifacts"),
            ("copy_uuid", None, "Copy UUID", "", "Copy the dataset UUID(s)"),
            ("web", None, "Open in SDS web", "",
             "Share or publish the dataset in the SDS web UI"),
            ("create", None, "New dataset in SDS web…", "",
             "Datasets are created in the SDS web UI (the API cannot create them)"),
        ):  # fmt: skip
            action = QAction(text, self)
            if icon is not None:
                action.setIcon(self.style().standardIcon(icon))
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(tip)
            self.actions_[key] = action
            self.addAction(action)
        bar = QHBoxLayout()
        bar.setSpacing(2)
        for key in ("open", "download", "properties", "web", "create"):
            button = QToolButton(self)
            button.setDefaultAction(self.actions_[key])
            button.setAutoRaise(True)
            if key in ("open", "download", "properties"):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            bar.addWidget(button)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.view = QTableView(self)
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 80), (2, 160), (3, 140), (4, 70), (5, 170), (6, 120)):
            header.resizeSection(col, width)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(lambda _i: self.actions_["properties"].trigger())
        layout.addWidget(self.view, 1)
        self.hint = QLabel(
            "Datasets appear here when files you browse belong to one, or when you "
            "open one by UUID or link (Open dataset…). Create, share and publish datasets "
            "in the SDS web UI.",
            self,
        )
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.view.selectionModel().selectionChanged.connect(self.update_actions)
        self.set_signed_in(False)
        self.update_actions()

    def action(self, key: str) -> QAction:
        return self.actions_[key]

    def set_signed_in(self, signed_in: bool) -> None:
        for key in ("open", "web", "create"):
            self.actions_[key].setEnabled(signed_in)

    def selected(self) -> list[DatasetInfo]:
        rows = self.view.selectionModel().selectedRows(0)
        return [self.model.info(self.proxy.mapToSource(i).row()) for i in rows]

    def select_uuid(self, uuid: str) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if self.model.info(self.proxy.mapToSource(index).row()).uuid == uuid:
                self.view.selectRow(row)
                return

    def update_actions(self, *_args: object) -> None:
        one = len(self.selected()) == 1
        for key in ("download", "properties"):
            self.actions_[key].setEnabled(one)
        self.actions_["copy_uuid"].setEnabled(bool(self.selected()))

    def met_through_file(self, sds_path: str, entries: Iterable[object]) -> None:
        self.met_through(f"file {sds_path}", entries)

    def met_through_capture(self, name: str, entries: Iterable[object]) -> None:
        self.met_through(f"capture {name}", entries)

    def met_through(self, via: str, entries: Iterable[object]) -> None:
        """Datasets seen in a file's or a capture's ``datasets`` join the tab (once)."""
        stubs = []
        for entry in entries:
            if isinstance(entry, Mapping):
                stub = DatasetInfo.stub(entry, via)
            elif isinstance(entry, str):
                stub = DatasetInfo.stub({"uuid": entry}, via)
            else:
                stub = None
            if stub is not None:
                stubs.append(stub)
        self.model.add(stubs, only_new=True)

    def _context_menu(self, pos: Any) -> None:
        self.update_actions()
        menu = QMenu(self.view)
        for key in ("download", "properties", "copy_uuid", None, "web", "open"):
            if key is None:
                menu.addSeparator()
            else:
                menu.addAction(self.actions_[key])
        menu.popup(self.view.viewport().mapToGlobal(pos))


__all__ = ["DatasetsModel", "DatasetsView"]
