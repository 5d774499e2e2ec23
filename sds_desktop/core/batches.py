"""Batch runs of the per-file steps (``transfer.upload_one`` / ``download_one``) that
return one SDK-style ``FileResult`` per file and never raise for a single file.

Used by ``Client.upload`` / ``download`` / ``download_dataset`` and ``DatasetAPI``: a
refused remote entry, a local name the file system cannot hold, a full disk or a server
refusal becomes that file's failed result with a typed error; the other files go on.
"""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from sds_desktop.core.checksum import ProgressCallback
from sds_desktop.core.download_disk import name_too_long
from sds_desktop.core.errors import FileError, PathError, SDSError
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.results import FileResult
from sds_desktop.core.transfer import (
    SMALL_FILE_WORKERS,
    DownloadItem,
    DownloadOutcome,
    DownloadResult,
    UploadItem,
    UploadOutcome,
    UploadResult,
    download_one,
    plan_download,
    run_lanes,
    upload_one,
)

log = logging.getLogger(__name__)

METADATA_ONLY = "metadata only (skip_contents)"
FileDone = Callable[[FileResult], None]


def local_os_error(exc: OSError, path: Path) -> FileError:
    """A readable, typed error for a local file-system failure on ``path``."""
    if exc.errno == errno.ENAMETOOLONG:
        return name_too_long(path)
    if exc.errno in {errno.ENOSPC, errno.EDQUOT}:
        return FileError(f"disk full while writing {path}: free some space and retry")
    return FileError(f"cannot write {path}: {exc.strerror or exc}")


def _upload_failed(item: UploadItem, exc: SDSError) -> UploadResult:
    return UploadResult(item, UploadOutcome.FAILED, "", None, verified=False, error=exc)


def _download_failed(item: DownloadItem, exc: SDSError) -> DownloadResult:
    return DownloadResult(item, DownloadOutcome.FAILED, verified=False, error=exc)


def upload_batch(
    gateway: Gateway,
    items: list[UploadItem],
    *,
    workers: int = 4,
    small_file_workers: int = SMALL_FILE_WORKERS,
    progress: ProgressCallback | None = None,
    on_file_done: FileDone | None = None,
    cancel: threading.Event | None = None,
    dry_run: bool = False,
) -> list[FileResult]:
    """Upload every item; results in item order, failures as failed results."""

    def one(item: UploadItem) -> FileResult:
        try:
            transfer = upload_one(gateway, item, progress=progress, cancel=cancel, dry_run=dry_run)
            result = FileResult(transfer)
        except SDSError as exc:
            log.warning("upload of %s failed: %s", item.local_path, exc)
            result = FileResult(_upload_failed(item, exc))
        except OSError as exc:
            err = FileError(f"cannot read {item.local_path}: {exc.strerror or exc}")
            log.warning("upload of %s failed: %s", item.local_path, err)
            result = FileResult(_upload_failed(item, err))
        if on_file_done is not None:
            on_file_done(result)
        return result

    return run_lanes(one, items, [i.size for i in items], workers, small_file_workers)


def download_batch(
    gateway: Gateway,
    files: Iterable[SDSFile],
    to_local_path: Path,
    *,
    base_sds_path: str = "/",
    overwrite: bool = False,
    skip_contents: bool = False,
    workers: int = 4,
    small_file_workers: int = SMALL_FILE_WORKERS,
    progress: ProgressCallback | None = None,
    on_file_done: FileDone | None = None,
    cancel: threading.Event | None = None,
    dry_run: bool = False,
) -> list[FileResult]:
    """Download ``files`` under ``to_local_path`` following their SDS directories
    (relative to ``base_sds_path``): verified, atomic, identical files skipped.

    Entries that cannot land safely come first, as failed results with ``PathError``.
    ``skip_contents``: only the metadata (success results, nothing written).
    """
    plan = plan_download(files, Path(to_local_path), base_sds_path=base_sds_path)
    refused: list[FileResult] = []
    for f, reason in plan.refused:
        log.warning("not downloading %s: %s", f.sds_path, reason)
        refused.append(FileResult(None, file=f, error=PathError(f"{f.sds_path}: {reason}")))
    if skip_contents:
        return refused + [
            FileResult(None, file=i.file, local_path=i.local_path, outcome=METADATA_ONLY)
            for i in plan.items
        ]

    def one(item: DownloadItem) -> FileResult:
        try:
            transfer = download_one(
                gateway,
                item,
                overwrite=overwrite,
                progress=progress,
                cancel=cancel,
                dry_run=dry_run,
            )
            result = FileResult(transfer)
        except SDSError as exc:
            log.warning("download of %s failed: %s", item.file.sds_path, exc)
            result = FileResult(_download_failed(item, exc))
        except OSError as exc:
            err = local_os_error(exc, item.local_path)
            log.warning("download of %s failed: %s", item.file.sds_path, err)
            result = FileResult(_download_failed(item, err))
        if on_file_done is not None:
            on_file_done(result)
        return result

    sizes = [i.file.size for i in plan.items]
    return refused + run_lanes(one, plan.items, sizes, workers, small_file_workers)


__all__ = ["download_batch", "local_os_error", "upload_batch"]
