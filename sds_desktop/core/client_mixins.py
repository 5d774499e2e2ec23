"""The parts of ``Client`` that build on its uploads and downloads: making captures
(``upload_capture``, ``upload_multichannel_drf_capture``) and datasets
(``get_dataset`` ... ``download_dataset``). Mixed into ``core.client.Client``, which
provides ``upload``, ``download``, ``captures`` and ``datasets``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sds_desktop.core import capture_upload
from sds_desktop.core.capture_models import Capture, CaptureType
from sds_desktop.core.models import Dataset
from sds_desktop.core.results import FileResult

if TYPE_CHECKING:
    from sds_desktop.core.client import Client


class CaptureUploads:
    """``Client.upload_capture`` and ``Client.upload_multichannel_drf_capture``."""

    def upload_capture(
        self,
        *,
        local_path: Path | str,
        sds_path: object = "/",
        capture_type: CaptureType | str,
        index_name: str = "",
        channel: str | None = None,
        scan_group: str | None = None,
        name: str | None = None,
        verbose: bool = True,
        warn_skipped: bool = False,
        raise_on_error: bool = True,
        persist_state: bool = True,
        ignore_preflight: bool = False,
    ) -> Capture | None:
        """Preflight, upload ``local_path`` to ``sds_path``, then create the capture.

        Blocking preflight problems raise ``PreflightError`` before any byte moves
        (``ignore_preflight=True`` goes on anyway). With ``raise_on_error`` False,
        failures return None instead of raising. See ``core.capture_upload``.
        """
        del persist_state
        return capture_upload.upload_capture(
            self._client(),
            local_path=local_path,
            sds_path=sds_path,
            capture_type=capture_type,
            index_name=index_name,
            channel=channel,
            scan_group=scan_group,
            name=name,
            verbose=verbose,
            warn_skipped=warn_skipped,
            raise_on_error=raise_on_error,
            ignore_preflight=ignore_preflight,
        )

    def upload_multichannel_drf_capture(
        self,
        *,
        local_path: Path | str,
        sds_path: object = "/",
        channels: Sequence[str],
        verbose: bool = True,
        warn_skipped: bool = False,
        raise_on_error: bool = True,
        persist_state: bool = True,
        ignore_preflight: bool = False,
    ) -> list[Capture] | None:
        """Preflight, upload a Digital RF folder once, then one capture per channel.

        Channels that already have a capture are linked. If a channel fails, the
        captures this call created are removed again (files stay) and ``CaptureError``
        is raised (or ``[]`` returned without ``raise_on_error``).
        """
        del persist_state
        return capture_upload.upload_multichannel_drf_capture(
            self._client(),
            local_path=local_path,
            sds_path=sds_path,
            channels=channels,
            verbose=verbose,
            warn_skipped=warn_skipped,
            raise_on_error=raise_on_error,
            ignore_preflight=ignore_preflight,
        )

    def _client(self) -> Client:
        return cast("Client", self)  # these methods exist only mixed into Client


class DatasetMethods:
    """The SDK's dataset names on ``Client`` (one implementation: ``Client.datasets``)."""

    def get_dataset(self, dataset_uuid: object) -> Dataset:
        return self._client().datasets.get(dataset_uuid)

    def list_dataset_captures(self, dataset_uuid: object) -> list[dict[str, Any]]:
        """The dataset's captures as raw JSON objects (the SDK's shape)."""
        return self._client().datasets.list_captures(dataset_uuid)

    def list_dataset_artifact_files(self, dataset_uuid: object) -> list[dict[str, Any]]:
        """Files attached to the dataset directly, as raw JSON objects (the SDK's shape)."""
        return self._client().datasets.list_artifact_files(dataset_uuid)

    def add_capture_to_dataset(self, dataset_uuid: object, capture_uuid: object) -> Dataset:
        """Attach a capture to a dataset; returns the dataset as it is now."""
        self._client().datasets.add_capture_to_dataset(dataset_uuid, capture_uuid)
        return self._client().datasets.get(dataset_uuid)

    def download_dataset(
        self,
        *,
        dataset_uuid: object,
        to_local_path: Path | str,
        capture_uuids: Collection[object] | None = None,
        top_level_dirs: Collection[object] | None = None,
        artifacts_only: bool = False,
        skip_contents: bool = False,
        overwrite: bool = False,
        verbose: bool = True,
    ) -> list[FileResult]:
        """Download the dataset's files (all, or those of ``capture_uuids`` OR under
        ``top_level_dirs``, or only its artifacts) through the per-file download steps."""
        files = self._client().datasets.files(
            dataset_uuid,
            captures=capture_uuids,
            top_level_dirs=top_level_dirs,
            artifacts_only=artifacts_only,
        )
        return self._client().download(
            to_local_path=to_local_path,
            files_to_download=files,
            skip_contents=skip_contents,
            overwrite=overwrite,
            verbose=verbose,
        )

    def _client(self) -> Client:
        return cast("Client", self)  # these methods exist only mixed into Client


__all__ = ["CaptureUploads", "DatasetMethods"]
