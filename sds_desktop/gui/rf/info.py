"""What the RF views show of a capture, a dataset or a Digital RF data file (Qt-free).

An adapter over ``core.models``: it reads the typed fields when the core offers them
and falls back to the gateway's record (``raw``) otherwise, so the views never see a
raw server shape. Values the server does not give stay ``None``: RadioHound captures,
for instance, have no time span.
"""

from __future__ import annotations

import math
import re
import uuid as uuid_mod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from sds_desktop.core.capture_models import Capture
from sds_desktop.core.models import Dataset, SDSFile
from sds_desktop.core.paths import split_owner_prefix

TYPE_NAMES = {"drf": "Digital RF", "rh": "RadioHound", "sigmf": "SigMF"}
RF_FILE_RE = re.compile(r"^rf@(\d+)\.(\d{3})\.h5$")
"""A Digital RF data file, named after the second (and millisecond) it starts."""
UUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)


def _num(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            out = float(value)
        except ValueError:
            return None
        return out if math.isfinite(out) else None
    if isinstance(value, Sequence) and value:
        return _num(value[0])
    return None


def user_relative(directory: str) -> str:
    """``/files/<email>/a/b`` → ``/a/b`` (already relative paths are kept)."""
    try:
        return split_owner_prefix(directory)[1] or "/"
    except Exception:  # noqa: BLE001 - a hostile path is shown as sent, never used to write
        return directory


@dataclass(frozen=True)
class CaptureInfo:
    """One row of the Captures view."""

    uuid: str
    name: str
    capture_type: str
    top_level_dir: str
    channel: str
    scan_group: str
    center_hz: float | None
    sample_rate: float | None
    start: datetime | None
    end: datetime | None
    file_count: int | None
    size: int | None
    owner: str
    shared: str
    cadence_ms: float | None
    props: Mapping[str, Any] = field(compare=False, hash=False, repr=False)
    raw: Mapping[str, Any] = field(compare=False, hash=False, repr=False)
    capture: Capture | None = field(default=None, compare=False, hash=False, repr=False)
    search_text: str = field(default="", compare=False, hash=False, repr=False)

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self.capture_type, self.capture_type)

    @property
    def group(self) -> str:
        """The channel (Digital RF) or scan group (RadioHound) the capture stands for."""
        return self.channel or self.scan_group

    @property
    def duration_s(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).total_seconds()

    @property
    def file_uuids(self) -> set[str]:
        out: set[str] = set()
        for entry in self.raw.get("files") or []:
            if isinstance(entry, Mapping) and isinstance(entry.get("uuid"), str):
                try:
                    out.add(uuid_mod.UUID(entry["uuid"]).hex)
                except ValueError:
                    continue
        return out

    @classmethod
    def from_capture(cls, capture: Capture) -> CaptureInfo:
        props: Mapping[str, Any] = capture.capture_props or {}
        ctype = capture.capture_type
        start, end = capture.start, capture.end
        if start is None and capture.timestamp is not None:  # RadioHound: the scan time
            start = end = capture.timestamp
        tld = capture.top_level_dir or "/"
        owner = capture.owner_email or ""
        name = capture.name or PurePosixPath(tld).name or capture.uuid[:8]
        channel = capture.channel or ", ".join(c.channel for c in capture.channels if c.channel)
        scan_group = capture.scan_group or ""
        text = " ".join(
            str(v) for v in (name, ctype, TYPE_NAMES.get(ctype, ""), tld, channel, scan_group)
        )
        text += f" {owner} {capture.uuid} {uuid_mod.UUID(capture.uuid)}"
        record = {
            "uuid": capture.uuid,
            "name": capture.name,
            "capture_type": ctype,
            "index_name": capture.index_name,
            "origin": capture.origin,
            "top_level_dir": tld,
            "channel": capture.channel,
            "scan_group": capture.scan_group,
            "is_multi_channel": capture.is_multi_channel,
            "channels": [c.channel for c in capture.channels],
            "owner": owner,
            "created_at": capture.created_at,
            "updated_at": capture.updated_at,
            "permission_level": capture.permission_level,
            "is_shared": capture.is_shared,
            "is_shared_with_me": capture.is_shared_with_me,
            "is_public": capture.is_public,
            "files": [
                {"uuid": f.uuid, "name": f.name, "directory": f.directory, "size": f.size}
                for f in capture.files
            ],
        }
        return cls(
            uuid=capture.uuid,
            name=name,
            capture_type=ctype,
            top_level_dir=tld,
            channel=channel,
            scan_group=scan_group,
            center_hz=capture.center_frequency,
            sample_rate=capture.sample_rate,
            start=start,
            end=end,
            file_count=capture.files_count,
            size=capture.size,
            owner=owner,
            shared=_shared_text(capture),
            cadence_ms=_first_num(props.get("file_cadence_millisecs")),
            props=props,
            raw=record,
            capture=capture,
            search_text=text.lower(),
        )


def _first_num(*values: object) -> float | None:
    for value in values:
        num = _num(value)
        if num is not None and num != 0:
            return num
    return None


