# ruff: noqa: N815, FBT003, S101 - Qt naming (camelCase signals), Qt's positional bools, asserts narrow types
"""The transfer controller: runs queue items on long-lived lanes of a thread pool.

Public API (used by the main window and by ``sds_desktop.selftest``):

- ``enqueue_upload``, ``enqueue_download``, ``add_planned_job``: see ``transfer_enqueue``.
- ``cancel(ids)``, ``cancel_all()``, ``pause(ids)``, ``resume(ids)``, ``retry(ids)``,
  ``remove(ids)``, ``clear_finished()``, ``set_parallel(n)``, ``set_speed_limit(b/s)``.
- ``is_idle()`` and the ``idle`` signal: nothing queued, running or being planned.
- ``shutdown(timeout_ms)``: cancel everything and wait for the workers.

Each running item has a ``TransferWorker`` (``transfer_worker``) that calls the core's
per-file steps with a progress callback that bumps counters in the Qt-free
:class:`TransferQueue` (and pays the shared speed limit, ``core.throttle``), and a
cancel event. Workers run on lanes (``transfer_runner``): a few long-lived pool threads
that take work from a list; outcomes come back to the GUI thread in batches, one wake-up
for all that finished meanwhile, and the queue is refilled once per batch. One ~4 Hz
timer turns counters into speeds (``transfer_stats``). Retries, waiting for SDS, the
refused key and the temp files a restart finds are ``transfer_healing``'s.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import time
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

from sds_desktop.core.conflicts import ConflictAction, ConflictPolicy
from sds_desktop.core.errors import CancelledError, ConflictError, SDSError
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.queue import (
    ACTIVE_STATES,
    Direction,
    ItemState,
    QueueItem,
    TransferQueue,
    account_key,
)
from sds_desktop.core.retry import NO_RETRY, QueueRetryPolicy
from sds_desktop.core.throttle import TokenBucket
from sds_desktop.core.transfer import SMALL_FILE_WORKERS, UploadItem
from sds_desktop.core.worker.host import (
    WorkerProcess,
    WorkerUnavailableError,
    transfers_in_process,
)
from sds_desktop.gui.tasks import TaskRunner, keep_until_exit
from sds_desktop.gui.transfer_enqueue import EnqueueMixin
from sds_desktop.gui.transfer_healing import RESUME_NOTE, UPLOAD_NOTE, HealingMixin
from sds_desktop.gui.transfer_runner import LaneRunner, Outcome
from sds_desktop.gui.transfer_stats import TICK_MS, StatsMixin
from sds_desktop.gui.transfer_worker import BatchTotals, Stats, TransferWorker

__all__ = ["BatchTotals", "Stats", "TransferController", "TransferWorker"]

log = logging.getLogger("sds_desktop.gui.transfers")

_CHUNK_BYTES = 1024 * 1024
"""The largest chunk a transfer reports at once (core's download chunk, upload block)."""


class TransferController(EnqueueMixin, StatsMixin, HealingMixin, QObject):
    """Schedules queue items onto the lanes of a dedicated QThreadPool."""

    idle = Signal()
    jobAdded = Signal(int, int)  # job id, number of items
    planFailed = Signal(str)
    itemFinished = Signal(int)  # item id (done, skipped, failed or cancelled)
    uploadedInto = Signal(str)  # SDS directory that received new files (batched)
    tick = Signal()  # ~4 Hz while busy: counters were refreshed
    keyNeeded = Signal(str)  # the key was refused mid-queue: the queue paused, ask once
    conflictFound = Signal(int, object)  # item id, core.conflicts.Conflict
    busyChanged = Signal(bool)  # a busy period starts / ends (keep-awake)
    jobsSettled = Signal(object)  # [(label, items, failed)] of the jobs of a busy period
    healthChanged = Signal(str)  # "" or "waiting for SDS, next try in 20 s" / key text
    limitChanged = Signal(float)  # the shared speed limit, bytes/s (0: none)

    def __init__(
        self,
        queue: TransferQueue,
        parent: QObject | None = None,
        *,
        parallel: int = 4,
        small_parallel: int = SMALL_FILE_WORKERS,
    ) -> None:
        super().__init__(parent)
        self.queue = queue
        self.gateway: Gateway | None = None
        self._work_gateway: Gateway | None = None
        self.account = ""
        self.parallel = max(1, parallel)
        self.small_parallel = max(1, small_parallel)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(self.parallel + self.small_parallel)
        self._runner = LaneRunner(self.pool, self, self._on_results)
        self._shut = False
        self.planner = TaskRunner(self, max_threads=2)
        self.retry_policy = QueueRetryPolicy()
        self.conflicts = ConflictPolicy()
        self.file_deadline: float | None = None
        """Seconds one try of one file may take at most (None: no limit beyond stalls)."""
        self._conflict_info: dict[int, object] = {}
        self._existing: dict[int, SDSFile] = {}  # upload item id -> SDS file at its path
        self._server_wait_until: float | None = None
        self._server_waits = 0
        self._server_error = ""
        self._probing = False
        self._key_needed = False
        self._one_off: dict[int, ConflictAction] = {}  # one item's conflict answer
        self.receipt_info: dict[int, tuple[str, str]] = {}
        self._settled_jobs: set[int] = set()
        """item id → (BLAKE3, SDS UUID) of the files moved in this session (receipts)."""
        self._partials: dict[int, Path] = {}  # paused or interrupted downloads' temp files
        self.throttle = TokenBucket()
        """The speed limit all running transfers share (``set_speed_limit``)."""
        self.process = WorkerProcess() if transfers_in_process() else None
        """Where the files move (``core.worker``): a process of their own, so the GUI
        thread never waits for their interpreter lock; None: on the lane threads."""
        self._workers: dict[int, TransferWorker] = {}
        self._small: set[int] = set()  # running items in the small-file lane
        self._files: dict[int, SDSFile] = {}
        self._planning = 0
        self._busy = False
        self._batch = BatchTotals(queue)
        self._samples: collections.deque[tuple[float, int, int]] = collections.deque()
        self._item_last: dict[int, tuple[float, int]] = {}
        self.item_speed: dict[int, float] = {}
        self._finished_count = 0
        self._busy_since = time.monotonic()
        self._touched: set[str] = set()
        self._touch_timer = QTimer(self)
        self._touch_timer.setInterval(1500)
        self._touch_timer.setSingleShot(True)
        self._touch_timer.timeout.connect(self._flush_touched)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_tick)
        self.swept = self._resume_leftovers()

    # -- account and settings ------------------------------------------------------
    def set_gateway(self, gateway: Gateway | None, account: str = "") -> None:
        """Attach to an account (``host|email``); queued items of that account start.

        Workers and probes use a copy of ``gateway`` with per-request retries off: the
        queue is the one retry layer (no retries nested inside retries).
        """
        self.gateway = gateway
        self._work_gateway = (
            None if gateway is None or gateway.retry.attempts <= 1 else gateway.with_retry(NO_RETRY)
        )
        self.account = account_key(account)
        if gateway is not None:
            self._key_needed = False
            self._server_wait_until = None
            self._server_waits = 0
            self.healthChanged.emit("")
        self._pump()

    def set_parallel(self, n: int) -> None:
        """Change the number of parallel transfers, also while transfers run."""
        self.parallel = max(1, int(n))
        self.pool.setMaxThreadCount(
            max(self.parallel + self.small_parallel, self.pool.activeThreadCount())
        )
        self._pump()

    def set_speed_limit(self, bytes_per_s: float) -> None:
        """One limit for all running transfers together (0: none); applies at once."""
        before = self.throttle.rate
        self.throttle.set_rate(bytes_per_s)
        if self.process is not None:
            self.process.set_rate(self.throttle.rate)
        if self.throttle.rate != before:
            self.limitChanged.emit(self.throttle.rate)

    @property
    def speed_limit(self) -> float:
        return self.throttle.rate

    def _stall_seconds(self) -> float | None:
        """The stall watch of a new try: under a low speed limit a worker may wait its
        turn for longer than the stall time, which is not a stall: allow for it."""
        stall = self.retry_policy.stall_seconds
        rate = self.throttle.rate
        if stall is None or rate <= 0:
            return stall
        lanes = self.parallel + self.small_parallel
        return max(stall, 2 * lanes * _CHUNK_BYTES / rate)

    def _next_item(self) -> QueueItem | None:
        """The oldest queued item that a lane has room for.

        Files of ``SMALL_FILE_BYTES`` and more run ``parallel`` at a time (the user's
        setting: they are bandwidth-bound); smaller ones, bound by round trips, run up to
        ``small_parallel`` at a time beside them, as ``Client.upload`` does.
        """
        small_running = len(self._small)
        large_running = len(self._workers) - small_running
        candidates = []
        if large_running < self.parallel:
            candidates.append(self.queue.next_queued(self.account, small=False))
        if small_running < self.small_parallel:
            candidates.append(self.queue.next_queued(self.account, small=True))
        found = [c for c in candidates if c is not None]
        return min(found, key=lambda c: c.id) if found else None

    # -- queue operations ----------------------------------------------------------
    def _drop_partial(self, item_id: int) -> None:
        partial = self._partials.pop(item_id, None)
        if partial is not None:
            with contextlib.suppress(OSError):
                partial.unlink()

    def cancel(self, ids: Iterable[int]) -> None:
        for item_id in self.queue.cancel_many(ids):
            self._drop_partial(item_id)
            worker = self._workers.get(item_id)
            if worker is not None:
                worker.cancel.set()  # settles when the worker reports back
            else:
                self._batch.settle(item_id)
        self._pump()

    def cancel_all(self) -> None:
        self.cancel([i.id for i in self.queue.items(ACTIVE_STATES)])

    def pause(self, ids: Iterable[int]) -> None:
        """Pause items; a running upload stops now and will restart from byte 0 (SDS takes
        one request per file); a running download keeps its temp file and goes on from
        it when the server answers 206 (production ignores Range: then from 0). The row
        says which."""
        for item_id in self.queue.pause_many(ids):
            worker = self._workers.get(item_id)
            if worker is not None:
                worker.pausing.set()  # a download keeps its temp file
                worker.cancel.set()
                upload = self.queue.peek(item_id).direction is Direction.UPLOAD
                self.queue.set_note(item_id, UPLOAD_NOTE if upload else RESUME_NOTE)
        self._pump()

    def resume(self, ids: Iterable[int]) -> None:
        for item_id in self.queue.resume_many(ids):
            if item_id in self._partials:
                self.queue.set_note(item_id, "going on from its temp file")
            elif self.queue.peek(item_id).note:
                self.queue.set_note(item_id, "restarting from 0")
            self._batch.add(item_id)
        self._pump()

    def retry(self, ids: Iterable[int]) -> None:
        for item_id in self.queue.retry_many(ids):
            self._batch.add(item_id)
        self._pump()

    def remove(self, ids: Iterable[int]) -> None:
        for item_id in self.queue.remove(ids):
            self._drop_partial(item_id)
            self._files.pop(item_id, None)
            self._batch.discard(item_id)

    def clear_finished(self) -> None:
        for item_id in self.queue.clear_finished():
            self._files.pop(item_id, None)
            self._batch.discard(item_id)

    # -- scheduling ----------------------------------------------------------------
    def is_idle(self) -> bool:
        if self._workers or self._planning:
            return False
        counts = self.queue.counts()
        if counts["waiting"] or counts["conflicts"]:
            return False
        if self.gateway is None:
            return True
        return self.queue.next_queued(self.account) is None

    @property
    def running(self) -> int:
        return len(self._workers)

    def _pump(self) -> None:
        gateway = self._work_gateway or self.gateway
        if self._key_needed or self._server_wait_until is not None:
            gateway = None  # paused: no new work until the key or the server is back
        while gateway is not None:
            item = self._next_item()
            if item is None or not self.queue.mark_running(item.id):
                break
            if item.size < self.queue.small_file_bytes:
                self._small.add(item.id)
            knobs = {
                "stall_seconds": self._stall_seconds(),
                "deadline": self.file_deadline,
                "on_conflict": self._one_off.pop(item.id, None)
                or self.conflicts.action_for(item.job_id, item.direction.value),
                "throttle": self.throttle,
                "process": self.process,
            }
            if item.direction is Direction.UPLOAD:
                sds_dir, _, name = item.sds_path.rpartition("/")
                worker = TransferWorker(
                    self.queue,
                    gateway,
                    item.id,
                    upload=UploadItem(Path(item.local_path), sds_dir or "/", name, item.size),
                    existing=self._files.get(item.id),
                    **knobs,
                )
            else:
                worker = TransferWorker(
                    self.queue,
                    gateway,
                    item.id,
                    download_file=self._files.get(item.id),
                    file_uuid=item.file_uuid,
                    local_path=Path(item.local_path),
                    **knobs,
                )
                worker.partial = self._partials.pop(item.id, None)
            self._workers[item.id] = worker
            self._batch.add(item.id)
            self._item_last[item.id] = (time.monotonic(), 0)
            self._start(worker)
            self._set_busy(True)
        if self.is_idle():
            self._set_busy(False)

    def _start(self, worker: TransferWorker) -> None:
        """In the worker process when there is one (a pipe write), else on a lane."""
        process = self.process
        if process is not None and not process.broken:
            try:
                worker.start_in(process, self._runner.post)
            except WorkerUnavailableError:
                pass  # it said why in the log: this process does the work
            else:
                return
        worker.process = None
        self._runner.submit(worker)

    def _set_busy(self, busy: bool) -> None:
        if busy and not self._busy:
            self._busy = True
            self.busyChanged.emit(True)
            self._busy_since = time.monotonic()
            self._samples.clear()
            self._finished_count = 0
            self._timer.start()
        elif not busy and self._busy:
            self._busy = False
            self._timer.stop()
            self._on_tick()
            self._batch.clear()
            self._samples.clear()
            self._touch_timer.stop()
            self._flush_touched()
            self._report_jobs()
            self.busyChanged.emit(False)
            self.idle.emit()

    def _on_results(self, batch: list[Outcome]) -> None:
        """What the lanes finished since the last wake-up: settle each, refill once."""
        if self._shut:
            return  # after shutdown: the items were requeued, downloads keep their temp file
        with self.queue.batched():  # the views repaint once for the whole batch
            for item_id, ok, payload in batch:
                if isinstance(payload, WorkerUnavailableError) and item_id in self._workers:
                    self._start(self._workers[item_id])  # no worker process: run it here
                elif ok:
                    self._on_finished(item_id, payload, pump=False)
                else:
                    self._on_failed(item_id, payload, pump=False)
            self._pump()

    def _on_finished(self, item_id: int, result: object, *, pump: bool = True) -> None:
        self._workers.pop(item_id, None)
        self._small.discard(item_id)
        assert isinstance(result, tuple)
        skipped, text, digest, uuid = result
        with contextlib.suppress(KeyError):
            if self.queue.peek(item_id).note == "restarting from 0":
                self.queue.set_note(item_id, "restarted from 0")
        self.receipt_info[item_id] = (str(digest), str(uuid))
        if self.queue.mark_done(item_id, checksum=str(text), skipped=bool(skipped)):
            item = self.queue.get(item_id)
            log.info("%s: %s", item.sds_path, text)
            if item.direction is Direction.UPLOAD and not skipped:
                self._touched.add(item.sds_path.rpartition("/")[0] or "/")
        self._after(item_id, pump=pump)

    def _on_failed(self, item_id: int, exc: object, *, pump: bool = True) -> None:
        self._workers.pop(item_id, None)
        self._small.discard(item_id)
        if item_id not in self.queue:
            self._after(item_id, pump=pump)
            return
        item = self.queue.get(item_id)
        if isinstance(exc, CancelledError):
            if item.state is ItemState.RUNNING:
                self.queue.cancel(item_id)
            if isinstance(exc.detail, Path):
                if item.state is ItemState.PAUSED:
                    self._partials[item_id] = exc.detail  # resumed from there
                else:
                    exc.detail.unlink(missing_ok=True)
        elif item.state is not ItemState.RUNNING:
            pass  # paused or cancelled by the user meanwhile: the failure is moot
        elif isinstance(exc, ConflictError):
            self.queue.hold_for_decision(item_id, str(exc))
            self._conflict_info[item_id] = exc.detail
            self.conflictFound.emit(item_id, exc.detail)
        elif isinstance(exc, SDSError):
            self._heal(item, exc)
        else:
            message = f"{type(exc).__name__}: {exc}"
            log.warning("%s failed: %s", item.name, message)
            self.queue.mark_failed(item_id, message)
            if not isinstance(exc, Exception):
                log.error("worker crashed: %r", exc)
        self._after(item_id, pump=pump)

    @Slot()
    def _flush_touched(self) -> None:
        touched, self._touched = self._touched, set()
        for directory in sorted(touched):
            self.uploadedInto.emit(directory)

    def _report_jobs(self) -> None:
        jobs, self._settled_jobs = self._settled_jobs, set()
        report = []
        for job_id in sorted(jobs):
            try:
                label = self.queue.job(job_id).label
            except KeyError:
                continue
            progress = self.queue.job_progress(job_id)
            report.append((label, progress.total_items, progress.failed_items))
        if report:
            self.jobsSettled.emit(report)

    def _after(self, item_id: int, *, pump: bool = True) -> None:
        with contextlib.suppress(KeyError):
            self._settled_jobs.add(self.queue.peek(item_id).job_id)
        self._batch.settle(item_id)
        if self._touched and not self._touch_timer.isActive():
            self._touch_timer.start()
        self._finished_count += 1
        self._item_last.pop(item_id, None)
        self.item_speed.pop(item_id, None)
        self.itemFinished.emit(item_id)
        if pump:
            self._pump()

    # -- shutdown ------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop starting work, cancel running workers, wait; True if all ended in time.

        Running items go back to ``queued`` in the journal, so they start again next time;
        a running download keeps its temp file, to go on from it then (``_resume_leftovers``).
        """
        self.gateway = self._work_gateway = None
        self._shut = True
        self._timer.stop()
        self._touch_timer.stop()
        self._runner.stop()
        for item_id, worker in list(self._workers.items()):
            if worker.upload is None:
                worker.pausing.set()
            worker.cancel.set()
            self.queue.requeue(item_id, "interrupted by quit")
        self.planner.shutdown(timeout_ms)
        done = bool(self.pool.waitForDone(timeout_ms))
        if self.process is not None:  # its jobs were told to stop above: let them
            done = self.process.wait_idle(timeout_ms / 1000) and done
            self.process.close()
        if not done:
            keep_until_exit(self.pool, self._runner.lanes)
        self._workers.clear()
        return done
