# ruff: noqa: N815 - Qt naming (camelCase signals)
"""Upload as capture: the plan, and the capture step that runs when a job's files are done.

The files travel through the normal transfer queue as one job. :class:`CaptureSteps`
listens to the queue (its public ``subscribe`` events and ``job_counts``); when every
file of the job is done or skipped it creates the job's captures in the background, one
per Digital RF channel or RadioHound scan group, and shows each step: "creating capture
ch0…", "capture created", "capture exists: linked", "capture failed: <reason>" (with
Retry). Files that failed hold the step back until they are retried and done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from sds_desktop.core.captures import INDEX_NAMES, existing_capture_uuid
from sds_desktop.core.errors import CaptureError, SDSError
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.paths import join_sds, normalize_sds_path
from sds_desktop.core.queue import FAILED_STATES, QueueEvent, TransferQueue
from sds_desktop.core.transfer import UploadItem, plan_upload
from sds_desktop.gui.rf.recordings import RecordingView
from sds_desktop.gui.tasks import TaskRunner

log = logging.getLogger("sds_desktop.gui.rf")
AnyIndex = QModelIndex | QPersistentModelIndex
SIGMF_NOTICE = (
    "SDS does not index SigMF recordings: they are uploaded as plain files, and no "
    "capture is created (the SDS cannot create SigMF captures today)."
)


@dataclass(frozen=True)
class CaptureSpec:
    """One capture to create once the files are on the SDS."""

    capture_type: str
    top_level_dir: str
    channel: str = ""
    scan_group: str = ""
    name: str = ""

    @property
    def label(self) -> str:
        if self.capture_type == "drf":
            return self.channel
        return f"scan group {self.scan_group[:8]}…" if self.scan_group else self.capture_type


@dataclass
class CapturePlan:
    """What "Upload as capture" will do, shown to the user before anything moves."""

    recording: RecordingView
    sds_dir: str
    items: list[UploadItem]
    skipped: list[tuple[Path, str]]
    captures: list[CaptureSpec]
    notices: list[str] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(i.size for i in self.items)

    @property
    def blocking(self) -> bool:
        return bool(self.recording.blocking)


def plan_capture_upload(rec: RecordingView, dest_dir: str) -> CapturePlan:
    """The recording's files into ``dest_dir/<root name>/…`` (their paths under the
    root kept), and the captures they make there. The upload rules (ignored, empty and
    unsafe files) are the normal upload's, applied to the recording's own files."""
    dest = normalize_sds_path(dest_dir)
    sds_dir = join_sds(dest, rec.root.name)
    plan = plan_upload(rec.root, sds_dir)
    own = {Path(f) for f in rec.files}
    items = [i for i in plan.items if Path(i.local_path) in own]
    if rec.kind == "drf":
        chans = [rec.root / c for c in rec.channels]
        skipped = [(p, r) for p, r in plan.skipped if any(c in p.parents for c in chans)]
    else:
        folders = {Path(f).parent for f in rec.files}
        skipped = [(p, r) for p, r in plan.skipped if p in own or p.parent in folders]
    name = rec.root.name
    captures: list[CaptureSpec] = []
    notices: list[str] = []
    if rec.kind == "drf":
        captures = [
            CaptureSpec("drf", sds_dir, channel=c, name=f"{name} {c}") for c in rec.channels
        ]
    elif rec.kind == "rh":
        captures = [CaptureSpec("rh", sds_dir, scan_group=g, name=name) for g in rec.scan_groups]
        if not captures:
            notices.append("No scan group in these RadioHound files: no capture to create.")
    else:
        notices.append(SIGMF_NOTICE)
    return CapturePlan(rec, sds_dir, items, skipped, captures, notices)


# -- the capture step ------------------------------------------------------------------

WAITING = "waiting for files"
HELD = "waiting: files failed"
CREATING = "creating"
CREATED = "created"
LINKED = "linked"
FAILED = "failed"


@dataclass
class Step:
    job_id: int | None
    spec: CaptureSpec
    state: str = WAITING
    message: str = ""
    capture_uuid: str = ""

    @property
    def text(self) -> str:
        label = self.spec.label
        if self.state == CREATING:
            return f"creating capture {label}…"
        if self.state == CREATED:
            return f"capture {label} created"
        if self.state == LINKED:
            return f"capture exists: linked ({label})"
        if self.state == FAILED:
            return f"capture failed: {self.message}"
        if self.state == HELD:
            return f"{self.message}: retry them in the queue"
        return f"waiting for the files ({label})"


def create_one(gateway: Gateway, spec: CaptureSpec) -> tuple[str, str]:
    """Create one capture; ("created"|"linked", uuid). Raises ``SDSError`` on refusal.

    A Digital RF (channel, folder) pair is unique per owner: the server's refusal names
    the existing capture, which is then linked, as the SDK does."""
    try:
        capture = gateway.create_capture(_form(spec))
    except CaptureError as exc:
        existing = existing_capture_uuid(str(exc))
        if existing is None:
            raise
        return LINKED, gateway.get_capture(existing).uuid
    return CREATED, capture.uuid


def _form(spec: CaptureSpec) -> dict[str, str]:
    form = {
        "top_level_dir": normalize_sds_path(spec.top_level_dir),
        "capture_type": spec.capture_type,
        "index_name": INDEX_NAMES.get(spec.capture_type, ""),
    }
    if spec.channel:
        form["channel"] = spec.channel
    if spec.scan_group:
        form["scan_group"] = spec.scan_group
    if spec.name:
        form["name"] = spec.name
    return form


class CaptureSteps(QAbstractTableModel):
    """The capture steps of every upload-as-capture job, as a table (Capture, Folder,
    State). Creation runs on the :class:`TaskRunner`; the queue is only read."""

    COLUMNS = ("Capture", "SDS folder", "Step")
    stepChanged = Signal(int)  # row
    capturesCreated = Signal(list)  # capture uuids (created or linked)

    def __init__(
        self,
        queue: TransferQueue,
        tasks: TaskRunner,
        gateway: Callable[[], Gateway | None],
        parent: QObject | None = None,
        *,
        alive: Callable[[], bool] = lambda: True,
    ) -> None:
        super().__init__(parent)
        self.alive = alive
        self.queue = queue
        self.tasks = tasks
        self._gateway = gateway
        self.steps: list[Step] = []
        self._failed: dict[int, set[int]] = {}  # job id -> failed item ids
        queue.subscribe(self._on_queue)

    def detach(self) -> None:
        self.queue.unsubscribe(self._on_queue)

    # -- adding --------------------------------------------------------------------
    def add(self, job_id: int | None, specs: list[CaptureSpec]) -> None:
        """Track the captures of ``job_id`` (None: the files were already there)."""
        if not specs:
            return
        first = len(self.steps)
        self.beginInsertRows(QModelIndex(), first, first + len(specs) - 1)
        self.steps.extend(Step(job_id, spec) for spec in specs)
        self.endInsertRows()
        if job_id is not None:
            self._failed.setdefault(job_id, set())
        self._check(job_id)

    def retry(self, rows: list[int]) -> None:
        """Retry the capture creation of failed steps (the files are on the SDS)."""
        for row in rows:
            step = self.steps[row]
            if step.state == FAILED:
                self._start(row)

    # -- queue events --------------------------------------------------------------
    def _on_queue(self, event: QueueEvent, ids: list[int]) -> None:
        if event == "added" or not self._failed:
            return
        jobs: set[int] = set()
        for item_id in ids:
            try:
                item = self.queue.peek(item_id)
            except KeyError:
                continue
            failed = self._failed.get(item.job_id)
            if failed is None:
                continue
            jobs.add(item.job_id)
            if item.state in FAILED_STATES:
                failed.add(item_id)
            else:
                failed.discard(item_id)
        for job_id in jobs:
            self._check(job_id)

    def _check(self, job_id: int | None) -> None:
        rows = [
            r for r, s in enumerate(self.steps) if s.job_id == job_id and s.state in (WAITING, HELD)
        ]
        if not rows:
            return
        if job_id is not None:
            done, total = self.queue.job_counts(job_id)
            failed = len(self._failed.get(job_id, ()))
            if done < total:
                state = HELD if failed and done + failed >= total else WAITING
                for r in rows:
                    self._set(r, state, f"{failed} file(s) failed" if state == HELD else "")
                return
            self._failed.pop(job_id, None)
        for r in rows:
            self._start(r)

    # -- creation ------------------------------------------------------------------
    def _start(self, row: int) -> None:
        if not self.alive():  # shutting down: the step waits for the next session
            return
        gateway = self._gateway()
        step = self.steps[row]
        if gateway is None:
            self._set(row, FAILED, "not signed in")
            return
        self._set(row, CREATING)
        log.info("creating capture %s at %s", step.spec.label, step.spec.top_level_dir)
        spec = step.spec
        self.tasks.call(
            lambda: create_one(gateway, spec),
            lambda result: self._created(row, result),
            lambda exc: self._failed_create(row, exc),
        )

    def _created(self, row: int, result: object) -> None:
        state, uuid = result  # type: ignore[misc]
        self.steps[row].capture_uuid = str(uuid)
        self._set(row, str(state))
        log.info("%s", self.steps[row].text)
        self.capturesCreated.emit([str(uuid)])

    def _failed_create(self, row: int, exc: BaseException) -> None:
        reason = str(exc) if isinstance(exc, SDSError) else f"{type(exc).__name__}: {exc}"
        self._set(row, FAILED, reason)
        log.warning("capture %s failed: %s", self.steps[row].spec.label, reason)

    def _set(self, row: int, state: str, message: str = "") -> None:
        step = self.steps[row]
        step.state, step.message = state, message
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
        self.stepChanged.emit(row)

    # -- Qt model ------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.steps)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.COLUMNS)
        ):
            return self.COLUMNS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.steps):
            return None
        step = self.steps[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if col == 0:
                return f"{step.spec.capture_type} · {step.spec.label}"
            if col == 1:
                return step.spec.top_level_dir
            return step.text
        return None


__all__ = [
    "SIGMF_NOTICE",
    "CapturePlan",
    "CaptureSpec",
    "CaptureSteps",
    "Step",
    "create_one",
    "plan_capture_upload",
]
