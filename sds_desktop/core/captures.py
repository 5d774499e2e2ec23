"""``Client.captures``: create, list, search, read and manage captures.

Dry run blocks every write (create/update/delete/detach/revoke send nothing); reads are
sent, so what the user sees is real.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from sds_desktop.core.errors import CaptureError
from sds_desktop.core.gateway import Gateway, ParamValue, metadata_filters_json, to_uuid_hex
from sds_desktop.core.models import Capture
from sds_desktop.core.paths import normalize_sds_path

log = logging.getLogger(__name__)

CaptureType = Literal["drf", "rh", "sigmf"]
CAPTURE_TYPES: tuple[str, ...] = ("drf", "rh", "sigmf")
INDEX_NAMES: Mapping[str, str] = {"drf": "captures-drf", "rh": "captures-rh"}
_EXISTING_RE = re.compile(r"another capture:\s*([0-9a-fA-F-]{32,36})")


def existing_capture_uuid(message: str) -> str | None:
    """The UUID named by a "already in use by another capture: <uuid>" refusal."""
    match = _EXISTING_RE.search(message)
    if not match:
        return None
    try:
        return to_uuid_hex(match.group(1), CaptureError)
    except CaptureError:
        return None


def _check_type(capture_type: str) -> str:
    if capture_type not in CAPTURE_TYPES:
        raise CaptureError(
            f"unknown capture type {capture_type!r}: expected one of {', '.join(CAPTURE_TYPES)}"
        )
    return capture_type


class CaptureAPI:
    def __init__(self, gateway: Gateway, dry_run: Callable[[], bool]) -> None:
        self._gateway = gateway
        self._dry_run = dry_run

    def _skip_write(self, what: str) -> bool:
        if self._dry_run():
            log.info("dry run: would %s (nothing sent)", what)
            return True
        return False

    def create(
        self,
        *,
        top_level_dir: str,
        capture_type: CaptureType,
        channel: str | None = None,
        scan_group: str | None = None,
        name: str | None = None,
    ) -> Capture | None:
        """Create a capture from files already uploaded under ``top_level_dir``.

        A drf capture needs ``channel``. If the server says the capture already exists
        (naming its UUID), that capture is read and returned, as the SDK does. Returns
        None in dry run.
        """
        _check_type(capture_type)
        tld = normalize_sds_path(top_level_dir)
        if capture_type == "drf" and not channel:
            raise CaptureError("a Digital RF (drf) capture needs a channel")
        form: dict[str, str] = {"top_level_dir": tld, "capture_type": capture_type}
        if capture_type in INDEX_NAMES:
            form["index_name"] = INDEX_NAMES[capture_type]
        if channel:
            form["channel"] = channel
        if scan_group:
            form["scan_group"] = scan_group
        if name:
            form["name"] = name
        if self._skip_write(f"create a {capture_type} capture at {tld}"):
            return None
        try:
            return self._gateway.create_capture(form)
        except CaptureError as exc:
            existing = existing_capture_uuid(str(exc))
            if existing is None:
                raise
            log.info("capture already exists: %s", existing)
            return self._gateway.get_capture(existing)

    def listing(self, *, capture_type: CaptureType | None = None) -> list[Capture]:
        """Every capture the user can see (all pages)."""
        filters: dict[str, ParamValue] = {}
        if capture_type is not None:
            filters["capture_type"] = _check_type(capture_type)
        return [c for page in self._gateway.iter_capture_pages(filters) for c in page]

    def advanced_search(
        self,
        *,
        filters: Sequence[Mapping[str, object]] | None = None,
        field_path: str | None = None,
        query_type: str | None = None,
        filter_value: object = None,
        capture_type: CaptureType | None = None,
    ) -> list[Capture]:
        """Search by metadata: ``filters`` (a list of {field_path, query_type,
        filter_value}), or one filter given by the three keyword arguments."""
        all_filters: list[Mapping[str, object]] = list(filters or [])
        if field_path is not None or query_type is not None:
            if not field_path or not query_type:
                raise CaptureError("a search filter needs both field_path and query_type")
            all_filters.append(
                {"field_path": field_path, "query_type": query_type, "filter_value": filter_value}
            )
        if not all_filters:
            raise CaptureError("advanced_search needs at least one filter")
        for flt in all_filters:
            if not {"field_path", "query_type", "filter_value"} <= set(flt):
                raise CaptureError(f"incomplete search filter: {dict(flt)!r}")
        params: dict[str, ParamValue] = {"metadata_filters": metadata_filters_json(all_filters)}
        if capture_type is not None:
            params["capture_type"] = _check_type(capture_type)
        return [c for page in self._gateway.iter_capture_pages(params) for c in page]

    def read(self, uuid: str) -> Capture:
        return self._gateway.get_capture(uuid)

    def update(self, uuid: str) -> Capture | None:
        """Re-discover the capture's files and re-index it."""
        to_uuid_hex(uuid, CaptureError)
        if self._skip_write(f"update capture {uuid}"):
            return None
        return self._gateway.update_capture(uuid)

    def delete(self, uuid: str) -> bool:
        to_uuid_hex(uuid, CaptureError)
        if not self._skip_write(f"delete capture {uuid}"):
            self._gateway.delete_capture(uuid)
        return True

    def detach(self, uuid: str) -> bool:
        to_uuid_hex(uuid, CaptureError)
        if not self._skip_write(f"detach capture {uuid} from datasets"):
            self._gateway.capture_action(uuid, "detach-from-datasets")
        return True

    def revoke(self, uuid: str) -> bool:
        to_uuid_hex(uuid, CaptureError)
        if not self._skip_write(f"revoke the shares of capture {uuid}"):
            self._gateway.capture_action(uuid, "revoke-share-permissions")
        return True


__all__ = ["CAPTURE_TYPES", "CaptureAPI", "CaptureType", "existing_capture_uuid"]
