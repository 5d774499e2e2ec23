# ruff: noqa: S101 - Qt naming and signatures, asserts narrow types
"""The transfer queue dock: tabs Queued/Active, Failed and Done over the tab models of
one :class:`~sds_desktop.gui.queue_model.QueueModel`, a toolbar whose buttons apply to
the selection, and a context menu."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, QTimer, Slot
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
    MOVABLE_STATES,
    STOPPED_STATES,
    ItemState,
    TransferQueue,
)
from sds_desktop.core.queue_order import Where
from sds_desktop.core.receipts import write_receipt
from sds_desktop.gui.job_details import JobDetails
from sds_desktop.gui.queue_cells import runs
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
    ProgressDelegate,
    QueueModel,
    TabModel,
)
from sds_desktop.gui.transfers import TransferController

log = logging.getLogger("sds_desktop.gui.queue_view")

ARROWS = {"top": "⇑", "up": "↑", "down": "↓", "bottom": "⇓"}
PAUSABLE = frozenset({ItemState.QUEUED, ItemState.RUNNING, ItemState.WAITING})


class QueueTab(QTableView):
    def __init__(
        self, model: TabModel, parent: QWidget | None = None, *, hidden: Iterable[int] = ()
    ) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.tab_model = model
        self._kept: list[int] = []
        model.regrouping.connect(self._note_selection)
        model.regrouped.connect(self._select_again)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
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
        # click a header to sort; a third click goes back to queue order
        header.setSortIndicatorClearable(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setToolTip("Click to sort; click a third time for queue order")
        self.setSortingEnabled(True)

    def in_queue_order(self) -> bool:
        return self.horizontalHeader().sortIndicatorSection() < 0

    def selected_rows(self) -> list[int]:
        """The selected rows, from the selection's ranges (not one index per cell)."""
        rows: set[int] = set()
        for part in self.selectionModel().selection():
            rows.update(range(part.top(), part.bottom() + 1))
        return sorted(rows)

    def selected_ids(self) -> list[int]:
        return self.tab_model.ids_at(self.selected_rows())

    @Slot()
    def _note_selection(self) -> None:
        """Before the tab changes in one go: the selection, by ids (see TabModel)."""
        self._kept = self.selected_ids()
        if self._kept:
            self.selectionModel().clearSelection()

    @Slot()
    def _select_again(self) -> None:
        kept, self._kept = self._kept, []
        found = runs(self.tab_model.rows_of(kept)) if kept else None
        if not found:
            return
        model, last = self.tab_model, self.tab_model.columnCount() - 1
        selection = QItemSelection()
        for first, end in found:  # one range per run of rows
            selection.select(model.index(first, 0), model.index(end, last))
        self.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.Select)


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
        self.actions: dict[str, QAction] = {}
        self.buttons: dict[str, QToolButton] = {}
        for key, text, tip, keys, slot in (
            (
                "cancel",
                "Cancel selected",
                "Cancel the selected transfers",
                "",
                self.cancel_selected,
            ),
            (
                "cancel_all",
                "Cancel all",
                "Cancel every queued and running transfer",
                "",
                controller.cancel_all,
            ),
            (
                "pause",
                "Pause",
                "Pause the selected queued or running transfers",
                "",
                self.pause_selected,
            ),
            ("resume", "Resume", "Resume the selected paused transfers", "", self.resume_selected),
            (
                "retry",
                "Retry",
                "Queue the selected failed or cancelled transfers again",
                "",
                self.retry_selected,
            ),
            (
                "top",
                "Move to top",
                "Move the selected queued transfers to the top of the queue",
                "Ctrl+Shift+Home",
                lambda: self.move_selected("top"),
            ),
            (
                "up",
                "Move up",
                "Move the selected queued transfers up",
                "Ctrl+Shift+Up",
                lambda: self.move_selected("up"),
            ),
            (
                "down",
                "Move down",
                "Move the selected queued transfers down",
                "Ctrl+Shift+Down",
                lambda: self.move_selected("down"),
            ),
            (
                "bottom",
                "Move to bottom",
                "Move the selected queued transfers to the bottom of the queue",
                "Ctrl+Shift+End",
                lambda: self.move_selected("bottom"),
            ),
            ("clear", "Clear done", "Forget the finished transfers", "", controller.clear_finished),
            (
                "receipt",
                "Save receipt…",
                (
                    "Save a CSV and JSON receipt of the jobs of the selected transfers:\n"
                    "path, size, BLAKE3, SDS UUID, result and time of every file"
                ),
                "",
                self.save_receipt,
            ),
            (
                "remove",
                "Remove from list",
                "Forget the selected transfers that are not running",
                "",
                self.remove_selected,
            ),
            (
                "details",
                "Job details…",
                "The files of the selected transfer's job, and those it left out",
                "",
                self.show_job_details,
            ),
        ):
            action = QAction(text, self)
            tip_keys = f"{tip} ({keys})" if keys else tip
            action.setToolTip(tip_keys)
            action.setStatusTip(tip)
            if keys:
                action.setShortcut(keys)
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.addAction(action)
            action.triggered.connect(slot)
            if key in ARROWS:
                action.setIconText(ARROWS[key])  # the toolbar shows the arrow, menus the words
            self.actions[key] = action
            if key in {"remove", "details"}:
                continue  # context menu only
            button = QToolButton(body)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setAutoRaise(True)
            bar.addWidget(button)
            self.buttons[key] = button
        bar.addStretch(1)
        layout.addLayout(bar)
        self.tabs = QTabWidget(body)
        self.tabs.setDocumentMode(True)
        self.views = [
            QueueTab(m, self.tabs, hidden=hidden)
            for m, hidden in zip(self.model.tabs, self.TAB_HIDDEN, strict=True)
        ]
        for view, title in zip(self.views, self.TAB_TITLES, strict=True):
            self.tabs.addTab(view, title)
            view.customContextMenuRequested.connect(self._context_menu)
        layout.addWidget(self.tabs)
        self.setWidget(body)
        for view in self.views:
            view.selectionModel().selectionChanged.connect(self._schedule_enable)
            view.horizontalHeader().sortIndicatorChanged.connect(self._schedule_enable)
        done = self.model.tabs[2]
        done.rowsInserted.connect(self._keep_in_sight)
        done.regrouped.connect(self._keep_in_sight)
        self.tabs.currentChanged.connect(self._schedule_enable)
        self._enable_timer = QTimer(self)
        self._enable_timer.setSingleShot(True)
        self._enable_timer.setInterval(150)  # states change many times a second: coalesce
        self._enable_timer.timeout.connect(self.update_actions)
        self.model.flushed.connect(self._update_titles)
        self.model.flushed.connect(self._schedule_enable)
        self.model.flushed.connect(self._repaint)
        self._update_titles()
        self.update_actions()

    @Slot()
    def _repaint(self) -> None:
        """After a flush: the job column's counts ("job (3/10)") of rows that did not
        change have moved on too."""
        view = self.current_view()
        if view.isVisible():
            view.viewport().update()

    def current_view(self) -> QueueTab:
        view = self.tabs.currentWidget()
        assert isinstance(view, QueueTab)
        return view

    def selected_ids(self) -> list[int]:
        return self.current_view().selected_ids()

    @Slot()
    def _update_titles(self, *_args: object) -> None:
        counts = self.controller.queue.counts()
        for i, model in enumerate(self.model.tabs):
            count = model.rowCount()
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
        self.update_actions()
        menu = QMenu(view)
        for key in ("cancel", "pause", "resume", "retry"):
            menu.addAction(self.actions[key])
        menu.addSeparator()
        move = menu.addMenu("Move")
        for key, text in (
            ("top", "To top"),
            ("up", "Up"),
            ("down", "Down"),
            ("bottom", "To bottom"),
        ):
            entry = QAction(text, move)
            entry.setShortcut(self.actions[key].shortcut())
            entry.setEnabled(self.actions[key].isEnabled())
            entry.triggered.connect(self.actions[key].trigger)
            move.addAction(entry)
        move.setEnabled(self.actions["up"].isEnabled())
        menu.addSeparator()
        for key in ("details", "receipt", "remove"):
            menu.addAction(self.actions[key])
        menu.popup(view.viewport().mapToGlobal(pos))

    # -- what applies --------------------------------------------------------------
    @Slot()
    def _schedule_enable(self, *_args: object) -> None:
        if not self._enable_timer.isActive():
            self._enable_timer.start()

    @Slot()
    def update_actions(self) -> None:
        """Enable each action only where it applies to the current selection."""
        queue = self.controller.queue
        states: set[ItemState] = set()
        for item_id in self.selected_ids():
            if item_id in queue:
                states.add(queue.peek(item_id).state)
        counts = queue.counts()
        applies = {
            "cancel": bool(states & ACTIVE_STATES),
            "cancel_all": counts["active"] > 0,
            "pause": bool(states & PAUSABLE),
            "resume": ItemState.PAUSED in states,
            "retry": bool(states & STOPPED_STATES),
            "clear": counts["finished"] > 0,
            "receipt": bool(states),
            "remove": bool(states - {ItemState.RUNNING}),
            "details": bool(states),
        }
        view = self.current_view()
        movable = bool(states & MOVABLE_STATES) and view is self.views[0] and view.in_queue_order()
        for key in ("top", "up", "down", "bottom"):
            applies[key] = movable
        for key, on in applies.items():
            if self.actions[key].isEnabled() != on:
                self.actions[key].setEnabled(on)

    @Slot()
    def _keep_in_sight(self, *_args: object) -> None:
        """New finished rows arrive at the end of the Done tab: follow them while the
        user is at the bottom (not while they scroll through the history)."""
        done = self.views[2]
        bar = done.verticalScrollBar()
        if (
            done.isVisible()
            and bar.value() >= bar.maximum() - 2 * done.verticalHeader().defaultSectionSize()
        ):
            QTimer.singleShot(0, done.scrollToBottom)

    @Slot()
    def move_selected(self, where: Where) -> None:
        moved = self.controller.queue.move(self.selected_ids(), where)
        self.model.flush()  # the rows in their new order now, to select them
        view = self.current_view()
        rows = view.tab_model.rows_of(moved)
        if rows:
            row = rows[0] if where in {"top", "up"} else rows[-1]
            view.scrollTo(view.tab_model.index(row, 0))

    @Slot()
    def show_job_details(self) -> None:
        jobs = self.selected_jobs()
        if jobs:
            JobDetails(self.controller.queue, jobs[0], self).open()
