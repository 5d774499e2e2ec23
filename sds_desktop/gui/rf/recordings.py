"""Local RF recordings as the RF views need them (Qt-free, runs in workers).

An adapter over ``sds_desktop.core.recordings`` (``scan`` / ``preflight``) when the
core has it; until then a small recogniser of our own: Digital RF channels (a folder
with ``drf_properties.h5``), RadioHound scan groups (``*.rh.json``) and SigMF pairs.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger("sds_desktop.gui.rf")

DRF_PROPERTIES = "drf_properties.h5"
RH_SUFFIX = ".rh.json"
SIGMF_META = ".sigmf-meta"
SIGMF_DATA = ".sigmf-data"
_MAX_WALK = 200_000


@dataclass(frozen=True)
class Issue:
    """A preflight problem: ``blocking`` ones make production refuse the capture."""

    code: str
    path: str
    message: str
    blocking: bool = False


@dataclass
class RecordingView:
    """One recognised recording under a folder the user pointed at."""

    kind: str  # "drf" | "rh" | "sigmf"
    root: Path
    """The folder that is uploaded (its name becomes the SDS folder)."""
    channels: list[str] = field(default_factory=list)
    """Digital RF: channel folder names directly under ``root`` (or ``root`` itself)."""
    scan_groups: list[str] = field(default_factory=list)
    sample_rate: float | None = None
    center_frequencies: list[float] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    files: int = 0
    bytes: int = 0
    problems: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    root_is_channel: bool = False
    """Digital RF: ``root`` is itself a channel folder (no parent holding channels)."""

    @property
    def duration_s(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).total_seconds()

    @property
    def blocking(self) -> list[Issue]:
        return [p for p in self.problems if p.blocking]


def _from_core(rec: Any) -> RecordingView:
    """Map a ``core.recordings.Recording`` onto the view."""
    root = Path(rec.root)
    channels = [str(c) for c in (getattr(rec, "channels", None) or [])]
    kind = str(rec.kind)
    root_is_channel = kind == "drf" and (root / DRF_PROPERTIES).is_file()
    scan_groups: list[str] = []
    if kind == "rh":
        scan_groups = channels
        channels = []
    if kind == "drf" and root_is_channel:
        channels = [root.name]
    problems = [
        Issue(
            str(getattr(p, "code", "")),
            str(getattr(p, "path", "")),
            str(getattr(p, "message", p)),
            bool(getattr(p, "blocking", False)),
        )
        for p in (getattr(rec, "problems", None) or [])
    ]
    return RecordingView(
        kind=kind,
        root=root,
        channels=channels,
        scan_groups=scan_groups,
        sample_rate=getattr(rec, "sample_rate", None),
        center_frequencies=list(getattr(rec, "center_frequencies", None) or []),
        start=getattr(rec, "start", None),
        end=getattr(rec, "end", None),
        files=len(getattr(rec, "files", None) or []),
        bytes=int(getattr(rec, "bytes", 0) or 0),
        problems=problems,
        notes=[str(n) for n in (getattr(rec, "notes", None) or [])],
        root_is_channel=root_is_channel,
    )


def scan_recordings(path: Path) -> list[RecordingView]:
    """The recordings at ``path`` (a folder or a single file); [] when none."""
    try:
        from sds_desktop.core import recordings as core_recordings  # noqa: PLC0415
    except ImportError:
        core_recordings = None
    if core_recordings is not None:
        try:
            return [_from_core(r) for r in core_recordings.scan(path)]
        except Exception as exc:  # noqa: BLE001 - fall back to the local recogniser
            log.warning("recording scan of %s failed: %s", path, exc)
    return _scan_fallback(Path(path))


def looks_like_recording(path: Path) -> bool:
    """Cheap check (a few directory entries) whether ``path`` may hold a recording."""
    path = Path(path)
    if path.is_file():
        return path.name.endswith((RH_SUFFIX, SIGMF_META, SIGMF_DATA))
    try:
        if (path / DRF_PROPERTIES).is_file():
            return True
        for n, child in enumerate(path.iterdir()):
            if n > 2000:
                break
            if child.name.endswith((RH_SUFFIX, SIGMF_META)):
                return True
            if child.is_dir() and (child / DRF_PROPERTIES).is_file():
                return True
    except OSError:
        return False
    return False


# -- the fallback recogniser ---------------------------------------------------------


def _walk(root: Path) -> Iterable[Path]:
    if root.is_file():
        yield root
        return
    for n, p in enumerate(root.rglob("*")):
        if n > _MAX_WALK:
            return
        if p.is_file() and not p.name.startswith("tmp."):
            yield p


def _size(paths: Iterable[Path]) -> tuple[int, int]:
    count = total = 0
    for p in paths:
        try:
            total += p.stat().st_size
        except OSError:
            continue
        count += 1
    return count, total


def _drf_summary(rec: RecordingView, top: Path, channels: list[str]) -> None:
    try:
        import digital_rf  # noqa: PLC0415

        reader = digital_rf.DigitalRFReader(str(top))
        chan = channels[0]
        start, end = reader.get_bounds(chan)
        props = reader.get_properties(chan)
        rate = float(props["samples_per_second"])
        rec.sample_rate = rate
        rec.start = datetime.fromtimestamp(start / rate, UTC)
        rec.end = datetime.fromtimestamp((end + 1) / rate, UTC)
        try:
            meta = reader.read_metadata(start, end + 1, chan)
            for value in meta.values():
                freqs = value.get("center_frequencies") if isinstance(value, dict) else None
                if freqs is not None:
                    rec.center_frequencies = [float(f) for f in list(freqs)]
                    break
        except Exception:  # noqa: BLE001, S110 - a channel without metadata has no frequency
            pass
    except Exception as exc:  # noqa: BLE001 - an unreadable channel is a problem, not a crash
        rec.problems.append(Issue("drf-unreadable", str(top), f"Digital RF: {exc}", blocking=True))


def _scan_fallback(path: Path) -> list[RecordingView]:
    out: list[RecordingView] = []
    if path.is_dir() and (path / DRF_PROPERTIES).is_file():
        rec = RecordingView("drf", path, channels=[path.name], root_is_channel=True)
        rec.files, rec.bytes = _size(_walk(path))
        _drf_summary(rec, path.parent, [path.name])
        return [rec]
    if path.is_dir():
        channels = sorted(
            c.name for c in path.iterdir() if c.is_dir() and (c / DRF_PROPERTIES).is_file()
        )
        if channels:
            rec = RecordingView("drf", path, channels=channels)
            rec.files, rec.bytes = _size(_walk(path))
            _drf_summary(rec, path, channels)
            out.append(rec)
            return out
    files = list(_walk(path))
    rh = [p for p in files if p.name.endswith(RH_SUFFIX)]
    if rh:
        rec = RecordingView("rh", path)
        groups: dict[str, None] = {}
        times: list[datetime] = []
        for p in rh:
            try:
                doc = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                rec.problems.append(
                    Issue("rh-json", str(p), f"not readable JSON: {exc}", blocking=True)
                )
                continue
            if not isinstance(doc, dict):
                continue
            group = doc.get("scan_group")
            if isinstance(group, str) and group:
                groups[group] = None
            else:
                rec.problems.append(
                    Issue("rh-scan-group", str(p), "no scan_group field", blocking=True)
                )
            if rec.sample_rate is None and isinstance(doc.get("sample_rate"), int | float):
                rec.sample_rate = float(doc["sample_rate"])
            freq = doc.get("center_frequency")
            if isinstance(freq, int | float) and float(freq) not in rec.center_frequencies:
                rec.center_frequencies.append(float(freq))
            stamp = doc.get("timestamp")
            if isinstance(stamp, str):
                with contextlib.suppress(ValueError):
                    times.append(datetime.fromisoformat(stamp.replace("Z", "+00:00")))
        rec.scan_groups = list(groups)
        if times:
            rec.start, rec.end = min(times), max(times)
        rec.files, rec.bytes = _size(files)
        out.append(rec)
    metas = [p for p in files if p.name.endswith(SIGMF_META)]
    if metas:
        rec = RecordingView("sigmf", path)
        rec.files, rec.bytes = _size(files)
        for meta in metas:
            data = meta.with_name(meta.name[: -len(SIGMF_META)] + SIGMF_DATA)
            if not data.is_file():
                rec.problems.append(Issue("sigmf-no-data", str(meta), "no matching .sigmf-data"))
        try:
            doc = json.loads(metas[0].read_text(encoding="utf-8"))
            rate = doc.get("global", {}).get("core:sample_rate")
            rec.sample_rate = float(rate) if isinstance(rate, int | float) else None
            for cap in doc.get("captures", []):
                freq = cap.get("core:frequency")
                if isinstance(freq, int | float):
                    rec.center_frequencies.append(float(freq))
        except (OSError, ValueError, AttributeError):
            pass
        rec.notes.append("SDS does not index SigMF: it is uploaded as files, without a capture")
        out.append(rec)
    return out


__all__ = ["Issue", "RecordingView", "looks_like_recording", "scan_recordings"]
