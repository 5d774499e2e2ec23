"""What a download is: the plan (remote files mapped to safe local paths) and results.

:func:`plan_download` maps listed files under a local folder and refuses, with the
reason, the hostile, out-of-base, absurdly large or colliding ones; the step itself
(:mod:`sds_desktop.core.download`) turns each :class:`DownloadItem` into a
:class:`DownloadResult`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from sds_desktop.core.errors import PathError, SDSError
from sds_desktop.core.models import SDSFile
from sds_desktop.core.paths import normalize_sds_path, safe_local_path

__all__ = [
    "MAX_FILE_BYTES",
    "DownloadItem",
    "DownloadOutcome",
    "DownloadPlan",
    "DownloadResult",
    "plan_download",
]


@dataclass(frozen=True)
class DownloadItem:
    file: SDSFile
    local_path: Path


@dataclass(frozen=True)
class DownloadPlan:
    items: list[DownloadItem]
    refused: list[tuple[SDSFile, str]]
    total_bytes: int


class DownloadOutcome(StrEnum):
    DOWNLOADED = "verified"
    SKIPPED_EXISTS = "skipped: exists"
    SKIPPED_IDENTICAL = "skipped: identical"
    SKIPPED_CONFLICT = "skipped: exists locally"
    RENAMED = "verified (kept both: saved under a new name)"
    PLANNED = "planned (dry run)"
    FAILED = "failed"


@dataclass
class DownloadResult:
    """Outcome of one file. ``FAILED`` results (batch runs only) carry ``error``."""

    item: DownloadItem
    outcome: DownloadOutcome
    verified: bool
    error: SDSError | None = field(default=None)
    saved_as: Path | None = field(default=None)
    """Where the file was written, when "keep both" chose another name."""


MAX_FILE_BYTES = 1 << 50
"""A listed size above this (1 PiB) is absurd: the entry is refused, not planned."""


def plan_download(
    files: Iterable[SDSFile], to_local_path: Path, *, base_sds_path: str = "/"
) -> DownloadPlan:
    """Map each file to ``to_local_path / (directory relative to base) / name``.

    Hostile or out-of-base entries, and second files mapping to an already used local
    path, go to ``refused`` with the reason; nothing in ``items`` can land outside
    ``to_local_path``.
    """
    base = normalize_sds_path(base_sds_path)
    root = Path(to_local_path)
    items: list[DownloadItem] = []
    refused: list[tuple[SDSFile, str]] = []
    used: set[str] = set()
    seen_uuids: set[str] = set()
    for f in files:
        if f.uuid in seen_uuids:
            continue
        seen_uuids.add(f.uuid)
        if not f.safe:
            refused.append((f, f"unsafe remote path: {f.unsafe_reason}"))
            continue
        if not 0 <= f.size <= MAX_FILE_BYTES:
            refused.append((f, f"the listing gives an absurd size ({f.size} bytes)"))
            continue
        directory = f.directory.rstrip("/") or "/"
        if base == "/":
            rel = directory
        elif directory == base:
            rel = "/"
        elif directory.startswith(base + "/"):
            rel = directory[len(base) :]
        else:
            refused.append((f, f"{f.sds_path} is not under {base}"))
            continue
        try:
            local = safe_local_path(root, rel, f.name)
        except PathError as exc:
            refused.append((f, str(exc)))
            continue
        key = os.path.normcase(str(local))
        if key in used:
            refused.append((f, f"another file already maps to {local}"))
            continue
        used.add(key)
        items.append(DownloadItem(f, local))
    return DownloadPlan(items, refused, sum(i.file.size for i in items))
