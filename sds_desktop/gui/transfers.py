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
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from sds_desktop.core.conflicts import ConflictAction, ConflictPolicy
from sds_desktop.core.discovery import display_path, is_quiet_skip
from sds_desktop.core.errors import CancelledError, ConflictError, DiskFullError, SDSError
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.paths import join_sds, normalize_sds_path
from sds_desktop.core.queue import (
    ACTIVE_STATES,
    Direction,
    ItemSpec,
    ItemState,
    QueueItem,
    TransferQueue,
    account_key,
)
from sds_desktop.core.retry import NO_RETRY, QueueRetryPolicy, Verdict, classify
from sds_desktop.core.transfer import (
    SMALL_FILE_WORKERS,
    DownloadItem,
    DownloadOutcome,
    UploadItem,
    UploadOutcome,
    download_one,
    plan_download,
    plan_upload,
    sweep_partials,
    upload_one,
)
from sds_desktop.gui.tasks import TaskRunner, keep_until_exit, safe_emit

_Planned = tuple[ItemSpec, SDSFile | None]
_Bad = tuple[ItemSpec, str]  # an entry that cannot be transferred, and why
_PlannedJob = tuple[str, list[_Planned], int, list[_Bad]]

log = logging.getLogger("sds_desktop.gui.transfers")

TICK_MS = 250
_WINDOW_S = 3.0


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
                result: tuple[bool, str] = (skipped, text)
            else:
                file = self.download_file
                if file is None:
                    file = self.gateway.get_file(self.file_uuid)
                assert self.local_path is not None
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
                )
                skipped = down.outcome not in {DownloadOutcome.DOWNLOADED, DownloadOutcome.RENAMED}
                result = (skipped, down.outcome.value)
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


