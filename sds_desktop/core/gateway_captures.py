"""The gateway's capture and dataset endpoints."""

from __future__ import annotations

import json
import logging
import uuid as uuid_mod
from collections.abc import Iterator, Mapping, Sequence

from sds_desktop.core.errors import CaptureError, DatasetError
from sds_desktop.core.gateway_base import GatewayBase
from sds_desktop.core.gateway_http import ParamValue, _json, to_uuid_hex
from sds_desktop.core.models import Capture, Dataset, SDSFile
from sds_desktop.core.paths import normalize_sds_path

log = logging.getLogger("sds_desktop.core.gateway")


class CaptureEndpoints(GatewayBase):
    """``/assets/captures/…`` and ``/assets/datasets/…``."""

    def create_capture(self, form: Mapping[str, str]) -> Capture:
        resp = self._send(
            "POST", self.url("assets", "captures"), context=CaptureError, data=dict(form)
        )
        return Capture.from_json(_json(resp, "capture"))

    def iter_capture_pages(
        self, filters: Mapping[str, ParamValue], *, page_size: int = 100
    ) -> Iterator[list[Capture]]:
        """Capture list: no ``page`` on the first request (production answers 400 to it),
        then the ``next`` pages with the filters re-applied (its links drop them).

        Production's ``next`` links carry ``page=N``, which it then refuses with the same
        400: a refusal after the first page ends the listing with a warning (what was
        received is kept) instead of failing it.
        """
        params: dict[str, ParamValue] = {**filters, "page_size": page_size}
        received = 0
        total: int | None = None
        try:
            for page in self._iter_pages(
                self.url("assets", "captures"),
                params,
                context=CaptureError,
                what="capture listing",
                first_page_param=False,
                reapply=filters,
            ):
                total = page.count if total is None else total
                captures = [Capture.from_json(item) for item in page.results]
                received += len(page.results)
                yield captures
        except CaptureError as exc:
            if received == 0 or exc.status != 400:
                raise
            log.warning(
                "SDS refused the next page of the capture list (%s): listing %d of %s",
                exc,
                received,
                total if total is not None else "?",
            )

    def get_capture(self, uuid: str) -> Capture:
        data = self._json_request(
            "GET",
            self.url("assets", "captures", to_uuid_hex(uuid, CaptureError)),
            context=CaptureError,
            what="capture",
        )
        return Capture.from_json(data)

    def update_capture(self, uuid: str) -> Capture | None:
        resp = self._request(
            "PUT",
            self.url("assets", "captures", to_uuid_hex(uuid, CaptureError)),
            context=CaptureError,
        )
        try:
            data = resp.json()
        except ValueError:
            return None
        return Capture.from_json(data) if isinstance(data, Mapping) and "uuid" in data else None

    def delete_capture(self, uuid: str) -> None:
        self._request(
            "DELETE",
            self.url("assets", "captures", to_uuid_hex(uuid, CaptureError)),
            context=CaptureError,
        ).close()

    def capture_action(self, uuid: str, action: str) -> None:
        """``detach-from-datasets`` or ``revoke-share-permissions``."""
        self._request(
            "PUT",
            self.url("assets", "captures", to_uuid_hex(uuid, CaptureError), action),
            context=CaptureError,
        ).close()

    # -- datasets -----------------------------------------------------------------

    def get_dataset(self, uuid: str) -> Dataset:
        data = self._json_request(
            "GET",
            self.url("assets", "datasets", to_uuid_hex(uuid, DatasetError)),
            context=DatasetError,
            what="dataset",
        )
        return Dataset.from_json(data)

    def iter_dataset_file_pages(
        self,
        uuid: str,
        *,
        captures: Sequence[str] | None = None,
        top_level_dirs: Sequence[str] | None = None,
        artifacts_only: bool = False,
        page_size: int = 100,
    ) -> Iterator[list[SDSFile]]:
        """The dataset manifest; "No files found in dataset." (404) means empty."""
        url = self.url("assets", "datasets", to_uuid_hex(uuid, DatasetError), "files")
        params: dict[str, ParamValue] = {"page_size": page_size}
        if captures:
            params["capture"] = [str(uuid_mod.UUID(to_uuid_hex(c, DatasetError))) for c in captures]
        if top_level_dirs:
            params["top_level_dir"] = [normalize_sds_path(d) for d in top_level_dirs]
        if artifacts_only:
            params["artifacts_only"] = "true"
        try:
            for page in self._iter_pages(url, params, context=DatasetError, what="dataset files"):
                yield [SDSFile.from_json(item) for item in page.results]
        except DatasetError as exc:
            if exc.status == 404 and "no files found" in str(exc).lower():
                return
            raise

    def delete_dataset(self, uuid: str) -> None:
        self._request(
            "DELETE",
            self.url("assets", "datasets", to_uuid_hex(uuid, DatasetError)),
            context=DatasetError,
        ).close()

    def revoke_dataset(self, uuid: str) -> None:
        self._request(
            "PUT",
            self.url(
                "assets", "datasets", to_uuid_hex(uuid, DatasetError), "revoke-share-permissions"
            ),
            context=DatasetError,
        ).close()

    def add_capture_to_dataset(self, dataset_uuid: str, capture_uuid: str) -> None:
        """``POST /assets/datasets/<uuid>/attach-capture/`` with ``{"capture_uuid"}``."""
        self._request(
            "POST",
            self.url(
                "assets", "datasets", to_uuid_hex(dataset_uuid, DatasetError), "attach-capture"
            ),
            context=DatasetError,
            data=json.dumps({"capture_uuid": to_uuid_hex(capture_uuid, DatasetError)}),
            headers={"Content-Type": "application/json"},
        ).close()


def metadata_filters_json(filters: Sequence[Mapping[str, object]]) -> str:
    """Encode capture search filters as the gateway expects (a JSON list)."""
    return json.dumps(list(filters), separators=(",", ":"))
