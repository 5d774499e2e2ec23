"""Per-file transfer steps shared by the GUI queue, ``Client`` and a future CLI.

Progress: callbacks receive the number of *new* bytes since the previous call. For an
upload they count file bytes handed to the network (hashing is not reported); for a
download, bytes written to disk. When a retry restarts a file, nothing is reported
again until the new attempt passes the previous high-water mark, so progress never
goes backwards and never exceeds the file size.

Cancel: a ``threading.Event`` checked between chunks; a set event raises
``CancelledError`` and leaves nothing behind (no partial file under the final name).
"""

from __future__ import annotations

import logging
import mimetypes
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from sds_desktop.core.checksum import ProgressCallback, blake3_file
from sds_desktop.core.conflicts import (
    Conflict,
    ConflictAction,
    Resolution,
    Side,
    decide,
    keep_both_name,
)
from sds_desktop.core.discovery import discover
from sds_desktop.core.download import (
    MAX_FILE_BYTES,
    DownloadItem,
    DownloadOutcome,
    DownloadPlan,
    DownloadResult,
    download_one,
    plan_download,
    resume_download,
    sweep_partials,
)
from sds_desktop.core.download_disk import _disk_error
from sds_desktop.core.errors import (
    ChangedWhileUploadingError,
    ConflictError,
    FileError,
    SDSError,
    UploadError,
)
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.paths import join_sds, normalize_sds_path
from sds_desktop.core.progress import StallWatch
from sds_desktop.core.transfer_base import (
    TEMP_PREFIX,
    TEMP_SUFFIX,
    HighWater,
    NoWatch,
    PhaseCallback,
    fanout,
    guard,
    hashing_meter,
    local_modified,
    no_phase,
)

log = logging.getLogger(__name__)

UPLOAD_ANSWER_GRACE_S = 120.0
UPLOAD_ANSWER_BYTES_PER_S = 50e6
"""After an upload's last byte, SDS may stay silent while it stores the file: allowed for
``UPLOAD_ANSWER_GRACE_S`` plus the size at this rate, before it counts as a stall."""

SMALL_FILE_BYTES = 1024 * 1024
"""Files below this size are latency-bound (two round trips, few bytes): they run in a
wider lane of their own, so many small files do not queue behind few large ones."""
SMALL_FILE_WORKERS = 16
"""Default width of that lane. Each worker holds one connection and one chunk buffer."""

_T = TypeVar("_T")
_R = TypeVar("_R")


# -- uploads ----------------------------------------------------------------------


@dataclass(frozen=True)
class UploadItem:
    local_path: Path
    sds_directory: str
    name: str
    size: int

    @property
    def sds_path(self) -> str:
        return f"{self.sds_directory.rstrip('/')}/{self.name}"


@dataclass(frozen=True)
class UploadPlan:
    items: list[UploadItem]
    skipped: list[tuple[Path, str]]
    total_bytes: int


class UploadOutcome(StrEnum):
    UPLOADED = "uploaded"
    SKIPPED = "skipped: already on SDS"
    LINKED = "linked (content already on SDS)"
    SKIPPED_CONFLICT = "skipped: exists on SDS with other content"
    PLANNED = "planned (dry run)"
    FAILED = "failed"


@dataclass
class UploadResult:
    """Outcome of one file. ``FAILED`` results (batch runs only) carry ``error``."""

    item: UploadItem
    outcome: UploadOutcome
    local_blake3: str
    file: SDSFile | None
    verified: bool
    error: SDSError | None = field(default=None)


def plan_upload(local_path: Path, sds_path: str) -> UploadPlan:
    """A folder keeps its sub-paths under ``sds_path``; a single file goes to
    ``sds_path/name``."""
    base = normalize_sds_path(sds_path)
    found = discover(Path(local_path))
    items = [
        UploadItem(
            local_path=f.path,
            sds_directory=join_sds(base, *f.rel_dir.parts),
            name=f.path.name,
            size=f.size,
        )
        for f in found.files
    ]
    return UploadPlan(items, list(found.skipped), sum(i.size for i in items))


def file_permissions(path: Path) -> str:
    """``rw-r--r--`` from the local mode bits, as the SDK sends them."""
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return "rw-r--r--"
    flags = "rwxrwxrwx"
    return "".join(flags[i] if mode & (1 << (8 - i)) else "-" for i in range(9))