class TransferController(QObject):
    """Schedules queue items onto a dedicated QThreadPool."""

    idle = Signal()
    jobAdded = Signal(int, int)  # job id, number of items
    planFailed = Signal(str)
    itemFinished = Signal(int)  # item id (done, skipped, failed or cancelled)
    uploadedInto = Signal(str)  # SDS directory that received new files (batched)
    tick = Signal()  # ~4 Hz while busy: counters were refreshed
    keyNeeded = Signal(str)  # the key was refused mid-queue: the queue paused, ask once
    conflictFound = Signal(int, object)  # item id, core.conflicts.Conflict
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

        def plan() -> list[_PlannedJob]:
            jobs: list[_PlannedJob] = []
            loose: list[_Planned] = []
            loose_skipped = 0
            loose_bad: list[_Bad] = []
            for path in local:
                if path.is_dir():
                    where = join_sds(target, path.name)
                    p = plan_upload(path, where)
                    there = _existing_files(gateway, where)
                    planned: list[_Planned] = [
                        (_upload_spec(i), there.get(i.sds_path)) for i in p.items
                    ]
                    quiet, bad = _split_skipped(p.skipped, path, where)
                    jobs.append((path.name, planned, quiet, bad))
                else:
                    p = plan_upload(path, target)
                    there = _existing_files(gateway, target, names={i.name for i in p.items})
                    loose.extend((_upload_spec(i), there.get(i.sds_path)) for i in p.items)
                    quiet, bad = _split_skipped(p.skipped, path.parent, target)
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

        def plan() -> list[_PlannedJob]:
            jobs: list[_PlannedJob] = []
            loose = [f for f in wanted if isinstance(f, SDSFile)]
            refused: list[_Bad] = []
            loose_specs: list[_Planned] = []
            for f in loose:
                p = plan_download([f], root, base_sds_path=f.directory if f.safe else "/")
                loose_specs.extend((_download_spec(i), i.file) for i in p.items)
                refused.extend(_refused_rows(p.refused, root))
            if loose:
                label = loose[0].name if len(loose) == 1 else f"{len(loose)} files"
                jobs.append((label, loose_specs, 0, refused))
            for folder in (f for f in wanted if isinstance(f, str)):
                norm = normalize_sds_path(folder)
                files = gateway.list_files(norm)
                base = str(PurePosixPath(norm).parent)
                p = plan_download(files, root, base_sds_path=base)
                specs: list[_Planned] = [(_download_spec(i), i.file) for i in p.items]
                label = PurePosixPath(norm).name or "/"
                jobs.append((label, specs, 0, _refused_rows(p.refused, root)))
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
        self, label: str, direction: Direction, planned: Sequence[_Planned]
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
    def cancel(self, ids: Iterable[int]) -> None:
        for item_id in ids:
            if self.queue.cancel(item_id):
                worker = self._workers.get(item_id)
                if worker is not None:
                    worker.cancel.set()  # settles when the worker reports back
                else:
                    self._batch.settle(item_id)
        self._pump()

    def cancel_all(self) -> None:
        self.cancel([i.id for i in self.queue.items(ACTIVE_STATES)])

    def pause(self, ids: Iterable[int]) -> None:
        for item_id in ids:
            if self.queue.pause(item_id):
                worker = self._workers.get(item_id)
                if worker is not None:
                    worker.cancel.set()
        self._pump()

    def resume(self, ids: Iterable[int]) -> None:
        for item_id in ids:
            if self.queue.resume(item_id):
                self._batch.add(item_id)
        self._pump()

    def retry(self, ids: Iterable[int]) -> None:
        for item_id in ids:
            if self.queue.retry(item_id):
                self._batch.add(item_id)
        self._pump()

    def remove(self, ids: Iterable[int]) -> None:
        for item_id in self.queue.remove(ids):
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

    # -- healing: retries, waiting for SDS, a refused key ----------------------------
    @property
    def waiting_for_server(self) -> bool:
        return self._server_wait_until is not None

    @property
    def key_needed(self) -> bool:
        return self._key_needed

    def health_text(self) -> str:
        """What the queue waits for, in words ("" when it waits for nothing)."""
        if self._key_needed:
            return "paused: SDS refused the API key; sign in again to go on"
        if self._server_wait_until is not None:
            if self._probing:
                return "waiting for SDS, trying now…"
            left = max(0, round(self._server_wait_until - time.monotonic()))
            return f"waiting for SDS, next try in {left} s"
        return ""

    def retry_text(self, item: QueueItem) -> str:
        """The state column of a waiting item: "retrying in 12 s (attempt 3/8)"."""
        if item.state is ItemState.WAITING and item.retry_at is not None:
            left = max(0, round(item.retry_at - time.monotonic()))
            return (
                f"retrying in {left} s (attempt {item.attempts + 1}/{self.retry_policy.attempts})"
            )
        if item.state is ItemState.QUEUED and self._server_wait_until is not None:
            return self.health_text()
        return ""

    def _wait_for_server(self, exc: BaseException) -> None:
        self._server_waits += 1
        delay = self.retry_policy.server_delay(self._server_waits, exc)
        self._server_wait_until = time.monotonic() + delay
        self._server_error = str(exc)
        log.warning("SDS is not answering (%s): waiting %.0f s", exc, delay)
        self.healthChanged.emit(self.health_text())
        self._set_busy(True)

    def _probe_server(self) -> None:
        gateway = self._work_gateway or self.gateway
        if gateway is None or self._probing:
            return
        self._probing = True
        self.healthChanged.emit(self.health_text())

        def back(_result: object) -> None:
            self._probing = False
            log.info("SDS answers again: the queue goes on")
            self._server_wait_until = None
            self._server_waits = 0
            self.healthChanged.emit("")
            self._pump()

        def still_down(exc: BaseException) -> None:
            self._probing = False
            if classify(exc) is Verdict.NEEDS_KEY:
                self._server_wait_until = None
                self._ask_for_key(exc)
            else:
                self._wait_for_server(exc)

        self.planner.call(gateway.authenticate, back, still_down)

    def _ask_for_key(self, exc: BaseException) -> None:
        if self._key_needed:
            return
        self._key_needed = True
        log.warning("SDS refused the API key mid-queue (%s): paused", exc)
        self.healthChanged.emit(self.health_text())
        self.keyNeeded.emit(
            "SDS refused the API key while transfers were running (revoked or expired). "
            "Sign in again: the queue goes on where it stopped."
        )

    def resolve_conflict(self, item_id: int, action: ConflictAction, *, rest_of_job: bool) -> None:
        """The user's answer to a conflict; with ``rest_of_job``, it also answers the other
        items of the same job (those waiting now and those still to come)."""
        try:
            item = self.queue.get(item_id)
        except KeyError:
            return
        ids = [item_id]
        if rest_of_job:
            self.conflicts.remember(item.job_id, action)
            ids = [i.id for i in self.queue.items([ItemState.CONFLICT]) if i.job_id == item.job_id]
        for one in ids:
            self._conflict_info.pop(one, None)
            if not rest_of_job:
                self._one_off[one] = action
            if self.queue.decided(one):
                self._batch.add(one)
        self._pump()

    def pending_conflicts(self) -> list[tuple[int, object]]:
        """Conflicts waiting for an answer: (item id, Conflict)."""
        return list(self._conflict_info.items())

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
                    **knobs,  # type: ignore[arg-type]
                )
            else:
                worker = TransferWorker(
                    self.queue,
                    gateway,
                    item.id,
                    download_file=self._files.get(item.id),
                    file_uuid=item.file_uuid,
                    local_path=Path(item.local_path),
                    **knobs,  # type: ignore[arg-type]
                )
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
            self.idle.emit()

    @Slot(int, object)
    def _on_finished(self, item_id: int, result: object) -> None:
        self._workers.pop(item_id, None)
        self._small.discard(item_id)
        assert isinstance(result, tuple)
        skipped, text = result
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

    def _heal(self, item: QueueItem, exc: SDSError) -> None:
        """The queue's one retry layer: retry this file, wait for SDS, ask for the key,
        or fail the item with its typed error's text."""
        verdict = classify(exc)
        message = str(exc)
        if verdict is Verdict.NEEDS_KEY:
            self.queue.requeue(item.id, f"waiting for a new API key ({message})")
            self._refund_attempt(item.id)
            self._ask_for_key(exc)
            return
        if verdict is Verdict.WAIT_FOR_SERVER:
            self.queue.requeue(item.id, f"waiting for SDS ({message})")
            self._refund_attempt(item.id)
            if self._server_wait_until is None:
                self._wait_for_server(exc)
            return
        if verdict is Verdict.RETRY:
            first = item.first_try_at if item.first_try_at is not None else time.monotonic()
            delay = self.retry_policy.retry_delay(item.attempts, first, time.monotonic())
            if delay is not None:
                log.info("%s: %s; retry in %.0f s", item.name, message, delay)
                self.queue.wait_to_retry(item.id, delay, message)
                return
            message = f"{message} (gave up after {item.attempts} attempts)"
        log.warning("%s failed: %s", item.name, message)
        self.queue.mark_failed(item.id, message)
        if isinstance(exc, DiskFullError):
            self._pause_downloads(item.id)

    def _refund_attempt(self, item_id: int) -> None:
        """A try that SDS or the key stopped does not use up the file's attempts."""
        with contextlib.suppress(KeyError):
            live = self.queue.peek(item_id)
            live.attempts = max(0, live.attempts - 1)

    def _pause_downloads(self, failed_id: int) -> None:
        """Disk full: the other downloads would fail the same way; pause them."""
        others = [
            i.id
            for i in self.queue.items([ItemState.QUEUED, ItemState.RUNNING, ItemState.WAITING])
            if i.direction is Direction.DOWNLOAD and i.id != failed_id
        ]
        if others:
            log.warning("disk full: %d other download(s) paused", len(others))
            self.pause(others)

    @Slot()
    def _flush_touched(self) -> None:
        touched, self._touched = self._touched, set()
        for directory in sorted(touched):
            self.uploadedInto.emit(directory)

    def _after(self, item_id: int) -> None:
        self._batch.settle(item_id)
        if self._touched and not self._touch_timer.isActive():
            self._touch_timer.start()
        self._finished_count += 1
        self._item_last.pop(item_id, None)
        self.item_speed.pop(item_id, None)
        self.itemFinished.emit(item_id)
        self._pump()

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


