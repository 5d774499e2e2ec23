"""``Client``: the SDK's entry point (``spectrumx.client.Client`` 0.2.4), usable from a
script as the SDK README shows, with only the import line changed.

Every public name of the SDK's ``Client`` exists here with the SDK's keyword arguments
(``tests/core/test_sdk_parity.py`` checks them against the installed SDK). Batch calls
(``upload``, ``download``, ``download_dataset``) return one SDK-style result per file
(``FileResult``: truthy on success, the error attached on failure) and never raise for a
single file.

Dry run (the default, as in the SDK) sends no request that changes anything on the SDS
and writes nothing locally. Unlike the SDK, read-only requests (authenticate, listings,
metadata, dataset manifests) are still sent, so that a dry-run download plan is the real
one; a dry-run *upload* sends nothing at all and returns the real local plan.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from sds_desktop.core.batches import download_batch, upload_batch
from sds_desktop.core.captures import CaptureAPI
from sds_desktop.core.client_mixins import CaptureUploads, DatasetMethods
from sds_desktop.core.config import DEFAULT_HOST, SDSConfig, load_config, resolve_base_url
from sds_desktop.core.datasets import DatasetAPI
from sds_desktop.core.errors import FileError
from sds_desktop.core.gateway import Gateway, to_uuid_hex
from sds_desktop.core.models import SDSFile
from sds_desktop.core.paths import normalize_sds_path, validate_file_name
from sds_desktop.core.progress import TerminalProgress
from sds_desktop.core.results import FileResult
from sds_desktop.core.retry import RetryPolicy
from sds_desktop.core.transfer import (
    SMALL_FILE_WORKERS,
    DownloadItem,
    DownloadPlan,
    UploadItem,
    UploadPlan,
    download_one,
    plan_download,
    plan_upload,
    upload_one,
)

log = logging.getLogger(__name__)


def time_param(value: datetime) -> str:
    """ISO 8601 in UTC for the file list's time window (naive means UTC, as in the SDK)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat()


_FILE_HANDLERS: dict[Path, logging.Handler] = {}
_FILE_HANDLERS_LOCK = threading.Lock()


def log_to_file(path: Path) -> logging.Handler:
    """Send the core's log (INFO and up) to ``path`` too, once per file (the SDK's
    ``log_file``). Tokens are never logged, so the file holds none."""
    key = path.expanduser().resolve()
    with _FILE_HANDLERS_LOCK:
        handler = _FILE_HANDLERS.get(key)
        if handler is None:
            handler = logging.FileHandler(key, encoding="utf-8")
            handler.setLevel(logging.INFO)
            handler.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
            )
            core = logging.getLogger("sds_desktop.core")
            if core.getEffectiveLevel() > logging.INFO:
                core.setLevel(logging.INFO)
            core.addHandler(handler)
            _FILE_HANDLERS[key] = handler
        return handler


