"""Typed, validated views of the gateway's JSON replies.

Every ``from_json`` checks the shape and raises ``ServiceError("malformed server reply:
...")`` when the reply is not what the contract promises, so callers never meet a
``KeyError`` deep inside the GUI.

Hostile listing entries (a name with a slash or NUL, a directory with ``..``) do not
break a listing: they are kept, with ``safe=False`` and the reason in ``unsafe_reason``,
so the user can see them; ``plan_download`` / ``download_one`` refuse them with
``PathError``.
"""

from __future__ import annotations

import logging
import re
import uuid as uuid_mod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sds_desktop.core.checksum import is_blake3_hex
from sds_desktop.core.errors import PathError, ServiceError
from sds_desktop.core.paths import split_owner_prefix, validate_file_name

if TYPE_CHECKING:
    from sds_desktop.core.capture_models import Capture, CaptureFile

log = logging.getLogger(__name__)

_DRIVE_RE = re.compile(r"^[A-Za-z]:")


SERVER_TIMEZONE = "America/New_York"
"""Zone of the naive timestamps in list/retrieve replies (the gateway's local time)."""


def parse_server_time(text: str | None) -> datetime | None:
    """An aware datetime from a gateway timestamp, or None when absent or unreadable.

    List/retrieve replies carry naive ``YYYY-MM-DD HH:MM:SS`` in the server's local
    zone; upload replies carry ISO 8601 with an offset. Both become aware datetimes, so
    a client can show them in the user's own zone.
    """
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        try:
            value = value.replace(tzinfo=ZoneInfo(SERVER_TIMEZONE))
        except ZoneInfoNotFoundError:  # no tz database (tzdata missing): leave it naive
            return value
    return value


def malformed(what: str) -> ServiceError:
    """The error for a reply that does not follow the contract."""
    return ServiceError(f"malformed server reply: {what}")


def parse_uuid_hex(value: object, *, what: str = "uuid") -> str:
    """Return the 32-hex form of a UUID from the server, or raise ``malformed``."""
    if isinstance(value, uuid_mod.UUID):
        return value.hex
    if not isinstance(value, str):
        raise malformed(f"{what} is not a string: {value!r}")
    try:
        return uuid_mod.UUID(value).hex
    except ValueError:
        raise malformed(f"{what} is not a UUID: {value!r}") from None


def _req(data: Mapping[str, Any], key: str, typ: type | tuple[type, ...], what: str) -> Any:
    if key not in data:
        raise malformed(f"{what} has no {key!r}")
    return _opt(data, key, typ, what, required=True)


def _opt(
    data: Mapping[str, Any],
    key: str,
    typ: type | tuple[type, ...],
    what: str,
    *,
    required: bool = False,
    default: Any = None,
) -> Any:
    value = data.get(key, default)
    if value is None and not required:
        return default
    types = typ if isinstance(typ, tuple) else (typ,)
    if int in types and isinstance(value, bool):
        raise malformed(f"{what}.{key} has the wrong type: {value!r}")
    if not isinstance(value, types):
        raise malformed(f"{what}.{key} has the wrong type: {type(value).__name__}")
    return value


