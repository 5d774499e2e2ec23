"""Planning helpers of the transfer controller: specs, failed rows, upload conflicts.

Split from ``gui.transfers``; these run on the planner's threads (no widgets).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from sds_desktop.core.discovery import display_path, is_quiet_skip
from sds_desktop.core.errors import SDSError
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.queue import Direction, ItemSpec
from sds_desktop.core.transfer import DownloadItem, UploadItem

log = logging.getLogger("sds_desktop.gui.transfers")

Planned = tuple[ItemSpec, SDSFile | None]
Bad = tuple[ItemSpec, str]  # an entry that cannot be transferred, and why
LeftOut = tuple[str, str]
"""A file a job left out on purpose: (its path, why), listed in the job's details."""
PlannedJob = tuple[str, list[Planned], list[LeftOut], list[Bad]]

EXISTING_LISTING_LIMIT = 50_000
"""Files listed at most to find upload conflicts of one job (beyond: not detected)."""


def existing_files(
    gateway: Gateway | None, sds_dir: str, *, names: set[str] | None = None
) -> dict[str, SDSFile]:
    """SDS files under ``sds_dir`` by path (only direct children named ``names`` when
    given), to tell the worker of an upload what already is at its target path."""
    found: dict[str, SDSFile] = {}
    if gateway is None:
        return found
    seen = 0
    here = sds_dir.rstrip("/")
    try:
        for page in gateway.iter_file_pages(sds_dir):
            for f in page:
                if names is None or (f.name in names and f.directory.rstrip("/") == here):
                    found[f.sds_path] = f
            seen += len(page)
            if seen >= EXISTING_LISTING_LIMIT:
                log.info("%s: over %d files, conflicts beyond are not checked", sds_dir, seen)
                break
    except SDSError as exc:
        if exc.status != 404:
            log.info("could not list %s to look for conflicts: %s", sds_dir, exc)
    return found


def upload_spec(item: UploadItem) -> ItemSpec:
    return ItemSpec(Direction.UPLOAD, item.name, str(item.local_path), item.sds_path, item.size)


def download_spec(item: DownloadItem) -> ItemSpec:
    return ItemSpec(
        Direction.DOWNLOAD,
        item.file.name,
        str(item.local_path),
        item.file.sds_path,
        item.file.size,
        file_uuid=item.file.uuid,
    )


def refused_rows(refused: Sequence[tuple[SDSFile, str]], root: Path) -> list[Bad]:
    """Download entries that cannot be planned, as failed rows (path and reason)."""
    rows = []
    for f, reason in refused:
        log.warning("not downloading %s: %s", f.sds_path, reason)
        local = display_path(root / f.name) if f.safe else display_path(root)
        spec = ItemSpec(
            Direction.DOWNLOAD,
            display_path(f.name),
            local,
            display_path(f.sds_path),
            max(0, min(f.size, 1 << 62)),
            file_uuid=f.uuid,
        )
        rows.append((spec, reason))
    return rows


def split_skipped(
    skipped: Sequence[tuple[Path, str]], base: Path, sds_dir: str
) -> tuple[list[LeftOut], list[Bad]]:
    """(entries left out on purpose, failed rows for the others) of an upload plan."""
    quiet: list[LeftOut] = []
    bad: list[Bad] = []
    for path, reason in skipped:
        if is_quiet_skip(reason):
            quiet.append((display_path(path), reason))
            continue
        try:
            rel = path.relative_to(base).as_posix()
        except ValueError:
            rel = path.name
        name = display_path(path.name)
        sds_path = f"{sds_dir.rstrip('/')}/{display_path(rel)}"
        spec = ItemSpec(Direction.UPLOAD, name, display_path(path), sds_path, 0)
        bad.append((spec, reason))
    return quiet, bad
