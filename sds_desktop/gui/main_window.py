# ruff: noqa: N815, S101 - Qt naming (camelCase signals), Qt's positional bools, asserts
"""The main window: local | remote panes, transfer queue and log docks, status bar.

Everything that touches the network or the disk (sign-in checks, listings, deletes,
properties, transfer planning) runs in the background; results come back as signals.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

import sds_desktop.gui.rf
from sds_desktop.core.config import load_config
from sds_desktop.core.errors import PathError
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile, parse_server_time
from sds_desktop.core.paths import validate_file_name
from sds_desktop.core.queue import TransferQueue
from sds_desktop.gui import about
from sds_desktop.gui.credentials import CredentialStore
from sds_desktop.gui.fmt import human_bytes, human_duration, human_rate, local_time
from sds_desktop.gui.login import Account, LoginDialog, explain, validate
from sds_desktop.gui.logs import LogDock, LoggingSetup
from sds_desktop.gui.panes import LocalPane, RemotePane
from sds_desktop.gui.queue_view import QueueDock
from sds_desktop.gui.remote_model import Node, RemoteModel
from sds_desktop.gui.settings import DEFAULT_HOST, Settings
from sds_desktop.gui.tasks import TaskRunner
from sds_desktop.gui.transfers import TransferController

log = logging.getLogger("sds_desktop.gui")
SHUTDOWN_TIMEOUT_MS = 10_000


class PropertiesDialog(QDialog):
    """Every field of one SDS file, with the captures and datasets it belongs to."""

    def __init__(self, file: SDSFile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Properties — {file.name}")
        self.resize(640, 520)
        layout = QVBoxLayout(self)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Field", "Value"])
        self.tree.setColumnWidth(0, 170)
        self.tree.setAlternatingRowColors(True)
        rows: list[tuple[str, object]] = [
            ("Name", file.name),
            ("SDS path", file.sds_path),
            ("Directory", file.directory),
            ("UUID", file.uuid),
            ("Owner", file.owner_email or ""),
            ("Size", f"{human_bytes(file.size)} ({file.size:,} bytes)"),
            ("BLAKE3 checksum", file.sum_blake3),
            ("Media type", file.media_type),
            ("Permissions", file.permissions),
            ("Created", local_time(parse_server_time(file.created_at), with_zone=True)),
            ("Updated", local_time(file.modified, with_zone=True)),
            ("Expires", local_time(file.expires, with_zone=True)),
            ("Public", "yes" if file.is_public else "no"),
        ]
        if not file.safe:
            rows.append(("Unsafe path", file.unsafe_reason or ""))
        for key, value in rows:
            item = QTreeWidgetItem([key, str(value)])
            item.setToolTip(1, str(value))
            self.tree.addTopLevelItem(item)
        for title, entries in (("Captures", file.captures), ("Datasets", file.datasets)):
            group = QTreeWidgetItem([title, str(len(entries)) if entries else "none"])
            self.tree.addTopLevelItem(group)
            for entry in entries:
                group.addChild(QTreeWidgetItem(["", _describe(entry)]))
            group.setExpanded(True)
        raw = QTreeWidgetItem(["Server record", "(JSON)"])
        for key, value in sorted(file.raw.items()):
            raw.addChild(QTreeWidgetItem([key, json.dumps(value, default=str)]))
        self.tree.addTopLevelItem(raw)
        layout.addWidget(self.tree)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def _describe(entry: object) -> str:
    if isinstance(entry, dict):
        name = entry.get("name") or entry.get("channel") or ""
        kind = entry.get("capture_type") or ""
        ident = entry.get("uuid") or entry.get("id") or ""
        return " · ".join(str(p) for p in (name, kind, ident) if p) or json.dumps(entry)
    return str(entry)


class MainWindow(QMainWindow):
    """The application window. ``controller`` is the transfer API (see transfers.py)."""

    signedIn = Signal(object)  # Account
    signedOut = Signal()

    def __init__(
        self,
        settings: Settings,
        *,
        logging_setup: LoggingSetup | None = None,
        credentials: CredentialStore | None = None,
        local_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.logging_setup = logging_setup
        self.credentials = credentials or CredentialStore(settings.config_dir)
        self.account: Account | None = None
        self.gateway: Gateway | None = None
        self._closed = False
        self.login_dialog: LoginDialog | None = None
        self.setWindowTitle("SDS Desktop")
        self.setWindowIcon(about.app_icon())
        self.resize(1280, 800)

        self.tasks = TaskRunner(self)
        self.queue = TransferQueue(settings.queue_journal)
        self.controller = TransferController(self.queue, self, parallel=settings.parallel_transfers)
        self.remote_model = RemoteModel(self.tasks, None, self)
        start = local_dir or Path(settings.local_dir or Path.home())
        if not start.is_dir():
            start = Path.home()
        self.local_pane = LocalPane(start, settings.show_hidden, self)
        self.remote_pane = RemotePane(self.remote_model, self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.local_pane)
        self.remote_tabs = QTabWidget(self)
        """The SDS side: "Files" first; gui/rf adds "Captures" and "Datasets"."""
        self.remote_tabs.setDocumentMode(True)
        self.remote_tabs.addTab(self.remote_pane, "Files")
        splitter.addWidget(self.remote_tabs)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([560, 720])
        splitter.setContentsMargins(6, 6, 6, 0)
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)

        self.queue_dock = QueueDock(self.queue, self.controller, self)
        self.log_dock = LogDock(logging_setup, self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.queue_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.log_dock)
        self.tabifyDockWidget(self.queue_dock, self.log_dock)
        self.queue_dock.raise_()
        self.resizeDocks([self.queue_dock], [290], Qt.Orientation.Vertical)

        self._build_status_bar()
        self._build_menus()
        self._connect()
        geometry, state = settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self._update_connection()
        self._update_stats()
        sds_desktop.gui.rf.install(self)

    # -- construction --------------------------------------------------------------
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
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.sign_in_action = file_menu.addAction("Sign in…", self.open_login)
        self.sign_out_action = file_menu.addAction("Sign out", self.sign_out)
        file_menu.addSeparator()
        upload = file_menu.addAction("Upload selection", self.local_pane.upload_action.trigger)
        upload.setShortcut(QKeySequence("Ctrl+U"))
        file_menu.addSeparator()
        quit_action = file_menu.addAction("Quit", self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        remote = menu.addMenu("&Remote")
        for key in ("download", "delete", "new_folder", "refresh", "copy_path", "properties"):
            remote.addAction(self.remote_pane.action(key))
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
        self.about_action = help_menu.addAction("About SDS Desktop", self.show_about)

    def _connect(self) -> None:
        self.remote_model.uploadRequested.connect(self.upload)
        self.remote_model.loadFailed.connect(self._on_load_failed)
        self.local_pane.proxy.downloadRequested.connect(self.download_entries)
        self.local_pane.uploadRequested.connect(self._upload_to_current)
        self.local_pane.directoryChanged.connect(self._remember_local_dir)
        pane = self.remote_pane
        pane.action("download").triggered.connect(self.download_selected)
        pane.action("delete").triggered.connect(self.delete_selected)
        pane.action("new_folder").triggered.connect(self.new_folder)
        pane.action("refresh").triggered.connect(self.refresh_remote)
        pane.action("copy_path").triggered.connect(self.copy_sds_path)
        pane.action("properties").triggered.connect(self.show_properties)
        self.controller.tick.connect(self._update_stats)
        self.controller.idle.connect(self._on_idle)
        self.controller.jobAdded.connect(self._update_stats)
        self.controller.planFailed.connect(self._on_plan_failed)
        self.controller.uploadedInto.connect(self.remote_model.update_path)
        self.queue_dock.parallel.valueChanged.connect(self._remember_parallel)

    # -- session -------------------------------------------------------------------
    def start_session(self) -> None:
        """Sign in from the environment, a stored key, or the login dialog."""
        env_token = os.environ.get("SDS_SECRET_TOKEN")
        if env_token or (Path.cwd() / ".env").is_file():
            config = load_config()
            if config.token:
                self.sign_in_with(config.host or DEFAULT_HOST, config.token, stored="environment")
                return
        host = self.settings.last_host
        if host:
            self.tasks.call(
                lambda: self.credentials.load(host),
                lambda found: self._stored_key(host, found),
                lambda exc: self.open_login(f"Could not read the stored key: {exc}"),
            )
            return
        self.open_login()

    def _stored_key(self, host: str, found: object) -> None:
        assert isinstance(found, tuple)
        token, where = found
        if token:
            self.sign_in_with(host, token, stored=where)
        else:
            self.open_login()

    def sign_in_with(
        self, host: str, token: str, *, stored: str = "", sandbox: bool = False
    ) -> None:
        """Validate ``token`` with ``host`` in the background, then sign in."""
        self.statusBar().showMessage(f"Connecting to {host}…")

        def ok(result: object) -> None:
            assert isinstance(result, tuple)
            base_url, email = result
            self.sign_in(Account(host, base_url, email, token, stored, sandbox))

        def failed(exc: BaseException) -> None:
            self.statusBar().clearMessage()
            log.warning("could not sign in to %s: %s", host, exc)
            self.open_login(explain(exc, host))

        if self.logging_setup is not None:
            self.logging_setup.secret_filter.add_secret(token)
        self.tasks.call(lambda: validate(host, token), ok, failed)

    @Slot(object)
    def sign_in(self, account: Account) -> None:
        if self.logging_setup is not None:
            self.logging_setup.secret_filter.add_secret(account.token)
        if self.gateway is not None:
            self.gateway.close()
        self.account = account
        self.gateway = Gateway(account.base_url, account.token)
        gateway = self.gateway
        self.remote_model.set_lister(lambda path: gateway.iter_file_pages(path, page_size=100))
        self.controller.set_gateway(gateway, account.key)
        self.statusBar().showMessage(f"Signed in as {account.email}", 4000)
        log.info("signed in to %s as %s", account.host, account.email)
        self._update_connection()
        self.signedIn.emit(account)

    @Slot()
    def sign_out(self) -> None:
        """Forget the stored key and disconnect (queued transfers stay in the journal)."""
        account = self.account
        if account is None:
            return
        self.controller.cancel_all()
        self.controller.set_gateway(None)
        self.remote_model.set_lister(None)
        if not account.sandbox:
            self.tasks.call(lambda: self.credentials.delete(account.host))
        if self.gateway is not None:
            self.gateway.close()
        self.gateway = None
        self.account = None
        log.info("signed out of %s", account.host)
        self._update_connection()
        self.signedOut.emit()

    @Slot()
    def open_login(self, message: str = "") -> LoginDialog:
        if self.login_dialog is not None and self.login_dialog.isVisible():
            if message:
                self.login_dialog.show_error(message)
            return self.login_dialog
        dialog = LoginDialog(self.settings, self.credentials, self.tasks, self, message=message)
        dialog.signedIn.connect(self.sign_in)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._login_closed)
        self.login_dialog = dialog
        dialog.open()
        return dialog

    def _login_closed(self) -> None:
        self.login_dialog = None

    # -- transfers -----------------------------------------------------------------
    @Slot(list, str)
    def upload(self, paths: list[Path], sds_dir: str) -> None:
        if self.account is None:
            self.show_error("Not signed in", "Sign in before uploading.")
            return
        self.controller.enqueue_upload(paths, sds_dir)
        self.statusBar().showMessage(f"Preparing upload into {sds_dir}…", 3000)

    def _upload_to_current(self, paths: list[Path]) -> None:
        self.upload(paths, self.remote_pane.current_folder().sds_path)

    @Slot(list, str)
    def download_entries(self, entries: list[dict[str, str]], local_dir: str) -> None:
        """Remote mime entries (from a drag) → downloads into ``local_dir``."""
        items: list[SDSFile | str] = []
        for entry in entries:
            path = entry.get("sds_path", "")
            if entry.get("kind") == "dir":
                items.append(path)
                continue
            node = self.remote_model.node(self.remote_model.find(path))
            if node.file is not None:
                items.append(node.file)
        self.controller.enqueue_download(items, Path(local_dir))

    @Slot()
    def download_selected(self) -> None:
        nodes = [n for n in self.remote_pane.selected_nodes() if not n.virtual]
        if not nodes:
            return
        items: list[SDSFile | str] = [n.file if n.file is not None else n.sds_path for n in nodes]
        target = self.local_pane.current
        self.controller.enqueue_download(items, target)
        self.statusBar().showMessage(f"Downloading into {target}…", 3000)

    def _on_plan_failed(self, message: str) -> None:
        self.show_error("Transfer not started", message)

    def _on_idle(self) -> None:
        self._update_stats()
        # uploads change the tree: refresh the folders that received files
        if self.account is not None:
            self.statusBar().showMessage("All transfers finished", 4000)

    # -- remote actions ------------------------------------------------------------
    @Slot()
    def refresh_remote(self) -> None:
        nodes = self.remote_pane.selected_nodes()
        if len(nodes) == 1 and nodes[0].kind == "dir":
            self.remote_model.refresh(self.remote_model.index_of(nodes[0]))
        else:
            self.remote_model.refresh()

    @Slot()
    def new_folder(self) -> None:
        parent = self.remote_pane.current_folder()
        name, ok = QInputDialog.getText(
            self,
            "New folder",
            f"Folder name inside {parent.sds_path}\n"
            "(SDS folders are virtual: it is created by the first upload into it)",
        )
        if ok and name.strip():
            self.create_folder(parent, name.strip())

    def create_folder(self, parent: Node, name: str) -> QModelIndex:
        try:
            validate_file_name(name)
        except PathError as exc:
            self.show_error("Invalid folder name", str(exc))
            return QModelIndex()
        index = self.remote_model.add_virtual_folder(self.remote_model.index_of(parent), name)
        self.remote_pane.select_source(index)
        return index

    @Slot()
    def copy_sds_path(self) -> None:
        paths = [n.sds_path for n in self.remote_pane.selected_nodes()]
        if paths:
            QGuiApplication.clipboard().setText("\n".join(paths))
            self.statusBar().showMessage("SDS path copied", 2000)

    @Slot()
    def delete_selected(self) -> None:
        nodes = [n for n in self.remote_pane.selected_nodes() if not n.virtual]
        gateway = self.gateway
        if not nodes or gateway is None:
            return
        files = [n for n in nodes if n.file is not None]
        folders = [n for n in nodes if n.kind == "dir"]
        what = ", ".join(n.sds_path for n in nodes[:5]) + (" …" if len(nodes) > 5 else "")
        detail = " and everything inside the selected folders" if folders else ""
        if not self.ask(
            "Delete from SDS",
            f"Delete {len(nodes)} item(s){detail} from the SDS?\n\n{what}\n\n"
            "This cannot be undone.",
        ):
            return
        uuids = [(n.sds_path, n.file.uuid) for n in files if n.file is not None]
        folder_paths = [n.sds_path for n in folders]

        def work() -> tuple[list[str], list[tuple[str, str]]]:
            targets = list(uuids)
            for path in folder_paths:
                targets.extend((f.sds_path, f.uuid) for f in gateway.list_files(path))
            deleted: list[str] = []
            refused: list[tuple[str, str]] = []
            for path, uuid in targets:
                try:
                    gateway.delete_file(uuid)
                except Exception as exc:  # noqa: BLE001 - each refusal is shown with its reason
                    refused.append((path, str(exc)))
                else:
                    deleted.append(path)
            return deleted, refused

        self.statusBar().showMessage("Deleting…")
        self.tasks.call(
            work,
            lambda result: self._deleted(nodes, result),
            lambda exc: self.show_error("Delete failed", str(exc)),
        )

    def _deleted(self, nodes: list[Node], result: object) -> None:
        assert isinstance(result, tuple)
        deleted, refused = result
        log.info("deleted %d file(s) from the SDS", len(deleted))
        self.statusBar().showMessage(f"Deleted {len(deleted)} file(s)", 4000)
        gone = set(deleted)
        for node in nodes:
            if node.kind == "file" and node.sds_path in gone:
                self.remote_model.remove_node(node)
        for node in nodes:
            if node.kind == "dir" and self.remote_model._alive(node):
                self.remote_model.refresh(self.remote_model.index_of(node))
        if refused:
            lines = "\n".join(f"• {path}: {reason}" for path, reason in refused[:20])
            for path, reason in refused:
                log.warning("the SDS refused to delete %s: %s", path, reason)
            self.show_error(
                "Some files were not deleted", f"The SDS refused {len(refused)} file(s):\n{lines}"
            )

    @Slot()
    def show_properties(self) -> None:
        nodes = [n for n in self.remote_pane.selected_nodes() if n.file is not None]
        gateway = self.gateway
        if not nodes or gateway is None:
            return
        file = nodes[0].file
        assert file is not None
        self.tasks.call(
            lambda: gateway.get_file(file.uuid),
            self._open_properties,
            lambda exc: self.show_error("Properties", f"Could not read {file.sds_path}: {exc}"),
        )

    def _open_properties(self, file: object) -> None:
        assert isinstance(file, SDSFile)
        dialog = PropertiesDialog(file, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.properties_dialog = dialog
        dialog.open()

    def _on_load_failed(self, path: str, message: str) -> None:
        self.statusBar().showMessage(f"Could not list {path}: {message}", 8000)

    # -- status --------------------------------------------------------------------
    def _update_connection(self) -> None:
        account = self.account
        if account is None:
            self.conn_label.setText("Not signed in")
            self.sandbox_badge.hide()
            self.remote_pane.title.setText("SDS")
            self.sign_out_action.setEnabled(False)
            self.setWindowTitle("SDS Desktop")
            return
        self.conn_label.setText(f"{account.email} @ {account.host}")
        self.sandbox_badge.setVisible(account.sandbox)
        self.remote_pane.title.setText("SDS (sandbox)" if account.sandbox else "SDS")
        self.sign_out_action.setEnabled(True)
        self.setWindowTitle(f"SDS Desktop — {account.email}")

    @Slot()
    def _update_stats(self, *_args: object) -> None:
        s = self.controller.stats()
        if s.bytes_total == 0 and s.running == 0 and s.queued == 0:
            counts = self.queue.counts()
            self.stats_label.setText(
                f"Idle · {counts['finished']} done · {counts['failed']} failed"
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
        self.stats_label.setText(" · ".join(parts))

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
        self.remote_model.set_lister(None)
        ok = self.controller.shutdown(timeout_ms)
        ok = self.tasks.shutdown(timeout_ms) and ok
        if not ok:
            log.warning("some transfers did not stop within %d ms", timeout_ms)
        self.queue_dock.model.detach()
        self.queue.close()
        if self.gateway is not None:
            self.gateway.close()
        return ok