def media_type_of(name: str) -> str:
    mime, _ = mimetypes.guess_type(name)
    return mime or "application/octet-stream"


def _is_duplicate_reject(exc: SDSError) -> bool:
    return exc.status == 400 and "already exists in the tree" in str(exc).lower()


def _stat_key(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError as exc:
        raise FileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return st.st_size, st.st_mtime_ns


def upload_one(
    gateway: Gateway,
    item: UploadItem,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    dry_run: bool = False,
    retry: bool = True,
    stall_seconds: float | None = None,
    deadline: float | None = None,
    existing: SDSFile | None = None,
    on_conflict: ConflictAction | None = None,
    taken_names: Callable[[str], bool] | None = None,
    on_phase: PhaseCallback = no_phase,
) -> UploadResult:
    """BLAKE3 → content check → skip / sibling link / streamed POST → verify checksum.

    A dry run sends nothing and does not hash (it returns ``PLANNED`` with an empty
    ``local_blake3``). With ``retry`` (library use) retryable failures restart the file
    from the hash under the gateway's policy; the GUI queue passes ``retry=False`` and
    retries at its own level (one retry layer, not nested ones).

    A file whose size or modification time changes while it is hashed or sent fails
    with ``ChangedWhileUploadingError`` and leaves nothing on SDS under its name.

    ``existing`` is an SDS file already at the target path (the caller listed it);
    with other content it is a conflict, resolved under ``on_conflict`` (``ASK``, or
    None with an ``existing``: raise ``ConflictError`` carrying the ``Conflict``).
    """
    if dry_run:
        return UploadResult(item, UploadOutcome.PLANNED, "", None, verified=False)
    if item.size == 0:
        raise UploadError(f"{item.local_path.name}: empty files are not uploaded")
    meter = HighWater(progress)
    media_type = media_type_of(item.name)
    permissions = file_permissions(item.local_path)

    def attempt() -> UploadResult:
        meter.restart()
        with guard(cancel, stall_seconds, deadline) as (event, feed):
            return _upload_attempt(
                gateway,
                item,
                meter=meter,
                cancel=event,
                feed=feed,
                media_type=media_type,
                permissions=permissions,
                existing=existing,
                on_conflict=on_conflict,
                taken_names=taken_names,
                on_phase=on_phase,
            )

    if not retry:
        return attempt()
    return gateway.retry.call(attempt, cancel=cancel, what=f"upload {item.sds_path}")


def _upload_attempt(
    gateway: Gateway,
    item: UploadItem,
    *,
    meter: HighWater,
    cancel: threading.Event | None,
    feed: StallWatch | NoWatch,
    media_type: str,
    permissions: str,
    existing: SDSFile | None,
    on_conflict: ConflictAction | None,
    taken_names: Callable[[str], bool] | None,
    on_phase: PhaseCallback = no_phase,
) -> UploadResult:
    before = _stat_key(item.local_path)
    if before[0] != item.size:
        item = replace(item, size=before[0])
    hashed = hashing_meter(on_phase, item.size)
    digest = blake3_file(item.local_path, cancel=cancel, progress=fanout(feed, hashed))
    if _stat_key(item.local_path) != before:
        raise ChangedWhileUploadingError(
            f"{item.local_path}: changed while uploading (while it was being hashed)"
        )
    check = gateway.check_contents_exist(
        item.sds_directory, item.name, media_type, digest, permissions
    )
    feed(0)
    if check.file_exists_in_tree:
        meter(item.size)
        return UploadResult(item, UploadOutcome.SKIPPED, digest, None, verified=True)
    if existing is not None and existing.sum_blake3 != digest:
        conflict = Conflict(
            "upload",
            Side(str(item.local_path), item.size, local_modified(item.local_path), digest),
            Side(existing.sds_path, existing.size, existing.modified, existing.sum_blake3),
        )
        action = on_conflict if on_conflict is not None else ConflictAction.ASK
        resolution = decide(action, conflict)
        if resolution is Resolution.ASK:
            raise ConflictError(
                f"{item.sds_path} exists on SDS with other content", detail=conflict
            )
        if resolution in {Resolution.SKIP, Resolution.IDENTICAL}:
            meter(item.size)
            return UploadResult(item, UploadOutcome.SKIPPED_CONFLICT, digest, None, verified=False)
        if resolution is Resolution.RENAME:
            taken = taken_names or (lambda n: n == item.name)
            item = replace(item, name=keep_both_name(item.name, taken))
        # otherwise write: SDS keeps the older file as a version of this path (the app
        # lists versions), so "overwrite" on SDS never deletes anything
    sent = [0]

    def on_sent(n: int) -> None:
        sent[0] += n
        if sent[0] >= item.size:
            # the whole body is out: SDS stores and hashes it before it answers, which
            # takes time on large files; that silence is not a stall
            feed.grace(UPLOAD_ANSWER_GRACE_S + item.size / UPLOAD_ANSWER_BYTES_PER_S)
            on_phase("verifying", item.size, item.size)

    progress = fanout(meter, feed, on_sent)
    try:
        if check.file_contents_exist_for_user and check.asset_id:
            sds_file = gateway.upload_sibling(
                check.asset_id, item.sds_directory, item.name, media_type, permissions
            )
            meter(item.size)
            outcome = UploadOutcome.LINKED
        else:
            on_phase("sending", 0, item.size)
            sds_file = gateway.upload_file_stream(
                item.local_path,
                item.sds_directory,
                item.name,
                media_type,
                permissions,
                size=item.size,
                progress=progress,
                cancel=cancel,
            )
            outcome = UploadOutcome.UPLOADED
    except UploadError as exc:
        if _is_duplicate_reject(exc):
            return UploadResult(item, UploadOutcome.SKIPPED, digest, None, verified=True)
        if "shrank" in str(exc):
            raise ChangedWhileUploadingError(
                f"{item.local_path}: changed while uploading (it shrank)"
            ) from exc
        raise
    changed = _stat_key(item.local_path) != before
    if changed or sds_file.sum_blake3 != digest:
        _delete_quietly(gateway, sds_file)
        if changed:
            raise ChangedWhileUploadingError(
                f"{item.local_path}: changed while uploading; nothing was kept on SDS"
            )
        raise UploadError(
            f"{item.sds_path}: the server's checksum {sds_file.sum_blake3} differs from "
            f"ours {digest} (corrupted in transit); nothing was kept on SDS",
            detail={"local": digest, "server": sds_file.sum_blake3},
        )
    if sds_file.size != item.size:
        log.warning("%s: server size %d, local %d", item.sds_path, sds_file.size, item.size)
    return UploadResult(item, outcome, digest, sds_file, verified=True)


def _delete_quietly(gateway: Gateway, sds_file: SDSFile) -> None:
    try:
        gateway.delete_file(sds_file.uuid)
    except SDSError as exc:
        log.warning("could not delete %s from SDS: %s", sds_file.sds_path, exc)


# -- batches ----------------------------------------------------------------------


def run_lanes(
    fn: Callable[[_T], _R],
    items: list[_T],
    sizes: list[int],
    workers: int,
    small_file_workers: int,
) -> list[_R]:
    """Apply ``fn`` to every item; results in item order.

    Two lanes run side by side: items of ``SMALL_FILE_BYTES`` or more, ``workers`` at a
    time (bandwidth-bound: more streams only thrash disk and link), and smaller ones,
    ``small_file_workers`` at a time (latency-bound: round trips overlap). Memory stays
    bounded either way: each worker holds one chunk.
    """
    workers = max(1, workers)
    small_file_workers = max(1, small_file_workers)
    if len(items) <= 1 or (workers == 1 and small_file_workers == 1):
        return [fn(item) for item in items]
    with (
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sds-large") as big_pool,
        ThreadPoolExecutor(
            max_workers=small_file_workers, thread_name_prefix="sds-small"
        ) as small_pool,
    ):
        futures = [
            (small_pool if size < SMALL_FILE_BYTES else big_pool).submit(fn, item)
            for item, size in zip(items, sizes, strict=True)
        ]
        return [future.result() for future in futures]


__all__ = [
    "MAX_FILE_BYTES",
    "TEMP_PREFIX",
    "TEMP_SUFFIX",
    "DownloadItem",
    "DownloadOutcome",
    "DownloadPlan",
    "DownloadResult",
    "UploadItem",
    "UploadOutcome",
    "UploadPlan",
    "UploadResult",
    "_disk_error",
    "download_one",
    "file_permissions",
    "media_type_of",
    "plan_download",
    "plan_upload",
    "resume_download",
    "run_lanes",
    "sweep_partials",
    "upload_one",
]
