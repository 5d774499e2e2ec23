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

import contextlib
import errno
import logging
import mimetypes
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, TypeVar

from blake3 import blake3

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
from sds_desktop.core.errors import (
    CancelledError,
    ChangedWhileUploadingError,
    ChecksumMismatchError,
    ConflictError,
    DiskFullError,
    DownloadError,
    FileError,
    PathError,
    SDSError,
    StalledError,
    UploadError,
)
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.paths import join_sds, normalize_sds_path, safe_local_path
from sds_desktop.core.progress import StallWatch

log = logging.getLogger(__name__)

SMALL_FILE_BYTES = 1024 * 1024
"""Files below this size are latency-bound (two round trips, few bytes): they run in a
wider lane of their own, so many small files do not queue behind few large ones."""
SMALL_FILE_WORKERS = 16
"""Default width of that lane. Each worker holds one connection and one chunk buffer."""

TEMP_PREFIX = ".sds-"
TEMP_SUFFIX = ".partial"
_T = TypeVar("_T")
_R = TypeVar("_R")
_CONTENT_RANGE_RE = re.compile(r"^bytes\s+(\d+)-(\d+)/(\d+|\*)$")


# -- stall and deadline guard -------------------------------------------------------


@contextlib.contextmanager
def _guard(
    cancel: threading.Event | None, stall_seconds: float | None, deadline: float | None
) -> Iterator[tuple[threading.Event | None, Callable[[int], None]]]:
    """(cancel event to hand to the transfer, feed) for one attempt; a stall or a passed
    deadline becomes ``StalledError`` (retryable), a user cancel stays ``CancelledError``."""
    if stall_seconds is None and deadline is None:
        yield cancel, lambda _n: None
        return
    watch = StallWatch(cancel, stall_seconds or float("inf"), deadline=deadline)
    with watch:
        try:
            yield watch.event, watch.feed
        except CancelledError as exc:
            if watch.reason is not None:
                raise StalledError(watch.reason) from exc
            raise
        except SDSError as exc:
            # an interrupted socket may surface as a network error rather than a cancel
            if watch.reason is not None and not isinstance(exc, StalledError):
                raise StalledError(watch.reason) from exc
            raise
    if watch.reason is not None:
        raise StalledError(watch.reason)


def _fanout(*callbacks: Callable[[int], None] | None) -> Callable[[int], None]:
    live = [c for c in callbacks if c is not None]

    def call(n: int) -> None:
        for c in live:
            c(n)

    return call


def _local_modified(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except (OSError, ValueError, OverflowError):
        return None


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


class _HighWater:
    """Forward only bytes beyond what earlier attempts already reported."""

    def __init__(self, progress: ProgressCallback | None) -> None:
        self._progress = progress
        self.reported = 0
        self.current = 0

    def restart(self) -> None:
        self.current = 0

    def __call__(self, n: int) -> None:
        self.current += n
        if self._progress is not None and self.current > self.reported:
            delta = self.current - self.reported
            self.reported = self.current
            self._progress(delta)


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
    meter = _HighWater(progress)
    media_type = media_type_of(item.name)
    permissions = file_permissions(item.local_path)

    def attempt() -> UploadResult:
        meter.restart()
        with _guard(cancel, stall_seconds, deadline) as (event, feed):
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
            )

    if not retry:
        return attempt()
    return gateway.retry.call(attempt, cancel=cancel, what=f"upload {item.sds_path}")