class Client(CaptureUploads, DatasetMethods):
    """A client of one SDS gateway, with the official SDK's API."""

    ENABLE_NEW_UPLOAD_METHOD: bool = True
    """Read by some SDK scripts; SDS Desktop has a single upload method."""

    host: str
    is_authenticated: bool
    user_email: str | None
    captures: CaptureAPI
    datasets: DatasetAPI

    def __init__(
        self,
        host: str | None = None,
        env_file: Path | None = None,
        env_config: Mapping[str, object] | None = None,
        *,
        verbose: bool = False,
        log_file: Path | None = None,
        allow_insecure_http: bool = False,
        retry: RetryPolicy | None = None,
        verify: bool = True,
    ) -> None:
        self._config: SDSConfig = load_config(env_file=env_file, env_config=env_config)
        self.host = host or self._config.host or DEFAULT_HOST
        self.api_url = resolve_base_url(self.host, allow_insecure_http=allow_insecure_http)
        self._gateway = Gateway(
            self.api_url,
            self._config.token,
            timeout=self._config.timeout,
            retry=retry,
            verify=verify,
        )
        self._dry_run = self._config.dry_run
        self._verbose = bool(verbose)
        self.is_authenticated = False
        self.user_email: str | None = None
        self.captures = CaptureAPI(self._gateway, lambda: self._dry_run, verbose=self._verbose)
        self.datasets = DatasetAPI(self._gateway, lambda: self._dry_run, verbose=self._verbose)
        if log_file is not None:
            log_to_file(Path(log_file))
        if self._dry_run:
            log.info("dry run enabled: nothing will be written on the SDS or locally")

    def __repr__(self) -> str:
        return f"Client(host={self.host!r}, dry_run={self._dry_run})"

    # -- attributes -----------------------------------------------------------------

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

    @property
    def verbose(self) -> bool:
        """More log output from the client and its ``captures`` / ``datasets``."""
        return self._verbose

    @verbose.setter
    def verbose(self, value: bool) -> None:
        self._verbose = bool(value)
        self.captures.verbose = self._verbose
        self.datasets.verbose = self._verbose

    @property
    def config(self) -> SDSConfig:
        return self._config

    @property
    def gateway(self) -> Gateway:
        """The HTTP layer (typed access to every gateway endpoint)."""
        return self._gateway

    @property
    def base_url(self) -> str:
        """``scheme://host:port`` of the gateway, the port always written (as the SDK)."""
        parts = urlsplit(self.api_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"{parts.scheme}://{parts.hostname}:{port}"

    @property
    def base_url_no_port(self) -> str:
        """``scheme://host`` of the gateway."""
        parts = urlsplit(self.api_url)
        return f"{parts.scheme}://{parts.hostname}"

    # -- account --------------------------------------------------------------------

    def authenticate(self) -> str:
        """Check the API key; returns (and remembers) the account e-mail."""
        self.user_email = self._gateway.authenticate()
        self.is_authenticated = True
        return self.user_email

    # -- uploads --------------------------------------------------------------------

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

    def plan_upload(self, *, local_path: Path | str, sds_path: object = "/") -> UploadPlan:
        """What ``upload`` would send, and what it leaves out and why (no request)."""
        return plan_upload(Path(local_path), str(sds_path))

    def upload(
        self,
        *,
        local_path: Path | str,
        sds_path: object = "/",
        verbose: bool = True,
        warn_skipped: bool = True,
        persist_state: bool = True,
        workers: int = 4,
        small_file_workers: int = SMALL_FILE_WORKERS,
        cancel: threading.Event | None = None,
    ) -> list[FileResult]:
        """Upload a folder (keeping sub-paths under ``sds_path``) or a single file.

        One ``FileResult`` per file, in plan order; failures are failed results, never
        raised. Files the SDK leaves out (ignore list, empty, executables) are logged,
        as warnings when ``warn_skipped``. ``persist_state`` is accepted for the SDK's
        signature: a re-run resumes anyway, since files SDS already holds (same BLAKE3)
        are skipped. In dry run: the plan, as ``planned`` results, with zero requests.
        """
        del persist_state  # resumption is by content check; no state file is needed
        plan = self.plan_upload(local_path=local_path, sds_path=sds_path)
        level = logging.WARNING if warn_skipped else logging.INFO
        for path, reason in plan.skipped:
            log.log(level, "skipping %s: %s", path, reason)
        if self._dry_run:
            log.info(
                "dry run: would upload %d files (%d bytes), skipping %d",
                len(plan.items),
                plan.total_bytes,
                len(plan.skipped),
            )
        with self._progress(plan.total_bytes, len(plan.items), "upload", verbose) as bar:
            return upload_batch(
                self._gateway,
                plan.items,
                workers=workers,
                small_file_workers=small_file_workers,
                progress=bar.update if bar else None,
                on_file_done=(lambda _r: bar.file_done()) if bar else None,
                cancel=cancel,
                dry_run=self._dry_run,
            )

    def upload_file(self, *, local_file: Path | str, sds_path: object = "/") -> FileResult:
        """Upload one file into the SDS folder ``sds_path``; errors are raised."""
        path = Path(local_file)
        if not path.is_file():
            raise FileError(f"not a file: {path}")
        name = validate_file_name(path.name)
        item = UploadItem(path, normalize_sds_path(str(sds_path)), name, path.stat().st_size)
        return FileResult(upload_one(self._gateway, item, dry_run=self._dry_run))

    # -- downloads ------------------------------------------------------------------

    def plan_download(
        self, *, from_sds_path: str, to_local_path: Path | str, base_sds_path: str = "/"
    ) -> DownloadPlan:
        files = self._gateway.list_files(from_sds_path)
        return plan_download(files, Path(to_local_path), base_sds_path=base_sds_path)

    def download(
        self,
        *,
        from_sds_path: object = None,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        to_local_path: Path | str,
        files_to_download: Iterable[SDSFile] | None = None,
        skip_contents: bool = False,
        overwrite: bool = False,
        verbose: bool = True,
        workers: int = 4,
        small_file_workers: int = SMALL_FILE_WORKERS,
        cancel: threading.Event | None = None,
    ) -> list[FileResult]:
        """Download everything under ``from_sds_path`` (optionally only the Digital RF
        data in ``start_time``..``end_time``), or the given ``files_to_download``, into
        ``to_local_path``, mirroring the SDS tree (``/a/b/f`` → ``to_local_path/a/b/f``).

        One ``FileResult`` per file: hostile entries, names the local file system cannot
        hold and server failures are failed results; the other files still download.
        Existing files are kept unless ``overwrite`` (identical ones are skipped even
        then). ``skip_contents``: metadata only, nothing written.
        """
        if from_sds_path is not None and files_to_download is not None:
            raise ValueError("give from_sds_path or files_to_download, not both")
        if from_sds_path is not None:
            files = self.list_files(str(from_sds_path), start_time, end_time)
        elif files_to_download is not None:
            files = list(files_to_download)
        else:
            raise ValueError("give from_sds_path or files_to_download")
        total = sum(f.size for f in files)
        with self._progress(total, len(files), "download", verbose) as bar:
            return download_batch(
                self._gateway,
                files,
                Path(to_local_path),
                overwrite=overwrite,
                skip_contents=skip_contents,
                workers=workers,
                small_file_workers=small_file_workers,
                progress=bar.update if bar else None,
                on_file_done=(lambda _r: bar.file_done()) if bar else None,
                cancel=cancel,
                dry_run=self._dry_run,
            )

    def download_single_file(
        self,
        *,
        file_info: SDSFile,
        to_local_path: Path | str,
        skip_contents: bool = False,
        overwrite: bool = False,
        progress_callback: Callable[[int], None] | None = None,
    ) -> FileResult:
        """One file into ``to_local_path`` following its SDS directory, as ``download``
        does for each file: a ``FileResult``, never raised."""
        (result,) = download_batch(
            self._gateway,
            [file_info],
            Path(to_local_path),
            overwrite=overwrite,
            skip_contents=skip_contents,
            workers=1,
            small_file_workers=1,
            progress=progress_callback,
            dry_run=self._dry_run,
        )
        return result

    def download_file(
        self,
        *,
        file_instance: SDSFile | None = None,
        file_uuid: object = None,
        to_local_path: Path | str | None = None,
        skip_contents: bool = False,
        warn_missing_path: bool = True,
        progress_callback: Callable[[int], None] | None = None,
        overwrite: bool = True,
        file: SDSFile | None = None,
    ) -> FileResult:
        """Download one file (``file_instance`` / ``file``, or ``file_uuid``); errors are
        raised. ``to_local_path`` is an existing folder (the file keeps its name) or the
        destination file path; as in the SDK an existing file is replaced (unless it is
        already identical). ``skip_contents``: metadata only."""
        del warn_missing_path  # a destination is required: nothing is written elsewhere
        given = file_instance or file
        if (file_uuid is None) == (given is None):
            raise FileError("give exactly one of file_instance or file_uuid")
        if to_local_path is None:
            raise FileError("to_local_path is required: the folder or file to write")
        target_file = given if given is not None else self.get_file(file_uuid)
        if skip_contents:
            return FileResult(None, file=target_file, outcome="metadata only (skip_contents)")
        target = Path(to_local_path)
        if target.is_dir():
            base = target_file.directory if target_file.safe else "/"
            plan = plan_download([target_file], target, base_sds_path=base)
            if plan.refused:
                raise FileError(f"refusing {target_file.sds_path!r}: {plan.refused[0][1]}")
            item = plan.items[0]
        else:
            validate_file_name(target.name)
            item = DownloadItem(target_file, target)
        transfer = download_one(
            self._gateway,
            item,
            overwrite=overwrite,
            progress=progress_callback,
            dry_run=self._dry_run,
        )
        return FileResult(transfer)

    # -- files ----------------------------------------------------------------------

    def list_files(
        self,
        sds_path: object = "/",
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        *,
        verbose: bool = False,
    ) -> list[SDSFile]:
        """Files under ``sds_path`` (recursive). With ``start_time`` and ``end_time``
        (both or neither; naive means UTC) the server keeps only the Digital RF data
        files overlapping that window (other files are listed as usual)."""
        if (start_time is None) != (end_time is None):
            raise ValueError("start_time and end_time must both be set or both omitted")
        path = str(sds_path)
        if verbose:
            log.info("listing %s", path)
        if start_time is None or end_time is None:
            return self._gateway.list_files(path)
        pages = self._gateway.iter_file_pages_in_window(
            path, time_param(start_time), time_param(end_time)
        )
        return [f for page in pages for f in page]

    def get_file(self, file_uuid: object) -> SDSFile:
        """One file's metadata (no content)."""
        return self._gateway.get_file(to_uuid_hex(file_uuid))

    def delete_file(self, file_uuid: object) -> bool:
        uid = to_uuid_hex(file_uuid)
        if self._dry_run:
            log.info("dry run: would delete file %s", uid)
            return True
        self._gateway.delete_file(uid)
        return True

    def detach_file_from_datasets(self, file_uuid: object) -> bool:
        """Remove the file from every dataset it belongs to (owner only)."""
        uid = to_uuid_hex(file_uuid)
        if self._dry_run:
            log.info("dry run: would detach file %s from its datasets", uid)
            return True
        self._gateway.detach_file_from_datasets(uid)
        return True


__all__ = ["Client", "log_to_file", "time_param"]
