"""Parallel paged listings into compact rows, against the sandbox over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sds_desktop.core.errors import ServiceError
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.listing import FolderSummary, ParallelLister, _Parser, to_sds_file
from sds_desktop.sandbox.server import SandboxServer

EMAIL = "lister@test.sds"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    srv = SandboxServer(tmp_path_factory.mktemp("sandbox"))
    srv.start()
    srv.key = srv.add_user(EMAIL)  # type: ignore[attr-defined]
    srv.bulk_files(EMAIL, "/big", 730, size=10)
    srv.bulk_files(EMAIL, "/big/sub/deep", 25, size=10)
    srv.bulk_files(EMAIL, "/bigger", 3, size=10)  # matches the prefix "/big" on the server
    yield srv
    srv.stop()


@pytest.fixture
def lister(server: SandboxServer) -> Iterator[ParallelLister]:
    gateway = Gateway(server.url + "/api/v1", server.key)  # type: ignore[attr-defined]
    lister = ParallelLister(gateway, parallel=3)
    yield lister
    lister.close()
    gateway.close()


def test_every_row_once_and_only_under_the_folder(lister: ParallelLister):
    rows = [r for page in lister.iter_rows("/big") for r in page]
    paths = [r.sds_path for r in rows]
    assert len(paths) == len(set(paths)) == 755
    assert all(p.startswith("/big/") for p in paths)
    assert not any(p.startswith("/bigger") for p in paths)
    first = rows[0]
    assert len(first.uuid) == 32
    assert len(first.sum_blake3) == 64
    assert first.size == 10
    assert first.owner == EMAIL
    assert not first.unsafe


def test_summary_counts_direct_files_and_subfolders(lister: ParallelLister):
    summary = FolderSummary("/big")
    for page in lister.iter_rows("/big"):
        summary.add(page)
    assert len(summary.files) == 730
    assert summary.subdirs == {"sub": [25, 250]}
    assert summary.tree["/big"] == [755, 7550]
    assert summary.tree["/big/sub"] == [25, 250]
    assert summary.tree["/big/sub/deep"] == [25, 250]


def test_row_becomes_a_downloadable_file(lister: ParallelLister, server: SandboxServer):
    row = next(iter(lister.iter_rows("/big/sub")))[0]
    file = to_sds_file(row)
    assert file.sds_path == row.sds_path
    assert file.safe
    fetched = lister.gateway.get_file(file.uuid)
    assert fetched.sum_blake3 == file.sum_blake3
    assert fetched.directory == file.directory


def test_hostile_entries_are_kept_but_marked_unsafe():
    parser = _Parser("/")
    entry = {
        "uuid": "0" * 32,
        "name": "../../etc/passwd",
        "size": 1,
        "sum_blake3": "a" * 64,
        "directory": "/files/x@y.org/a",
    }
    (row,) = parser.rows([entry])
    assert row.unsafe
    assert row.owner == "x@y.org"
    assert row.directory == "/a"
    assert not to_sds_file(row).safe


def test_malformed_entry_is_a_clear_error():
    with pytest.raises(ServiceError, match="malformed"):
        _Parser("/").rows([{"uuid": "0" * 32, "name": "a", "size": "1", "sum_blake3": "a" * 64}])


def test_empty_folder(lister: ParallelLister, tmp_path: Path):
    assert [r for page in lister.iter_rows("/nothing/here") for r in page] == []


def test_versions_count_once_with_the_newest_size():
    def v(name: str, size: int, created: str, uuid: str) -> dict[str, object]:
        return {
            "uuid": uuid * 32,
            "name": name,
            "size": size,
            "sum_blake3": "b" * 64,
            "directory": "/files/me@x.org/a",
            "created_at": created,
        }

    parser = _Parser("/")
    rows = parser.rows(
        [
            v("r.bin", 20, "2024-01-02 00:00:00", "2"),
            v("other.bin", 5, "2024-01-01 00:00:00", "3"),
            v("r.bin", 10, "2024-01-01 00:00:00", "1"),  # the older one, listed after
        ]
    )
    summary = FolderSummary("/")
    summary.add(rows[:1])
    summary.add(rows[1:])
    assert summary.tree["/"] == [2, 25]
    assert summary.subdirs == {"a": [2, 25]}
    (versions,) = summary.versions.values()
    assert sorted(r.size for r in versions) == [10, 20]
    assert summary.version_counts() == {("/a", "r.bin"): 2}
    inside = FolderSummary("/a")
    inside.add(list(reversed(rows)))  # the newest last: it replaces the older row
    assert [(r.name, r.size) for r in sorted(inside.files)] == [("other.bin", 5), ("r.bin", 20)]
    assert inside.tree["/a"] == [2, 25]
