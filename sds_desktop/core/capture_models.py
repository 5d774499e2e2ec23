"""Captures as typed records: the gateway's capture JSON normalised once, at the boundary.

The gateway's capture objects differ by type and by route: ``center_frequencies`` is a
bare float or a list, RadioHound captures have no start or end, ``capture_props`` holds
Digital RF properties for ``drf`` and the scan file's fields for ``rh``, composite
(multi-channel) rows have no ``channel`` and no ``capture_props`` but a ``channels``
list. ``Capture.from_json`` reads every shape into the same fields:

- ``center_frequencies``: tuple of Hz (empty when unknown); ``center_frequency`` the first
- ``sample_rate``: samples per second, or None
- ``start`` / ``end``: aware UTC datetimes, or None (always None for RadioHound, whose
  single scan time is ``timestamp``); ``duration``: seconds, or None
- ``channel`` (drf) or ``scan_group`` (rh); ``channels`` for multi-channel captures
- ``files`` (``CaptureFile``), ``files_count``, ``size`` (bytes, None when not sent)
- ``owner_email``, ``owner_name``, ``is_shared``, ``is_shared_with_me``, ``is_public``
- ``props``: the raw ``capture_props`` as a read-only mapping, for a Properties view

``CaptureFilter`` selects captures by type, frequency, time, name text and owner.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from sds_desktop.core.errors import PathError
from sds_desktop.core.models import (
    _opt,
    _owner_email,
    _req,
    _require_dict,
    parse_server_time,
    parse_uuid_hex,
)
from sds_desktop.core.paths import split_owner_prefix


class CaptureType(StrEnum):
    """Capture types, spelled as in the SDK (``CaptureType.DigitalRF == "drf"``)."""

    DigitalRF = "drf"
    RadioHound = "rh"
    SigMF = "sigmf"


_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty_props() -> Mapping[str, Any]:
    return _EMPTY


def _number(value: object) -> float | None:
    """A finite float from a JSON number (or numeric string); None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _frequencies(value: object) -> tuple[float, ...]:
    """``center_frequencies`` as sent: a bare number, a list of numbers, or nested lists."""
    if isinstance(value, list | tuple):
        out: list[float] = []
        for item in value:
            out.extend(_frequencies(item))
        return tuple(out)
    number = _number(value)
    return () if number is None else (number,)


def _utc(value: object) -> datetime | None:
    """An aware UTC datetime from an ISO string (naive means UTC: these fields are named
    ``*_iso_utc``, and RadioHound timestamps are UTC) or epoch seconds; None otherwise."""
    if isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    seconds = _number(value)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _user_dir(directory: str) -> str:
    try:
        return split_owner_prefix(directory)[1]
    except PathError:
        return directory


@dataclass(frozen=True)
class CaptureFile:
    """A file of a capture: ``directory`` is user-relative, ``size`` None when not sent."""

    uuid: str
    name: str
    directory: str
    size: int | None = None

    @property
    def sds_path(self) -> str:
        return f"{self.directory.rstrip('/')}/{self.name}"

    @classmethod
    def from_json(cls, data: object) -> CaptureFile:
        obj = _require_dict(data, "capture file")
        size = obj.get("size")
        return cls(
            uuid=parse_uuid_hex(_req(obj, "uuid", str, "capture file"), what="file uuid"),
            name=_opt(obj, "name", str, "capture file", default=""),
            directory=_user_dir(_opt(obj, "directory", str, "capture file", default="/")),
            size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        )


@dataclass(frozen=True)
class CaptureChannel:
    """One channel of a multi-channel Digital RF capture (its own capture UUID)."""

    channel: str
    uuid: str | None
    start: datetime | None = None
    end: datetime | None = None
    props: Mapping[str, Any] = field(
        default_factory=_empty_props, compare=False, hash=False, repr=False
    )

    @classmethod
    def from_json(cls, data: object) -> CaptureChannel:
        obj = _require_dict(data, "capture channel")
        raw_uuid = obj.get("uuid")
        meta = obj.get("channel_metadata")
        return cls(
            channel=str(obj.get("channel") or ""),
            uuid=parse_uuid_hex(raw_uuid, what="channel uuid") if raw_uuid else None,
            start=_utc(obj.get("capture_start_iso_utc") or obj.get("capture_start_epoch_sec")),
            end=_utc(obj.get("capture_end_iso_utc") or obj.get("capture_end_epoch_sec")),
            props=MappingProxyType(dict(meta)) if isinstance(meta, Mapping) else _EMPTY,
        )


