"""Per-file download step: temp file beside the target, BLAKE3 while writing, fsync,
verify, atomic rename; conflicts, bounds (never more than the listed size) and typed
disk errors. Re-exported by ``core.transfer``.

The plan and results live in :mod:`sds_desktop.core.download_plan`, temp files and
disk errors in :mod:`sds_desktop.core.download_disk`; this module streams, verifies
and renames, and re-exports them."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

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
from sds_desktop.core.download_disk import (
    WRITEBACK_EVERY_BYTES,
    _disk_error,
    _fsync_dir,
    _start_writeback,
    find_partial,
    leftover_partials,
    partial_prefix,
    sweep_partials,
)
from sds_desktop.core.download_plan import (
    MAX_FILE_BYTES,
    DownloadItem,
    DownloadOutcome,
    DownloadPlan,
    DownloadResult,
    plan_download,
)
from sds_desktop.core.errors import (
    CancelledError,
    ChecksumMismatchError,
    ConflictError,
    DownloadError,
    FileError,
    PathError,
    SDSError,
)
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.transfer_base import (
    _CONTENT_RANGE_RE,
    TEMP_SUFFIX,
    HighWater,
    PhaseCallback,
    guard,
    hashing_meter,
    local_modified,
    no_phase,
)

__all__ = [
    "MAX_FILE_BYTES",
    "WRITEBACK_EVERY_BYTES",
    "DownloadItem",
    "DownloadOutcome",
    "DownloadPlan",
    "DownloadResult",
    "download_one",
    "find_partial",
    "leftover_partials",
    "partial_prefix",
    "plan_download",
    "resume_download",
    "sweep_partials",
]


def _check_range(headers: Mapping[str, str], size: int, start: int = 0) -> None:
    """A 206 is accepted only when it runs from ``start`` to the end of the file."""
    value = headers.get("Content-Range", "")
    if not value:
        if start:
            raise DownloadError("server sent 206 without a Content-Range; cannot resume")
        return
    match = _CONTENT_RANGE_RE.match(value.strip())
    if not match or int(match.group(1)) != start:
        raise DownloadError(f"server sent a partial range {value!r}; expected bytes from {start}")
    end = int(match.group(2))
    if end + 1 != size:
        raise DownloadError(f"server sent range {value!r} for a {size}-byte file")


def _receive(
    gateway: Gateway,
    f: SDSFile,
    out: BinaryIO,
    meter: HighWater,
    cancel: threading.Event | None,
    *,
    resume: tuple[int, Any] | None = None,
    on_phase: PhaseCallback = no_phase,
) -> int:
    """Stream the body into ``out``, hashing as it goes; fsync; verify size and BLAKE3.

    ``resume`` = (bytes already in ``out``, a hasher fed with them): the request asks
    for the rest. A 206 whose ``Content-Range`` starts there and ends at the listed size
    appends; a 200 (production ignores Range) truncates and starts from 0. Returns the
    byte the body started at (0: restarted).
    """
    hasher = blake3()
    written = 0
    start = 0
    if resume is not None and resume[0] > 0:
        start, hasher = resume
    synced = 0
    ranged = {"start": start} if start else {}
    with gateway.download_stream(f.uuid, cancel=cancel, **ranged) as stream:
        on_phase("receiving", 0, f.size)
        if stream.status == 206:
            _check_range(stream.headers, f.size, start)
            written = start
        elif start:
            start = 0
            hasher = blake3()
            out.seek(0)
            out.truncate()
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
    on_phase("verifying", written, f.size)
    out.flush()
    os.fsync(out.fileno())
    digest = hasher.hexdigest()
    if digest != f.sum_blake3:
        raise ChecksumMismatchError(
            f"{f.sds_path}: received {written} bytes with BLAKE3 {digest}, expected "
            f"{f.size} bytes with {f.sum_blake3}; the download was discarded",
            detail={"expected": f.sum_blake3, "actual": digest},
        )
    return start


def resume_download(
    gateway: Gateway,
    item: DownloadItem,
    partial: Path,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    stall_seconds: float | None = None,
    keep_partial: threading.Event | None = None,
    on_phase: PhaseCallback = no_phase,
) -> tuple[DownloadResult, int]:
    """Go on with a download from its temp file ``partial`` (a paused or interrupted
    one); (result, the byte it went on from: 0 when the server restarted it).

    Only a 206 with a matching ``Content-Range`` appends; on a 200 the temp file is
    truncated and the download starts from 0. Any failure removes the temp file.
    """
    f = item.file
    if not f.safe:
        raise PathError(f"refusing to download {f.sds_path!r}: {f.unsafe_reason}")
    have = partial.stat().st_size
    if have > f.size:
        partial.unlink(missing_ok=True)
        have = 0
    hasher = blake3()
    hashed = hashing_meter(on_phase, have)
    with partial.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            hasher.update(block)
            hashed(len(block))
    meter = HighWater(progress)
    try:
        with (
            guard(cancel, stall_seconds, None) as (event, feed),
            partial.open("r+b") as out,
        ):
            out.seek(have)
            started = _receive(
                gateway,
                f,
                out,
                _HighWaterFan(meter, feed),
                event,
                resume=(have, hasher),
                on_phase=on_phase,
            )
        partial.replace(item.local_path)
    except BaseException as exc:
        if isinstance(exc, CancelledError) and keep_partial is not None and keep_partial.is_set():
            raise CancelledError(str(exc), detail=partial) from exc
        partial.unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, SDSError):
            raise _disk_error(exc, item.local_path) from exc
        raise
    _fsync_dir(item.local_path.parent)
    return DownloadResult(item, DownloadOutcome.DOWNLOADED, verified=True), started


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
    keep_partial: threading.Event | None = None,
    on_phase: PhaseCallback = no_phase,
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
            Side(str(dest), dest.stat().st_size, local_modified(dest), None),
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
    meter = HighWater(progress)
    target = dest

    def attempt() -> DownloadResult:
        meter.restart()
        try:
            fd, tmp_name = tempfile.mkstemp(
                prefix=partial_prefix(target), suffix=TEMP_SUFFIX, dir=parent
            )
        except OSError as exc:
            raise _disk_error(exc, parent) from exc
        tmp = Path(tmp_name)
        try:
            with (
                guard(cancel, stall_seconds, deadline) as (event, feed),
                os.fdopen(fd, "wb") as out,
            ):
                _receive(gateway, f, out, _HighWaterFan(meter, feed), event, on_phase=on_phase)
            tmp.replace(target)
        except BaseException as exc:
            if (
                isinstance(exc, CancelledError)
                and keep_partial is not None
                and keep_partial.is_set()
                and tmp.is_file()
                and tmp.stat().st_size > 0
            ):
                # paused: the temp file stays (hidden name) for resume_download
                raise CancelledError(str(exc), detail=tmp) from exc
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


class _HighWaterFan(HighWater):
    """A meter that also feeds a stall watch."""

    def __init__(self, meter: HighWater, feed: Callable[[int], None]) -> None:
        self._meter = meter
        self._feed = feed

    def restart(self) -> None:
        self._meter.restart()

    def __call__(self, n: int) -> None:
        self._feed(n)
        self._meter(n)
