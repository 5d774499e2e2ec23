"""Which slice to read for a quick look at a local path, a capture or an SDS file
(Qt-free; runs in a worker). The reading itself is ``sds_desktop.core.quicklook``."""

from __future__ import annotations

import json
import uuid as uuid_mod
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from sds_desktop.core import quicklook as ql
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.gui.rf.info import CaptureInfo, rf_file_start, user_relative

RH_FILE_CAP = 4 * 1024 * 1024
META_CAP = 4 * 1024 * 1024


def load_local(path: Path) -> ql.QuickLook:
    """A quick look at a local recording, channel, data file or RadioHound folder."""
    path = Path(path)
    name = path.name
    if path.is_file():
        if name.endswith((".sigmf-meta", ".sigmf-data")):
            return ql.compute(ql.read_sigmf(path), kind="sigmf")
        if name.endswith(".rh.json"):
            return ql.read_rh_files([path])
        start = rf_file_start(name)
        if start is not None:
            channel = path.parent.parent
            if (channel / "drf_properties.h5").is_file():
                return ql.compute(ql.read_drf(channel, start=start), kind="drf")
        raise ql.QuickLookError(f"{name} is not a recording or RF data file")
    if not path.is_dir():
        raise ql.QuickLookError(f"not found: {path}")
    if (path / "drf_properties.h5").is_file() or any(
        (c / "drf_properties.h5").is_file() for c in _children(path, dirs=True)
    ):
        return ql.compute(ql.read_drf(path), kind="drf")
    metas = sorted(p for p in _children(path) if p.name.endswith(".sigmf-meta"))
    if metas:
        return ql.compute(ql.read_sigmf(metas[0]), kind="sigmf")
    rh = sorted(path.rglob("*.rh.json"))
    if rh:
        return ql.read_rh_files(rh)
    raise ql.QuickLookError(f"no Digital RF, SigMF or RadioHound recording in {path}")


def _children(path: Path, *, dirs: bool = False) -> list[Path]:
    try:
        return [c for c in path.iterdir() if c.is_dir() == dirs]
    except OSError:
        return []


def _entries(gateway: Gateway, info: CaptureInfo) -> list[Mapping[str, Any]]:
    files = info.raw.get("files")
    if not isinstance(files, list) or not files:
        files = CaptureInfo.from_capture(gateway.get_capture(info.uuid)).raw.get("files") or []
    return [f for f in files if isinstance(f, Mapping) and isinstance(f.get("name"), str)]


def _uuid(entry: Mapping[str, Any]) -> str:
    return uuid_mod.UUID(str(entry.get("uuid"))).hex


def load_capture(
    gateway: Gateway, info: CaptureInfo, cache: ql.HeadCache | None = None
) -> ql.QuickLook:
    """A remote capture: RadioHound its JSON files, SigMF its meta and the head of its
    data, Digital RF its first data file (capped)."""
    cache = cache or ql.DEFAULT_CACHE
    entries = _entries(gateway, info)
    if info.capture_type == "rh":
        docs = []
        for entry in [e for e in entries if e["name"].endswith(".rh.json")][: ql.RH_MAX_FILES]:
            data, complete = ql.fetch_head(gateway, _uuid(entry), RH_FILE_CAP, cache=cache)
            if not complete:
                raise ql.QuickLookError(f"{entry['name']} is larger than {RH_FILE_CAP} bytes")
            docs.append(json.loads(data))
        return ql.read_rh(docs, title=f"{info.name} (RadioHound)")
    if info.capture_type == "sigmf":
        return _sigmf_remote(gateway, entries, info.name, cache)
    rf = sorted(
        (e for e in entries if rf_file_start(e["name"]) is not None), key=lambda e: e["name"]
    )
    if not rf:
        raise ql.QuickLookError("the capture lists no Digital RF data file")
    first = rf[0]
    size = first.get("size")
    if isinstance(size, int) and size > ql.REMOTE_FILE_CAP:
        raise ql.QuickLookError(
            f"{first['name']} is {size:,} bytes: more than the quick look reads "
            f"({ql.REMOTE_FILE_CAP:,}); download a time window instead"
        )
    data, complete = ql.fetch_head(gateway, _uuid(first), ql.REMOTE_FILE_CAP, cache=cache)
    if not complete:
        raise ql.QuickLookError(f"{first['name']} is larger than the quick-look cap")
    samples = ql.read_drf_file_bytes(
        data, center_hz=info.center_hz or 0.0, title=f"{info.name} · {first['name']} (Digital RF)"
    )
    return ql.compute(samples, kind="drf")


