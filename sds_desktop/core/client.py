"""``Client``: the SDK-shaped entry point, usable from a script as the SDK README shows.

Dry run (the default, as in the SDK) sends no request that changes anything on the SDS
and writes nothing locally. Unlike the SDK, read-only requests (authenticate, listings,
metadata, dataset manifests) are still sent, so that a dry-run download plan is the real
one; a dry-run *upload* sends nothing at all and returns the real local plan.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from sds_desktop.core.captures import CaptureAPI
from sds_desktop.core.config import DEFAULT_HOST, SDSConfig, load_config, resolve_base_url
from sds_desktop.core.datasets import DatasetAPI
from sds_desktop.core.errors import FileError
from sds_desktop.core.gateway import Gateway, to_uuid_hex
from sds_desktop.core.models import SDSFile
from sds_desktop.core.paths import normalize_sds_path, validate_file_name
from sds_desktop.core.progress import TerminalProgress
from sds_desktop.core.retry import RetryPolicy
from sds_desktop.core.transfer import (
    SMALL_FILE_WORKERS,
    DownloadItem,
    DownloadPlan,
    DownloadResult,
    UploadItem,
    UploadPlan,
    UploadResult,
    download_many,
    download_one,
    plan_download,
    plan_upload,
    upload_many,
    upload_one,
)

log = logging.getLogger(__name__)


class Client:
    def __init__(
        self,
        host: str | None = None,
        env_file: Path | None = None,
        env_config: Mapping[str, object] | None = None,
        *,
        allow_insecure_http: bool = False,
        retry: RetryPolicy | None = None,
        verify: bool = True,
    ) -> None:
        self.config: SDSConfig = load_config(env_file=env_file, env_config=env_config)
        self.host = host or self.config.host or DEFAULT_HOST
        self.base_url = resolve_base_url(self.host, allow_insecure_http=allow_insecure_http)
        self.gateway = Gateway(
            self.base_url,
            self.config.token,
            timeout=self.config.timeout,
            retry=retry,
            verify=verify,
        )
        self._dry_run = self.config.dry_run
        self.user_email: str | None = None
        self.captures = CaptureAPI(self.gateway, lambda: self._dry_run)
        self.datasets = DatasetAPI(self.gateway, lambda: self._dry_run)
        if self._dry_run:
            log.info("dry run enabled: nothing will be written on the SDS or locally")

    def __repr__(self) -> str:
        return f"Client(host={self.host!r}, dry_run={self._dry_run})"

    @property
    def dry_run(self) -> bool:
        """When True (the default), nothing is written on the SDS or on disk."""
        return self._dry_run

    @dry_run.setter
    def dry_run(self, value: bool) -> None:
        self._dry_run = bool(value)
        if self._dry_run:
            log.warning("dry run enabled: nothing will be written on the SDS or locally")
        else:
            log.warning("dry run disabled: changes will be written on the SDS and locally")

    # -- account ------------------------------------------------------------------

    def authenticate(self) -> str:
        """Check the API key; returns (and remembers) the account e-mail."""
        self.user_email = self.gateway.authenticate()
        return self.user_email

    # -- uploads ------------------------------------------------------------------

    @contextlib.contextmanager
    def _progress(
        self, total_bytes: int, files: int, label: str, verbose: bool
    ) -> Iterator[TerminalProgress | None]:
        """The terminal bar for a batch, or None (not verbose, no TTY, or dry run)."""
        bar = TerminalProgress(total_bytes, files, label=label)
        if not (verbose and bar.enabled and not self._dry_run):
            yield None
            return
        try:
            yield bar
        finally:
            bar.close()

    def plan_upload(self, *, local_path: Path | str, sds_path: str = "/") -> UploadPlan:
        """What ``upload`` would send, and what it leaves out and why (no request)."""
        return plan_upload(Path(local_path), sds_path)

    def upload(
        self,
        *,
        local_path: Path | str,
        sds_path: str = "/",
        verbose: bool = True,
        workers: int = 4,
        small_file_workers: int = SMALL_FILE_WORKERS,
        cancel: threading.Event | None = None,
    ) -> list[UploadResult]:
        """Upload a folder (keeping sub-paths under ``sds_path``) or a single file.

        Per-file failures are returned as ``FAILED`` results (with ``error``), never
        raised. In dry run: the plan, as ``PLANNED`` results, with zero requests.
        """
        plan = self.plan_upload(local_path=local_path, sds_path=sds_path)
        for path, reason in plan.skipped:
            log.info("skipping %s: %s", path, reason)
        if self._dry_run:
            log.info(
                "dry run: would upload %d files (%d bytes), skipping %d",
                len(plan.items),
                plan.total_bytes,
                len(plan.skipped),
            )
        with self._progress(plan.total_bytes, len(plan.items), "upload", verbose) as bar:
            return upload_many(
                self.gateway,
                plan.items,
                workers=workers,
                small_file_workers=small_file_workers,
                progress=bar.update if bar else None,
                on_file_done=(lambda _r: bar.file_done()) if bar else None,
                cancel=cancel,
                dry_run=self._dry_run,
            )

    def upload_file(self, *, local_file: Path | str, sds_path: str = "/") -> UploadResult:
        """Upload one file into the SDS folder ``sds_path`` (errors are raised)."""
        path = Path(local_file)
        if not path.is_file():
            raise FileError(f"not a file: {path}")
        name = validate_file_name(path.name)
        item = UploadItem(path, normalize_sds_path(sds_path), name, path.stat().st_size)
        return upload_one(self.gateway, item, dry_run=self._dry_run)

    # -- downloads ----------------------------------------------------------------

    def plan_download(
        self, *, from_sds_path: str, to_local_path: Path | str, base_sds_path: str = "/"
    ) -> DownloadPlan:
        files = self.gateway.list_files(from_sds_path)
        return plan_download(files, Path(to_local_path), base_sds_path=base_sds_path)

    def download(
        self,
        *,
        from_sds_path: str,
        to_local_path: Path | str,
        overwrite: bool = False,
        verbose: bool = True,
        workers: int = 4,
        small_file_workers: int = SMALL_FILE_WORKERS,
        cancel: threading.Event | None = None,
    ) -> list[DownloadResult]:
        """Download everything under ``from_sds_path`` into ``to_local_path``, mirroring
        the SDS tree (``/a/b/f`` → ``to_local_path/a/b/f``). Hostile entries are refused
        and logged; per-file failures are ``FAILED`` results."""
        plan = self.plan_download(from_sds_path=from_sds_path, to_local_path=to_local_path)
        for f, reason in plan.refused:
            log.warning("not downloading %s: %s", f.sds_path, reason)
        with self._progress(plan.total_bytes, len(plan.items), "download", verbose) as bar:
            return download_many(
                self.gateway,
                plan.items,
                overwrite=overwrite,
                workers=workers,
                small_file_workers=small_file_workers,
                progress=bar.update if bar else None,
                on_file_done=(lambda _r: bar.file_done()) if bar else None,
                cancel=cancel,
                dry_run=self._dry_run,
            )

    def download_file(
        self,
        *,
        file_uuid: str | None = None,
        file: SDSFile | None = None,
        to_local_path: Path | str,
        overwrite: bool = False,
    ) -> DownloadResult:
        """Download one file. ``to_local_path`` is an existing folder (the file keeps its
        name) or the destination file path."""
        if (file_uuid is None) == (file is None):
            raise FileError("give exactly one of file_uuid or file")
        if file is None:
            file = self.gateway.get_file(to_uuid_hex(file_uuid))
        target = Path(to_local_path)
        if target.is_dir():
            plan = plan_download([file], target, base_sds_path=file.directory if file.safe else "/")
            if plan.refused:
                raise FileError(f"refusing {file.sds_path!r}: {plan.refused[0][1]}")
            item = plan.items[0]
        else:
            validate_file_name(target.name)
            item = DownloadItem(file, target)
        return download_one(self.gateway, item, overwrite=overwrite, dry_run=self._dry_run)

    # -- files --------------------------------------------------------------------

    def list_files(self, sds_path: str = "/") -> list[SDSFile]:
        return self.gateway.list_files(sds_path)

    def get_file(self, uuid: str) -> SDSFile:
        return self.gateway.get_file(uuid)

    def delete_file(self, uuid: str) -> bool:
        to_uuid_hex(uuid)
        if self._dry_run:
            log.info("dry run: would delete file %s", uuid)
            return True
        self.gateway.delete_file(uuid)
        return True


__all__ = ["Client"]
