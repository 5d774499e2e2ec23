"""Local RF recordings as the upload-as-capture plan needs them (Qt-free, in workers).

A thin view over ``sds_desktop.core.recordings.scan``: RadioHound recordings of one
folder (one per scan group in the core) are merged, since they upload together and each
scan group becomes one capture of the same folder.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sds_desktop.core.recordings import Problem, Recording, scan
from sds_desktop.core.recordings import problems as pb

log = logging.getLogger("sds_desktop.gui.rf")

DRF_PROPERTIES = "drf_properties.h5"
RH_SUFFIX = ".rh.json"
SIGMF_META = ".sigmf-meta"
SIGMF_DATA = ".sigmf-data"


@dataclass
class RecordingView:
    """One recording (or one folder of RadioHound scan groups) to upload."""

    kind: str  # "drf" | "rh" | "sigmf"
    root: Path
    """The folder whose name becomes the SDS folder (the capture's top-level folder)."""
    files: list[Path] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    scan_groups: list[str] = field(default_factory=list)
    sample_rate: float | None = None
    center_frequencies: list[float] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: str = ""

    @property
    def duration_s(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).total_seconds()

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]


def _view(rec: Recording) -> RecordingView:
    # the file-level rule the preflight adds to the scan's own problems
    too_long = [pb.name_too_long(f) for f in rec.files if len(f.name) > pb.MAX_NAME]
    return RecordingView(
        kind=rec.kind,
        root=Path(rec.root),
        files=list(rec.files),
        channels=list(rec.channels),
        scan_groups=list(rec.scan_groups),
        sample_rate=rec.sample_rate,
        center_frequencies=list(rec.center_frequencies),
        start=rec.start,
        end=rec.end,
        bytes=rec.bytes,
        problems=list(rec.problems) + too_long,
        notes=list(rec.notes),
        summary=rec.summary(),
    )


def _merge(into: RecordingView, other: RecordingView) -> None:
    into.files.extend(other.files)
    into.scan_groups.extend(g for g in other.scan_groups if g not in into.scan_groups)
    into.center_frequencies.extend(
        f for f in other.center_frequencies if f not in into.center_frequencies
    )
    starts = [t for t in (into.start, other.start) if t is not None]
    ends = [t for t in (into.end, other.end) if t is not None]
    into.start = min(starts) if starts else None
    into.end = max(ends) if ends else None
    into.bytes += other.bytes
    into.problems.extend(other.problems)
    into.notes.extend(n for n in other.notes if n not in into.notes)
    into.summary = ""


def scan_recordings(path: Path) -> list[RecordingView]:
    """The recordings at ``path`` (a folder or a single file); [] when none."""
    out: list[RecordingView] = []
    by_rh_root: dict[Path, RecordingView] = {}
    for rec in scan(Path(path)):
        view = _view(rec)
        if view.kind == "rh":
            known = by_rh_root.get(view.root)
            if known is not None:
                _merge(known, view)
                continue
            by_rh_root[view.root] = view
        out.append(view)
    return out


def looks_like_recording(path: Path) -> bool:
    """Cheap check (a few directory entries) whether ``path`` may hold a recording."""
    path = Path(path)
    if path.is_file():
        return path.name.endswith((RH_SUFFIX, SIGMF_META, SIGMF_DATA, ".sigmf"))
    try:
        if (path / DRF_PROPERTIES).is_file():
            return True
        for n, child in enumerate(path.iterdir()):
            if n > 2000:
                break
            if child.name.endswith((RH_SUFFIX, SIGMF_META, ".sigmf")):
                return True
            if child.is_dir() and (child / DRF_PROPERTIES).is_file():
                return True
    except OSError:
        return False
    return False


__all__ = ["RecordingView", "looks_like_recording", "scan_recordings"]
