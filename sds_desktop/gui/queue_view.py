# ruff: noqa: S101 - Qt naming and signatures, asserts narrow types
"""The transfer queue dock: tabs Queued/Active, Failed and Done over one
:class:`~sds_desktop.gui.queue_model.QueueModel`, a toolbar whose buttons apply to the
selection, and a context menu."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    Qt,
    Slot,
)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QSpinBox,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sds_desktop.core.queue import (
    ACTIVE_STATES,
    FINISHED_STATES,
    STOPPED_STATES,
    TransferQueue,
)
from sds_desktop.core.receipts import write_receipt
from sds_desktop.gui.queue_model import (
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
    ID_ROLE,
    ProgressDelegate,
    QueueFilter,
    QueueModel,
)
from sds_desktop.gui.transfers import TransferController

log = logging.getLogger("sds_desktop.gui.queue_view")


class QueueTab(QTableView):
    def __init__(
        self, proxy: QueueFilter, parent: QWidget | None = None, *, hidden: Iterable[int] = ()
    ) -> None:
        super().__init__(parent)
        self.setModel(proxy)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSortingEnabled(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(24)
        self.setItemDelegateForColumn(C_PROGRESS, ProgressDelegate(self))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        widths = {
            C_DIR: 34,
            C_NAME: 140,
            C_JOB: 120,
            C_LOCAL: 130,
            C_SDS: 150,
            C_SIZE: 66,
            C_PROGRESS: 130,  # "100% · verifying"
            C_SPEED: 76,
            C_ETA: 50,
            C_STATE: 200,  # "retrying in 12 s (attempt 3/8)", "waiting for SDS, ..."
            C_ATTEMPTS: 60,
            C_CHECKSUM: 140,
        }
        for col, width in widths.items():
            self.setColumnWidth(col, width)
        for col in hidden:
            self.hideColumn(col)

    def selected_ids(self) -> list[int]:
        rows = {i.row() for i in self.selectionModel().selectedRows()}
        model = self.model()
        return [int(model.index(r, 0).data(ID_ROLE)) for r in sorted(rows)]


class QueueDock(QDockWidget):
    """Tabs Queued/Active, Failed, Done; a toolbar with parallelism and cancel buttons."""

    TAB_TITLES = ("Queued / Active", "Failed", "Done")
    TAB_HIDDEN = (
        # each tab shows what matters for its items: the Failed tab gives its width to the
        # error (why it failed), the Done tab to the checksum result
        (C_CHECKSUM,),
        (C_PROGRESS, C_SPEED, C_ETA, C_CHECKSUM),
        (C_PROGRESS, C_SPEED, C_ETA, C_ERROR),
    )

    def __init__(
        self,
        queue: TransferQueue,
        controller: TransferController,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Transfers", parent)
        self.setObjectName("queueDock")
        self.controller = controller
        self.model = QueueModel(queue, controller, self)
        self.proxies = [
            QueueFilter(ACTIVE_STATES, self),
            QueueFilter(STOPPED_STATES, self),
            QueueFilter(FINISHED_STATES, self),
        ]
        for proxy in self.proxies:
            proxy.setSourceModel(self.model)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 2, 4, 4)
        layout.setSpacing(4)
        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(QLabel("Parallel transfers:"))
        self.parallel = QSpinBox(body)
        self.parallel.setRange(1, 32)
        self.parallel.setValue(controller.parallel)
        self.parallel.setToolTip(
            "How many files move at the same time (applies immediately).\n"
            f"Files under {controller.queue.small_file_bytes // (1024 * 1024)} MiB run up to "
            f"{controller.small_parallel} at once beside these: round trips, not bandwidth, "
            "limit them."
        )
        self.parallel.valueChanged.connect(controller.set_parallel)
        bar.addWidget(self.parallel)
        bar.addSpacing(12)
        self.buttons: dict[str, QToolButton] = {}
        for key, text, tip in (
            ("cancel", "Cancel selected", "Cancel the selected transfers"),
            ("cancel_all", "Cancel all", "Cancel every queued and running transfer"),
            ("pause", "Pause", "Pause the selected transfers"),
            ("resume", "Resume", "Resume the selected paused transfers"),
            ("retry", "Retry", "Queue the selected failed transfers again"),
            ("clear", "Clear done", "Forget the finished transfers"),
            (
                "receipt",
                "Save receipt…",
                (
                    "Save a CSV and JSON receipt of the jobs of the selected transfers:\n"
                    "path, size, BLAKE3, SDS UUID, result and time of every file"
                ),
            ),
        ):
            button = QToolButton(body)
            button.setText(text)
            button.setToolTip(tip)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setAutoRaise(True)
            bar.addWidget(button)
            self.buttons[key] = button
        bar.addStretch(1)
        layout.addLayout(bar)
        self.tabs = QTabWidget(body)
        self.tabs.setDocumentMode(True)
        self.views = [
            QueueTab(p, self.tabs, hidden=hidden)
            for p, hidden in zip(self.proxies, self.TAB_HIDDEN, strict=True)
        ]
        for view, title in zip(self.views, self.TAB_TITLES, strict=True):
            self.tabs.addTab(view, title)
            view.customContextMenuRequested.connect(self._context_menu)
        layout.addWidget(self.tabs)
        self.setWidget(body)
        self.buttons["cancel"].clicked.connect(self.cancel_selected)
        self.buttons["cancel_all"].clicked.connect(controller.cancel_all)
        self.buttons["pause"].clicked.connect(self.pause_selected)
        self.buttons["resume"].clicked.connect(self.resume_selected)
        self.buttons["retry"].clicked.connect(self.retry_selected)
        self.buttons["clear"].clicked.connect(controller.clear_finished)
        self.buttons["receipt"].clicked.connect(self.save_receipt)
        for signal in (
            self.model.rowsInserted,
            self.model.rowsRemoved,
            self.model.dataChanged,
            self.model.modelReset,
        ):
            signal.connect(self._update_titles)
        self._update_titles()

    def current_view(self) -> QueueTab:
        view = self.tabs.currentWidget()
        assert isinstance(view, QueueTab)
        return view

    def selected_ids(self) -> list[int]:
        return self.current_view().selected_ids()

    @Slot()
    def _update_titles(self, *_args: object) -> None:
        counts = self.controller.queue.counts()
        for i, proxy in enumerate(self.proxies):
            count = proxy.rowCount()
            title = self.TAB_TITLES[i]
            text = f"{title} ({count})" if count else title
            if i == 1 and counts["cancelled"]:
                # cancelled is not a failure: counted apart, shown in the same tab
                failed = counts["failed"]
                text = f"{title} ({failed})" if failed else title
                text += f" · cancelled ({counts['cancelled']})"
            if self.tabs.tabText(i) != text:  # most changes move no row between tabs
                self.tabs.setTabText(i, text)

    def selected_jobs(self) -> list[int]:
        queue = self.controller.queue
        return sorted({queue.peek(i).job_id for i in self.selected_ids() if i in queue})

    @Slot()
    def save_receipt(self) -> None:
        """Ask where, then write the receipt of the selected rows' jobs."""
        jobs = self.selected_jobs()
        if not jobs:
            QMessageBox.information(
                self, "Save receipt", "Select a transfer of the job to save a receipt for."
            )
            return
        label = self.controller.queue.job(jobs[0]).label
        path, _ = QFileDialog.getSaveFileName(
            self, "Save receipt", f"{label}-receipt.csv", "Receipt (*.csv *.json)"
        )
        if path:
            self.save_receipt_to(Path(path), jobs)

    def save_receipt_to(self, path: Path, jobs: list[int]) -> tuple[Path, Path]:
        csv_path, json_path = write_receipt(self.controller.receipt_rows(jobs), path)
        log.info("receipt saved: %s and %s", csv_path, json_path)
        return csv_path, json_path

    @Slot()
    def cancel_selected(self) -> None:
        self.controller.cancel(self.selected_ids())

    @Slot()
    def pause_selected(self) -> None:
        self.controller.pause(self.selected_ids())

    @Slot()
    def resume_selected(self) -> None:
        self.controller.resume(self.selected_ids())

    @Slot()
    def retry_selected(self) -> None:
        self.controller.retry(self.selected_ids())

    @Slot()
    def remove_selected(self) -> None:
        self.controller.remove(self.selected_ids())

    def _context_menu(self, pos: Any) -> None:
        view = self.current_view()
        menu = QMenu(view)
        for text, slot in (
            ("Cancel", self.cancel_selected),
            ("Pause", self.pause_selected),
            ("Resume", self.resume_selected),
            ("Retry", self.retry_selected),
            ("Remove from list", self.remove_selected),
        ):
            action = QAction(text, menu)
            action.triggered.connect(slot)
            action.setEnabled(bool(view.selected_ids()))
            menu.addAction(action)
        menu.popup(view.viewport().mapToGlobal(pos))
