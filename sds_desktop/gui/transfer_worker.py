# ruff: noqa: S101 - Qt naming (camelCase signals), asserts narrow types
"""The worker that moves one queue item, and the byte totals of a busy period.

Split from ``gui.transfers`` (the controller). Workers never touch widgets: they call
the core's per-file steps and report through their signals.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Signal

from sds_desktop.core.conflicts import ConflictAction
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.queue import ItemState, TransferQueue
from sds_desktop.core.transfer import (
    DownloadItem,
    DownloadOutcome,
    UploadItem,
    UploadOutcome,
    download_one,
    resume_download,
    upload_one,
)
from sds_desktop.gui.tasks import safe_emit


@dataclass(frozen=True)
class Stats:
    """Overall numbers for the status bar (the current busy period)."""

    bytes_done: int
    bytes_total: int
    speed: float
    eta: float | None
    files_per_s: float
    running: int
    queued: int


class _WorkerSignals(QObject):
    finished = Signal(int, object)  # item id, (state, checksum text)
    failed = Signal(int, object)  # item id, exception


class TransferWorker(QRunnable):
    """Moves one file; never touches widgets, reports through its signals."""

    def __init__(
        self,
        queue: TransferQueue,
        gateway: Gateway,
        item_id: int,
        *,
        upload: UploadItem | None = None,
        download_file: SDSFile | None = None,
        file_uuid: str = "",
        local_path: Path | None = None,
        overwrite: bool = False,
        on_conflict: ConflictAction | None = None,
        existing: SDSFile | None = None,
        stall_seconds: float | None = None,
        deadline: float | None = None,
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.queue = queue
        self.gateway = gateway
        self.item_id = item_id
        self.upload = upload
        self.download_file = download_file
        self.file_uuid = file_uuid
        self.local_path = local_path
        self.overwrite = overwrite
        self.on_conflict = on_conflict
        self.existing = existing
        self.stall_seconds = stall_seconds
        self.deadline = deadline
        self.cancel = threading.Event()
        self.pausing = threading.Event()
        """Set with ``cancel`` by a pause: a download keeps its temp file to resume."""
        self.partial: Path | None = None
        """A paused download's temp file to go on from."""
        self.signals = _WorkerSignals()

    def _progress(self, n: int) -> None:
        self.queue.add_progress(self.item_id, n)

    def run(self) -> None:
        try:
            if self.upload is not None:
                up = upload_one(
                    self.gateway,
                    self.upload,
                    progress=self._progress,
                    cancel=self.cancel,
                    retry=False,
                    stall_seconds=self.stall_seconds,
                    deadline=self.deadline,
                    existing=self.existing,
                    on_conflict=self.on_conflict,
                )
                skipped = up.outcome in {UploadOutcome.SKIPPED, UploadOutcome.SKIPPED_CONFLICT}
                text = "verified" if up.outcome is UploadOutcome.UPLOADED else up.outcome.value
                uuid = up.file.uuid if up.file is not None else ""
                result: tuple[bool, str, str, str] = (skipped, text, up.local_blake3, uuid)
            else:
                file = self.download_file
                if file is None:
                    file = self.gateway.get_file(self.file_uuid)
                assert self.local_path is not None
                if self.partial is not None and self.partial.is_file():
                    down, started = resume_download(
                        self.gateway,
                        DownloadItem(file, self.local_path),
                        self.partial,
                        progress=self._progress,
                        cancel=self.cancel,
                        stall_seconds=self.stall_seconds,
                        keep_partial=self.pausing,
                    )
                    note = f"resumed from byte {started:,}" if started else "restarted from 0"
                    self.queue.set_note(self.item_id, note)
                else:
                    down = download_one(
                        self.gateway,
                        DownloadItem(file, self.local_path),
                        overwrite=self.overwrite,
                        progress=self._progress,
                        cancel=self.cancel,
                        retry=False,
                        stall_seconds=self.stall_seconds,
                        deadline=self.deadline,
                        on_conflict=self.on_conflict,
                        keep_partial=self.pausing,
                    )
                skipped = down.outcome not in {DownloadOutcome.DOWNLOADED, DownloadOutcome.RENAMED}
                verified = down.verified
                result = (
                    skipped,
                    down.outcome.value,
                    file.sum_blake3 if verified else "",
                    file.uuid,
                )
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI, never lost
            safe_emit(self.signals.failed, self.item_id, exc)
        else:
            safe_emit(self.signals.finished, self.item_id, result)


class BatchTotals:
    """Bytes done / total of the items of one busy period, without scanning them.

    Open items (queued, running, paused) count their size in the total and, while a
    worker runs them, their bytes so far; an item that settles (done, skipped, failed,
    cancelled) leaves a fixed contribution (nothing, if cancelled). Each tick then costs
    O(running workers), however many files the job has.
    """

    _OPEN = frozenset({ItemState.QUEUED, ItemState.RUNNING, ItemState.PAUSED})

    def __init__(self, queue: TransferQueue) -> None:
        self.queue = queue
        self.clear()

    def clear(self) -> None:
        self._open: dict[int, int] = {}  # item id -> size
        self._open_total = 0
        self._settled: dict[int, tuple[int, int]] = {}  # item id -> (done, total)
        self._settled_done = 0
        self._settled_total = 0

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._open or item_id in self._settled

    def add(self, item_id: int) -> None:
        """The item (new, resumed or retried) is open again."""
        self.discard(item_id)
        size = self.queue.peek(item_id).size
        self._open[item_id] = size
        self._open_total += size

    def settle(self, item_id: int) -> None:
        """Fix the contribution of an item that reached a final state."""
        try:
            item = self.queue.peek(item_id)
        except KeyError:
            self.discard(item_id)
            return
        if item.state in self._OPEN or item_id not in self:
            return
        self.discard(item_id)
        if item.state is ItemState.CANCELLED:
            part = (0, 0)
        else:
            part = (min(item.bytes_done, item.size), item.size)
        self._settled[item_id] = part
        self._settled_done += part[0]
        self._settled_total += part[1]

    def discard(self, item_id: int) -> None:
        """Forget the item (removed from the queue, or about to be re-added)."""
        size = self._open.pop(item_id, None)
        if size is not None:
            self._open_total -= size
        part = self._settled.pop(item_id, None)
        if part is not None:
            self._settled_done -= part[0]
            self._settled_total -= part[1]

    def totals(self, running: Iterable[int]) -> tuple[int, int]:
        """(bytes done, bytes in all) given the ids that workers are running now."""
        done = self._settled_done
        for item_id in running:
            size = self._open.get(item_id)
            if size is not None:
                done += min(self.queue.peek(item_id).bytes_done, size)
        return done, self._settled_total + self._open_total
