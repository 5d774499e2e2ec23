# ruff: noqa: FBT003, N815, ISC004, RUF001 - Qt naming and bools; en dashes in ranges
"""The Captures tab: filter bar, the capture table and its actions.

The view only shows and asks; :class:`sds_desktop.gui.rf.controller.RFController`
wires its actions to background work.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QModelIndex, Qt, QTimeZone, Signal, Slot
from PySide6.QtGui import QAction, QDoubleValidator, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sds_desktop.gui.rf.captures_model import (
    COL_FILES,
    COL_FREQ,
    COL_GROUP,
    COL_NAME,
    COL_OWNER,
    COL_RATE,
    COL_SHARED,
    COL_SIZE,
    COL_SPAN,
    COL_TYPE,
    CaptureFilter,
    CapturesModel,
)
from sds_desktop.gui.rf.info import TYPE_NAMES, CaptureInfo
from sds_desktop.gui.rf.table_columns import Column, FittedColumns

_UTC = QTimeZone.utc()


def _mhz(edit: QLineEdit) -> float | None:
    text = edit.text().strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text) * 1e6
    except ValueError:
        return None


class CapturesView(QWidget):
    """Every capture the user can see, with instant filters on what is loaded."""

    filtersChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CapturesModel(self)
        self.proxy = CaptureFilter(self)
        self.proxy.setSourceModel(self.model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)

        sp = QStyle.StandardPixmap
        self.actions_: dict[str, QAction] = {}
        for key, icon, text, shortcut, tip in (
            ("refresh", sp.SP_BrowserReload, "Refresh", "", "List every capture again"),
            (
                "download",
                sp.SP_ArrowDown,
                "Download…",
                "",
                "Download the capture's files into the folder open on the left "
                "(Digital RF: optionally only a time window)",
            ),
            (
                "quicklook",
                sp.SP_MediaPlay,
                "Quick look",
                "",
                "Spectrogram and power spectrum of a slice of the signal (Ctrl+Shift+L)",
            ),
            (
                "properties",
                sp.SP_FileDialogInfoView,
                "Properties",
                "",
                "Every field of the capture",
            ),
            ("copy_uuid", None, "Copy UUID", "", "Copy the capture UUID(s)"),
            (
                "web",
                None,
                "Open in SDS web",
                "",
                "Open the SDS web UI (sharing, publishing, creating datasets)",
            ),
            (
                "reindex",
                None,
                "Reindex",
                "",
                "Ask the SDS to find the capture's files again and re-index it",
            ),
            ("delete", sp.SP_TrashIcon, "Delete…", "", "Delete the capture (its files stay)"),
        ):
            action = QAction(text, self)
            if icon is not None:
                action.setIcon(self.style().standardIcon(icon))
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(tip)
            action.setStatusTip(tip)
            self.actions_[key] = action
            self.addAction(action)

        bar = QHBoxLayout()
        bar.setSpacing(2)
        for key in ("refresh", "download", "quicklook", "properties", "delete"):
            button = QToolButton(self)
            button.setDefaultAction(self.actions_[key])
            button.setAutoRaise(True)
            if key in ("download", "quicklook"):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            bar.addWidget(button)
        bar.addSpacing(6)
        self.text_edit = QLineEdit(self)
        self.text_edit.setPlaceholderText("Filter: name, folder, channel, owner, UUID…")
        self.text_edit.setClearButtonEnabled(True)
        bar.addWidget(self.text_edit, 1)
        self.count_label = QLabel(self)
        bar.addWidget(self.count_label)
        layout.addLayout(bar)

        filters = QHBoxLayout()
        filters.setSpacing(4)
        self.type_combo = QComboBox(self)
        self.type_combo.addItem("All types", "")
        for key, name in TYPE_NAMES.items():
            self.type_combo.addItem(name, key)
        self.type_combo.setToolTip("Show only captures of this type")
        filters.addWidget(self.type_combo)
        filters.addSpacing(6)
        filters.addWidget(QLabel("Centre", self))
        self.fmin_edit = QLineEdit(self)
        self.fmax_edit = QLineEdit(self)
        for edit, hint in ((self.fmin_edit, "min MHz"), (self.fmax_edit, "max MHz")):
            edit.setPlaceholderText(hint)
            edit.setValidator(QDoubleValidator(0.0, 1e9, 6, edit))
            edit.setClearButtonEnabled(True)
            edit.setFixedWidth(90)
            edit.setToolTip("Centre frequency range, in MHz (leave empty for no limit)")
        filters.addWidget(self.fmin_edit)
        filters.addWidget(QLabel("–", self))
        filters.addWidget(self.fmax_edit)
        filters.addWidget(QLabel("MHz", self))
        filters.addStretch(1)
        # the time range on a row of its own: both rows fit half of a 1280-pixel window
        times = QHBoxLayout()
        times.setSpacing(4)
        self.from_check = QCheckBox("From", self)
        self.to_check = QCheckBox("to", self)
        self.from_edit = QDateTimeEdit(self)
        self.to_edit = QDateTimeEdit(self)
        now = QDateTime.currentDateTimeUtc()
        for check, edit, value in (
            (self.from_check, self.from_edit, now.addYears(-1)),
            (self.to_check, self.to_edit, now),
        ):
            edit.setTimeZone(_UTC)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setCalendarPopup(True)
            edit.setDateTime(value)
            edit.setEnabled(False)
            edit.setToolTip("UTC; a capture is shown when its span overlaps the range")
            check.setToolTip("Limit the captures by time (UTC)")
            check.toggled.connect(edit.setEnabled)
            times.addWidget(check)
            times.addWidget(edit)
        times.addWidget(QLabel("UTC", self))
        times.addStretch(1)
        self.clear_button = QToolButton(self)
        self.clear_button.setText("Clear filters")
        self.clear_button.setAutoRaise(True)
        self.clear_button.clicked.connect(self.clear_filters)
        times.addWidget(self.clear_button)
        layout.addLayout(filters)
        layout.addLayout(times)

        self.view = QTableView(self)
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(COL_SPAN, Qt.SortOrder.DescendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        # the name stretches; the others fit their content; Rate, Files, Owner and
        # Shared are in the header's menu; in a narrow window the least important
        # defaults make room rather than the table scrolling sideways
        self.columns = FittedColumns(
            self.view,
            COL_NAME,
            [
                Column(COL_TYPE, "SigMF", keep=5),
                Column(COL_GROUP, "ch0-hpol-long", keep=3),
                Column(COL_FREQ, "2.4125 GHz", keep=4),
                Column(COL_RATE, "24 MS/s", shown=False),
                Column(COL_SPAN, "2024-06-27 14:00:00 – 14:00:03", keep=2),
                Column(COL_FILES, "1,000", shown=False),
                Column(COL_SIZE, "999.9 MB", keep=1),
                Column(COL_OWNER, "someone", shown=False),
                Column(COL_SHARED, "Shared", shown=False),
            ],
        )
        layout.addWidget(self.view, 1)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.status_label.hide()
        layout.addWidget(self.status_label)

        self.type_combo.currentIndexChanged.connect(self.apply_filters)
        self.text_edit.textChanged.connect(self.apply_filters)
        for edit in (self.fmin_edit, self.fmax_edit):
            edit.textChanged.connect(self.apply_filters)
        for check in (self.from_check, self.to_check):
            check.toggled.connect(self.apply_filters)
        for dt_edit in (self.from_edit, self.to_edit):
            dt_edit.dateTimeChanged.connect(self.apply_filters)
        self.view.selectionModel().selectionChanged.connect(self.update_actions)
        self.view.doubleClicked.connect(self._double_clicked)
        self.model.rowsInserted.connect(self._update_count)
        self.model.modelReset.connect(self._update_count)
        self.model.rowsRemoved.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        self.set_signed_in(False)
        self.update_actions()
        self._update_count()

    def action(self, key: str) -> QAction:
        return self.actions_[key]

    # -- filters -------------------------------------------------------------------
    @staticmethod
    def _utc(edit: QDateTimeEdit) -> datetime:
        return datetime.fromtimestamp(edit.dateTime().toSecsSinceEpoch(), UTC)

    @Slot()
    def apply_filters(self, *_args: object) -> None:
        fmin, fmax = _mhz(self.fmin_edit), _mhz(self.fmax_edit)
        self.proxy.set_filters(
            capture_type=str(self.type_combo.currentData() or ""),
            freq_range=(fmin, fmax),
            time_range=(
                self._utc(self.from_edit) if self.from_check.isChecked() else None,
                self._utc(self.to_edit) if self.to_check.isChecked() else None,
            ),
            text=self.text_edit.text(),
        )
        self.clear_button.setEnabled(self.proxy.active)
        self._update_count()
        self.filtersChanged.emit()

    @Slot()
    def clear_filters(self) -> None:
        widgets = (
            self.type_combo,
            self.text_edit,
            self.fmin_edit,
            self.fmax_edit,
            self.from_check,
            self.to_check,
        )
        for w in widgets:
            w.blockSignals(True)
        self.type_combo.setCurrentIndex(0)
        self.text_edit.clear()
        self.fmin_edit.clear()
        self.fmax_edit.clear()
        self.from_check.setChecked(False)
        self.to_check.setChecked(False)
        self.from_edit.setEnabled(False)
        self.to_edit.setEnabled(False)
        for w in widgets:
            w.blockSignals(False)
        self.apply_filters()

    def set_time_range(self, start: datetime | None, end: datetime | None) -> None:
        """Set the time filter (tests and "find by time" use it)."""
        for check, edit, value in (
            (self.from_check, self.from_edit, start),
            (self.to_check, self.to_edit, end),
        ):
            check.blockSignals(True)
            edit.blockSignals(True)
            check.setChecked(value is not None)
            edit.setEnabled(value is not None)
            if value is not None:
                edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(value.timestamp()), _UTC))
            check.blockSignals(False)
            edit.blockSignals(False)
        self.apply_filters()

    def _update_count(self, *_args: object) -> None:
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        text = f"{total:,} captures" if shown == total else f"{shown:,} of {total:,} captures"
        self.count_label.setText(text)

    # -- state ---------------------------------------------------------------------
    def set_signed_in(self, signed_in: bool) -> None:
        self.action("refresh").setEnabled(signed_in)
        self.view.setEnabled(signed_in)
        if not signed_in:
            self.show_status("Sign in to list your captures.")

    def show_status(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))

    def selected(self) -> list[CaptureInfo]:
        rows = self.view.selectionModel().selectedRows(0)
        return [self.proxy.info(i) for i in rows]

    @Slot()
    def update_actions(self, *_args: object) -> None:
        infos = self.selected()
        one = len(infos) == 1
        self.action("download").setEnabled(bool(infos))
        self.action("quicklook").setEnabled(one)
        self.action("properties").setEnabled(one)
        self.action("copy_uuid").setEnabled(bool(infos))
        self.action("reindex").setEnabled(one)
        self.action("delete").setEnabled(bool(infos))
        self.action("web").setEnabled(True)

    def select_uuid(self, uuid: str) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if self.proxy.info(index).uuid == uuid:
                self.view.selectRow(row)
                self.view.scrollTo(index)
                return True
        return False

    def _double_clicked(self, _index: QModelIndex) -> None:
        self.action("properties").trigger()

    def _context_menu(self, pos: object) -> None:
        self.update_actions()
        menu = QMenu(self.view)
        for key in (
            "download",
            "quicklook",
            None,
            "properties",
            "copy_uuid",
            "web",
            None,
            "reindex",
            "refresh",
            None,
            "delete",
        ):
            if key is None:
                menu.addSeparator()
            else:
                menu.addAction(self.actions_[key])
        menu.popup(self.view.viewport().mapToGlobal(pos))  # type: ignore[arg-type]


__all__ = ["CapturesView"]