@dataclass(frozen=True)
class Capture:
    """A capture (drf / rh / sigmf), typed; see the module docstring for the fields."""

    uuid: str
    capture_type: str
    top_level_dir: str
    name: str | None = None
    index_name: str | None = None
    origin: str | None = None
    channel: str | None = None
    scan_group: str | None = None
    is_multi_channel: bool = False
    channels: tuple[CaptureChannel, ...] = ()
    owner_email: str | None = None
    owner_name: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    center_frequencies: tuple[float, ...] = ()
    sample_rate: float | None = None
    start: datetime | None = None
    end: datetime | None = None
    timestamp: datetime | None = None
    files: tuple[CaptureFile, ...] = field(default=(), compare=False, hash=False, repr=False)
    files_count: int = 0
    size: int | None = None
    is_shared: bool = False
    is_shared_with_me: bool = False
    is_public: bool = False
    permission_level: str | None = None
    props: Mapping[str, Any] = field(
        default_factory=_empty_props, compare=False, hash=False, repr=False
    )
    datasets: tuple[Any, ...] = field(default=(), compare=False, hash=False, repr=False)
    """The datasets this capture belongs to, as the server gives them (UUID strings or
    objects with at least ``uuid``): production's ``dataset`` and ``datasets`` fields."""

    @property
    def capture_props(self) -> Mapping[str, Any]:
        """The SDK's name for ``props`` (read-only)."""
        return self.props

    @property
    def center_frequency(self) -> float | None:
        """The first centre frequency in Hz, or None."""
        return self.center_frequencies[0] if self.center_frequencies else None

    @property
    def duration(self) -> float | None:
        """Seconds between ``start`` and ``end``, or None without a time span."""
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).total_seconds()

    @property
    def created(self) -> datetime | None:
        """When the capture was created on the SDS (aware), if the reply said."""
        return parse_server_time(self.created_at)

    @property
    def label(self) -> str:
        """A short name to show: the capture's name, else its folder and channel."""
        if self.name:
            return self.name
        tail = self.top_level_dir.rstrip("/").rpartition("/")[2] or "/"
        return f"{tail} / {self.channel}" if self.channel else tail

    @classmethod
    def from_json(cls, data: object) -> Capture:
        obj = _require_dict(data, "capture")
        what = "capture"
        ctype = _req(obj, "capture_type", str, what)
        props_raw = _opt(obj, "capture_props", dict, what, default={})
        props: Mapping[str, Any] = MappingProxyType(dict(props_raw))
        channels = tuple(
            CaptureChannel.from_json(c)
            for c in _opt(obj, "channels", list, what, default=[])
            if isinstance(c, Mapping)
        )
        files = tuple(
            CaptureFile.from_json(f)
            for f in _opt(obj, "files", list, what, default=[])
            if isinstance(f, Mapping) and f.get("uuid")
        )
        freqs, rate = _rf_numbers(ctype, props, channels, obj)
        start = end = timestamp = None
        if ctype == CaptureType.RadioHound:
            timestamp = _utc(props.get("timestamp"))
        else:
            start = _utc(obj.get("capture_start_iso_utc")) or _utc(props.get("start_bound"))
            end = _utc(obj.get("capture_end_iso_utc")) or _utc(props.get("end_bound"))
            if channels and start is None:
                start = min((c.start for c in channels if c.start), default=None)
                end = max((c.end for c in channels if c.end), default=None)
        owner = obj.get("owner")
        datasets = [d for d in _opt(obj, "datasets", list, what, default=[]) if d]
        single = obj.get("dataset")
        if isinstance(single, str | Mapping) and single and single not in datasets:
            datasets.append(single)
        count = obj.get("total_file_count")
        size = obj.get("total_file_size")
        return cls(
            uuid=parse_uuid_hex(_req(obj, "uuid", str, what), what="capture uuid"),
            capture_type=ctype,
            top_level_dir=_user_dir(_opt(obj, "top_level_dir", str, what, default="")),
            name=_opt(obj, "name", str, what) or None,
            index_name=_opt(obj, "index_name", str, what),
            origin=_opt(obj, "origin", str, what),
            channel=_opt(obj, "channel", str, what) or None,
            scan_group=_opt(obj, "scan_group", str, what) or None,
            is_multi_channel=bool(_opt(obj, "is_multi_channel", bool, what, default=False)),
            channels=channels,
            owner_email=_owner_email(obj),
            owner_name=(owner.get("name") or None) if isinstance(owner, Mapping) else None,
            created_at=_opt(obj, "created_at", str, what),
            updated_at=_opt(obj, "updated_at", str, what),
            center_frequencies=freqs,
            sample_rate=rate,
            start=start,
            end=end,
            timestamp=timestamp,
            datasets=tuple(d for d in datasets if isinstance(d, str | Mapping)),
            files=files,
            files_count=count if isinstance(count, int) and count >= 0 else len(files),
            size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            is_shared=obj.get("is_shared") is True,
            is_shared_with_me=obj.get("is_shared_with_me") is True,
            is_public=obj.get("is_public") is True,
            permission_level=_opt(obj, "permission_level", str, what),
            props=props,
        )


