"""``scan(path)``: the recordings under a folder (or at a file), summarised cheaply.

- Digital RF: a top-level folder whose channel sub-folders hold ``drf_properties.h5``
  (one recording, its channels); a sub-folder with Digital RF data but no properties file
  is reported as a channel without properties.
- SigMF: ``.sigmf-meta`` files with their ``.sigmf-data``, and ``.sigmf`` archives.
- RadioHound: ``*.rh.json`` files, one recording per (folder, ``scan_group``).

Cheap by default: file names and sizes, Digital RF properties and bounds (the first and
last data files), SigMF metadata, RadioHound JSON. ``deep=True`` (or ``verify()``) also
reads SigMF datasets to check their ``core:sha512``.
"""

from __future__ import annotations

from pathlib import Path

from sds_desktop.core.errors import FileError
from sds_desktop.core.recordings import drf, radiohound, sigmf_files
from sds_desktop.core.recordings.model import Problem, Recording
from sds_desktop.core.recordings.walk import (
    DRF_PROPERTIES,
    Folder,
    Tree,
    has_drf_data,
    walk,
)


def scan(path: Path | str, *, deep: bool = False) -> list[Recording]:
    """Every recording at ``path`` (a folder, searched recursively, or a single file).

    Sorted by root then name. Raises ``FileError`` if ``path`` does not exist; unreadable
    parts of a recording become ``Problem`` entries instead of exceptions.
    """
    path = Path(path)
    if path.is_file():
        return _scan_file(path, deep=deep)
    if not path.is_dir():
        raise FileError(f"no such file or folder: {path}")
    tree = walk(path)
    found: list[Recording] = []
    channel_dirs, orphan_dirs = _drf_channels(tree)
    if path in channel_dirs:  # the user picked a channel folder: its parent is the top level
        found.append(_drf_of_channel(path))
        in_channels = {path}
    else:
        tops: dict[Path, tuple[list[Path], list[Path]]] = {}
        for chan in channel_dirs:
            tops.setdefault(chan.parent, ([], []))[0].append(chan)
        for chan in orphan_dirs:
            tops.setdefault(chan.parent, ([], []))[1].append(chan)
        for top, (valid, orphans) in tops.items():
            found.append(drf.read_recording(tree, top, valid, orphans))
        in_channels = set(channel_dirs) | set(orphan_dirs)
    found.extend(_other_recordings(tree, in_channels, deep=deep))
    return sorted(found, key=lambda r: (str(r.root), r.kind, r.name))


def verify(recording: Recording) -> list[Problem]:
    """The deep checks of one recording (reads its data): SigMF ``core:sha512``.

    Digital RF and RadioHound carry no data checksum; their problems are those of the scan.
    """
    if recording.kind != "sigmf":
        return list(recording.problems)
    again = scan(recording.files[0], deep=True)
    for rec in again:
        if rec.name == recording.name:
            return list(rec.problems)
    return list(recording.problems)  # pragma: no cover - the files vanished meanwhile


def _drf_channels(tree: Tree) -> tuple[list[Path], list[Path]]:
    """Channel folders with properties, and folders of Digital RF data without them."""
    with_props = [f.path for f in tree.folders.values() if DRF_PROPERTIES in f.files]
    inside = set(with_props)

    def nested(folder: Folder) -> bool:
        return any(parent in inside for parent in folder.path.parents)

    orphans = [
        f.path
        for f in tree.folders.values()
        if DRF_PROPERTIES not in f.files and not nested(f) and has_drf_data(tree, f)
    ]
    return sorted(with_props), sorted(orphans)


def _drf_of_channel(chan: Path) -> Recording:
    """A recording of one channel folder (its parent is the Digital RF top level)."""
    tree = walk(chan)
    return drf.read_recording(tree, chan.parent, [chan], [])


def _other_recordings(tree: Tree, skip: set[Path], *, deep: bool) -> list[Recording]:
    out: list[Recording] = []
    rh_files: list[radiohound.RHFile] = []
    for folder in tree.folders.values():
        if folder.path in skip or any(p in skip for p in folder.path.parents):
            continue
        for name, size in sorted(folder.files.items()):
            lower = name.lower()
            full = folder.path / name
            if lower.endswith(sigmf_files.META_EXT):
                data_name = name[: -len(sigmf_files.META_EXT)] + sigmf_files.DATA_EXT
                out.append(
                    sigmf_files.read_pair(full, size, folder.files.get(data_name), deep=deep)
                )
            elif lower.endswith(sigmf_files.ARCHIVE_EXT):
                out.append(sigmf_files.read_archive(full, size, deep=deep))
            elif lower.endswith(radiohound.RH_SUFFIX):
                rh_files.append(radiohound.check_file(full, size))
    out.extend(radiohound.group_recordings(rh_files))
    return out


def _scan_file(path: Path, *, deep: bool) -> list[Recording]:
    lower = path.name.lower()
    size = path.stat().st_size
    if lower.endswith((sigmf_files.META_EXT, sigmf_files.DATA_EXT)):
        stem = path.name[: path.name.rfind(".")]
        meta = path.with_name(stem + sigmf_files.META_EXT)
        data = path.with_name(stem + sigmf_files.DATA_EXT)
        if not meta.is_file():
            return []
        data_size = data.stat().st_size if data.is_file() else None
        return [sigmf_files.read_pair(meta, meta.stat().st_size, data_size, deep=deep)]
    if lower.endswith(sigmf_files.ARCHIVE_EXT):
        return [sigmf_files.read_archive(path, size, deep=deep)]
    if lower.endswith(radiohound.RH_SUFFIX):
        return radiohound.group_recordings([radiohound.check_file(path, size)])
    if path.name == DRF_PROPERTIES:
        return [_drf_of_channel(path.parent)]
    return []