EXISTING_LISTING_LIMIT = 50_000
"""Files listed at most to find upload conflicts of one job (beyond: not detected)."""


def _existing_files(
    gateway: Gateway | None, sds_dir: str, *, names: set[str] | None = None
) -> dict[str, SDSFile]:
    """SDS files under ``sds_dir`` by path (only direct children named ``names`` when
    given), to tell the worker of an upload what already is at its target path."""
    found: dict[str, SDSFile] = {}
    if gateway is None:
        return found
    seen = 0
    here = sds_dir.rstrip("/")
    try:
        for page in gateway.iter_file_pages(sds_dir):
            for f in page:
                if names is None or (f.name in names and f.directory.rstrip("/") == here):
                    found[f.sds_path] = f
            seen += len(page)
            if seen >= EXISTING_LISTING_LIMIT:
                log.info("%s: over %d files, conflicts beyond are not checked", sds_dir, seen)
                break
    except SDSError as exc:
        if exc.status != 404:
            log.info("could not list %s to look for conflicts: %s", sds_dir, exc)
    return found


def _upload_spec(item: UploadItem) -> ItemSpec:
    return ItemSpec(Direction.UPLOAD, item.name, str(item.local_path), item.sds_path, item.size)


def _download_spec(item: DownloadItem) -> ItemSpec:
    return ItemSpec(
        Direction.DOWNLOAD,
        item.file.name,
        str(item.local_path),
        item.file.sds_path,
        item.file.size,
        file_uuid=item.file.uuid,
    )


def _refused_rows(refused: Sequence[tuple[SDSFile, str]], root: Path) -> list[_Bad]:
    """Download entries that cannot be planned, as failed rows (path and reason)."""
    rows = []
    for f, reason in refused:
        log.warning("not downloading %s: %s", f.sds_path, reason)
        local = display_path(root / f.name) if f.safe else display_path(root)
        spec = ItemSpec(
            Direction.DOWNLOAD,
            display_path(f.name),
            local,
            display_path(f.sds_path),
            max(0, min(f.size, 1 << 62)),
            file_uuid=f.uuid,
        )
        rows.append((spec, reason))
    return rows


def _split_skipped(
    skipped: Sequence[tuple[Path, str]], base: Path, sds_dir: str
) -> tuple[int, list[_Bad]]:
    """(entries left out on purpose, failed rows for the others) of an upload plan."""
    quiet = 0
    bad: list[_Bad] = []
    for path, reason in skipped:
        if is_quiet_skip(reason):
            quiet += 1
            continue
        try:
            rel = path.relative_to(base).as_posix()
        except ValueError:
            rel = path.name
        name = display_path(path.name)
        sds_path = f"{sds_dir.rstrip('/')}/{display_path(rel)}"
        spec = ItemSpec(Direction.UPLOAD, name, display_path(path), sds_path, 0)
        bad.append((spec, reason))
    return quiet, bad