def _require_dict(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise malformed(f"{what} is not a JSON object")
    return data


def _owner_email(data: Mapping[str, Any]) -> str | None:
    owner = data.get("owner")
    if isinstance(owner, Mapping) and isinstance(owner.get("email"), str):
        return str(owner["email"])
    return None


@dataclass(frozen=True)
class SDSFile:
    """A file on the SDS. ``directory`` is user-relative (``/a/b``), as the user sees it."""

    uuid: str
    name: str
    directory: str
    owner_email: str | None
    size: int
    sum_blake3: str
    media_type: str = ""
    permissions: str = ""
    created_at: str | None = None
    updated_at: str | None = None
    expiration_date: str | None = None
    is_public: bool = False
    captures: list[Any] = field(default_factory=list, compare=False, hash=False, repr=False)
    datasets: list[Any] = field(default_factory=list, compare=False, hash=False, repr=False)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    safe: bool = True
    unsafe_reason: str | None = None

    @property
    def sds_path(self) -> str:
        """The file's full user-relative SDS path, ``/a/b/name``."""
        return f"{self.directory.rstrip('/')}/{self.name}"

    @cached_property
    def modified(self) -> datetime | None:
        """When the file was last changed on the SDS (aware), if the reply said."""
        return parse_server_time(self.updated_at or self.created_at)

    @cached_property
    def expires(self) -> datetime | None:
        """When the SDS will delete the file (aware), if the reply said."""
        return parse_server_time(self.expiration_date)

    @classmethod
    def from_json(cls, data: object) -> SDSFile:
        """Build from a file object (list, retrieve, upload reply, dataset manifest)."""
        obj = _require_dict(data, "file")
        what = "file"
        file_uuid = parse_uuid_hex(_req(obj, "uuid", str, what), what="file uuid")
        name = _req(obj, "name", str, what)
        raw_dir = _opt(obj, "directory", str, what, default="/")
        size = _req(obj, "size", int, what)
        if size < 0:
            raise malformed(f"file.size is negative: {size}")
        digest = _req(obj, "sum_blake3", str, what).lower()
        if not is_blake3_hex(digest):
            raise malformed(f"file.sum_blake3 is not a BLAKE3 hex digest: {digest!r}")
        safe = True
        reason: str | None = None
        owner = _owner_email(obj)
        try:
            prefix_owner, directory = split_owner_prefix(raw_dir)
            owner = prefix_owner or owner
        except PathError as exc:
            directory = raw_dir
            safe, reason = False, str(exc)
        else:
            if any(_DRIVE_RE.match(part) for part in directory.split("/")):
                safe, reason = False, f"drive letter in directory {raw_dir!r}"
        try:
            validate_file_name(name)
        except PathError as exc:
            if safe:
                safe, reason = False, str(exc)
        captures = _opt(obj, "captures", list, what, default=[])
        datasets = _opt(obj, "datasets", list, what, default=[])
        return cls(
            uuid=file_uuid,
            name=name,
            directory=directory,
            owner_email=owner,
            size=size,
            sum_blake3=digest,
            media_type=_opt(obj, "media_type", str, what, default=""),
            permissions=_opt(obj, "permissions", str, what, default=""),
            created_at=_opt(obj, "created_at", str, what),
            updated_at=_opt(obj, "updated_at", str, what),
            expiration_date=_opt(obj, "expiration_date", str, what),
            is_public=bool(_opt(obj, "is_public", bool, what, default=False)),
            captures=list(captures),
            datasets=list(datasets),
            raw=dict(obj),
            safe=safe,
            unsafe_reason=reason,
        )


@dataclass(frozen=True)
class ContentCheck:
    """Reply of ``check_contents_exist``: what the server already has for a checksum."""

    file_exists_in_tree: bool
    file_contents_exist_for_user: bool
    user_mutable_attributes_differ: bool
    asset_id: str | None

    @classmethod
    def from_json(cls, data: object) -> ContentCheck:
        obj = _require_dict(data, "content check")
        what = "content check"
        asset = obj.get("asset_id")
        return cls(
            file_exists_in_tree=_req(obj, "file_exists_in_tree", bool, what),
            file_contents_exist_for_user=_req(obj, "file_contents_exist_for_user", bool, what),
            user_mutable_attributes_differ=bool(
                _opt(obj, "user_mutable_attributes_differ", bool, what, default=True)
            ),
            asset_id=None if asset is None else parse_uuid_hex(asset, what="asset_id"),
        )


@dataclass(frozen=True)
class Dataset:
    """Dataset metadata. ``authors`` and ``institutions`` are kept as the server sends them
    (objects and a string on production, unlike the SDK's model). ``captures`` are typed
    summary rows (one per logical capture, composite for multi-channel: no props or
    files); ``files`` are the artifacts (files attached to the dataset directly)."""

    uuid: str
    name: str | None = None
    abstract: str | None = None
    description: str | None = None
    doi: str | None = None
    status: str | None = None
    version: object = None
    license: str | None = None
    is_public: bool = False
    is_shared: bool = False
    owner_email: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    authors: object = field(default=None, compare=False, hash=False)
    institutions: object = field(default=None, compare=False, hash=False)
    keywords: object = field(default=None, compare=False, hash=False)
    captures: tuple[Capture, ...] = field(default=(), compare=False, hash=False, repr=False)
    files: tuple[CaptureFile, ...] = field(default=(), compare=False, hash=False, repr=False)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def from_json(cls, data: object) -> Dataset:
        from sds_desktop.core.capture_models import Capture, CaptureFile  # noqa: PLC0415

        obj = _require_dict(data, "dataset")
        what = "dataset"
        captures: list[Capture] = []
        for row in _opt(obj, "captures", list, what, default=[]):
            try:
                captures.append(Capture.from_json(row))
            except ServiceError as exc:  # one odd row does not hide the dataset
                log.warning("dataset capture entry skipped: %s", exc)
        files: list[CaptureFile] = []
        for row in _opt(obj, "files", list, what, default=[]):
            try:
                files.append(CaptureFile.from_json(row))
            except ServiceError as exc:
                log.warning("dataset file entry skipped: %s", exc)
        return cls(
            uuid=parse_uuid_hex(_req(obj, "uuid", str, what), what="dataset uuid"),
            name=_opt(obj, "name", str, what),
            abstract=_opt(obj, "abstract", str, what),
            description=_opt(obj, "description", str, what),
            doi=_opt(obj, "doi", str, what),
            status=_opt(obj, "status", str, what),
            version=obj.get("version"),
            license=_opt(obj, "license", str, what),
            is_public=bool(_opt(obj, "is_public", bool, what, default=False)),
            is_shared=obj.get("is_shared") is True,
            owner_email=_owner_email(obj) or _opt(obj, "owner_email", str, what),
            created_at=_opt(obj, "created_at", str, what),
            updated_at=_opt(obj, "updated_at", str, what),
            authors=obj.get("authors"),
            institutions=obj.get("institutions"),
            keywords=obj.get("keywords"),
            captures=tuple(captures),
            files=tuple(files),
            raw=dict(obj),
        )


@dataclass(frozen=True)
class Page:
    """One page of a paginated listing: ``results`` are raw JSON objects."""

    count: int | None
    next: str | None
    results: list[Any]

    @classmethod
    def from_json(cls, data: object, what: str = "page") -> Page:
        obj = _require_dict(data, what)
        results = _req(obj, "results", list, what)
        return cls(
            count=_opt(obj, "count", int, what),
            next=_opt(obj, "next", str, what),
            results=list(results),
        )


def __getattr__(name: str) -> Any:
    # Captures live in their own module (typed normalisation of every capture shape),
    # which builds on the helpers above; they are re-exported here, lazily, for the
    # callers that import them with the other models.
    if name == "Capture":
        from sds_desktop.core.capture_models import Capture  # noqa: PLC0415

        return Capture
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Capture",
    "ContentCheck",
    "Dataset",
    "Page",
    "SDSFile",
    "malformed",
    "parse_uuid_hex",
]
