# ruff: noqa: S101 - asserts narrow types, Qt's positional bools
"""Wires the RF views to the window: listings, downloads, deletes, capture creation.

Everything that touches the network or the disk runs on the window's TaskRunner; the
files travel through the window's transfer controller (``add_planned_job``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from sds_desktop.core.datasets import DatasetAPI
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.paths import normalize_sds_path
from sds_desktop.core.queue import Direction, ItemSpec
from sds_desktop.core.transfer import DownloadPlan, plan_download
from sds_desktop.gui.rf.capture_step import CapturePlan, CaptureSteps, plan_capture_upload
from sds_desktop.gui.rf.captures_view import CapturesView
from sds_desktop.gui.rf.datasets_view import DatasetsView
from sds_desktop.gui.rf.dialogs import (
    CaptureDownloadDialog,
    DatasetDownloadDialog,
    DropQuestion,
    OpenDatasetDialog,
    UploadCaptureDialog,
)
from sds_desktop.gui.rf.info import CaptureInfo, DatasetInfo, capture_files, time_window
from sds_desktop.gui.rf.props import CapturePropertiesDialog, DatasetPropertiesDialog
from sds_desktop.gui.rf.recordings import looks_like_recording, scan_recordings
from sds_desktop.gui.transfer_plan import download_spec

if TYPE_CHECKING:
    from sds_desktop.gui.main_window import MainWindow

log = logging.getLogger("sds_desktop.gui.rf")


def _download_specs(plan: DownloadPlan) -> tuple[list[tuple[ItemSpec, SDSFile | None]], int]:
    """A download plan as queue specs (with their files), and how many entries it refused."""
    for f, reason in plan.refused:
        log.warning("not downloading %s: %s", f.sds_path, reason)
    return [(download_spec(i), i.file) for i in plan.items], len(plan.refused)


def web_base(base_url: str) -> str:
    """The SDS web UI root from the API base URL (``…/api/v1`` → ``…``)."""
    url = base_url.rstrip("/")
    return url[: -len("/api/v1")] if url.endswith("/api/v1") else url


def list_capture_files(
    gateway: Gateway, info: CaptureInfo, window: tuple[float, float] | None
) -> list[SDSFile]:
    """The files of a capture (optionally a Digital RF time window), one paged listing.

    The listing's ``start_time``/``end_time`` leave out data files outside the window
    on the server; the window is applied here too (by file name and the capture's file
    cadence), which also keeps the file that holds the window's first second.
    """
    if window is not None:
        start, end = (datetime.fromtimestamp(t, UTC).isoformat() for t in window)
        listing = [
            f
            for page in gateway.iter_file_pages_in_window(info.top_level_dir, start, end)
            for f in page
        ]
    else:
        listing = gateway.list_files(info.top_level_dir)
    files = capture_files(info, listing)
    if window is not None:
        cadence = info.cadence_ms / 1000.0 if info.cadence_ms else None
        files = time_window(files, window[0], window[1], cadence)
    return files


class RFController(QObject):
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

    # -- captures: listing ---------------------------------------------------------
    @Slot()
    def refresh_captures(self) -> None:
        gateway = self._gateway()
        if gateway is None:
            return
        if self._listing is not None:
            self._listing.cancel.set()
        self.captures_stale = False
        self.captures.model.clear()
        self.captures.show_status("Listing captures…")

        def work(task: Any) -> int:
            n = 0
            for page in gateway.iter_capture_pages({}):
                if task.cancel.is_set():
                    break
                infos = [CaptureInfo.from_capture(c) for c in page]
                n += len(infos)
                task.emit(infos)
            return n

        self._listing = self.window.tasks.submit(
            work,
            on_message=self._captures_page,
            on_success=self._captures_listed,
            on_failure=self._captures_failed,
        )

    def _captures_page(self, infos: object) -> None:
        assert isinstance(infos, list)
        self.captures.model.add(infos)
        for info in infos:  # the datasets these captures belong to join the Datasets tab
            capture = getattr(info, "capture", None)
            if capture is not None and capture.datasets:
                self.datasets.met_through_capture(info.name, capture.datasets)

    def _captures_listed(self, n: object) -> None:
        self._listing = None
        self.captures.show_status("" if n else "No captures yet: upload a recording as capture.")

    def _captures_failed(self, exc: BaseException) -> None:
        self._listing = None
        self.captures.show_status(f"Could not list the captures: {exc}")
        log.warning("capture listing failed: %s", exc)

    def _captures_created(self, uuids: list[str]) -> None:
        gateway = self._gateway()
        if gateway is None:
            return
        for uuid in uuids:
            if not uuid:
                continue
            self.window.tasks.call(
                lambda u=uuid: CaptureInfo.from_capture(gateway.get_capture(u)),
                lambda info: self.captures.model.add([info]),  # type: ignore[list-item]
                lambda exc: log.warning("could not read the new capture: %s", exc),
            )

    # -- captures: actions ---------------------------------------------------------
    @Slot()
    def copy_capture_uuids(self) -> None:
        uuids = [i.uuid for i in self.captures.selected()]
        if uuids:
            QGuiApplication.clipboard().setText("\n".join(uuids))
            self._status("Capture UUID copied", 2000)

    def open_web(self, path: str) -> None:
        account = self.window.account
        if account is None:
            return
        QDesktopServices.openUrl(QUrl(web_base(account.base_url) + path))

    @Slot()
    def capture_properties(self) -> None:
        infos = self.captures.selected()
        gateway = self._gateway()
        if len(infos) != 1 or gateway is None:
            return
        info = infos[0]
        self.window.tasks.call(
            lambda: CaptureInfo.from_capture(gateway.get_capture(info.uuid)),
            self._show_capture_properties,
            lambda exc: self._error("Capture properties", f"Could not read {info.name}: {exc}"),
        )

    def _show_capture_properties(self, info: object) -> None:
        assert isinstance(info, CaptureInfo)
        self.captures.model.add([info])
        self._open(CapturePropertiesDialog(info, self.window))

    @Slot()
    def reindex_capture(self) -> None:
        infos = self.captures.selected()
        gateway = self._gateway()
        if len(infos) != 1 or gateway is None:
            return
        info = infos[0]
        self._status(f"Re-indexing {info.name}…")

        def work() -> CaptureInfo:
            gateway.update_capture(info.uuid)
            return CaptureInfo.from_capture(gateway.get_capture(info.uuid))

        self.window.tasks.call(
            work,
            lambda new: (self.captures.model.add([new]), self._status(f"{info.name} re-indexed")),  # type: ignore[list-item]
            lambda exc: self._error("Reindex refused", f"{info.name}: {exc}"),
        )

    @Slot()
    def delete_captures(self) -> None:
        infos = self.captures.selected()
        gateway = self._gateway()
        if not infos or gateway is None:
            return
        names = ", ".join(i.name for i in infos[:5]) + (" …" if len(infos) > 5 else "")
        if not self.window.ask(
            "Delete captures",
            f"Delete {len(infos)} capture(s) from the SDS?\n\n{names}\n\n"
            "Their files stay on the SDS; only the capture (its index entry) is removed.",
        ):
            return

        def work() -> tuple[list[str], list[tuple[str, str]]]:
            deleted: list[str] = []
            refused: list[tuple[str, str]] = []
            for info in infos:
                try:
                    gateway.delete_capture(info.uuid)
                except Exception as exc:  # noqa: BLE001 - each refusal is shown with its reason
                    refused.append((info.name, str(exc)))
                else:
                    deleted.append(info.uuid)
            return deleted, refused

        self.window.tasks.call(
            work,
            self._captures_deleted,
            lambda exc: self._error("Delete failed", str(exc)),
        )

    def _captures_deleted(self, result: object) -> None:
        assert isinstance(result, tuple)
        deleted, refused = result
        for uuid in deleted:
            self.captures.model.remove(uuid)
        self._status(f"Deleted {len(deleted)} capture(s)")
        if refused:
            lines = "\n".join(f"• {name}: {reason}" for name, reason in refused[:20])
            self._error("Some captures were not deleted", f"The SDS refused:\n{lines}")

    # -- captures: download --------------------------------------------------------
    @Slot()
    def download_selected_captures(self) -> None:
        infos = self.captures.selected()
        if not infos:
            return
        dialog = CaptureDownloadDialog(infos, self._local_dir(), self.window)
        dialog.accepted.connect(
            lambda: self.download_captures(infos, dialog.folder(), dialog.window())
        )
        self._open(dialog)

    def download_captures(
        self, infos: list[CaptureInfo], folder: Path, window: tuple[float, float] | None = None
    ) -> None:
        """Queue one download job per capture into ``folder/<capture folder>/…``."""
        gateway = self._gateway()
        if gateway is None or not infos:
            return
        if not folder.is_dir():
            self._error("Download", f"Not a folder: {folder}")
            return

        def work() -> list[tuple[str, list[tuple[ItemSpec, SDSFile | None]], int]]:
            jobs = []
            for info in infos:
                files = list_capture_files(gateway, info, window)
                base = str(PurePosixPath(info.top_level_dir).parent)
                specs, refused = _download_specs(plan_download(files, folder, base_sds_path=base))
                label = f"capture {info.name}" + (" (time window)" if window else "")
                jobs.append((label, specs, refused))
            return jobs

        self._status("Listing the capture's files…")
        self.window.tasks.call(
            work, self._queue_downloads, lambda exc: self._error("Download not started", str(exc))
        )

    def _queue_downloads(self, jobs: object) -> None:
        assert isinstance(jobs, list)
        queued = 0
        for label, specs, _refused in jobs:
            if not specs:
                log.info("%s: no file to download", label)
                continue
            self.window.controller.add_planned_job(label, Direction.DOWNLOAD, specs)
            queued += len(specs)
        self._status(f"Queued {queued} file(s) for download" if queued else "Nothing to download")

    def download_capture_uuids(self, uuids: list[str], folder: Path) -> None:
        """A capture dragged onto the local pane."""
        infos = [i for i in (self.captures.model.find(u) for u in uuids) if i is not None]
        self.download_captures(infos, folder)

    # -- upload as capture ---------------------------------------------------------
    def upload_as_capture(self, paths: list[Path], sds_dir: str | None = None) -> None:
        """Scan ``paths`` in the background, then show the plan of each recording."""
        if self.window.account is None:
            self._error("Not signed in", "Sign in before uploading.")
            return
        dest = normalize_sds_path(sds_dir if sds_dir is not None else self._remote_dir())

        def work() -> tuple[list[CapturePlan], list[Path]]:
            plans: list[CapturePlan] = []
            plain: list[Path] = []
            for path in paths:
                recs = scan_recordings(path)
                if not recs:
                    plain.append(path)
                plans.extend(plan_capture_upload(r, dest) for r in recs)
            return plans, plain

        self._status("Reading the recording…")
        self.window.tasks.call(
            work,
            self._show_plans,
            lambda exc: self._error("Upload as capture", f"Could not read the recording: {exc}"),
        )

    def _show_plans(self, result: object) -> None:
        assert isinstance(result, tuple)
        plans, plain = result
        if plain:
            names = ", ".join(p.name for p in plain[:5])
            self._error(
                "Not a recording",
                f"No Digital RF, RadioHound or SigMF recording found in: {names}.\n"
                "Use “Upload to SDS” to upload plain files.",
            )
        for plan in plans:
            dialog = UploadCaptureDialog(plan, self.window)
            dialog.accepted.connect(lambda p=plan: self.start_capture_upload(p))
            self._open(dialog)

    def start_capture_upload(self, plan: CapturePlan) -> int | None:
        """Queue the recording's files as one job; its captures follow when it is done."""
        specs = [
            (
                ItemSpec(
                    Direction.UPLOAD,
                    i.name,
                    str(i.local_path),
                    i.sds_path,
                    i.size,
                ),
                None,
            )
            for i in plan.items
        ]
        label = (
            f"{plan.recording.root.name} (as capture)"
            if plan.captures
            else plan.recording.root.name
        )
        job_id = self.window.controller.add_planned_job(label, Direction.UPLOAD, specs)
        self.steps.add(job_id, plan.captures)
        self._status(
            f"Uploading {len(specs)} file(s) into {plan.sds_dir}"
            + (f"; {len(plan.captures)} capture(s) follow" if plan.captures else "")
        )
        return job_id

    # -- drop on the SDS pane ------------------------------------------------------
    def files_dropped(self, paths: list[Path], sds_dir: str) -> None:
        """Replaces the window's upload slot for drops: recordings ask capture or files."""

        def work() -> list[Path]:
            return [p for p in paths if looks_like_recording(p)]

        self.window.tasks.call(
            work,
            lambda recs: self._dropped(paths, sds_dir, recs),  # type: ignore[arg-type]
            lambda _exc: self.window.upload(paths, sds_dir),
        )

    def _dropped(self, paths: list[Path], sds_dir: str, recordings: list[Path]) -> None:
        if not recordings:
            self.window.upload(paths, sds_dir)
            return
        remembered = str(self.settings.value("drop/answer", "", type=str))
        if remembered:
            self._drop_answer(remembered, paths, sds_dir, recordings)
            return
        dialog = DropQuestion([p.name for p in recordings], self.window)

        def answered() -> None:
            if dialog.remember.isChecked():
                self.settings.setValue("drop/answer", dialog.answer)
                self.settings.sync()
            self._drop_answer(dialog.answer, paths, sds_dir, recordings)

        dialog.accepted.connect(answered)
        self._open(dialog)

    def _drop_answer(
        self, answer: str, paths: list[Path], sds_dir: str, recordings: list[Path]
    ) -> None:
        if answer != "capture":
            self.window.upload(paths, sds_dir)
            return
        rest = [p for p in paths if p not in recordings]
        if rest:
            self.window.upload(rest, sds_dir)
        self.upload_as_capture(recordings, sds_dir)

    def forget_drop_answer(self) -> None:
        self.settings.remove("drop/answer")
        self.settings.sync()
        self._status("The drop question will be asked again", 3000)

    # -- quick look ----------------------------------------------------------------
    def quicklook_capture(self) -> None:
        infos = self.captures.selected()
        gateway = self._gateway()
        if len(infos) != 1 or gateway is None:
            return
        from sds_desktop.gui.rf.quicklook_view import QuickLookWindow  # noqa: PLC0415

        win = QuickLookWindow.for_capture(self.window.tasks, gateway, infos[0], self.window)
        self._keep(win)

    def quicklook_local(self, path: Path) -> None:
        from sds_desktop.gui.rf.quicklook_view import QuickLookWindow  # noqa: PLC0415

        self._keep(QuickLookWindow.for_local(self.window.tasks, path, self.window))

    def quicklook_file(self, file: SDSFile) -> None:
        gateway = self._gateway()
        if gateway is None:
            return
        from sds_desktop.gui.rf.quicklook_view import QuickLookWindow  # noqa: PLC0415

        self._keep(QuickLookWindow.for_remote_file(self.window.tasks, gateway, file, self.window))

    def _keep(self, win: QWidget) -> None:
        self.quicklook_windows = [w for w in self.quicklook_windows if w.isVisible()]
        self.quicklook_windows.append(win)
        win.show()

    # -- datasets ------------------------------------------------------------------
    @Slot()
    def open_dataset(self) -> None:
        dialog = OpenDatasetDialog(self.window)
        dialog.accepted.connect(lambda: self.load_dataset(dialog.uuid() or "", "opened"))
        self._open(dialog)

    def load_dataset(self, uuid: str, source: str = "opened", then: Any = None) -> None:
        gateway = self._gateway()
        if gateway is None or not uuid:
            return
        api = DatasetAPI(gateway, lambda: False)

        def work() -> DatasetInfo:
            return DatasetInfo.from_dataset(api.get(uuid), source)

        def ok(info: object) -> None:
            assert isinstance(info, DatasetInfo)
            self.datasets.model.add([info])
            self.datasets.select_uuid(info.uuid)
            if then is not None:
                then(info)

        self.window.tasks.call(
            work, ok, lambda exc: self._error("Open dataset", f"Could not open {uuid}: {exc}")
        )

    @Slot()
    def dataset_properties(self) -> None:
        infos = self.datasets.selected()
        if len(infos) == 1:
            self.load_dataset(
                infos[0].uuid,
                infos[0].source,
                lambda info: self._open(DatasetPropertiesDialog(info, self.window)),
            )

    @Slot()
    def copy_dataset_uuids(self) -> None:
        uuids = [i.uuid for i in self.datasets.selected()]
        if uuids:
            QGuiApplication.clipboard().setText("\n".join(uuids))
            self._status("Dataset UUID copied", 2000)

    @Slot()
    def open_dataset_web(self) -> None:
        infos = self.datasets.selected()
        self.open_web(
            "/users/dataset-list/" if not infos else f"/users/dataset-list/?q={infos[0].uuid}"
        )

    @Slot()
    def download_dataset(self) -> None:
        infos = self.datasets.selected()
        if len(infos) != 1:
            return

        def show(info: DatasetInfo) -> None:
            dialog = DatasetDownloadDialog(info, self._local_dir(), self.window)
            dialog.accepted.connect(
                lambda: self.queue_dataset(info, dialog.folder(), dialog.filters())
            )
            self._open(dialog)

        self.load_dataset(infos[0].uuid, infos[0].source, show)

    def queue_dataset(self, info: DatasetInfo, folder: Path, filters: dict[str, Any]) -> None:
        """List the dataset's files with production's filters; queue them as one job."""
        gateway = self._gateway()
        if gateway is None:
            return
        if not folder.is_dir():
            self._error("Download dataset", f"Not a folder: {folder}")
            return
        api = DatasetAPI(gateway, lambda: False)
        target = folder / _safe_name(info.name)

        def work() -> list[tuple[str, list[tuple[ItemSpec, SDSFile | None]], int]]:
            files = api.files(info.uuid, **filters)
            specs, refused = _download_specs(plan_download(files, target))
            return [(f"dataset {info.name}", specs, refused)]

        self._status("Listing the dataset's files…")
        self.window.tasks.call(
            work, self._queue_downloads, lambda exc: self._error("Download dataset", str(exc))
        )


def _safe_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in " ._-" else "_" for c in name).strip(" .")
    return cleaned or "dataset"


def ask_box(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


__all__ = ["RFController", "list_capture_files", "web_base"]