def _rf_numbers(
    ctype: str,
    props: Mapping[str, Any],
    channels: tuple[CaptureChannel, ...],
    obj: Mapping[str, Any],
) -> tuple[tuple[float, ...], float | None]:
    """(centre frequencies in Hz, sample rate) from the props, by type, with fallbacks."""
    if ctype == CaptureType.DigitalRF:
        freqs = _frequencies(props.get("center_frequencies")) or _frequencies(
            props.get("center_freq")
        )
        rate = _number(props.get("samples_per_second"))
        if not freqs:
            freqs = tuple(f for c in channels for f in _frequencies(c.props.get("center_freq")))
    else:
        freqs = _frequencies(props.get("center_frequency")) or _frequencies(
            props.get("core:frequency")
        )
        rate = _number(props.get("sample_rate")) or _number(props.get("core:sample_rate"))
    if not freqs:
        ghz = _number(obj.get("center_frequency_ghz"))
        freqs = (ghz * 1e9,) if ghz else ()
    if rate is None:
        mhz = _number(obj.get("sample_rate_mhz"))
        rate = mhz * 1e6 if mhz else None
    return freqs, rate


@dataclass(frozen=True)
class CaptureFilter:
    """Which captures to keep. Every criterion left None matches everything.

    - ``capture_type``: ``drf``, ``rh`` or ``sigmf``
    - ``min_frequency`` / ``max_frequency`` (Hz): some centre frequency lies in the range
      (a capture with no known frequency does not match)
    - ``start`` / ``end``: the capture's time span (or a RadioHound scan's ``timestamp``)
      overlaps the window (a capture with no time does not match)
    - ``text``: case-insensitive substring of the name, folder, channel or scan group
    - ``owner``: the owner's e-mail (case-insensitive, exact)
    """

    capture_type: str | None = None
    min_frequency: float | None = None
    max_frequency: float | None = None
    start: datetime | None = None
    end: datetime | None = None
    text: str | None = None
    owner: str | None = None

    def matches(self, capture: Capture) -> bool:
        return (
            self._type_ok(capture)
            and self._frequency_ok(capture)
            and self._time_ok(capture)
            and self._text_ok(capture)
            and self._owner_ok(capture)
        )

    def apply(self, captures: Iterable[Capture]) -> list[Capture]:
        return [c for c in captures if self.matches(c)]

    def _type_ok(self, c: Capture) -> bool:
        return self.capture_type is None or c.capture_type == self.capture_type

    def _frequency_ok(self, c: Capture) -> bool:
        if self.min_frequency is None and self.max_frequency is None:
            return True
        low = -math.inf if self.min_frequency is None else self.min_frequency
        high = math.inf if self.max_frequency is None else self.max_frequency
        return any(low <= f <= high for f in c.center_frequencies)

    def _time_ok(self, c: Capture) -> bool:
        if self.start is None and self.end is None:
            return True
        first = c.start or c.timestamp
        last = c.end or c.timestamp or first
        if first is None or last is None:
            return False
        return (self.end is None or first <= _aware(self.end)) and (
            self.start is None or last >= _aware(self.start)
        )

    def _text_ok(self, c: Capture) -> bool:
        if not self.text:
            return True
        needle = self.text.casefold()
        hay = [c.name, c.top_level_dir, c.channel, c.scan_group, *(x.channel for x in c.channels)]
        return any(needle in h.casefold() for h in hay if h)

    def _owner_ok(self, c: Capture) -> bool:
        if not self.owner:
            return True
        return (c.owner_email or "").casefold() == self.owner.casefold()


def _aware(value: datetime) -> datetime:
    """Naive datetimes in a filter are taken as UTC, as the SDK does for file windows."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


__all__ = ["Capture", "CaptureChannel", "CaptureFile", "CaptureFilter", "CaptureType"]