def _shared_text(capture: Capture) -> str:
    if capture.is_public:
        return "public"
    if capture.is_shared_with_me:
        return "with me"
    return "yes" if capture.is_shared else ""


@dataclass(frozen=True)
class DatasetInfo:
    """A dataset as the Datasets view lists it."""

    uuid: str
    name: str
    doi: str
    status: str
    owner: str
    authors: str
    keywords: str
    licence: str
    captures: list[Mapping[str, Any]]
    files: list[Mapping[str, Any]]
    raw: Mapping[str, Any] = field(compare=False, hash=False, repr=False)
    source: str = ""
    """How the user met it: "opened", "capture <name>", "file <path>"."""

    @classmethod
    def from_dataset(cls, dataset: Dataset, source: str = "") -> DatasetInfo:
        raw = dataset.raw or {}
        return cls(
            uuid=dataset.uuid,
            name=dataset.name or dataset.uuid[:8],
            doi=dataset.doi or "",
            status=dataset.status or "",
            owner=dataset.owner_email or "",
            authors=people_text(dataset.authors),
            keywords=list_text(dataset.keywords),
            licence=str(raw.get("license") or raw.get("licence") or ""),
            captures=[_capture_entry(c) for c in dataset.captures],
            files=[_file_entry(f) for f in dataset.files],
            raw=raw,
            source=source,
        )

    @classmethod
    def stub(cls, summary: Mapping[str, Any], source: str) -> DatasetInfo | None:
        """A dataset only known from a capture's or file's summary entry."""
        try:
            ident = uuid_mod.UUID(str(summary.get("uuid"))).hex
        except ValueError:
            return None
        return cls(
            uuid=ident,
            name=str(summary.get("name") or ident[:8]),
            doi="",
            status=str(summary.get("status") or ""),
            owner="",
            authors="",
            keywords="",
            licence="",
            captures=[],
            files=[],
            raw=dict(summary),
            source=source,
        )


def _capture_entry(capture: object) -> Mapping[str, Any]:
    if isinstance(capture, Mapping):
        return capture
    return {
        "uuid": getattr(capture, "uuid", ""),
        "name": getattr(capture, "name", None),
        "capture_type": getattr(capture, "capture_type", ""),
        "top_level_dir": getattr(capture, "top_level_dir", ""),
        "channel": getattr(capture, "channel", None),
    }


def _file_entry(file: object) -> Mapping[str, Any]:
    if isinstance(file, Mapping):
        return file
    return {
        "uuid": getattr(file, "uuid", ""),
        "name": getattr(file, "name", ""),
        "directory": getattr(file, "directory", "/"),
        "size": getattr(file, "size", None),
    }


def people_text(value: object) -> str:
    """Authors as production sends them (objects with ``name``, or strings)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return str(value.get("name") or value.get("email") or "")
    if isinstance(value, Iterable):
        return "; ".join(p for p in (people_text(v) for v in value) if p)
    return str(value)


def list_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable):
        return ", ".join(str(v) for v in value)
    return str(value)


def parse_dataset_ref(text: str) -> str | None:
    """The dataset UUID in what the user typed or pasted (a UUID or an SDS web link)."""
    match = UUID_RE.search(text or "")
    if not match:
        return None
    return uuid_mod.UUID(match.group(0)).hex


def rf_file_start(name: str) -> float | None:
    """Start (UTC seconds) of a Digital RF data file from its name, or None."""
    match = RF_FILE_RE.match(name)
    if not match:
        return None
    return int(match.group(1)) + int(match.group(2)) / 1000.0


def capture_files(info: CaptureInfo, listing: Iterable[SDSFile]) -> list[SDSFile]:
    """The files of a capture among those listed under its top-level directory.

    The capture record names its files (uuid); when it does not, Digital RF keeps the
    channel's sub-tree and RadioHound/SigMF everything under the top-level directory.
    """
    files = [f for f in listing if f.safe]
    wanted = info.file_uuids
    if wanted:
        return [f for f in files if f.uuid in wanted]
    if info.capture_type == "drf" and info.channel:
        prefix = f"{info.top_level_dir.rstrip('/')}/{info.channel}"
        return [f for f in files if f.directory == prefix or f.directory.startswith(prefix + "/")]
    return files


def time_window(
    files: Iterable[SDSFile], start: float, end: float, cadence_s: float | None = None
) -> list[SDSFile]:
    """Keep the Digital RF data files overlapping [start, end] and every non-data file.

    A data file covers [its start, its start + cadence); without the cadence, files are
    kept whose start falls in the window, as the gateway's ``start_time``/``end_time``.
    """
    out: list[SDSFile] = []
    for f in files:
        begins = rf_file_start(f.name)
        if begins is None:
            out.append(f)
            continue
        reach = begins + (cadence_s or 0.0)
        if begins <= end and (reach > start if cadence_s else begins >= math.floor(start)):
            out.append(f)
    return out


__all__ = [
    "TYPE_NAMES",
    "CaptureInfo",
    "DatasetInfo",
    "capture_files",
    "parse_dataset_ref",
    "rf_file_start",
    "time_window",
    "user_relative",
]
