"""``Client.datasets``: read a dataset, list and download its files, manage it.

The gateway has no dataset list or create endpoint: datasets are made in the web UI and
addressed by UUID.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from sds_desktop.core.checksum import ProgressCallback
from sds_desktop.core.errors import DatasetError
from sds_desktop.core.gateway import Gateway, to_uuid_hex
from sds_desktop.core.models import Dataset, SDSFile
from sds_desktop.core.paths import normalize_sds_path
from sds_desktop.core.transfer import DownloadResult, download_many, plan_download

log = logging.getLogger(__name__)


class DatasetAPI:
    def __init__(self, gateway: Gateway, dry_run: Callable[[], bool]) -> None:
        self._gateway = gateway
        self._dry_run = dry_run

    def get(self, uuid: str) -> Dataset:
        return self._gateway.get_dataset(uuid)

    def files(
        self,
        uuid: str,
        *,
        captures: Sequence[str] | None = None,
        top_level_dirs: Sequence[str] | None = None,
        artifacts_only: bool = False,
    ) -> list[SDSFile]:
        """Every downloadable file of the dataset (all pages, duplicates removed).

        ``captures`` and ``top_level_dirs`` are OR-ed by the server; an empty (not None)
        collection selects nothing, as in the SDK.
        """
        to_uuid_hex(uuid, DatasetError)
        if (captures is not None and not captures and not artifacts_only) or (
            top_level_dirs is not None and not top_level_dirs
        ):
            return []
        if top_level_dirs:
            top_level_dirs = self._both_path_forms(uuid, top_level_dirs)
        seen: set[str] = set()
        out: list[SDSFile] = []
        for page in self._gateway.iter_dataset_file_pages(
            uuid, captures=captures, top_level_dirs=top_level_dirs, artifacts_only=artifacts_only
        ):
            for f in page:
                if f.uuid not in seen:
                    seen.add(f.uuid)
                    out.append(f)
        return out

    def _both_path_forms(self, uuid: str, dirs: Sequence[str]) -> list[str]:
        """Each directory as given and under the dataset owner's ``/files/<email>`` root.

        Production matches ``top_level_dir`` against stored directories, which are
        absolute (``/files/<owner>/a/b``), while users (and capture ``top_level_dir``)
        speak user-relative paths. The filters are OR-ed, so sending both forms matches
        on either kind of server.
        """
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
        uuid: str,
        to_local_path: Path,
        overwrite: bool = False,
        *,
        captures: Sequence[str] | None = None,
        top_level_dirs: Sequence[str] | None = None,
        artifacts_only: bool = False,
        workers: int = 4,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> list[DownloadResult]:
        """Download the dataset's files under ``to_local_path`` following their SDS
        directories. Refused (hostile) entries are logged and left out. In dry run the
        manifest is read but nothing is written (results are ``PLANNED``)."""
        files = self.files(
            uuid, captures=captures, top_level_dirs=top_level_dirs, artifacts_only=artifacts_only
        )
        plan = plan_download(files, Path(to_local_path))
        for f, reason in plan.refused:
            log.warning("not downloading %s: %s", f.sds_path, reason)
        return download_many(
            self._gateway,
            plan.items,
            overwrite=overwrite,
            workers=workers,
            progress=progress,
            cancel=cancel,
            dry_run=self._dry_run(),
        )

    def delete(self, uuid: str) -> bool:
        to_uuid_hex(uuid, DatasetError)
        if self._dry_run():
            log.info("dry run: would delete dataset %s", uuid)
        else:
            self._gateway.delete_dataset(uuid)
        return True

    def revoke(self, uuid: str) -> bool:
        to_uuid_hex(uuid, DatasetError)
        if self._dry_run():
            log.info("dry run: would revoke the shares of dataset %s", uuid)
        else:
            self._gateway.revoke_dataset(uuid)
        return True


__all__ = ["DatasetAPI"]
