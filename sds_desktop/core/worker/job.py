"""One queue item's transfer, described by plain data so it can run anywhere.

A :class:`JobSpec` says what to move (an upload, a download, or a download going on from
its temp file) and under which limits; :func:`run_job` runs it with the core's per-file
steps and reports through :class:`JobHooks`. The same function runs on a thread of the
window's process or in the transfer process (``core.worker.child``): the spec and the
result are picklable, the hooks are the only live objects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sds_desktop.core.conflicts import ConflictAction
from sds_desktop.core.models import SDSFile
from sds_desktop.core.transfer import (
    DownloadItem,
    DownloadOutcome,
    UploadItem,
    UploadOutcome,
    download_one,
    resume_download,
    upload_one,
)

if TYPE_CHECKING:
    from sds_desktop.core.gateway import Gateway
    from sds_desktop.core.throttle import TokenBucket

JobResult = tuple[bool, str, str, str]
"""(skipped?, outcome text, BLAKE3 of the bytes, SDS UUID)."""


@dataclass(frozen=True)
class JobSpec:
    """What one try of one queue item does (picklable: it crosses to the transfer process)."""

    item_id: int
    upload: UploadItem | None = None
    download_file: SDSFile | None = None
    file_uuid: str = ""
    local_path: Path | None = None
    overwrite: bool = False
    on_conflict: ConflictAction | None = None
    existing: SDSFile | None = None
    stall_seconds: float | None = None
    deadline: float | None = None
    partial: Path | None = None
    """A paused (or interrupted) download's temp file to go on from."""


def _ignore_phase(_phase: str, _done: int, _total: int) -> None:
    return None


def _ignore_note(_note: str) -> None:
    return None


@dataclass
class JobHooks:
    """How a running job reports and is stopped.

    ``cancel`` stops it; ``pausing`` set before ``cancel`` makes a download keep its temp
    file (the detail of the ``CancelledError``) to go on from it later.
    """

    progress: Callable[[int], None]
    phase: Callable[[str, int, int], None] = _ignore_phase
    note: Callable[[str], None] = _ignore_note
    cancel: threading.Event = field(default_factory=threading.Event)
    pausing: threading.Event = field(default_factory=threading.Event)
    throttle: TokenBucket | None = None
    """The speed limit shared by every job of this process (None: none)."""

    def moved(self, nbytes: int) -> None:
        self.progress(nbytes)
        if self.throttle is not None:
            self.throttle.consume(nbytes, self.cancel)


def run_job(gateway: Gateway, spec: JobSpec, hooks: JobHooks) -> JobResult:
    """Run one try of ``spec``; raises the core's typed errors (``CancelledError`` when
    stopped, ``ConflictError`` when the target exists and no decision applies)."""
    if spec.upload is not None:
        return _upload(gateway, spec, hooks)
    return _download(gateway, spec, hooks)


def _upload(gateway: Gateway, spec: JobSpec, hooks: JobHooks) -> JobResult:
    assert spec.upload is not None  # noqa: S101 - narrows the type
    up = upload_one(
        gateway,
        spec.upload,
        progress=hooks.moved,
        cancel=hooks.cancel,
        retry=False,
        stall_seconds=spec.stall_seconds,
        deadline=spec.deadline,
        existing=spec.existing,
        on_conflict=spec.on_conflict,
        on_phase=hooks.phase,
    )
    skipped = up.outcome in {UploadOutcome.SKIPPED, UploadOutcome.SKIPPED_CONFLICT}
    text = "verified" if up.outcome is UploadOutcome.UPLOADED else up.outcome.value
    uuid = up.file.uuid if up.file is not None else ""
    return (skipped, text, up.local_blake3, uuid)


def _download(gateway: Gateway, spec: JobSpec, hooks: JobHooks) -> JobResult:
    file = spec.download_file
    if file is None:
        file = gateway.get_file(spec.file_uuid)
    assert spec.local_path is not None  # noqa: S101 - narrows the type
    partial = spec.partial
    if partial is not None and spec.local_path.exists():
        # the target appeared meanwhile: never overwrite it blindly; decide anew
        partial.unlink(missing_ok=True)
        partial = None
    if partial is not None and partial.is_file():
        down, started = resume_download(
            gateway,
            DownloadItem(file, spec.local_path),
            partial,
            progress=hooks.moved,
            cancel=hooks.cancel,
            stall_seconds=spec.stall_seconds,
            keep_partial=hooks.pausing,
            on_phase=hooks.phase,
        )
        hooks.note(f"resumed from byte {started:,}" if started else "restarted from 0")
    else:
        down = download_one(
            gateway,
            DownloadItem(file, spec.local_path),
            overwrite=spec.overwrite,
            progress=hooks.moved,
            cancel=hooks.cancel,
            retry=False,
            stall_seconds=spec.stall_seconds,
            deadline=spec.deadline,
            on_conflict=spec.on_conflict,
            keep_partial=hooks.pausing,
            on_phase=hooks.phase,
        )
    skipped = down.outcome not in {DownloadOutcome.DOWNLOADED, DownloadOutcome.RENAMED}
    digest = file.sum_blake3 if down.verified else ""
    return (skipped, down.outcome.value, digest, file.uuid)