def _upload_attempt(
    gateway: Gateway,
    item: UploadItem,
    *,
    meter: _HighWater,
    cancel: threading.Event | None,
    feed: Callable[[int], None],
    media_type: str,
    permissions: str,
    existing: SDSFile | None,
    on_conflict: ConflictAction | None,
    taken_names: Callable[[str], bool] | None,
) -> UploadResult:
    before = _stat_key(item.local_path)
    if before[0] != item.size:
        item = replace(item, size=before[0])
    digest = blake3_file(item.local_path, cancel=cancel, progress=feed)
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
    replaced: SDSFile | None = None
    if existing is not None and existing.sum_blake3 != digest:
        conflict = Conflict(
            "upload",
            Side(str(item.local_path), item.size, _local_modified(item.local_path), digest),
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
        else:
            replaced = existing
    progress = _fanout(meter, feed)
    try:
        if check.file_contents_exist_for_user and check.asset_id:
            sds_file = gateway.upload_sibling(
                check.asset_id, item.sds_directory, item.name, media_type, permissions
            )
            meter(item.size)
            outcome = UploadOutcome.LINKED
        else:
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
    if replaced is not None:
        _delete_quietly(gateway, replaced)
    return UploadResult(item, outcome, digest, sds_file, verified=True)


def _delete_quietly(gateway: Gateway, sds_file: SDSFile) -> None:
    try:
        gateway.delete_file(sds_file.uuid)
    except SDSError as exc:
        log.warning("could not delete %s from SDS: %s", sds_file.sds_path, exc)


# -- downloads --------------------------------------------------------------------


@dataclass(frozen=True)
class DownloadItem:
    file: SDSFile
    local_path: Path


@dataclass(frozen=True)
class DownloadPlan:
    items: list[DownloadItem]
    refused: list[tuple[SDSFile, str]]
    total_bytes: int


class DownloadOutcome(StrEnum):
    DOWNLOADED = "verified"
    SKIPPED_EXISTS = "skipped: exists"
    SKIPPED_IDENTICAL = "skipped: identical"
    SKIPPED_CONFLICT = "skipped: exists locally"
    RENAMED = "verified (kept both: saved under a new name)"
    PLANNED = "planned (dry run)"
    FAILED = "failed"


@dataclass
class DownloadResult:
    """Outcome of one file. ``FAILED`` results (batch runs only) carry ``error``."""

    item: DownloadItem
    outcome: DownloadOutcome
    verified: bool
    error: SDSError | None = field(default=None)
    saved_as: Path | None = field(default=None)
    """Where the file was written, when "keep both" chose another name."""


MAX_FILE_BYTES = 1 << 50
"""A listed size above this (1 PiB) is absurd: the entry is refused, not planned."""


def sweep_partials(folders: Iterable[Path]) -> list[Path]:
    """Remove the temp files (``.sds-*.partial``) a crash left in ``folders``; the removed
    paths. Call only while no download runs in those folders (at start-up)."""
    removed: list[Path] = []
    for folder in {Path(f) for f in folders}:
        try:
            leftovers = list(folder.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"))
        except OSError:
            continue
        for path in leftovers:
            try:
                if path.is_file() and not path.is_symlink():
                    path.unlink()
                    removed.append(path)
            except OSError as exc:
                log.warning("could not remove the leftover %s: %s", path, exc)
    return removed


def plan_download(
    files: Iterable[SDSFile], to_local_path: Path, *, base_sds_path: str = "/"
) -> DownloadPlan:
    """Map each file to ``to_local_path / (directory relative to base) / name``.

    Hostile or out-of-base entries, and second files mapping to an already used local
    path, go to ``refused`` with the reason; nothing in ``items`` can land outside
    ``to_local_path``.
    """
    base = normalize_sds_path(base_sds_path)
    root = Path(to_local_path)
    items: list[DownloadItem] = []
    refused: list[tuple[SDSFile, str]] = []
    used: set[str] = set()
    seen_uuids: set[str] = set()
    for f in files:
        if f.uuid in seen_uuids:
            continue
        seen_uuids.add(f.uuid)
        if not f.safe:
            refused.append((f, f"unsafe remote path: {f.unsafe_reason}"))
            continue
        if not 0 <= f.size <= MAX_FILE_BYTES:
            refused.append((f, f"the listing gives an absurd size ({f.size} bytes)"))
            continue
        directory = f.directory.rstrip("/") or "/"
        if base == "/":
            rel = directory
        elif directory == base:
            rel = "/"
        elif directory.startswith(base + "/"):
            rel = directory[len(base) :]
        else:
            refused.append((f, f"{f.sds_path} is not under {base}"))
            continue
        try:
            local = safe_local_path(root, rel, f.name)
        except PathError as exc:
            refused.append((f, str(exc)))
            continue
        key = os.path.normcase(str(local))
        if key in used:
            refused.append((f, f"another file already maps to {local}"))
            continue
        used.add(key)
        items.append(DownloadItem(f, local))
    return DownloadPlan(items, refused, sum(i.file.size for i in items))


def _check_range(headers: Mapping[str, str], size: int) -> None:
    """A 206 is accepted only when it is the whole file from byte 0."""
    value = headers.get("Content-Range", "")
    if not value:
        return
    match = _CONTENT_RANGE_RE.match(value.strip())
    if not match or int(match.group(1)) != 0:
        raise DownloadError(f"server sent a partial range {value!r}; expected the whole file")
    end = int(match.group(2))
    if end + 1 != size:
        raise DownloadError(f"server sent range {value!r} for a {size}-byte file")


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _free_bytes(path: Path) -> int | None:
    for candidate in (path, *path.parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


def _disk_error(exc: OSError, target: Path) -> FileError:
    if exc.errno in {errno.ENOSPC, errno.EDQUOT}:
        free = _free_bytes(target.parent)
        room = "" if free is None else f" ({free:,} bytes free)"
        return DiskFullError(
            f"disk full while writing {target}{room}: free some space and retry",
            free_bytes=free,
        )
    if exc.errno == errno.ENAMETOOLONG:
        return PathError(f"cannot write {target}: the name is too long for this file system")
    if exc.errno == errno.ELOOP:
        return PathError(f"cannot write {target}: a symbolic link loop is in the way")
    if exc.errno in {errno.EACCES, errno.EPERM}:
        return FileError(f"cannot write {target}: permission denied")
    return FileError(f"cannot write {target}: {exc.strerror or exc}")


WRITEBACK_EVERY_BYTES = 32 * 1024 * 1024
"""A download asks the OS to start writing its data to disk every this many bytes, so
that the fsync at the end finds little left to do (it was half of a 2 GiB download)."""


def _start_writeback(out: BinaryIO, start: int, end: int) -> None:
    """Start writing ``out``'s bytes ``start..end`` to disk now, without waiting for it.

    Linux begins writeback of dirty pages on ``POSIX_FADV_DONTNEED`` (and drops the pages
    already clean, so a large download does not push everything else out of the cache);
    durability still comes from the final fsync. Elsewhere this does nothing.
    """
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    out.flush()
    with contextlib.suppress(OSError):
        advise(out.fileno(), start, end - start, os.POSIX_FADV_DONTNEED)


def _receive(
    gateway: Gateway,
    f: SDSFile,
    out: BinaryIO,
    meter: _HighWater,
    cancel: threading.Event | None,
) -> None:
    """Stream the body into ``out``, hashing as it goes; fsync; verify size and BLAKE3."""
    hasher = blake3()
    written = 0
    synced = 0
    with gateway.download_stream(f.uuid, cancel=cancel) as stream:
        if stream.status == 206:
            _check_range(stream.headers, f.size)
        for chunk in stream.chunks:
            if cancel is not None and cancel.is_set():
                raise CancelledError(f"download of {f.name} cancelled")
            if written + len(chunk) > f.size:
                raise DownloadError(
                    f"{f.sds_path}: the server sent more than the listed {f.size} bytes; "
                    "the download was discarded"
                )
            out.write(chunk)
            hasher.update(chunk)
            written += len(chunk)
            meter(len(chunk))
            if written - synced >= WRITEBACK_EVERY_BYTES:
                _start_writeback(out, synced, written)
                synced = written
    if cancel is not None and cancel.is_set():
        raise CancelledError(f"download of {f.name} cancelled")
    out.flush()
    os.fsync(out.fileno())
    digest = hasher.hexdigest()
    if digest != f.sum_blake3:
        raise ChecksumMismatchError(
            f"{f.sds_path}: received {written} bytes with BLAKE3 {digest}, expected "
            f"{f.size} bytes with {f.sum_blake3}; the download was discarded",
            detail={"expected": f.sum_blake3, "actual": digest},
        )


def download_one(
    gateway: Gateway,
    item: DownloadItem,
    *,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    dry_run: bool = False,
    retry: bool = True,
    stall_seconds: float | None = None,
    deadline: float | None = None,
    on_conflict: ConflictAction | None = None,
) -> DownloadResult:
    """Stream into a hidden temp file beside the target, hash while writing, fsync,
    verify BLAKE3, then atomically rename. A dry run writes nothing.

    Existing target: resolved under ``on_conflict`` when given (``ASK`` raises
    ``ConflictError`` whose ``detail`` is the ``Conflict``); otherwise skipped unless
    ``overwrite``, and skipped even then when its BLAKE3 already matches.
    """
    f = item.file
    dest = item.local_path
    if not f.safe:
        raise PathError(f"refusing to download {f.sds_path!r}: {f.unsafe_reason}")
    if dest.is_dir():
        raise FileError(f"cannot download {f.name}: {dest} is a folder")
    if on_conflict is None:
        on_conflict = ConflictAction.OVERWRITE_IF_DIFFERENT if overwrite else ConflictAction.SKIP
    saved_as: Path | None = None
    if dest.exists():
        conflict = Conflict(
            "download",
            Side(f.sds_path, f.size, f.modified, f.sum_blake3),
            Side(str(dest), dest.stat().st_size, _local_modified(dest), None),
        )
        resolution = decide(
            on_conflict, conflict, hash_local=lambda: blake3_file(dest, cancel=cancel)
        )
        if resolution is Resolution.ASK:
            raise ConflictError(f"{dest} already exists", detail=conflict)
        if resolution is Resolution.IDENTICAL:
            return DownloadResult(item, DownloadOutcome.SKIPPED_IDENTICAL, verified=True)
        if resolution is Resolution.SKIP:
            outcome = (
                DownloadOutcome.SKIPPED_EXISTS
                if on_conflict is ConflictAction.SKIP
                else DownloadOutcome.SKIPPED_CONFLICT
            )
            return DownloadResult(item, outcome, verified=False)
        if resolution is Resolution.RENAME:
            saved_as = dest.with_name(
                keep_both_name(dest.name, lambda n: (dest.parent / n).exists())
            )
            dest = saved_as
    if dry_run:
        return DownloadResult(item, DownloadOutcome.PLANNED, verified=False)
    parent = dest.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _disk_error(exc, parent) from exc
    meter = _HighWater(progress)
    target = dest

    def attempt() -> DownloadResult:
        meter.restart()
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=parent)
        except OSError as exc:
            raise _disk_error(exc, parent) from exc
        tmp = Path(tmp_name)
        try:
            with (
                _guard(cancel, stall_seconds, deadline) as (event, feed),
                os.fdopen(fd, "wb") as out,
            ):
                _receive(gateway, f, out, _HighWaterFan(meter, feed), event)
            tmp.replace(target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            if isinstance(exc, OSError) and not isinstance(exc, SDSError):
                raise _disk_error(exc, target) from exc
            raise
        _fsync_dir(parent)
        if saved_as is not None:
            return DownloadResult(item, DownloadOutcome.RENAMED, verified=True, saved_as=saved_as)
        return DownloadResult(item, DownloadOutcome.DOWNLOADED, verified=True)

    if not retry:
        return attempt()
    return gateway.retry.call(attempt, cancel=cancel, what=f"download {f.sds_path}")


class _HighWaterFan(_HighWater):
    """A meter that also feeds a stall watch."""

    def __init__(self, meter: _HighWater, feed: Callable[[int], None]) -> None:
        self._meter = meter
        self._feed = feed

    def restart(self) -> None:
        self._meter.restart()

    def __call__(self, n: int) -> None:
        self._feed(n)
        self._meter(n)


# -- batches ----------------------------------------------------------------------


def upload_many(
    gateway: Gateway,
    items: list[UploadItem],
    *,
    workers: int = 4,
    small_file_workers: int = SMALL_FILE_WORKERS,
    progress: ProgressCallback | None = None,
    on_file_done: Callable[[UploadResult], None] | None = None,
    cancel: threading.Event | None = None,
    dry_run: bool = False,
) -> list[UploadResult]:
    """Run ``upload_one`` over ``items`` concurrently; one file's failure becomes a
    ``FAILED`` result and does not stop the others. Results keep plan order.

    Files of ``SMALL_FILE_BYTES`` and more run ``workers`` at a time; smaller ones run
    in a lane of ``small_file_workers`` beside them (see ``run_lanes``).
    """

    def one(item: UploadItem) -> UploadResult:
        try:
            result = upload_one(gateway, item, progress=progress, cancel=cancel, dry_run=dry_run)
        except SDSError as exc:
            log.warning("upload of %s failed: %s", item.local_path, exc)
            result = UploadResult(item, UploadOutcome.FAILED, "", None, verified=False, error=exc)
        if on_file_done is not None:
            on_file_done(result)
        return result

    return run_lanes(one, items, [i.size for i in items], workers, small_file_workers)


def download_many(
    gateway: Gateway,
    items: list[DownloadItem],
    *,
    overwrite: bool = False,
    workers: int = 4,
    small_file_workers: int = SMALL_FILE_WORKERS,
    progress: ProgressCallback | None = None,
    on_file_done: Callable[[DownloadResult], None] | None = None,
    cancel: threading.Event | None = None,
    dry_run: bool = False,
) -> list[DownloadResult]:
    """Run ``download_one`` over ``items`` concurrently, in the same two lanes as
    ``upload_many``; failures become ``FAILED``."""

    def one(item: DownloadItem) -> DownloadResult:
        try:
            result = download_one(
                gateway,
                item,
                overwrite=overwrite,
                progress=progress,
                cancel=cancel,
                dry_run=dry_run,
            )
        except SDSError as exc:
            log.warning("download of %s failed: %s", item.file.sds_path, exc)
            result = DownloadResult(item, DownloadOutcome.FAILED, verified=False, error=exc)
        if on_file_done is not None:
            on_file_done(result)
        return result

    return run_lanes(one, items, [i.file.size for i in items], workers, small_file_workers)


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
    "DownloadItem",
    "DownloadOutcome",
    "DownloadPlan",
    "DownloadResult",
    "UploadItem",
    "UploadOutcome",
    "UploadPlan",
    "UploadResult",
    "download_many",
    "download_one",
    "file_permissions",
    "media_type_of",
    "plan_download",
    "plan_upload",
    "run_lanes",
    "sweep_partials",
    "upload_many",
    "upload_one",
]
