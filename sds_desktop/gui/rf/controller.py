"""Wires the RF views to the window: ``RFController``, its state, the view actions
connected to it, the helpers its parts share, and sign-in/sign-out.

Its work is mixed in from one module each: the Captures tab's listing and actions
(``capture_actions``), downloads of captures and datasets (``downloads``), upload as
capture and drops on the SDS pane (``capture_upload``), quick look
(``quicklook_actions``) and the Datasets tab (``dataset_actions``).

Everything that touches the network or the disk runs on the window's TaskRunner; the
files travel through the window's transfer controller (``add_planned_job``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QDialog, QWidget

from sds_desktop.core.gateway import Gateway
from sds_desktop.gui.rf.capture_actions import CaptureActionsMixin
from sds_desktop.gui.rf.capture_step import CaptureSteps
from sds_desktop.gui.rf.capture_upload import CaptureUploadMixin
from sds_desktop.gui.rf.captures_view import CapturesView
from sds_desktop.gui.rf.dataset_actions import DatasetActionsMixin
from sds_desktop.gui.rf.datasets_view import DatasetsView
from sds_desktop.gui.rf.downloads import DownloadsMixin, list_capture_files
from sds_desktop.gui.rf.info import CaptureInfo, DatasetInfo
from sds_desktop.gui.rf.quicklook_actions import QuickLookMixin

if TYPE_CHECKING:
    from sds_desktop.gui.main_window import MainWindow


def web_base(base_url: str) -> str:
    """The SDS web UI root from the API base URL (``…/api/v1`` → ``…``)."""
    url = base_url.rstrip("/")
    return url[: -len("/api/v1")] if url.endswith("/api/v1") else url


class RFController(
    CaptureActionsMixin,
    DownloadsMixin,
    CaptureUploadMixin,
    QuickLookMixin,
    DatasetActionsMixin,
    QObject,
):
    """The RF part of one main window."""

    def __init__(self, window: MainWindow, captures: CapturesView, datasets: DatasetsView):
        super().__init__(window)
        self.window = window
        self.captures = captures
        self.datasets = datasets
        self.settings = QSettings(
            str(window.settings.config_dir / "rf.ini"), QSettings.Format.IniFormat
        )
        self.steps = CaptureSteps(window.queue, window.tasks, self._gateway, self, alive=self.alive)
        self.steps.capturesCreated.connect(self._captures_created)
        self._listing = None
        self.captures_stale = True
        self.dialog: QDialog | None = None
        self.quicklook_windows: list[QWidget] = []
        view = captures
        view.action("refresh").triggered.connect(self.refresh_captures)
        view.action("download").triggered.connect(self.download_selected_captures)
        view.action("properties").triggered.connect(self.capture_properties)
        view.action("copy_uuid").triggered.connect(self.copy_capture_uuids)
        view.action("web").triggered.connect(lambda: self.open_web("/users/file-list/"))
        view.action("reindex").triggered.connect(self.reindex_capture)
        view.action("delete").triggered.connect(self.delete_captures)
        view.action("quicklook").triggered.connect(self.quicklook_capture)
        ds = datasets
        ds.action("open").triggered.connect(self.open_dataset)
        ds.action("properties").triggered.connect(self.dataset_properties)
        ds.action("download").triggered.connect(self.download_dataset)
        ds.action("copy_uuid").triggered.connect(self.copy_dataset_uuids)
        ds.action("web").triggered.connect(self.open_dataset_web)
        ds.action("create").triggered.connect(lambda: self.open_web("/users/group-captures/"))
        window.signedIn.connect(self._signed_in)
        window.signedOut.connect(self._signed_out)

    # -- helpers -------------------------------------------------------------------
    def alive(self) -> bool:
        """False once the window has shut down (no new background work then)."""
        return not getattr(self.window, "_closed", False)

    def _gateway(self) -> Gateway | None:
        return self.window.gateway

    def _one_capture(self) -> tuple[CaptureInfo, Gateway] | None:
        """The one selected capture and the session to act on it (None: not exactly one
        selected, or signed out)."""
        infos = self.captures.selected()
        gateway = self._gateway()
        return (infos[0], gateway) if len(infos) == 1 and gateway is not None else None

    def _copy_uuids(self, infos: list[CaptureInfo] | list[DatasetInfo], what: str) -> None:
        uuids = [i.uuid for i in infos]
        if uuids:
            QGuiApplication.clipboard().setText("\n".join(uuids))
            self._status(f"{what} UUID copied", 2000)

    def _status(self, text: str, ms: int = 4000) -> None:
        self.window.statusBar().showMessage(text, ms)

    def _error(self, title: str, text: str) -> None:
        self.window.show_error(title, text)

    def _local_dir(self) -> Path:
        pane = self.window.local_pane
        current = getattr(pane, "current_dir", None)
        return Path(current()) if callable(current) else Path(pane.current)

    def _remote_dir(self) -> str:
        pane = self.window.remote_pane
        current = getattr(pane, "current_dir", None)
        if callable(current):
            return str(current())
        return pane.current_folder().sds_path

    def _open(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.finished.connect(lambda _r, d=dialog: self._closed(d))
        dialog.open()
        return dialog

    def _closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def open_web(self, path: str) -> None:
        account = self.window.account
        if account is None:
            return
        QDesktopServices.openUrl(QUrl(web_base(account.base_url) + path))

    # -- session -------------------------------------------------------------------
    @Slot(object)
    def _signed_in(self, _account: object) -> None:
        self.captures.set_signed_in(True)
        self.datasets.set_signed_in(True)
        self.captures_stale = True
        self.captures.show_status("")
        if self.captures.isVisible():
            self.refresh_captures()

    @property
    def is_listing(self) -> bool:
        """True while the capture listing runs."""
        return self._listing is not None

    def captures_shown(self) -> None:
        """The Captures tab came into view: list once per sign-in (not before: a user who
        never opens it costs the gateway nothing)."""
        if self.captures_stale and self._gateway() is not None:
            self.refresh_captures()

    @Slot()
    def _signed_out(self) -> None:
        if self._listing is not None:
            self._listing.cancel.set()
            self._listing = None
        self.captures.model.clear()
        self.captures.set_signed_in(False)
        self.datasets.model.clear()
        self.datasets.set_signed_in(False)


__all__ = ["RFController", "list_capture_files", "web_base"]
