"""Compare a local folder with an SDS folder by BLAKE3, and plan one-way syncs.

Every file is "same", "differs", "only here" (local only) or "only on SDS". Sizes that
differ settle it without reading a byte; otherwise the local file is hashed, and the hash
is kept in a :class:`HashCache` keyed by (path, size, mtime), so comparing the same
100 GB recording again costs a stat per file. The local side is what an upload would send
(``discovery.discover``: ignore rules, no empty files, no symlinked folders), so "only
here" never lists a file an upload would leave out; those are in ``skipped``.
"""

from __future__ import annotations

import enum
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sds_desktop.core.checksum import blake3_file
from sds_desktop.core.discovery import LocalFile, discover
from sds_desktop.core.errors import CancelledError
from sds_desktop.core.listing import FileRow
from sds_desktop.core.paths import join_sds, normalize_sds_path

CACHE_FILE = "hash-cache.sqlite3"


class Status(enum.Enum):
    SAME = "same"
    DIFFERS = "differs"
    LOCAL_ONLY = "only here"
    REMOTE_ONLY = "only on SDS"


@dataclass(frozen=True)
class Entry:
    """One relative path (``a/b.bin``) and what each side has there."""

    rel: str
    status: Status
    local: Path | None = None
    local_size: int = 0
    remote: FileRow | None = None


@dataclass
class Comparison:
    local_root: Path
    sds_root: str
    entries: list[Entry] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    hashed_bytes: int = 0  # read from disk (not from the cache)

    def count(self, status: Status) -> int:
        return sum(e.status is status for e in self.entries)

    def summary(self) -> str:
        return " · ".join(f"{self.count(s):,} {s.value}" for s in Status)


class HashCache:
    """BLAKE3 of local files by (path, size, mtime in ns), in SQLite under the config dir.

    Safe to share between threads (one connection, a lock). A file changed in any way
    that moves its size or mtime is hashed again.
    """

    def __init__(self, path: Path | None) -> None:
        self._lock = threading.Lock()
        self._pending = 0
        target = ":memory:" if path is None else str(path)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(target, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # a lost hash is only read again
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS hashes (path TEXT PRIMARY KEY, size INTEGER,"
            " mtime_ns INTEGER, blake3 TEXT)"
        )
        self._db.commit()

    @classmethod
    def in_dir(cls, config_dir: Path) -> HashCache:
        return cls(Path(config_dir) / CACHE_FILE)

    def get(self, path: Path, size: int, mtime_ns: int) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT blake3 FROM hashes WHERE path = ? AND size = ? AND mtime_ns = ?",
                (str(path), size, mtime_ns),
            ).fetchone()
        return None if row is None else str(row[0])

    def put(self, path: Path, size: int, mtime_ns: int, digest: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?)",
                (str(path), size, mtime_ns, digest),
            )
            self._pending += 1
            if self._pending >= 500:  # one commit per batch, not one fsync per file
                self._db.commit()
                self._pending = 0

    def flush(self) -> None:
        with self._lock:
            self._db.commit()
            self._pending = 0

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._db.close()

    def hash(
        self,
        path: Path,
        *,
        progress: Callable[[int], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> tuple[str, bool]:
        """(BLAKE3 of ``path``, whether it came from the cache)."""
        st = path.stat()
        known = self.get(path.resolve(), st.st_size, st.st_mtime_ns)
        if known is not None:
            return known, True
        digest = blake3_file(path, progress=progress, cancel=cancel)
        after = path.stat()
        if (after.st_size, after.st_mtime_ns) == (st.st_size, st.st_mtime_ns):
            self.put(path.resolve(), st.st_size, st.st_mtime_ns, digest)
        return digest, False


ProgressFn = Callable[[int, int], None]
"""``progress(bytes_done, bytes_to_hash)``."""


def compare(
    local_root: Path,
    sds_root: str,
    remote: Iterable[FileRow],
    cache: HashCache,
    *,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> Comparison:
    """Compare ``local_root`` with the rows listed under ``sds_root`` (blocking)."""
    base = normalize_sds_path(sds_root)
    cut = 1 if base == "/" else len(base) + 1
    remote_by_rel: dict[str, FileRow] = {}
    for row in remote:
        if row.unsafe:
            continue
        rel = row.sds_path[cut:]
        if rel and (base == "/" or row.sds_path.startswith(base + "/")):
            remote_by_rel[rel] = row
    found = discover(local_root)
    result = Comparison(Path(local_root), base, skipped=list(found.skipped))
    to_hash = [
        f
        for f in found.files
        if (r := remote_by_rel.get(str(f.rel_dir / f.path.name))) is not None and r.size == f.size
    ]
    total = sum(f.size for f in to_hash)
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    hashing = {id(f) for f in to_hash}
    try:
        _compare_files(found.files, remote_by_rel, hashing, cache, result, step, cancel)
    finally:
        cache.flush()
    for rel, only in remote_by_rel.items():
        result.entries.append(Entry(rel, Status.REMOTE_ONLY, None, 0, only))
    result.entries.sort(key=lambda e: e.rel)
    return result


def _compare_files(  # noqa: PLR0917 - one private step of compare()
    files: list[LocalFile],
    remote_by_rel: dict[str, FileRow],
    hashing: set[int],
    cache: HashCache,
    result: Comparison,
    step: Callable[[int], None],
    cancel: threading.Event | None,
) -> None:
    for f in files:
        if cancel is not None and cancel.is_set():
            raise CancelledError("comparison cancelled")
        rel = str(f.rel_dir / f.path.name)
        there = remote_by_rel.pop(rel, None)
        if there is None:
            result.entries.append(Entry(rel, Status.LOCAL_ONLY, f.path, f.size))
            continue
        if id(f) not in hashing:
            result.entries.append(Entry(rel, Status.DIFFERS, f.path, f.size, there))
            continue
        digest, cached = cache.hash(f.path, progress=step, cancel=cancel)
        if cached:
            step(f.size)
        else:
            result.hashed_bytes += f.size
        status = Status.SAME if digest == there.sum_blake3 else Status.DIFFERS
        result.entries.append(Entry(rel, status, f.path, f.size, there))


def plan_upload_sync(comparison: Comparison) -> dict[str, list[Path]]:
    """ "Upload what is new or changed": SDS folder → local files to upload into it."""
    plan: dict[str, list[Path]] = {}
    for e in comparison.entries:
        if e.status in (Status.LOCAL_ONLY, Status.DIFFERS) and e.local is not None:
            parent = str(PurePosixPath(e.rel).parent)
            target = comparison.sds_root if parent == "." else join_sds(comparison.sds_root, parent)
            plan.setdefault(target, []).append(e.local)
    return plan


def plan_download_sync(comparison: Comparison) -> dict[Path, list[FileRow]]:
    """ "Download what is missing or changed": local folder → SDS files to download there."""
    plan: dict[Path, list[FileRow]] = {}
    for e in comparison.entries:
        if e.status in (Status.REMOTE_ONLY, Status.DIFFERS) and e.remote is not None:
            parent = PurePosixPath(e.rel).parent
            target = comparison.local_root.joinpath(*parent.parts)
            plan.setdefault(target, []).append(e.remote)
    return plan


__all__ = [
    "CACHE_FILE",
    "Comparison",
    "Entry",
    "HashCache",
    "Status",
    "compare",
    "plan_download_sync",
    "plan_upload_sync",
]
