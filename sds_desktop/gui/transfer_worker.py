"""The work of one queue item, and the byte totals of a busy period.

Split from ``gui.transfers`` (the controller). A worker runs on one of the long-lived
lane threads of ``gui.transfer_runner``; it never touches widgets nor emits signals: it
calls the core's per-file steps and returns its outcome, which the lane hands to the GUI
thread together with the others that finished meanwhile (one signal per batch).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sds_desktop.core.conflicts import ConflictAction
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.queue import ItemState, TransferQueue
from sds_desktop.core.throttle import TokenBucket
from sds_desktop.core.transfer import UploadItem
from sds_desktop.core.worker.host import WatchedEvent, WorkerProcess
from sds_desktop.core.worker.job import JobHooks, JobSpec, run_job

Outcome = tuple[int, bool, object]
"""(item id, finished?, result tuple or the exception), as ``gui.transfer_runner``'s."""


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


class TransferWorker:
    """Moves one file from a lane thread (``gui.transfer_runner``); never touches widgets.

    The work itself is the core's ``run_job``: in the worker process (:meth:`start_in`,
    ``core.worker``: no thread of this process waits for it), or on a lane thread
    (:meth:`run`). Either way the outcome is ``(item_id, True, (skipped, text, blake3,
    uuid))`` or ``(item_id, False, exception)``, posted to the GUI thread in a batch.
    Progress goes to the queue's counters (no signal) and through one speed limit (the
    worker process keeps its own, at the same rate).
    """

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
        throttle: TokenBucket | None = None,
        process: WorkerProcess | None = None,
    ) -> None:
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
        self.throttle = throttle
        self.process = process
        self.cancel = WatchedEvent()
        self.pausing = threading.Event()
        """Set with ``cancel`` by a pause: a download keeps its temp file to resume."""
        self.partial: Path | None = None
        """A paused (or interrupted) download's temp file to go on from."""

    def spec(self) -> JobSpec:
        return JobSpec(
            self.item_id,
            upload=self.upload,
            download_file=self.download_file,
            file_uuid=self.file_uuid,
            local_path=self.local_path,
            overwrite=self.overwrite,
            on_conflict=self.on_conflict,
            existing=self.existing,
            stall_seconds=self.stall_seconds,
            deadline=self.deadline,
            partial=self.partial,
        )

    def hooks(self) -> JobHooks:
        queue, item_id = self.queue, self.item_id
        return JobHooks(
            progress=lambda n: queue.add_progress(item_id, n),
            phase=lambda phase, done, total: queue.set_phase(item_id, phase, done, total),
            note=lambda text: queue.set_note(item_id, text),
            cancel=self.cancel,
            pausing=self.pausing,
        )

    def start_in(self, process: WorkerProcess, post: Callable[[Outcome], None]) -> None:
        """Hand the job to the worker process (GUI thread: returns at once); its outcome
        goes to ``post`` as :meth:`run` returns it. Raises ``WorkerUnavailableError``
        when the process cannot be used (then run it on a lane)."""
        item_id = self.item_id

        def done(ok: bool, value: object) -> None:
            post((item_id, ok, value))

        process.submit(self.gateway.handover(), self.spec(), self.hooks(), done)

    def run(self) -> Outcome:
        """The job on this (lane) thread, through the shared speed limit."""
        hooks = self.hooks()
        hooks.throttle = self.throttle
        try:
            result = run_job(self.gateway, self.spec(), hooks)
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI, never lost
            return (self.item_id, False, exc)
        return (self.item_id, True, result)


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

    def add_new(self, sizes: dict[int, int]) -> None:
        """Items just queued (never counted before): ``{id: size}`` in one update."""
        self._open.update(sizes)
        self._open_total += sum(sizes.values())

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
