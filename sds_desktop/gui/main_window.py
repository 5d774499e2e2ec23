# ruff: noqa: N815 - Qt naming (camelCase signals), Qt's positional bools, asserts
"""The main window: local | remote panes, transfer queue and log docks, status bar.

Everything that touches the network or the disk (sign-in checks, listings, deletes,
properties, transfer planning) runs in the background; results come back as signals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QWidget,
)

from sds_desktop.core.compare import HashCache
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.listing import ParallelLister
from sds_desktop.core.queue import TransferQueue
from sds_desktop.core.worker.lister import ProcessLister
from sds_desktop.gui import about, fmt
from sds_desktop.gui.compare_view import open_compare
from sds_desktop.gui.conflicts import ConflictPrompter
from sds_desktop.gui.credentials import CredentialStore
from sds_desktop.gui.fmt import human_bytes, human_duration, human_rate
from sds_desktop.gui.local_pane import LocalPane
from sds_desktop.gui.login import Account, LoginDialog
from sds_desktop.gui.logs import LogDock, LoggingSetup
from sds_desktop.gui.notify import Finisher
from sds_desktop.gui.path_bar import TargetButton
from sds_desktop.gui.preferences import PreferencesDialog, apply_preferences
from sds_desktop.gui.queue_view import QueueDock
from sds_desktop.gui.remote_pane import RemotePane
from sds_desktop.gui.session import SessionActions
from sds_desktop.gui.settings import Settings
from sds_desktop.gui.shortcuts import ShortcutsDialog, build_actions
from sds_desktop.gui.tasks import TaskRunner
from sds_desktop.gui.transfers import TransferController
from sds_desktop.gui.window_actions import WindowActions

log = logging.getLogger("sds_desktop.gui")
SHUTDOWN_TIMEOUT_MS = 10_000


class MainWindow(SessionActions, WindowActions, QMainWindow):
    """The application window. ``controller`` is the transfer API (see transfers.py).

    For gui/rf: ``remote_tabs`` (the SDS side; "Files" first), ``tasks`` (the
    TaskRunner), ``gateway`` (None while signed out), ``local_pane.current_dir()`` and
    ``remote_pane.current_dir()``, and their ``directoryChanged`` signals.
    """

    signedIn = Signal(object)  # Account
    signedOut = Signal()

    def __init__(
        self,
        settings: Settings,
        *,
        logging_setup: LoggingSetup | None = None,
        credentials: CredentialStore | None = None,
        local_dir: Path | None = None,
        defer_rf: bool = False,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.logging_setup = logging_setup
        self.credentials = credentials or CredentialStore(settings.config_dir)
        self.account: Account | None = None
        self.gateway: Gateway | None = None
        self.lister: ParallelLister | ProcessLister | None = None
        self.sandbox_server: Any = None  # the in-process sandbox, when one runs
        self.sandbox_key = ""
        self._own_sandbox = False
        self._hash_cache: HashCache | None = None
        self._sync_jobs = 0  # jobs of a confirmed sync still to be added (window_actions)
        self._closed = False
        self.active_side = "local"
        self.login_dialog: LoginDialog | None = None
        self.setWindowTitle("SDS Desktop")
        self.setWindowIcon(about.app_icon())
        self.resize(1280, 800)

        self.tasks = TaskRunner(self)
        self.queue = TransferQueue(settings.queue_journal)
        self.controller = TransferController(self.queue, self, parallel=settings.parallel_transfers)
        start = local_dir or Path(settings.local_dir or Path.home())
        if not start.is_dir():
            start = Path.home()
        self.local_pane = LocalPane(start, self.tasks, settings.show_hidden, self)
        self.remote_pane = RemotePane(self.tasks, self)
        self.remote_tabs = QTabWidget(self)
        """The SDS side: "Files" first; gui/rf adds "Captures" and "Datasets"."""
        self.remote_tabs.setDocumentMode(True)
        self.remote_tabs.addTab(self.remote_pane, "Files")

        self.actions = build_actions(self, self._handlers())
        self.upload_button = TargetButton(self.actions["upload"], self)
        self.download_button = TargetButton(self.actions["download"], self)
        self.local_pane.bottom.addWidget(self.upload_button)
        self.remote_pane.bottom.addWidget(self.download_button)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.local_pane)
        splitter.addWidget(self.remote_tabs)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([640, 640])
        splitter.setContentsMargins(6, 6, 6, 0)
        splitter.setChildrenCollapsible(False)
        # an explicit minimum overrides the pages' size hints (a QTabWidget takes the
        # widest of all its pages): the window must still fit 800 px with both sides
        for side in (self.local_pane, self.remote_tabs):
            side.setMinimumWidth(300)
        self.splitter = splitter
        self.setCentralWidget(splitter)

        self.queue_dock = QueueDock(self.queue, self.controller, self)
        self.log_dock = LogDock(logging_setup, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.queue_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.log_dock)
        self.tabifyDockWidget(self.queue_dock, self.log_dock)
        self.queue_dock.raise_()
        self.resizeDocks([self.queue_dock], [230], Qt.Orientation.Vertical)

        self._build_status_bar()
        self._build_menus()
        self._connect()
        geometry, state = settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self._fit_screen()
        self._update_connection()
        self._update_stats()
        fmt.set_units(settings.units)
        self.rf: Any = None  # gui.rf's controller, once install_rf() has run
        if not defer_rf:  # deferred: the app calls install_rf() after the first paint
            self.install_rf()

    def install_rf(self) -> None:
        """Add the RF tabs, menu and local decorations (gui.rf; once). Imported here:
        gui.rf and what it pulls in cost ~0.2 s that need not delay the first paint."""
        if self.rf is not None or self._closed:
            return
        from sds_desktop.gui import rf  # noqa: PLC0415 - lazy: after the first paint

        rf.install(self)

    # -- construction --------------------------------------------------------------
    def _handlers(self) -> dict[str, Callable[[], object]]:
        return {
            "upload": self.upload_selected,
            "download": self.download_selected,
            "download_to": self.download_to,
            "refresh": self.refresh_both,
            "new_folder": self.new_folder,
            "rename": self.rename,
            "delete": self.delete,
            "properties": self.show_properties,
            "copy_path": self.copy_path,
            "up": self.go_up,
            "back": self.go_back,
            "forward": self.go_forward,
            "path": self.focus_path,
            "switch": self.switch_side,
            "search": self.focus_search,
            "compare": self.compare_folders,
            "sign_in": self.open_login,
            "sites": self.open_sites,
            "sign_out": self.sign_out,
            "quit": self.close,
            "shortcuts": self.show_shortcuts,
        }

    def _fit_screen(self) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        avail = screen.availableGeometry()
        if self.width() > avail.width() or self.height() > avail.height():
            self.resize(min(self.width(), avail.width()), min(self.height(), avail.height()))

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.stats_label = QLabel(self)
        self.conn_label = QLabel(self)
        self.conn_label.setStyleSheet("QLabel { padding-left: 12px; }")
        self.sandbox_badge = QLabel("SANDBOX", self)
        self.sandbox_badge.setToolTip(
            "Connected to the local sandbox gateway with demo data: nothing leaves this computer"
        )
        self.sandbox_badge.setStyleSheet(
            "QLabel { background: #e8710a; color: white; font-weight: bold;"
            " border-radius: 3px; padding: 1px 8px; margin: 2px; }"
        )
        self.sandbox_badge.hide()
        bar.addPermanentWidget(self.stats_label)
        bar.addPermanentWidget(self.conn_label)
        bar.addPermanentWidget(self.sandbox_badge)

    def _build_menus(self) -> None:
        a = self.actions
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for key in (
            "sites",
            "sign_in",
            "sign_out",
            None,
            "upload",
            "download",
            "download_to",
            None,
            "quit",
        ):
            file_menu.addSeparator() if key is None else file_menu.addAction(a[key])
        self.sign_in_action, self.sign_out_action = a["sign_in"], a["sign_out"]
        edit = menu.addMenu("&Edit")
        for key in ("new_folder", "rename", "delete", None, "copy_path", "properties"):
            edit.addSeparator() if key is None else edit.addAction(a[key])
        go = menu.addMenu("&Go")
        for key in ("back", "forward", "up", None, "path", "switch", "search", None, "refresh"):
            go.addSeparator() if key is None else go.addAction(a[key])
        tools = menu.addMenu("&Tools")
        tools.addAction(a["compare"])
        tools.addSeparator()
        self.preferences_action = tools.addAction("Preferences…", self.open_preferences)
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        view = menu.addMenu("&View")
        view.addAction(self.queue_dock.toggleViewAction())
        view.addAction(self.log_dock.toggleViewAction())
        hidden = QAction("Show hidden local files", self)
        hidden.setCheckable(True)
        hidden.setChecked(self.local_pane.hidden_button.isChecked())
        hidden.toggled.connect(self.local_pane.hidden_button.setChecked)
        self.local_pane.hidden_button.toggled.connect(hidden.setChecked)
        view.addAction(hidden)
        help_menu = menu.addMenu("&Help")
        help_menu.addAction(a["shortcuts"])
        self.about_action = help_menu.addAction("About SDS Desktop", self.show_about)
        for pane in (self.local_pane, self.remote_pane):
            pane.view.customContextMenuRequested.connect(
                lambda pos, p=pane: self._context_menu(p, pos)
            )

    def _context_menu(self, pane: QWidget, pos: object) -> None:
        self.active_side = "remote" if pane is self.remote_pane else "local"
        self.update_actions()
        keys = (
            (
                "download",
                "download_to",
                None,
                "new_folder",
                "refresh",
                None,
                "copy_path",
                "properties",
                None,
                "delete",
            )
            if pane is self.remote_pane
            else (
                "upload",
                None,
                "new_folder",
                "rename",
                "refresh",
                None,
                "copy_path",
                None,
                "delete",
            )
        )
        menu = QMenu(self)
        for key in keys:
            menu.addSeparator() if key is None else menu.addAction(self.actions[key])
        for hook in getattr(pane, "menu_hooks", ()):  # gui/rf adds its actions here
            hook(menu)
        view = pane.view  # type: ignore[attr-defined]
        menu.popup(view.viewport().mapToGlobal(pos))

    def _connect(self) -> None:
        remote = self.remote_pane.model
        remote.uploadRequested.connect(self.upload)
        remote.loadFailed.connect(self._on_load_failed)
        self.local_pane.model.downloadRequested.connect(self.download_entries)
        self.local_pane.directoryChanged.connect(self._remember_local_dir)
        for pane in (self.local_pane, self.remote_pane):
            pane.selectionChanged.connect(self.update_actions)
            pane.directoryChanged.connect(lambda *_a: self.update_actions())
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.controller.tick.connect(self._update_stats)
        self.controller.limitChanged.connect(self._update_stats)
        self.controller.idle.connect(self._on_idle)
        self.controller.jobAdded.connect(self._job_added)  # before any item starts
        self.controller.jobAdded.connect(self._update_stats)
        self.controller.planFailed.connect(self._on_plan_failed)
        self.controller.uploadedInto.connect(self.uploaded_into)
        self.queue_dock.parallel.valueChanged.connect(self._remember_parallel)
        # transfers that heal themselves (gui/conflicts, gui/preferences; issue 10)
        apply_preferences(self.settings, self.controller)
        self.conflict_prompter = ConflictPrompter(self.controller, self, self.tasks)
        self.controller.conflictFound.connect(self.conflict_prompter.ask)
        self.controller.keyNeeded.connect(self._ask_for_key)
        self.controller.healthChanged.connect(lambda text: self.statusBar().showMessage(text))
        self.finisher = Finisher(self, enabled=self.settings.notifications)
        self.controller.busyChanged.connect(self.finisher.busy)
        self.controller.jobsSettled.connect(self._jobs_settled)

    def _jobs_settled(self, report: object) -> None:
        self.finisher.enabled = self.settings.notifications
        for label, total, failed in report if isinstance(report, list) else []:
            self.finisher.job_done(label, total, failed)

    def _ask_for_key(self, message: str) -> None:
        self.open_login(message)

    def _login_closed(self) -> None:
        self.login_dialog = None

    def _on_plan_failed(self, message: str) -> None:
        self.show_error("Transfer not started", message)

    def _on_idle(self) -> None:
        self._sync_jobs = 0
        self._update_stats()
        if self.account is not None:
            self.statusBar().showMessage("All transfers finished", 4000)

    def _on_load_failed(self, path: str, message: str) -> None:
        self.statusBar().showMessage(f"Could not list {path}: {message}", 8000)

    @Slot()
    def open_preferences(self) -> PreferencesDialog:
        dialog = PreferencesDialog(self.settings, self.controller, self)
        dialog.accepted.connect(self.apply_units)
        self.preferences_dialog = dialog
        dialog.open()
        return dialog

    def apply_units(self) -> None:
        """Sizes everywhere (panes, queue, status bar) in the units of Preferences."""
        fmt.set_units(self.settings.units)
        for widget in (self.local_pane.view, self.remote_pane.view, *self.queue_dock.views):
            widget.viewport().update()
        self._update_stats()

    @Slot()
    def compare_folders(self) -> None:
        open_compare(self)

    def hash_cache(self) -> HashCache:
        """Local BLAKE3 hashes by path, size and mtime, kept under the config dir."""
        if self._hash_cache is None:
            self._hash_cache = HashCache.in_dir(self.settings.config_dir)
        return self._hash_cache

    @Slot()
    def show_shortcuts(self) -> None:
        queue_keys = {f"queue_{k}": a for k, a in self.queue_dock.actions.items()}
        dialog = ShortcutsDialog({**self.actions, **queue_keys}, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.shortcuts_dialog = dialog
        dialog.open()

    # -- status --------------------------------------------------------------------
    def _update_connection(self) -> None:
        account = self.account
        if account is None:
            self.conn_label.setText("Not signed in")
            self.sandbox_badge.hide()
            self.remote_pane.path_bar.title.setText("SDS")
            self.update_actions()
            self.setWindowTitle("SDS Desktop")
            return
        self.conn_label.setText(f"{account.email} @ {account.host}")
        self.sandbox_badge.setVisible(account.sandbox)
        self.remote_pane.path_bar.title.setText("SDS (sandbox)" if account.sandbox else "SDS")
        self.update_actions()
        self.setWindowTitle(f"SDS Desktop — {account.email}")

    @Slot()
    def _update_stats(self, *_args: object) -> None:
        s = self.controller.stats()
        limit = self.controller.speed_limit
        limit_text = f" · limit {human_rate(limit)}" if limit > 0 else ""
        if s.bytes_total == 0 and s.running == 0 and s.queued == 0:
            counts = self.queue.counts()
            self.stats_label.setText(
                f"Idle · {counts['finished']} done · {counts['failed']} failed{limit_text}"
            )
            return
        parts = [f"{human_bytes(s.bytes_done)} of {human_bytes(s.bytes_total)}"]
        if s.speed > 0:
            parts.append(human_rate(s.speed))
        eta = human_duration(s.eta)
        if eta:
            parts.append(f"ETA {eta}")
        parts.append(f"{s.files_per_s:.1f} files/s")
        parts.append(f"{s.running} running, {max(0, s.queued - s.running)} queued")
        self.stats_label.setText(" · ".join(parts) + limit_text)

    def _remember_parallel(self, value: int) -> None:
        self.settings.parallel_transfers = value

    def _remember_local_dir(self, path: str) -> None:
        self.settings.local_dir = path

    # -- dialogs (overridable in tests) --------------------------------------------
    def ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def show_error(self, title: str, text: str) -> QMessageBox:
        """Non-modal: never blocks a background result handler."""
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_error = box
        box.open()
        return box

    @Slot()
    def show_about(self) -> None:
        about.show_about(self)

    # -- shutdown ------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closed:
            event.accept()
            return
        busy = not self.controller.is_idle()
        if busy and not self.ask(
            "Quit SDS Desktop",
            "Transfers are still running. Quit anyway?\n\n"
            "Running transfers are cancelled; they restart from the queue next time.",
        ):
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self, timeout_ms: int = SHUTDOWN_TIMEOUT_MS) -> bool:
        """Cancel and wait for every worker (bounded), then close the journal."""
        if self._closed:
            return True
        self._closed = True
        self.settings.save_window_state(self.saveGeometry(), self.saveState())
        self.settings.sync()
        self.remote_pane.model.shutdown()
        self.remote_pane.lister = None  # no more tree listings either
        self.local_pane.model.shutdown()
        self.remote_pane.cancel_search()
        if self.lister is not None:
            self.lister.close()
            self.lister = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.disconnect(self._focus_changed)
        ok = self.controller.shutdown(timeout_ms)
        ok = self.tasks.shutdown(timeout_ms) and ok
        if not ok:
            log.warning("some transfers did not stop within %d ms", timeout_ms)
        if self._hash_cache is not None:
            self._hash_cache.close()
        self.queue_dock.model.detach()
        self.queue.close()
        if self.gateway is not None:
            self.gateway.close()
        if self._own_sandbox and self.sandbox_server is not None:
            self.sandbox_server.stop()
        return ok
