"""``preflight(path, kind=...)``: production's rules, checked before a byte leaves the disk.

``kind`` is the capture type the caller means to create ("drf", "rh", "sigmf"), or None
for a plain upload of files. The result lists every problem: the recordings' own (only
those of ``kind`` when it is given) and the file-level ones of everything the upload
would send (names over 100 characters; ``tmp.*`` files left out). Blocking problems are
what SDS refuses or fails on; ``raise_for_problems`` turns them into ``PreflightError``.
"""

from __future__ import annotations

from pathlib import Path

from sds_desktop.core.discovery import discover
from sds_desktop.core.errors import FileError
from sds_desktop.core.recordings import problems as pb
from sds_desktop.core.recordings.model import KINDS, Problem, Recording
from sds_desktop.core.recordings.scan import scan
from sds_desktop.core.recordings.walk import is_tmp


def preflight(path: Path, *, kind: str | None = None, deep: bool = False) -> list[Problem]:
    """Problems SDS would raise for uploading ``path`` (as a ``kind`` capture, if given).

    ``deep`` also reads SigMF datasets to check ``core:sha512``. Raises ``FileError`` if
    ``path`` does not exist and ``ValueError`` for an unknown ``kind``.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown capture type {kind!r}: expected one of {', '.join(KINDS)}")
    path = Path(path)
    if not path.exists():
        raise FileError(f"no such file or folder: {path}")
    recordings = scan(path, deep=deep)
    chosen = [r for r in recordings if kind is None or r.kind == kind]
    problems: list[Problem] = []
    seen: set[tuple[str, Path | None]] = set()

    def add(problem: Problem) -> None:
        key = (problem.code, problem.path)
        if key not in seen:
            seen.add(key)
            problems.append(problem)

    if kind == "sigmf":
        add(pb.sigmf_no_capture(path))
    elif kind is not None and not chosen:
        add(pb.no_recording(path, kind))
    for rec in chosen:
        for problem in rec.problems:
            add(problem)
    for problem in _file_problems(path, recordings):
        add(problem)
    return problems


def _file_problems(path: Path, recordings: list[Recording]) -> list[Problem]:
    """Name and ``tmp.*`` problems of the files an upload of ``path`` would send."""
    counted = {p.path for r in recordings for p in r.problems if p.code == "tmp-files"}
    result = discover(path)
    out = [pb.name_too_long(f.path) for f in result.files if len(f.path.name) > pb.MAX_NAME]
    tmp_by_folder: dict[Path, list[Path]] = {}
    for skipped, _reason in result.skipped:
        if is_tmp(skipped.name) and not any(
            c is not None and c in (skipped.parents) for c in counted
        ):
            tmp_by_folder.setdefault(skipped.parent, []).append(skipped)
    for folder, paths in sorted(tmp_by_folder.items()):
        out.append(pb.tmp_files(folder, sorted(paths)))
    return out