def _sigmf_remote(
    gateway: Gateway, entries: list[Mapping[str, Any]], title: str, cache: ql.HeadCache
) -> ql.QuickLook:
    metas = [e for e in entries if e["name"].endswith(".sigmf-meta")]
    if not metas:
        raise ql.QuickLookError("no .sigmf-meta file in this recording")
    meta_entry = metas[0]
    stem = meta_entry["name"][: -len(".sigmf-meta")]
    datas = [e for e in entries if e["name"] == stem + ".sigmf-data"]
    if not datas:
        raise ql.QuickLookError(f"no {stem}.sigmf-data beside its metadata")
    meta_bytes, complete = ql.fetch_head(gateway, _uuid(meta_entry), META_CAP, cache=cache)
    if not complete:
        raise ql.QuickLookError("the SigMF metadata is too large for a quick look")
    data, whole = ql.fetch_head(gateway, _uuid(datas[0]), ql.REMOTE_HEAD_BYTES, cache=cache)
    samples = ql.sigmf_from_bytes(
        json.loads(meta_bytes), data, title=f"{title or stem} (SigMF)", truncated=not whole
    )
    return ql.compute(samples, kind="sigmf")


def load_remote_file(
    gateway: Gateway, file: SDSFile, cache: ql.HeadCache | None = None
) -> ql.QuickLook:
    """A selected SDS data file: a Digital RF data file, a RadioHound JSON, or a SigMF
    file (its pair is found in the same folder)."""
    cache = cache or ql.DEFAULT_CACHE
    name = file.name
    if name.endswith(".rh.json"):
        data, complete = ql.fetch_head(gateway, file.uuid, RH_FILE_CAP, cache=cache)
        if not complete:
            raise ql.QuickLookError(f"{name} is larger than {RH_FILE_CAP} bytes")
        return ql.read_rh([json.loads(data)], title=f"{name} (RadioHound)")
    if rf_file_start(name) is not None:
        if file.size > ql.REMOTE_FILE_CAP:
            raise ql.QuickLookError(f"{name} is larger than the quick-look cap")
        data, _complete = ql.fetch_head(gateway, file.uuid, ql.REMOTE_FILE_CAP, cache=cache)
        samples = ql.read_drf_file_bytes(data, title=f"{name} (Digital RF, centre unknown)")
        return ql.compute(samples, kind="drf")
    if name.endswith((".sigmf-meta", ".sigmf-data")):
        siblings = [f for f in gateway.list_files(file.directory) if f.directory == file.directory]
        entries = [
            {"name": f.name, "uuid": f.uuid, "size": f.size, "directory": f.directory}
            for f in siblings
        ]
        stem = name.rsplit(".", 1)[0]
        entries = [e for e in entries if e["name"].rsplit(".", 1)[0] == stem]
        return _sigmf_remote(gateway, entries, stem, cache)
    raise ql.QuickLookError(
        f"{name}: quick look reads Digital RF data files (rf@….h5), SigMF and RadioHound"
    )


def describe_capture(info: CaptureInfo) -> str:
    return (
        f"{info.type_name} · {user_relative(info.top_level_dir)}/{PurePosixPath(info.group).name}"
    )


__all__ = ["load_capture", "load_local", "load_remote_file"]
