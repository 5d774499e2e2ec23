"""``Client.datasets``: read a dataset, list and download its files, manage it.

The gateway has no dataset list or create endpoint: datasets are made in the web UI and
addressed by UUID. The SDK's names (``get``, ``list_captures``, ``list_artifact_files``,
``get_files``, ``add_capture_to_dataset``, ``delete``, ``revoke_share_permissions``) and
this project's (``captures``, ``artifact_files``, ``files``, ``download``, ``revoke``)
share one implementation. ``list_captures`` / ``list_artifact_files`` return the raw JSON
objects, as the SDK's do; ``captures`` / ``artifact_files`` return typed records.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from sds_desktop.core.batches import download_batch
from sds_desktop.core.capture_models import Capture
from sds_desktop.core.checksum import ProgressCallback
from sds_desktop.core.errors import DatasetError
from sds_desktop.core.gateway import Gateway, to_uuid_hex
from sds_desktop.core.models import Dataset, SDSFile
from sds_desktop.core.paths import normalize_sds_path
from sds_desktop.core.results import FileResult

log = logging.getLogger(__name__)


class DatasetAPI:
    """Datasets the user can see (``Client.datasets``)."""

    def __init__(
        self, gateway: Gateway, dry_run: Callable[[], bool], *, verbose: bool = False
    ) -> None:
        self._gateway = gateway
        self._dry_run = dry_run
        self.verbose = verbose

    @property
    def gateway(self) -> Gateway:
        return self._gateway

    @property
    def dry_run(self) -> bool:
        """The client's dry-run switch (set it on the ``Client``)."""
        return self._dry_run()

    def get(self, dataset_uuid: object) -> Dataset:
        """The dataset's metadata, its capture summaries and its artifact files."""
        return self._gateway.get_dataset(to_uuid_hex(dataset_uuid, DatasetError))

    def list_captures(self, dataset_uuid: object) -> list[dict[str, Any]]:
        """The dataset's captures as the server sends them (the SDK's raw dicts)."""
        return _raw_rows(self.get(dataset_uuid), "captures")

    def captures(self, dataset_uuid: object) -> list[Capture]:
        """The dataset's captures, typed (summary rows: no props or files)."""
        return list(self.get(dataset_uuid).captures)

    def list_artifact_files(self, dataset_uuid: object) -> list[dict[str, Any]]:
        """Files attached to the dataset directly (not through a capture), raw dicts."""
        return _raw_rows(self.get(dataset_uuid), "files")

    def artifact_files(self, dataset_uuid: object) -> list[SDSFile]:
        """The artifact files as full file records (from the manifest)."""
        return self.files(dataset_uuid, artifacts_only=True)

    def files(
        self,
        dataset_uuid: object,
        *,
        captures: Collection[object] | None = None,
        top_level_dirs: Collection[object] | None = None,
        artifacts_only: bool = False,
    ) -> list[SDSFile]:
        """Every downloadable file of the dataset (all pages, duplicates removed).

        ``captures`` (UUIDs) and ``top_level_dirs`` are OR-ed by the server; an empty
        (not None) collection selects nothing, as in the SDK. ``artifacts_only``: only
        files attached to the dataset directly.
        """
        uid = to_uuid_hex(dataset_uuid, DatasetError)
        if (captures is not None and not captures and not artifacts_only) or (
            top_level_dirs is not None and not top_level_dirs
        ):
            return []
        cap_ids = [to_uuid_hex(c, DatasetError) for c in captures or ()]
        if artifacts_only and cap_ids:
            log.warning("capture filters are ignored with artifacts_only")
            cap_ids = []
        dirs = self._both_path_forms(uid, [str(d) for d in top_level_dirs or ()])
        seen: set[str] = set()
        out: list[SDSFile] = []
        for page in self._gateway.iter_dataset_file_pages(
            uid,
            captures=cap_ids or None,
            top_level_dirs=dirs or None,
            artifacts_only=artifacts_only,
        ):
            for f in page:
                if f.uuid not in seen:
                    seen.add(f.uuid)
                    out.append(f)
        return out

    def get_files(
        self,
        dataset_uuid: object,
        *,
        capture_uuids: Collection[object] | None = None,
        top_level_dirs: Collection[object] | None = None,
        artifacts_only: bool = False,
    ) -> list[SDSFile]:
        """The SDK's name for ``files`` (``capture_uuids`` is ``captures``)."""
        return self.files(
            dataset_uuid,
            captures=capture_uuids,
            top_level_dirs=top_level_dirs,
            artifacts_only=artifacts_only,
        )

    def _both_path_forms(self, uuid: str, dirs: list[str]) -> list[str]:
        """Each directory as given and under the dataset owner's ``/files/<email>`` root.

        Production matches ``top_level_dir`` against stored directories, which are
        absolute (``/files/<owner>/a/b``), while users (and capture ``top_level_dir``)
        speak user-relative paths. The filters are OR-ed, so sending both forms matches
        on either kind of server.
        """
        if not dirs:
            return []
        owner = self.get(uuid).owner_email
        forms: list[str] = []
        for d in dirs:
            rel = normalize_sds_path(d)
            forms.append(rel)
            if owner and not rel.startswith("/files/"):
                forms.append(normalize_sds_path(f"/files/{owner}{rel}"))
        return list(dict.fromkeys(forms))

    def download(
        self,
        dataset_uuid: object,
        to_local_path: Path | str,
        overwrite: bool = False,
        *,
        captures: Collection[object] | None = None,
        top_level_dirs: Collection[object] | None = None,
        artifacts_only: bool = False,
        skip_contents: bool = False,
        workers: int = 4,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> list[FileResult]:
        """Download the dataset's files under ``to_local_path`` following their SDS
        directories, through the same per-file steps as every download (verified,
        atomic, identical files skipped). One result per file, failures included. In
        dry run the manifest is read but nothing is written."""
        files = self.files(
            dataset_uuid,
            captures=captures,
            top_level_dirs=top_level_dirs,
            artifacts_only=artifacts_only,
        )
        return download_batch(
            self._gateway,
            files,
            Path(to_local_path),
            overwrite=overwrite,
            skip_contents=skip_contents,
            workers=workers,
            progress=progress,
            cancel=cancel,
            dry_run=self._dry_run(),
        )

    def add_capture_to_dataset(self, dataset_uuid: object, capture_uuid: object) -> bool:
        """Attach an existing capture to an existing dataset (owner or co-owner)."""
        ds = to_uuid_hex(dataset_uuid, DatasetError)
        cap = to_uuid_hex(capture_uuid, DatasetError)
        if self._dry_run():
            log.info("dry run: would attach capture %s to dataset %s", cap, ds)
        else:
            self._gateway.add_capture_to_dataset(ds, cap)
        return True

    def delete(self, dataset_uuid: object) -> bool:
        uid = to_uuid_hex(dataset_uuid, DatasetError)
        if self._dry_run():
            log.info("dry run: would delete dataset %s", uid)
        else:
            self._gateway.delete_dataset(uid)
        return True

    def revoke_share_permissions(self, dataset_uuid: object) -> bool:
        """Revoke every direct share of the dataset (owner only)."""
        uid = to_uuid_hex(dataset_uuid, DatasetError)
        if self._dry_run():
            log.info("dry run: would revoke the shares of dataset %s", uid)
        else:
            self._gateway.revoke_dataset(uid)
        return True

    revoke = revoke_share_permissions


def _raw_rows(dataset: Dataset, key: str) -> list[dict[str, Any]]:
    rows = dataset.raw.get(key)
    return [dict(r) for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


__all__ = ["DatasetAPI"]
