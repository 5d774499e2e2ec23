"""RadioHound ``*.rh.json`` files: checked by the rules production's ingest applies.

The gateway validates RadioHound files with its pydantic model of the v0 format
(``rh_schema_generator.py`` in spectrumx/sds-code): required fields, value ranges, no
unknown fields, ``data`` = base64 of a whole number of ``type`` values. This module
checks the same rules without pydantic, so the user hears about them before uploading.
Files are grouped by (folder, ``scan_group``): one capture each on SDS.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sds_desktop.core.recordings import problems as pb
from sds_desktop.core.recordings.model import Problem, Recording

RH_SUFFIX = ".rh.json"
MAX_RH_BYTES = 64 * 1024 * 1024
MAX_INT = 2**63 - 1

REQUIRED = (
    "data",
    "gain",
    "latitude",
    "longitude",
    "mac_address",
    "metadata",
    "sample_rate",
    "short_name",
    "timestamp",
    "type",
)
OPTIONAL = (
    "version",
    "altitude",
    "center_frequency",
    "custom_fields",
    "hardware_board_id",
    "hardware_version",
    "scan_group",
    "software_version",
    "batch",
    "suggested_gain",
    "uncertainty",
    "requested",
    "data_as_numpy",
)
META_REQUIRED = ("data_type", "fmax", "fmin", "gps_lock", "nfft", "scan_time")
META_OPTIONAL = ("xcount", "xstart", "xstop", "archive_result", "archiveResult")
_MAC_RE = re.compile(r"^[0-9A-Fa-f]{12}$")
_VERSION_RE = re.compile(r"^v[0-9]+$")
_UUID4_RE = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$")
_TRUE = {"true", "1", "yes", "on", "t", "y"}
_FALSE = {"false", "0", "no", "off", "f", "n"}


@dataclass
class RHFile:
    """One checked file: its scan group, summary values and problems."""

    path: Path
    size: int
    scan_group: str | None = None
    timestamp: datetime | None = None
    sample_rate: float | None = None
    center_frequency: float | None = None
    scan_time: float | None = None
    problems: list[Problem] = field(default_factory=list)


def check_file(path: Path, size: int) -> RHFile:
    """Read and check one RadioHound file (its ``data`` is decoded: RH files are small)."""
    result = RHFile(path, size)
    if len(path.name) > pb.MAX_NAME:
        result.problems.append(pb.name_too_long(path))
    if size > MAX_RH_BYTES:
        result.problems.append(pb.rh_bad_json(path, f"{size} bytes is too large to check"))
        return result
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        result.problems.append(pb.rh_bad_json(path, exc))
        return result
    if not isinstance(doc, dict):
        result.problems.append(pb.rh_bad_json(path, f"a JSON {type(doc).__name__}"))
        return result
    _check_doc(doc, result)
    return result


def _check_doc(doc: dict[str, Any], out: RHFile) -> None:
    path, problems = out.path, out.problems
    missing = [k for k in REQUIRED if k not in doc or doc[k] is None]
    meta = doc.get("metadata")
    if isinstance(meta, dict):
        missing += [f"metadata.{k}" for k in META_REQUIRED if meta.get(k) is None]
    if missing:
        problems.append(pb.rh_missing_field(path, missing))

    def bad(name: str, reason: str) -> None:
        problems.append(pb.rh_invalid_field(path, name, reason))

    extra = sorted(set(doc) - set(REQUIRED) - set(OPTIONAL))
    if extra:
        bad(", ".join(extra), 'is not a RadioHound v0 field ("Extra inputs are not permitted")')
    _check_data(doc, out)
    _number(doc, "gain", bad)
    lat = _number(doc, "latitude", bad)
    if lat is not None and not -90 < lat < 90:
        bad("latitude", f"is {lat}, outside -90..90")
    lon = _number(doc, "longitude", bad)
    if lon is not None and not -180 < lon < 180:
        bad("longitude", f"is {lon}, outside -180..180")
    mac = doc.get("mac_address")
    if mac is not None and not (isinstance(mac, str) and _MAC_RE.match(mac)):
        bad("mac_address", "must be 12 hexadecimal digits without separators")
    rate = _integer(doc, "sample_rate", bad, positive=True)
    out.sample_rate = float(rate) if rate is not None else None
    name = doc.get("short_name")
    if name is not None and not (isinstance(name, str) and len(name) <= 255):
        bad("short_name", "must be text of at most 255 characters")
    out.timestamp = _timestamp(doc, bad)
    version = doc.get("version", "v0")
    if not (isinstance(version, str) and _VERSION_RE.match(version)):
        bad("version", "must look like 'v0'")
    group = doc.get("scan_group")
    if group is not None:
        if isinstance(group, str) and _UUID4_RE.match(group.lower()):
            out.scan_group = _canonical_uuid(group)
        else:
            bad("scan_group", 'must be a version-4 UUID ("Must be a valid UUID")')
    center = _number(doc, "center_frequency", bad) if "center_frequency" in doc else None
    if isinstance(meta, dict):
        _check_metadata(meta, out, bad)
    elif meta is not None:
        bad("metadata", "must be an object")
    if center is None and isinstance(meta, dict):
        fmin, fmax = meta.get("fmin"), meta.get("fmax")
        if isinstance(fmin, int | float) and isinstance(fmax, int | float):
            center = (float(fmin) + float(fmax)) / 2
    out.center_frequency = center


def _check_data(doc: dict[str, Any], out: RHFile) -> None:
    data, dtype = doc.get("data"), doc.get("type")
    itemsize = None
    if dtype is not None:
        itemsize = _dtype_size(dtype) if isinstance(dtype, str) else None
        if itemsize is None:
            out.problems.append(
                pb.rh_invalid_field(out.path, "type", f"{dtype!r} is not a numpy data type")
            )
    if data is None:
        return
    if not isinstance(data, str) or not data:
        out.problems.append(
            pb.rh_invalid_field(out.path, "data", "must be a non-empty base64 string")
        )
        return
    try:
        raw = base64.b64decode(data)  # non-strict, as the gateway decodes it
    except (binascii.Error, ValueError):
        out.problems.append(pb.rh_bad_base64(out.path))
        return
    if itemsize and len(raw) % itemsize:
        out.problems.append(pb.rh_data_size(out.path, len(raw), str(dtype), itemsize))


@cache
def _numpy_types() -> dict[str, int]:
    """numpy's scalar type names (what the gateway accepts as ``type``) -> item size."""
    import numpy as np  # noqa: PLC0415 - imported on first use

    sizes: dict[str, int] = {}
    for scalar in set(np.sctypeDict.values()):
        try:
            sizes[scalar.__name__] = np.dtype(scalar).itemsize
        except TypeError:  # pragma: no cover - abstract types
            continue
    return sizes


