# ruff: noqa: S101 - Qt naming and signatures, asserts narrow types
"""Tools → Compare folders: the local folder shown against the SDS folder shown, by BLAKE3.

The SDS folder is listed and the local files hashed in the background (hashes cached by
path, size and mtime: a second compare reads nothing). Every file is "same", "differs",
"only here" or "only on SDS"; "Select what differs" selects the rest; the two one-way
syncs show what they would transfer (a dry run) before they queue anything.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from sds_desktop.core.compare import (
    Comparison,
    Entry,
    Status,
    compare,
    plan_download_sync,
    plan_upload_sync,
)
from sds_desktop.core.listing import to_sds_file
from sds_desktop.gui.fmt import human_bytes
from sds_desktop.gui.tasks import Task

if TYPE_CHECKING:
    from sds_desktop.gui.main_window import MainWindow

AnyIndex = QModelIndex | QPersistentModelIndex
HEADERS = ("Path", "Status", "Here", "On SDS")
COLOURS = {
    Status.SAME: "#2e7d32",
    Status.DIFFERS: "#b00020",
    Status.LOCAL_ONLY: "#1565c0",
    Status.REMOTE_ONLY: "#6a1b9a",
}
PREVIEW_LINES = 15


class CompareModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.all: list[Entry] = []
        self.rows: list[Entry] = []
        self.differences_only = False

    def set_entries(self, entries: list[Entry]) -> None:
        self.beginResetModel()
        self.all = entries
        self._filter()
        self.endResetModel()

    def set_differences_only(self, on: bool) -> None:
        self.beginResetModel()
        self.differences_only = on
        self._filter()
        self.endResetModel()

    def _filter(self) -> None:
        self.rows = [
            e for e in self.all if not self.differences_only or e.status is not Status.SAME
        ]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return e.rel
            if col == 1:
                return e.status.value
            if col == 2:
                return human_bytes(e.local_size) if e.local is not None else ""
            return human_bytes(e.remote.size) if e.remote is not None else ""
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            return QBrush(QColor(COLOURS[e.status]))
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [e.rel]
            if e.local is not None:
                parts.append(f"here: {e.local}")
            if e.remote is not None:
                parts.append(f"on SDS: {e.remote.sds_path} (BLAKE3 {e.remote.sum_blake3[:16]}…)")
            return "\n".join(parts)
        return None


class CompareDialog(QDialog):
    def __init__(self, window: MainWindow, local: Path, sds_dir: str) -> None:
        super().__init__(window)
        self.main = window
        self.local = local
        self.sds_dir = sds_dir
        self.result: Comparison | None = None
        self._task: Task | None = None
        self.setWindowTitle("Compare folders")
        self.resize(760, 520)
        layout = QVBoxLayout(self)
        where = QLabel(f"<b>This computer:</b> {local}<br><b>SDS:</b> {sds_dir}", self)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setWordWrap(True)
        layout.addWidget(where)
        self.progress = QProgressBar(self)
        self.progress.setFormat("%p%")
        layout.addWidget(self.progress)
        self.summary = QLabel(self)
        layout.addWidget(self.summary)
        self.model = CompareModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 90), (2, 80), (3, 80)):
            header.resizeSection(col, width)
        layout.addWidget(self.table, 1)
        self.only_differences = QCheckBox("Show only what differs", self)
        self.only_differences.toggled.connect(self.model.set_differences_only)
        layout.addWidget(self.only_differences)
        buttons = QHBoxLayout()
        self.select_button = QPushButton("Select what differs", self)
        self.upload_button = QPushButton("Upload what is new or changed…", self)
        self.download_button = QPushButton("Download what is missing or changed…", self)
        self.again_button = QPushButton("Compare again", self)
        close = QPushButton("Close", self)
        self.upload_button.setToolTip(
            f"Upload the files marked 'only here' or 'differs' to {sds_dir}"
        )
        self.download_button.setToolTip(
            f"Download the files marked 'only on SDS' or 'differs' into {local}"
        )
        for b in (self.select_button, self.upload_button, self.download_button, self.again_button):
            buttons.addWidget(b)
            b.setEnabled(False)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.select_button.clicked.connect(self.select_differences)
        self.upload_button.clicked.connect(self.upload_changes)
        self.download_button.clicked.connect(self.download_changes)
        self.again_button.clicked.connect(self.start)
        close.clicked.connect(self.reject)
        self.finished.connect(self._cancel)

    # -- running --------------------------------------------------------------------
    def start(self) -> None:
        lister = self.main.lister
        if lister is None:
            return
        for b in (self.select_button, self.upload_button, self.download_button, self.again_button):
            b.setEnabled(False)
        self.summary.setText(f"Listing {self.sds_dir}…")
        self.progress.setRange(0, 0)
        cache = self.main.hash_cache()
        local, sds_dir = self.local, self.sds_dir

        def work(task: Task) -> Comparison:
            rows = [r for page in lister.iter_rows(sds_dir, task.cancel) for r in page]
            task.emit(("hashing", 0, 0))
            last = [0.0]

            def progress(done: int, total: int) -> None:
                now = time.monotonic()
                if now - last[0] > 0.1 or done == total:
                    last[0] = now
                    task.emit(("hashing", done, total))

            return compare(local, sds_dir, rows, cache, progress=progress, cancel=task.cancel)

        self._task = self.main.tasks.submit(
            work,
            on_message=self._progress,
            on_success=self._done,
            on_failure=self._failed,
        )

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel.set()
            self._task = None

    def _progress(self, message: object) -> None:
        assert isinstance(message, tuple)
        _, done, total = message
        if total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * done / total))
            self.summary.setText(f"Hashing {human_bytes(done)} of {human_bytes(total)}…")
        else:
            self.summary.setText("Hashing the local files (cached hashes are reused)…")

    def _done(self, result: object) -> None:
        assert isinstance(result, Comparison)
        self._task = None
        self.result = result
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.model.set_entries(result.entries)
        skipped = (
            f" · {len(result.skipped)} left out (as an upload would)" if result.skipped else ""
        )
        self.summary.setText(result.summary() + skipped)
        self.again_button.setEnabled(True)
        differs = any(e.status is not Status.SAME for e in result.entries)
        self.select_button.setEnabled(differs)
        self.upload_button.setEnabled(bool(plan_upload_sync(result)))
        self.download_button.setEnabled(bool(plan_download_sync(result)))

    def _failed(self, exc: BaseException) -> None:
        self._task = None
        self.progress.setRange(0, 1)
        self.summary.setText(f"Could not compare: {exc}")
        self.again_button.setEnabled(True)

    # -- actions --------------------------------------------------------------------
    def select_differences(self) -> None:
        selection = QItemSelection()
        for n, e in enumerate(self.model.rows):
            if e.status is not Status.SAME:
                selection.select(self.model.index(n, 0), self.model.index(n, len(HEADERS) - 1))
        flag = QItemSelectionModel.SelectionFlag
        self.table.selectionModel().select(selection, flag.ClearAndSelect)

    def upload_changes(self) -> None:
        if self.result is None:
            return
        plan = plan_upload_sync(self.result)
        files = [(d, p) for d, paths in plan.items() for p in paths]
        size = sum(p.stat().st_size for _, p in files if p.exists())
        lines = [f"{p.name}  →  {d}" for d, p in files[:PREVIEW_LINES]]
        if len(files) > PREVIEW_LINES:
            lines.append(f"… and {len(files) - PREVIEW_LINES} more")
        text = (
            f"Upload {len(files)} new or changed file(s), {human_bytes(size)}, to {self.sds_dir}?"
            "\n\n" + "\n".join(lines) + "\n\nA changed file replaces the one on the SDS (the "
            "old one is deleted once the new one is verified)."
        )
        self.last_preview = text
        if not self.main.ask("Upload what is new or changed", text):
            return
        self.main.expect_sync_jobs(len(plan))
        for sds_dir, paths in plan.items():
            self.main.upload(paths, sds_dir)

    def download_changes(self) -> None:
        if self.result is None:
            return
        plan = plan_download_sync(self.result)
        files = [(d, r) for d, rows in plan.items() for r in rows]
        size = sum(r.size for _, r in files)
        lines = [f"{r.sds_path}  →  {d}" for d, r in files[:PREVIEW_LINES]]
        if len(files) > PREVIEW_LINES:
            lines.append(f"… and {len(files) - PREVIEW_LINES} more")
        text = (
            f"Download {len(files)} missing or changed file(s), {human_bytes(size)}, into "
            f"{self.local}?\n\n" + "\n".join(lines) + "\n\nA changed file replaces the local "
            "one (the download is verified before it does)."
        )
        self.last_preview = text
        if not self.main.ask("Download what is missing or changed", text):
            return
        self.main.expect_sync_jobs(len(plan))
        for folder, rows in plan.items():
            self.main.download_into([to_sds_file(r) for r in rows], folder)


def open_compare(window: MainWindow) -> CompareDialog | None:
    if window.lister is None:
        return None
    dialog = CompareDialog(
        window, window.local_pane.current_dir(), window.remote_pane.current_dir()
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.compare_dialog = dialog
    dialog.open()
    dialog.start()
    return dialog


__all__ = ["CompareDialog", "CompareModel", "open_compare"]
