"""Compare by BLAKE3 with a hash cache, and the one-way sync plans."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from sds_desktop.core.checksum import blake3_bytes
from sds_desktop.core.compare import (
    HashCache,
    Status,
    compare,
    plan_download_sync,
    plan_upload_sync,
)
from sds_desktop.core.errors import CancelledError
from sds_desktop.core.listing import FileRow


def remote(sds_path: str, data: bytes) -> FileRow:
    directory, _, name = sds_path.rpartition("/")
    return FileRow(
        name, directory or "/", len(data), "", blake3_bytes(data), "", "0" * 32,
        "", "", "", "", "", "",
    )  # fmt: skip


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "rec"
    (root / "sub").mkdir(parents=True)
    (root / "same.bin").write_bytes(b"same content")
    (root / "sub" / "changed.bin").write_bytes(b"local version")
    (root / "sub" / "resized.bin").write_bytes(b"short")
    (root / "new.bin").write_bytes(b"only here")
    (root / "empty.bin").write_bytes(b"")  # an upload leaves it out: so does compare
    return root


def sds_side() -> list[FileRow]:
    return [
        remote("/c/same.bin", b"same content"),
        remote("/c/sub/changed.bin", b"remote versio"),  # same size, other bytes
        remote("/c/sub/resized.bin", b"much longer"),
        remote("/c/sub/deep/missing.bin", b"only on sds"),
        remote("/cx/elsewhere.bin", b"prefix match only"),
    ]


def test_every_file_gets_a_status(tree: Path, tmp_path: Path):
    cache = HashCache.in_dir(tmp_path / "config")
    result = compare(tree, "/c", sds_side(), cache)
    status = {e.rel: e.status for e in result.entries}
    assert status == {
        "same.bin": Status.SAME,
        "sub/changed.bin": Status.DIFFERS,
        "sub/resized.bin": Status.DIFFERS,
        "new.bin": Status.LOCAL_ONLY,
        "sub/deep/missing.bin": Status.REMOTE_ONLY,
    }
    assert [p.name for p, _ in result.skipped] == ["empty.bin"]
    assert result.summary() == "1 same · 2 differs · 1 only here · 1 only on SDS"


def test_second_compare_reads_nothing_until_a_file_changes(tree: Path, tmp_path: Path):
    cache = HashCache.in_dir(tmp_path / "config")
    first = compare(tree, "/c", sds_side(), cache)
    assert first.hashed_bytes == len(b"same content") + len(b"local version")
    cache.close()
    cache = HashCache.in_dir(tmp_path / "config")  # persisted under the config dir
    again = compare(tree, "/c", sds_side(), cache)
    assert again.hashed_bytes == 0
    assert {e.rel: e.status for e in again.entries} == {e.rel: e.status for e in first.entries}
    # the local change is seen: same size, new mtime
    (tree / "same.bin").write_bytes(b"SAME CONTENT")
    st = (tree / "same.bin").stat()
    os.utime(tree / "same.bin", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    third = compare(tree, "/c", sds_side(), cache)
    assert third.hashed_bytes == len(b"same content")
    assert {e.rel: e.status for e in third.entries}["same.bin"] is Status.DIFFERS


def test_sync_plans(tree: Path):
    result = compare(tree, "/c", sds_side(), HashCache(None))
    up = plan_upload_sync(result)
    assert {k: sorted(p.name for p in v) for k, v in up.items()} == {
        "/c": ["new.bin"],
        "/c/sub": ["changed.bin", "resized.bin"],
    }
    down = plan_download_sync(result)
    assert {k: sorted(r.name for r in v) for k, v in down.items()} == {
        tree / "sub": ["changed.bin", "resized.bin"],
        tree / "sub" / "deep": ["missing.bin"],
    }


def test_root_compare_and_cancel(tree: Path):
    rows = [remote("/same.bin", b"same content")]
    result = compare(tree, "/", rows, HashCache(None))
    assert {e.rel: e.status for e in result.entries}["same.bin"] is Status.SAME
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CancelledError):
        compare(tree, "/", rows, HashCache(None), cancel=cancel)


def test_progress_counts_bytes_to_hash(tree: Path):
    seen: list[tuple[int, int]] = []
    compare(tree, "/c", sds_side(), HashCache(None), progress=lambda d, t: seen.append((d, t)))
    total = len(b"same content") + len(b"local version")
    assert seen[-1] == (total, total)
