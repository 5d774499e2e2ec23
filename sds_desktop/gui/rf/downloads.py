# ruff: noqa: S101 - asserts narrow types
"""Downloads, mixed into ``RFController``: captures and datasets to the local disk.

The files of a capture (optionally a Digital RF time window) or of a dataset (with
production's filters) are listed on the SDS in the background, planned into queue
specs, and handed to the window's transfer controller as one job each
(``add_planned_job``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Slot

from sds_desktop.core.datasets import DatasetAPI
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.queue import Direction, ItemSpec
from sds_desktop.core.transfer import DownloadPlan, plan_download
from sds_desktop.gui.rf.dialogs import CaptureDownloadDialog, DatasetDownloadDialog
from sds_desktop.gui.rf.info import CaptureInfo, DatasetInfo, capture_files, time_window
from sds_desktop.gui.transfer_plan import download_spec

if TYPE_CHECKING:
    from sds_desktop.gui.main_window import MainWindow
    from sds_desktop.gui.rf.captures_view import CapturesView
    from sds_desktop.gui.rf.datasets_view import DatasetsView

log = logging.getLogger("sds_desktop.gui.rf")


def _download_specs(plan: DownloadPlan) -> tuple[list[tuple[ItemSpec, SDSFile | None]], int]:
    """A download plan as queue specs (with their files), and how many entries it refused."""
    for f, reason in plan.refused:
        log.warning("not downloading %s: %s", f.sds_path, reason)
    return [(download_spec(i), i.file) for i in plan.items], len(plan.refused)


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


class DownloadsMixin:
    """Methods of ``RFController`` (state lives there: see its ``__init__``)."""

    # the controller's attributes and methods, for readers and type checkers
    window: MainWindow
    captures: CapturesView
    datasets: DatasetsView
    _gateway: Any
    _status: Any
    _error: Any
    _local_dir: Any
    _open: Any
    load_dataset: Any

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

    # -- datasets: download --------------------------------------------------------
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


__all__ = ["DownloadsMixin", "list_capture_files"]
