"""The local disk side of a download: its temp files, durability and typed disk errors.

A download writes to a hidden temp file beside its target (``.sds-<key>.<random>.partial``,
:func:`partial_prefix`), found again after a restart (:func:`find_partial`) or swept
when nobody owns it (:func:`sweep_partials`). Here too: the folder fsync after the
rename, early writeback of large files, and ``OSError`` turned into a
:class:`~sds_desktop.core.errors.FileError` that says what to do (disk full, name too
long, permission denied).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from sds_desktop.core.errors import DiskFullError, FileError, PathError
from sds_desktop.core.transfer_base import TEMP_PREFIX, TEMP_SUFFIX

__all__ = [
    "WRITEBACK_EVERY_BYTES",
    "find_partial",
    "leftover_partials",
    "partial_prefix",
    "sweep_partials",
]

log = logging.getLogger(__name__)


def partial_prefix(target: Path) -> str:
    """The temp-file prefix of a download into ``target``: ``.sds-<16 hex>.`` from the
    target's name, so that after a restart the temp file can be found again for the
    queue item that owns it (:func:`find_partial`), however long the name is."""
    key = hashlib.blake2b(os.fsencode(target.name), digest_size=8).hexdigest()
    return f"{TEMP_PREFIX}{key}."


def leftover_partials(folder: Path) -> dict[str, Path]:
    """The temp files in ``folder`` by their :func:`partial_prefix` (the newest of each)."""
    found: dict[str, tuple[int, Path]] = {}
    try:
        paths = list(folder.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"))
    except OSError:
        return {}
    for path in paths:
        head, dot, _ = path.name[len(TEMP_PREFIX) :].partition(".")
        if not dot or len(head) != 16:
            continue
        try:
            if not path.is_file() or path.is_symlink():
                continue
            stamp = path.stat().st_mtime_ns
        except OSError:
            continue
        prefix = f"{TEMP_PREFIX}{head}."
        if prefix not in found or found[prefix][0] < stamp:
            found[prefix] = (stamp, path)
    return {prefix: path for prefix, (_, path) in found.items()}


def find_partial(target: Path) -> Path | None:
    """The newest temp file a download into ``target`` left (a crash, a quit), or None."""
    return leftover_partials(target.parent).get(partial_prefix(target))


def sweep_partials(folders: Iterable[Path], keep: Iterable[Path] = ()) -> list[Path]:
    """Remove the temp files (``.sds-*.partial``) a crash left in ``folders``, except
    those in ``keep`` (to be resumed); the removed paths. Call only while no download
    runs in those folders (at start-up)."""
    kept = set(keep)
    removed: list[Path] = []
    for folder in {Path(f) for f in folders}:
        try:
            leftovers = list(folder.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"))
        except OSError:
            continue
        for path in leftovers:
            if path in kept:
                continue
            try:
                if path.is_file() and not path.is_symlink():
                    path.unlink()
                    removed.append(path)
            except OSError as exc:
                log.warning("could not remove the leftover %s: %s", path, exc)
    return removed


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _free_bytes(path: Path) -> int | None:
    for candidate in (path, *path.parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


def name_too_long(target: Path) -> PathError:
    """The error for a name the local file system refuses (ENAMETOOLONG), wherever in a
    download it shows up (the target's check or the final rename: which one comes first
    depends on whether another worker made the folder already)."""
    size = len(target.name.encode("utf-8", "surrogateescape"))
    return PathError(
        f"cannot write {target}: the name is too long ({size} bytes, more than this file "
        "system allows, usually 255); download it elsewhere or rename it on SDS"
    )


def _disk_error(exc: OSError, target: Path) -> FileError:
    if exc.errno in {errno.ENOSPC, errno.EDQUOT}:
        free = _free_bytes(target.parent)
        room = "" if free is None else f" ({free:,} bytes free)"
        return DiskFullError(
            f"disk full while writing {target}{room}: free some space and retry",
            free_bytes=free,
        )
    if exc.errno == errno.ENAMETOOLONG:
        return name_too_long(target)
    if exc.errno == errno.ELOOP:
        return PathError(f"cannot write {target}: a symbolic link loop is in the way")
    if exc.errno in {errno.EACCES, errno.EPERM}:
        return FileError(f"cannot write {target}: permission denied")
    return FileError(f"cannot write {target}: {exc.strerror or exc}")


WRITEBACK_EVERY_BYTES = 32 * 1024 * 1024
"""A download asks the OS to start writing its data to disk every this many bytes, so
that the fsync at the end finds little left to do (it was half of a 2 GiB download)."""


def _start_writeback(out: BinaryIO, start: int, end: int) -> None:
    """Start writing ``out``'s bytes ``start..end`` to disk now, without waiting for it.

    Linux begins writeback of dirty pages on ``POSIX_FADV_DONTNEED`` (and drops the pages
    already clean, so a large download does not push everything else out of the cache);
    durability still comes from the final fsync. Elsewhere this does nothing.
    """
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    out.flush()
    with contextlib.suppress(OSError):
        advise(out.fileno(), start, end - start, os.POSIX_FADV_DONTNEED)