def _dtype_size(name: str) -> int | None:
    sizes = _numpy_types()
    return sizes.get(name)


def _check_metadata(meta: dict[str, Any], out: RHFile, bad: Any) -> None:
    extra = sorted(set(meta) - set(META_REQUIRED) - set(META_OPTIONAL))
    if extra:
        bad("metadata." + ", metadata.".join(extra), "is not a RadioHound v0 metadata field")
    kind = meta.get("data_type")
    if kind is not None and kind != "periodogram":
        bad("metadata.data_type", f"is {kind!r}; only 'periodogram' is accepted")
    for key in ("fmax", "fmin", "nfft"):
        _integer(meta, key, bad, positive=True, prefix="metadata.")
    lock = meta.get("gps_lock")
    if lock is not None and _boolean(lock) is None:
        bad("metadata.gps_lock", "must be true or false")
    scan_time = _number(meta, "scan_time", bad, prefix="metadata.")
    if scan_time is not None and scan_time <= 0:
        bad("metadata.scan_time", "must be greater than 0")
    out.scan_time = scan_time


def _canonical_uuid(text: str) -> str:
    hexdigits = text.lower().replace("-", "")
    return "-".join(
        (hexdigits[:8], hexdigits[8:12], hexdigits[12:16], hexdigits[16:20], hexdigits[20:])
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(doc: dict[str, Any], key: str, bad: Any, prefix: str = "") -> float | None:
    value = doc.get(key)
    if value is None:
        return None
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    bad(prefix + key, "must be a number")
    return None


def _integer(
    doc: dict[str, Any], key: str, bad: Any, *, positive: bool = False, prefix: str = ""
) -> int | None:
    value = doc.get(key)
    if value is None:
        return None
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and value.strip().lstrip("+-").isdigit()
    ):
        number = int(value)
    if number is None:
        bad(prefix + key, "must be a whole number")
        return None
    if positive and not 0 < number < MAX_INT:
        bad(prefix + key, "must be greater than 0")
        return None
    return number


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    return None


def _timestamp(doc: dict[str, Any], bad: Any) -> datetime | None:
    value = doc.get("timestamp")
    if value is None:
        return None
    parsed: datetime | None = None
    if _is_number(value):
        parsed = datetime.fromtimestamp(float(value), UTC)
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
    if parsed is None:
        bad("timestamp", "must be an ISO 8601 date and time")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # the gateway assumes UTC too
    return parsed.astimezone(UTC)


def group_recordings(files: list[RHFile]) -> list[Recording]:
    """One recording per (folder, scan group), as SDS makes one capture of each."""
    groups: dict[tuple[Path, str | None], list[RHFile]] = {}
    for f in files:
        groups.setdefault((f.path.parent, f.scan_group), []).append(f)
    out = []
    for (folder, group), members in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
    ):
        members.sort(key=lambda f: f.path.name)
        times = [f.timestamp for f in members if f.timestamp is not None]
        rates = {f.sample_rate for f in members if f.sample_rate}
        freqs: list[float] = []
        for f in members:
            if f.center_frequency is not None and f.center_frequency not in freqs:
                freqs.append(f.center_frequency)
        start = min(times) if times else None
        end = max(times) if times else None
        notes = []
        if group is None:
            notes.append(
                "These RadioHound files have no scan_group: a capture made of this folder "
                "without a scan group takes every RadioHound file in it."
            )
        name = folder.name + (f" [{group[:8]}]" if group else "")
        out.append(
            Recording(
                kind="rh",
                root=folder,
                name=name,
                files=tuple(f.path for f in members),
                scan_groups=(group,) if group else (),
                sample_rate=rates.pop() if len(rates) == 1 else None,
                center_frequencies=tuple(freqs),
                start=start,
                end=end,
                duration=(end - start).total_seconds() if start and end else None,
                bytes=sum(f.size for f in members),
                problems=tuple(p for f in members for p in f.problems),
                notes=tuple(notes),
            )
        )
    return out
