# ruff: noqa: N815, FBT003, S101 - Qt naming (camelCase signals), Qt's positional bools, asserts narrow types
"""The transfer controller: runs queue items on a dedicated thread pool.

Public API (used by the main window and by ``sds_desktop.selftest``):

- ``enqueue_upload(paths, sds_dir)``: local files and folders → one job per dropped
  folder (one item per file), loose files → one job. Planning (the folder walk) runs in
  the background; ``jobAdded(job_id, n_items)`` fires when the items are queued.
- ``enqueue_download(files_or_sds_paths, local_dir)``: ``SDSFile`` objects land directly
  in ``local_dir``; an SDS folder path ``/x/y`` is listed and lands in ``local_dir/y/...``.
- ``cancel(ids)``, ``cancel_all()``, ``pause(ids)``, ``resume(ids)``, ``retry(ids)``,
  ``remove(ids)``, ``clear_finished()``, ``set_parallel(n)``.
- ``is_idle()`` and the ``idle`` signal: nothing queued, running or being planned.
- ``shutdown(timeout_ms)``: cancel everything and wait for the workers.

Workers are QRunnables with their own signals object; they call the core's per-file
steps (:func:`upload_one`, :func:`download_one`) with a progress callback that bumps
counters in the Qt-free :class:`TransferQueue`, and a cancel event. One ~4 Hz timer turns
counters into speeds and tells the views which rows to repaint.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import time
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

from sds_desktop.core.conflicts import ConflictAction, ConflictPolicy
from sds_desktop.core.errors import CancelledError, ConflictError, SDSError
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.paths import join_sds, normalize_sds_path
from sds_desktop.core.queue import (
    ACTIVE_STATES,
    Direction,
    ItemState,
    QueueItem,
    TransferQueue,
    account_key,
)
from sds_desktop.core.receipts import ReceiptRow
from sds_desktop.core.retry import NO_RETRY, QueueRetryPolicy
from sds_desktop.core.transfer import (
    SMALL_FILE_WORKERS,
    UploadItem,
    plan_download,
    plan_upload,
    sweep_partials,
)
from sds_desktop.gui.tasks import TaskRunner, keep_until_exit
from sds_desktop.gui.transfer_healing import HealingMixin
from sds_desktop.gui.transfer_plan import (
    Bad,
    Planned,
    PlannedJob,
    download_spec,
    existing_files,
    refused_rows,
    split_skipped,
    upload_spec,
)
from sds_desktop.gui.transfer_worker import BatchTotals, Stats, TransferWorker

__all__ = ["BatchTotals", "Stats", "TransferController", "TransferWorker"]

log = logging.getLogger("sds_desktop.gui.transfers")


TICK_MS = 250
_WINDOW_S = 3.0


class TransferController(HealingMixin, QObject):
    """Schedules queue items onto a dedicated QThreadPool."""

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
        self._partials: dict[int, Path] = {}  # paused downloads' temp files
        """item id → (BLAKE3, SDS UUID) of the files moved in this session (receipts)."""
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
        self.swept = self._sweep_leftovers()

    def _sweep_leftovers(self) -> list[Path]:
        """Temp files a crash left beside queued downloads: removed (the downloads start
        again from byte 0: production ignores Range, so there is nothing to resume)."""
        folders = [
            Path(i.local_path).parent
            for i in self.queue.items(ACTIVE_STATES)
            if i.direction is Direction.DOWNLOAD and i.local_path
        ]
        removed = sweep_partials(folders)
        for path in removed:
            log.info("removed the leftover temp file %s", path)
        return removed

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

    # -- enqueueing ----------------------------------------------------------------
    def enqueue_upload(self, paths: Iterable[Path | str], sds_dir: str) -> None:
        """Queue local files/folders for upload into ``sds_dir`` (planned in background)."""
        local = [Path(p) for p in paths]
        target = normalize_sds_path(sds_dir)
        gateway = self.gateway
        if not local:
            return

        def plan() -> list[PlannedJob]:
            jobs: list[PlannedJob] = []
            loose: list[Planned] = []
            loose_skipped = 0
            loose_bad: list[Bad] = []
            for path in local:
                if path.is_dir():
                    where = join_sds(target, path.name)
                    p = plan_upload(path, where)
                    there = existing_files(gateway, where)
                    planned: list[Planned] = [
                        (upload_spec(i), there.get(i.sds_path)) for i in p.items
                    ]
                    quiet, bad = split_skipped(p.skipped, path, where)
                    jobs.append((path.name, planned, quiet, bad))
                else:
                    p = plan_upload(path, target)
                    there = existing_files(gateway, target, names={i.name for i in p.items})
                    loose.extend((upload_spec(i), there.get(i.sds_path)) for i in p.items)
                    quiet, bad = split_skipped(p.skipped, path.parent, target)
                    loose_skipped += quiet
                    loose_bad.extend(bad)
            if loose or loose_skipped or loose_bad:
                label = loose[0][0].name if len(loose) == 1 else f"{len(loose)} files"
                jobs.insert(0, (label, loose, loose_skipped, loose_bad))
            return jobs

        self._start_planning(plan, Direction.UPLOAD)

    def enqueue_download(self, items: Iterable[SDSFile | str], local_dir: Path | str) -> None:
        """Queue remote files (``SDSFile``) and folders (SDS paths) for download."""
        wanted = list(items)
        root = Path(local_dir)
        gateway = self.gateway
        if not wanted:
            return
        if gateway is None:
            self.planFailed.emit("not signed in")
            return

        def plan() -> list[PlannedJob]:
            jobs: list[PlannedJob] = []
            loose = [f for f in wanted if isinstance(f, SDSFile)]
            refused: list[Bad] = []
            loose_specs: list[Planned] = []
            for f in loose:
                p = plan_download([f], root, base_sds_path=f.directory if f.safe else "/")
                loose_specs.extend((download_spec(i), i.file) for i in p.items)
                refused.extend(refused_rows(p.refused, root))
            if loose:
                label = loose[0].name if len(loose) == 1 else f"{len(loose)} files"
                jobs.append((label, loose_specs, 0, refused))
            for folder in (f for f in wanted if isinstance(f, str)):
                norm = normalize_sds_path(folder)
                files = gateway.list_files(norm)
                base = str(PurePosixPath(norm).parent)
                p = plan_download(files, root, base_sds_path=base)
                specs: list[Planned] = [(download_spec(i), i.file) for i in p.items]
                label = PurePosixPath(norm).name or "/"
                jobs.append((label, specs, 0, refused_rows(p.refused, root)))
            return jobs

        self._start_planning(plan, Direction.DOWNLOAD)

    def _start_planning(self, plan: object, direction: Direction) -> None:
        self._planning += 1
        self._set_busy(True)

        def done(jobs: object) -> None:
            self._planning -= 1
            assert isinstance(jobs, list)
            for label, specs, skipped, bad in jobs:
                if skipped:
                    log.info("%s: %d file(s) left out (ignored or empty)", label, skipped)
                if not specs and not bad:
                    log.info("%s: nothing to transfer", label)
                    continue
                job, added = self.queue.add_job(
                    label,
                    direction,
                    [spec for spec, _ in specs] + [spec for spec, _ in bad],
                    account=self.account,
                )
                for (_, file), item in zip(specs, added, strict=False):
                    self._batch.add(item.id)
                    if file is not None:
                        self._files[item.id] = file
                for (_, reason), item in zip(bad, added[len(specs) :], strict=True):
                    # never dropped in silence: one failed row with its reason
                    log.warning("%s: %s", item.local_path or item.sds_path, reason)
                    self.queue.mark_failed(item.id, reason)
                log.info("queued %s of %d file(s): %s", direction.value, len(added), label)
                self.jobAdded.emit(job.id, len(added))
            self._pump()

        def failed(exc: BaseException) -> None:
            self._planning -= 1
            log.error("could not plan the %s: %s", direction.value, exc)
            self.planFailed.emit(str(exc))
            self._pump()

        assert callable(plan)
        self.planner.call(plan, done, failed)

    def add_planned_job(
        self, label: str, direction: Direction, planned: Sequence[Planned]
    ) -> int | None:
        """Queue one job from specs planned elsewhere (gui.rf: a capture's files, a
        recording's upload); returns its id, or None when there is nothing to move."""
        if not planned:
            return None
        job, added = self.queue.add_job(
            label, direction, [spec for spec, _ in planned], account=self.account
        )
        for (_, file), item in zip(planned, added, strict=True):
            self._batch.add(item.id)
            if file is not None:
                self._files[item.id] = file
        self.jobAdded.emit(job.id, len(added))
        self._set_busy(True)
        self._pump()
        return job.id

    # -- queue operations ----------------------------------------------------------
    def _drop_partial(self, item_id: int) -> None:
        partial = self._partials.pop(item_id, None)
        if partial is not None:
            with contextlib.suppress(OSError):
                partial.unlink()

    def cancel(self, ids: Iterable[int]) -> None:
        for item_id in ids:
            if self.queue.cancel(item_id):
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
        for item_id in ids:
            if self.queue.pause(item_id):
                worker = self._workers.get(item_id)
                if worker is not None:
                    worker.pausing.set()  # a download keeps its temp file
                    worker.cancel.set()
                    upload = self.queue.peek(item_id).direction is Direction.UPLOAD
                    self.queue.set_note(
                        item_id,
                        "uploads cannot resume on SDS: restarts from 0"
                        if upload
                        else "goes on from its temp file if SDS allows, else from 0",
                    )
        self._pump()

    def resume(self, ids: Iterable[int]) -> None:
        for item_id in ids:
            if self.queue.resume(item_id):
                if item_id in self._partials:
                    self.queue.set_note(item_id, "going on from its temp file")
                elif self.queue.peek(item_id).note:
                    self.queue.set_note(item_id, "restarting from 0")
                self._batch.add(item_id)
        self._pump()

    def retry(self, ids: Iterable[int]) -> None:
        for item_id in ids:
            if self.queue.retry(item_id):
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
                "stall_seconds": self.retry_policy.stall_seconds,
                "deadline": self.file_deadline,
                "on_conflict": self._one_off.pop(item.id, None)
                or self.conflicts.action_for(item.job_id, item.direction.value),
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
            worker.signals.finished.connect(self._on_finished)
            worker.signals.failed.connect(self._on_failed)
            self._workers[item.id] = worker
            self._batch.add(item.id)
            self._item_last[item.id] = (time.monotonic(), 0)
            self.pool.start(worker)
            self._set_busy(True)
        if self.is_idle():
            self._set_busy(False)

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

    @Slot(int, object)
    def _on_finished(self, item_id: int, result: object) -> None:
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
        self._after(item_id)

    @Slot(int, object)
    def _on_failed(self, item_id: int, exc: object) -> None:
        self._workers.pop(item_id, None)
        self._small.discard(item_id)
        if item_id not in self.queue:
            self._after(item_id)
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
        self._after(item_id)

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

    def _after(self, item_id: int) -> None:
        with contextlib.suppress(KeyError):
            self._settled_jobs.add(self.queue.peek(item_id).job_id)
        self._batch.settle(item_id)
        if self._touched and not self._touch_timer.isActive():
            self._touch_timer.start()
        self._finished_count += 1
        self._item_last.pop(item_id, None)
        self.item_speed.pop(item_id, None)
        self.itemFinished.emit(item_id)
        self._pump()

    def receipt_rows(self, job_ids: Iterable[int]) -> list[ReceiptRow]:
        """One receipt row per item of the jobs ``job_ids`` (what a receipt holds)."""
        wanted = set(job_ids)
        rows = []
        for item in self.queue.items():
            if item.job_id not in wanted:
                continue
            digest, uuid = self.receipt_info.get(item.id, ("", ""))
            if not uuid and item.direction is Direction.DOWNLOAD:
                uuid = item.file_uuid
            result = item.state.value + (f": {item.checksum}" if item.checksum else "")
            rows.append(
                ReceiptRow(
                    item.direction.value,
                    item.local_path,
                    item.sds_path,
                    item.size,
                    digest,
                    uuid,
                    result,
                    item.error,
                    ReceiptRow.when(item.finished_at),
                )
            )
        return rows

    # -- counters ------------------------------------------------------------------
    @Slot()
    def _on_tick(self) -> None:
        now = time.monotonic()
        if self.queue.due(now):
            self._pump()
        if self._server_wait_until is not None and now >= self._server_wait_until:
            self._probe_server()
        for item_id in list(self._workers):
            try:
                done = self.queue.peek(item_id).bytes_done
            except KeyError:
                continue
            last_t, last_b = self._item_last.get(item_id, (now, done))
            dt = now - last_t
            if dt >= 0.2:
                inst = max(0, done - last_b) / dt
                prev = self.item_speed.get(item_id)
                self.item_speed[item_id] = inst if prev is None else 0.6 * prev + 0.4 * inst
                self._item_last[item_id] = (now, done)
        stats = self._totals()
        self._samples.append((now, stats[0], 0))
        while self._samples and now - self._samples[0][0] > _WINDOW_S:
            self._samples.popleft()
        self.tick.emit()

    def _totals(self) -> tuple[int, int]:
        return self._batch.totals(self._workers)

    def stats(self) -> Stats:
        done, total = self._totals()
        speed = files_per_s = 0.0
        if len(self._samples) >= 2:
            t0, b0, _ = self._samples[0]
            t1, b1, _ = self._samples[-1]
            if t1 > t0:
                speed = max(0, b1 - b0) / (t1 - t0)
        elapsed = time.monotonic() - self._busy_since
        if self._busy and elapsed > 0.5:
            files_per_s = self._finished_count / elapsed  # over the whole busy period
        eta = (total - done) / speed if speed > 0 else None
        counts = self.queue.counts()
        return Stats(done, total, speed, eta, files_per_s, len(self._workers), counts["active"])

    # -- shutdown ------------------------------------------------------------------
    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop starting work, cancel running workers, wait; True if all ended in time.

        Running items go back to ``queued`` in the journal, so they restart next time.
        """
        self.gateway = self._work_gateway = None
        self._timer.stop()
        self._touch_timer.stop()
        for item_id, worker in list(self._workers.items()):
            worker.cancel.set()
            self.queue.requeue(item_id, "interrupted by quit")
        self.planner.shutdown(timeout_ms)
        done = bool(self.pool.waitForDone(timeout_ms))
        if not done:
            keep_until_exit(self.pool, self._workers.values())
        self._workers.clear()
        return done
