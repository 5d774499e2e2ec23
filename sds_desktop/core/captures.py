"""``Client.captures``: create, list, search, read and manage captures.

One implementation behind the SDK's names and this project's: ``read`` / ``update`` /
``delete`` take ``capture_uuid`` (as the SDK's do), ``detach_from_datasets`` is also
``detach`` and ``revoke_share_permissions`` is also ``revoke``.

Dry run blocks every write (create/update/delete/detach/revoke send nothing); reads are
sent, so what the user sees is real.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime

from sds_desktop.core.capture_models import Capture, CaptureFilter, CaptureType
from sds_desktop.core.errors import CaptureError, ServiceError
from sds_desktop.core.gateway import Gateway, ParamValue, metadata_filters_json, to_uuid_hex
from sds_desktop.core.paths import normalize_sds_path

log = logging.getLogger(__name__)

CAPTURE_TYPES: tuple[str, ...] = tuple(t.value for t in CaptureType)
INDEX_NAMES: Mapping[str, str] = {"drf": "captures-drf", "rh": "captures-rh"}
SERVER_TYPE_FILTERS = frozenset({"drf", "rh"})
"""Types production filters on (``capture_type=sigmf`` is a 400 there: done locally)."""
_EXISTING_RE = re.compile(r"another capture:\s*([0-9a-fA-F-]{32,36})")
INDEX_FAILURE = "SDS failed to index {what} (HTTP {status})"


def existing_capture_uuid(message: str) -> str | None:
    """The UUID named by a "already in use by another capture: <uuid>" refusal."""
    match = _EXISTING_RE.search(message)
    if not match:
        return None
    try:
        return to_uuid_hex(match.group(1), CaptureError)
    except CaptureError:
        return None


def check_capture_type(capture_type: object) -> str:
    """The type as its string value (``CaptureType.DigitalRF`` → ``"drf"``), or CaptureError."""
    value = str(capture_type.value if isinstance(capture_type, CaptureType) else capture_type)
    if value not in CAPTURE_TYPES:
        raise CaptureError(
            f"unknown capture type {value!r}: expected one of {', '.join(CAPTURE_TYPES)}"
        )
    return value


class CaptureAPI:
    """Captures of the user's SDS space (``Client.captures``)."""

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

    def _skip_write(self, what: str) -> bool:
        if self._dry_run():
            log.info("dry run: would %s (nothing sent)", what)
            return True
        return False

    def create(
        self,
        *,
        top_level_dir: object,
        capture_type: CaptureType | str,
        index_name: str = "",
        channel: str | None = None,
        scan_group: str | None = None,
        name: str | None = None,
    ) -> Capture | None:
        """Create a capture from files already uploaded under ``top_level_dir``.

        A drf capture needs ``channel``. If the server says the capture already exists
        (naming its UUID), that capture is read and returned (the SDK's create raises
        there; its ``upload_multichannel_drf_capture`` links as we do). The index
        is chosen from the type (``index_name`` is accepted for the SDK's signature and,
        as there, only used for a type without a known index). A server failure while
        indexing (production's HTML 500) raises ``CaptureError`` "SDS failed to index
        this channel (HTTP 500)". Returns None in dry run.
        """
        capture, _linked = self.create_or_link(
            top_level_dir=top_level_dir,
            capture_type=capture_type,
            index_name=index_name,
            channel=channel,
            scan_group=scan_group,
            name=name,
        )
        return capture

    def create_or_link(
        self,
        *,
        top_level_dir: object,
        capture_type: CaptureType | str,
        index_name: str = "",
        channel: str | None = None,
        scan_group: str | None = None,
        name: str | None = None,
    ) -> tuple[Capture | None, bool]:
        """``create``, also saying whether the capture already existed (linked: True)."""
        ctype = check_capture_type(capture_type)
        tld = normalize_sds_path(str(top_level_dir))
        if ctype == "drf" and not channel:
            raise CaptureError("a Digital RF (drf) capture needs a channel")
        form: dict[str, str] = {"top_level_dir": tld, "capture_type": ctype}
        index = INDEX_NAMES.get(ctype, index_name)
        if index:
            form["index_name"] = index
        if channel:
            form["channel"] = channel
        if scan_group:
            form["scan_group"] = str(scan_group)
        if name:
            form["name"] = name
        if self._skip_write(f"create a {ctype} capture at {tld}"):
            return None, False
        try:
            return self._gateway.create_capture(form), False
        except CaptureError as exc:
            existing = existing_capture_uuid(str(exc))
            if existing is None:
                raise
            log.info("capture already exists: %s", existing)
            return self._gateway.get_capture(existing), True
        except ServiceError as exc:
            # JSON bodies carry the server's reason; HTML pages (production's 500s) do not.
            if isinstance(exc.detail, Mapping):
                message = exc.message
            else:
                what = "this channel" if ctype == "drf" else "these files"
                message = INDEX_FAILURE.format(what=what, status=exc.status)
            raise CaptureError(message, status=exc.status, detail=exc.detail) from exc

    def listing(
        self,
        *,
        capture_type: CaptureType | str | None = None,
        page_size: int = 100,
        min_frequency: float | None = None,
        max_frequency: float | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        text: str | None = None,
        owner: str | None = None,
    ) -> list[Capture]:
        """Every capture the user can see (all pages), optionally filtered.

        Filters: see ``CaptureFilter`` (frequencies in Hz; ``start``/``end`` a time
        window; ``text`` in the name, folder or channel; ``owner`` an e-mail).
        """
        return self.find(
            CaptureFilter(
                capture_type=None if capture_type is None else check_capture_type(capture_type),
                min_frequency=min_frequency,
                max_frequency=max_frequency,
                start=start,
                end=end,
                text=text,
                owner=owner,
            ),
            page_size=page_size,
        )

    def find(self, flt: CaptureFilter, *, page_size: int = 100) -> list[Capture]:
        """Captures matching ``flt``: the type on the server where production supports
        it (drf, rh), everything else from the typed records (production has no name,
        owner or time filter, and its frequency search misses Digital RF captures)."""
        return [c for page in self.iter_pages(flt, page_size=page_size) for c in page]

    def iter_pages(
        self, flt: CaptureFilter | None = None, *, page_size: int = 100
    ) -> Iterator[list[Capture]]:
        """``find``, page by page as the server answers (for a view that fills in while
        it loads); a page may be empty when none of its captures match."""
        flt = flt or CaptureFilter()
        if page_size < 1:
            raise CaptureError("page_size must be at least 1")
        params: dict[str, ParamValue] = {}
        if flt.capture_type in SERVER_TYPE_FILTERS:
            params["capture_type"] = flt.capture_type
        for page in self._gateway.iter_capture_pages(params, page_size=min(page_size, 100)):
            yield flt.apply(page)

    def _pages(self, params: Mapping[str, ParamValue], page_size: int) -> list[Capture]:
        pages = self._gateway.iter_capture_pages(params, page_size=min(page_size, 100))
        return [c for page in pages for c in page]

    def advanced_search(
        self,
        *,
        field_path: str | None = None,
        query_type: str | None = None,
        filter_value: object = None,
        filters: Sequence[Mapping[str, object]] | None = None,
        capture_type: CaptureType | str | None = None,
    ) -> list[Capture]:
        """Search by metadata: one filter given by the SDK's three keyword arguments,
        and/or ``filters`` (a list of {field_path, query_type, filter_value})."""
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
        ctype = None if capture_type is None else check_capture_type(capture_type)
        if ctype in SERVER_TYPE_FILTERS:
            params["capture_type"] = ctype
        found = self._pages(params, 100)
        return [c for c in found if ctype is None or c.capture_type == ctype]

    def read(self, capture_uuid: object) -> Capture:
        """One capture, with its files."""
        return self._gateway.get_capture(to_uuid_hex(capture_uuid, CaptureError))

    def update(self, capture_uuid: object) -> Capture | None:
        """Re-discover the capture's files and re-index it."""
        uid = to_uuid_hex(capture_uuid, CaptureError)
        if self._skip_write(f"update capture {uid}"):
            return None
        return self._gateway.update_capture(uid)

    def delete(self, capture_uuid: object) -> bool:
        uid = to_uuid_hex(capture_uuid, CaptureError)
        if not self._skip_write(f"delete capture {uid}"):
            self._gateway.delete_capture(uid)
        return True

    def detach_from_datasets(self, capture_uuid: object) -> bool:
        """Remove the capture from every dataset (owner only)."""
        uid = to_uuid_hex(capture_uuid, CaptureError)
        if not self._skip_write(f"detach capture {uid} from datasets"):
            self._gateway.capture_action(uid, "detach-from-datasets")
        return True

    def revoke_share_permissions(self, capture_uuid: object) -> bool:
        """Revoke every direct share of the capture (owner only)."""
        uid = to_uuid_hex(capture_uuid, CaptureError)
        if not self._skip_write(f"revoke the shares of capture {uid}"):
            self._gateway.capture_action(uid, "revoke-share-permissions")
        return True

    detach = detach_from_datasets
    revoke = revoke_share_permissions


__all__ = [
    "CAPTURE_TYPES",
    "INDEX_FAILURE",
    "CaptureAPI",
    "CaptureFilter",
    "CaptureType",
    "check_capture_type",
    "existing_capture_uuid",
]
