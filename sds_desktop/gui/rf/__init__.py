# ruff: noqa: ARG002 - Qt signatures
"""The window speaks RF: Captures and Datasets tabs beside Files, upload as capture,
capture steps, quick look, and recordings recognised in the local pane.

``install(window)`` is the one entry point: the main window calls it at the end of its
constructor. It only uses the window's public parts (panes, models, queue, controller,
task runner, signals), so the file manager and the RF views stay separable.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sds_desktop.core.models import SDSFile
from sds_desktop.gui.rf.captures_model import CAPTURE_MIME, decode_capture_mime
from sds_desktop.gui.rf.captures_view import CapturesView
from sds_desktop.gui.rf.controller import RFController
from sds_desktop.gui.rf.datasets_view import DatasetsView
from sds_desktop.gui.rf.local_decor import RecordingDetails, RecordingProxy

if TYPE_CHECKING:
    from sds_desktop.gui.main_window import MainWindow

log = logging.getLogger("sds_desktop.gui.rf")


class CaptureStepsDock(QDockWidget):
    """The capture step of every upload-as-capture job, with Retry."""

    def __init__(self, rf: RFController, parent: QWidget) -> None:
        super().__init__("Capture steps", parent)
        self.setObjectName("captureStepsDock")
        self.rf = rf
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        self.view = QTableView(body)
        self.view.setModel(rf.steps)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 220)
        header.resizeSection(1, 300)
        header.setStretchLastSection(True)
        layout.addWidget(self.view)
        row = QHBoxLayout()
        self.retry_button = QPushButton("Retry capture creation", body)
        self.retry_button.setToolTip("Ask the SDS again to create the selected failed captures")
        self.retry_button.clicked.connect(self.retry_selected)
        row.addWidget(self.retry_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.setWidget(body)
        self.view.selectionModel().selectionChanged.connect(self._update)
        rf.steps.stepChanged.connect(self._update)
        self._update()

    def _rows(self) -> list[int]:
        return [i.row() for i in self.view.selectionModel().selectedRows(0)]

    def _update(self, *_args: object) -> None:
        failed = [r for r in self._rows() if self.rf.steps.steps[r].state == "failed"]
        self.retry_button.setEnabled(bool(failed))

    def retry_selected(self) -> None:
        self.rf.steps.retry(self._rows())


class _CaptureDropFilter(QObject):
    """Lets the local tree accept captures dragged from the Captures tab (download)."""

    def __init__(self, window: MainWindow, rf: RFController) -> None:
        super().__init__(window)
        self.window = window
        self.rf = rf

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDragEnterEvent | QDragMoveEvent)  # noqa: S101
            if event.mimeData().hasFormat(CAPTURE_MIME):
                event.setDropAction(Qt.DropAction.CopyAction)
                event.accept()
                return True
        elif kind == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)  # noqa: S101
            if event.mimeData().hasFormat(CAPTURE_MIME):
                pane = self.window.local_pane
                index = pane.view.to_source(pane.view.indexAt(event.position().toPoint()))
                folder = pane.model.target_dir(index)
                self.rf.download_capture_uuids(decode_capture_mime(event.mimeData()), folder)
                event.setDropAction(Qt.DropAction.CopyAction)
                event.accept()
                return True
        return False


def _remote_tabs(window: MainWindow) -> QTabWidget:
    tabs = getattr(window, "remote_tabs", None)
    if isinstance(tabs, QTabWidget):
        return tabs
    # Before the file manager offers its tab widget: put the remote pane in one.
    pane = window.remote_pane
    splitter = pane.parentWidget()
    tabs = QTabWidget(window)
    tabs.setDocumentMode(True)
    if isinstance(splitter, QSplitter):
        index = splitter.indexOf(pane)
        splitter.replaceWidget(index, tabs)
    tabs.addTab(pane, "Files")
    window.remote_tabs = tabs  # type: ignore[attr-defined]
    return tabs


def _selected_local(window: MainWindow) -> list[Path]:
    return window.local_pane.selected_paths()


def install(window: MainWindow) -> RFController:
    """Add the RF views and actions to ``window``; returns the RF controller."""
    tabs = _remote_tabs(window)
    captures = CapturesView(tabs)
    datasets = DatasetsView(tabs)
    tabs.addTab(captures, "Captures")
    tabs.addTab(datasets, "Datasets")
    rf = RFController(window, captures, datasets)
    tabs.currentChanged.connect(
        lambda _i: rf.captures_shown() if tabs.currentWidget() is captures else None
    )
    window.rf = rf

    dock = CaptureStepsDock(rf, window)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    queue_dock = getattr(window, "queue_dock", None)
    if isinstance(queue_dock, QDockWidget):
        window.tabifyDockWidget(queue_dock, dock)
        queue_dock.raise_()
    rf.steps_dock = dock  # type: ignore[attr-defined]
    rf.steps.rowsInserted.connect(lambda *_a: dock.raise_())

    menu = window.menuBar().addMenu("&RF")
    upload = menu.addAction(
        "Upload as capture…", lambda: rf.upload_as_capture(_selected_local(window))
    )
    upload.setShortcut(QKeySequence("Ctrl+Shift+U"))
    upload.setToolTip("Upload the recording selected on the left and create its captures")
    look = menu.addAction("Quick look", lambda: _quicklook_selection(window, rf))
    look.setShortcut(QKeySequence("Ctrl+Shift+L"))
    menu.addSeparator()
    menu.addAction("Show captures", lambda: tabs.setCurrentWidget(captures))
    menu.addAction("Open dataset…", rf.open_dataset)
    menu.addAction("Open SDS web UI", lambda: rf.open_web("/"))
    menu.addSeparator()
    menu.addAction("Ask again when a recording is dropped", rf.forget_drop_answer)
    view_menu = _find_menu(window, "&View")
    if view_menu is not None:
        view_menu.addAction(dock.toggleViewAction())
    rf.menu = menu  # type: ignore[attr-defined]
    rf.upload_capture_action = upload  # type: ignore[attr-defined]
    window.local_pane.view.addAction(upload)

    # drops of recordings on the SDS tree ask: capture or files
    model = window.remote_pane.model
    try:
        model.uploadRequested.disconnect(window.upload)
    except (RuntimeError, TypeError):
        log.warning("could not take over SDS-pane drops: recordings upload as files")
    else:
        model.uploadRequested.connect(rf.files_dropped)

    drop_filter = _CaptureDropFilter(window, rf)
    window.local_pane.view.viewport().installEventFilter(drop_filter)
    rf.drop_filter = drop_filter  # type: ignore[attr-defined]
    model.rowsInserted.connect(lambda _p, first, last: _met_files(window, rf, first, last))
    model.modelReset.connect(lambda: _met_files(window, rf, 0, len(model.rows) - 1))
    _decorate_local(window, rf)
    _menu_hooks(window, rf, upload)
    if window.account is not None:
        rf._signed_in(window.account)
    return rf


def _decorate_local(window: MainWindow, rf: RFController) -> None:
    pane = window.local_pane
    proxy = RecordingProxy(window.tasks, pane, alive=rf.alive)
    set_decorator = getattr(pane, "set_decorator", None)
    if not callable(set_decorator):
        log.warning("the local pane takes no decorator: recordings are not marked")
        return
    set_decorator(proxy)
    details = RecordingDetails(pane)
    layout = pane.layout()
    if layout is not None:
        layout.addWidget(details)
    rf.recording_proxy = proxy  # type: ignore[attr-defined]
    rf.recording_details = details  # type: ignore[attr-defined]

    def refresh(*_args: object) -> None:
        paths = pane.selected_paths()
        details.show_recordings(proxy.recordings(paths[0]) if len(paths) == 1 else ())

    pane.view.selectionModel().selectionChanged.connect(refresh)
    proxy.dataChanged.connect(refresh)


def _menu_hooks(window: MainWindow, rf: RFController, upload: QAction) -> None:
    def local_menu(menu: QMenu) -> None:
        paths = window.local_pane.selected_paths()
        menu.addSeparator()
        upload.setEnabled(bool(paths))
        menu.addAction(upload)
        look = menu.addAction("Quick look", lambda: rf.quicklook_local(paths[0]))
        look.setEnabled(len(paths) == 1)

    def remote_menu(menu: QMenu) -> None:
        files = [f for f in window.remote_pane.selected_items() if isinstance(f, SDSFile)]
        menu.addSeparator()
        look = menu.addAction("Quick look", lambda: rf.quicklook_file(files[0]))
        look.setEnabled(len(files) == 1)

    window.local_pane.menu_hooks = [local_menu]  # type: ignore[attr-defined]
    window.remote_pane.menu_hooks = [remote_menu]  # type: ignore[attr-defined]


def _find_menu(window: MainWindow, title: str) -> Any:
    for action in window.menuBar().actions():
        if action.text() == title:
            return action.menu()
    return None


def _met_files(window: MainWindow, rf: RFController, first: int, last: int) -> None:
    """Datasets the files of a listed SDS folder belong to join the Datasets tab."""
    model = window.remote_pane.model
    if not getattr(model, "rows_carry_datasets", True):
        return  # (speed helper) no row can name a dataset: 100k SDSFiles built for nothing
    for row in model.rows[first : last + 1]:
        file = model.file_of(row)
        if file is not None and file.datasets:
            rf.datasets.met_through_file(file.sds_path, file.datasets)


def _quicklook_selection(window: MainWindow, rf: RFController) -> None:
    """Quick look at what is selected on the side in use: a local recording or data file,
    a capture (Captures tab), or an SDS data file (Files tab)."""
    tabs = window.remote_tabs  # type: ignore[attr-defined]
    paths = _selected_local(window)
    local_side = (
        getattr(window, "active_side", "local") == "local" or window.local_pane.view.hasFocus()
    )
    if paths and local_side:
        rf.quicklook_local(paths[0])
        return
    if tabs.currentWidget() is rf.captures and rf.captures.selected():
        rf.quicklook_capture()
        return
    files = [f for f in window.remote_pane.selected_items() if isinstance(f, SDSFile)]
    if tabs.currentWidget() is window.remote_pane and files:
        rf.quicklook_file(files[0])
        return
    if paths:
        rf.quicklook_local(paths[0])
        return
    window.statusBar().showMessage(
        "Select a recording or data file, or a capture, for a quick look", 4000
    )


__all__ = ["install"]
