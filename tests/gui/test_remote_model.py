"""The SDS side's models: the flat list (batches, sort, in-place refresh) and the tree."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from sds_desktop.core.listing import FileRow
from sds_desktop.gui.file_list import FileListView
from sds_desktop.gui.folder_tree import FolderTreeModel
from sds_desktop.gui.remote_list import R_COUNT, R_NAME, R_SIZE, RemoteListModel
from sds_desktop.gui.tasks import TaskRunner


def row(directory: str, name: str, size: int = 10) -> FileRow:
    return FileRow(
        name,
        directory,
        size,
        "2024-06-27 10:00:00",
        "a" * 64,
        "2026-06-27 10:00:00",
        f"{abs(hash((directory, name))):032x}"[:32],
        "me@x.org",
        "",
        "",
        "",
        "",
        "",
    )


class FakeLister:
    """Pages of rows under a path, as ``ParallelLister.iter_rows`` yields them."""

    def __init__(self, files: list[FileRow], page: int = 100) -> None:
        self.files = files
        self.page = page

    def iter_rows(
        self, path: str, cancel: threading.Event | None = None
    ) -> Iterator[list[FileRow]]:
        prefix = path.rstrip("/") + "/"
        mine = [
            f for f in self.files if path in ("/", f.directory) or f.directory.startswith(prefix)
        ]
        for i in range(0, len(mine), self.page):
            yield mine[i : i + self.page]


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    assert r.shutdown(5000)


def load(qtbot, model: RemoteListModel, path: str) -> None:
    model.open(path)
    qtbot.waitUntil(lambda: model.state == "loaded", timeout=10_000)


def test_folder_rows_count_everything_below(qtbot, runner, qtmodeltester):
    files = [row("/a", f"f{i}.bin") for i in range(5)]
    files += [row("/a/sub", "x.bin", 100), row("/a/sub/deep", "y.bin", 1000), row("/ab", "z.bin")]
    model = RemoteListModel(runner)
    model.set_lister(FakeLister(files, page=2))  # type: ignore[arg-type]
    load(qtbot, model, "/a")
    names = [r[R_NAME] for r in model.rows]
    assert names == ["sub", "f0.bin", "f1.bin", "f2.bin", "f3.bin", "f4.bin"]  # folders first
    sub = model.rows[0]
    assert (sub[R_COUNT], sub[R_SIZE]) == (2, 1100)
    assert model.data(model.index(0, 2)) == "2 files"
    qtmodeltester.check(model)


def test_big_folder_sorted_and_selection_survives_refresh(qtbot, runner):
    files = [row("/big", f"file-{i:05d}.bin", size=i) for i in range(3000)]
    lister = FakeLister(files, page=100)
    model = RemoteListModel(runner)
    model.set_lister(lister)  # type: ignore[arg-type]
    view = FileListView(model)
    qtbot.addWidget(view)
    load(qtbot, model, "/big")
    assert model.rowCount() == 3000
    view.sortByColumn(1, Qt.SortOrder.DescendingOrder)  # by size, largest first
    assert model.rows[0][R_NAME] == "file-02999.bin"
    view.select_row(model.find("file-01234.bin"))
    # another upload lands; a reload replaces the rows in place
    lister.files = [*files, row("/big", "new.bin", size=10**9)]
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() == 3001, timeout=10_000)
    assert model.rows[0][R_NAME] == "new.bin"
    assert [r[R_NAME] for r in view.selected_rows()] == ["file-01234.bin"]


def test_virtual_folder_stays_until_it_is_real(qtbot, runner):
    lister = FakeLister([row("/", "top.bin")])
    model = RemoteListModel(runner)
    model.set_lister(lister)  # type: ignore[arg-type]
    load(qtbot, model, "/")
    model.add_virtual_folder("fresh")
    model.reload()
    qtbot.waitUntil(lambda: model._task is None, timeout=5000)
    assert model.find("fresh") >= 0  # a reload keeps the new, empty folder
    lister.files.append(row("/fresh", "in.bin"))
    model.reload()
    qtbot.waitUntil(lambda: model.rows[model.find("fresh")][R_COUNT] == 1, timeout=5000)
    assert not model.rows[model.find("fresh")][7]


def test_signed_out_list_says_sign_in(runner):
    model = RemoteListModel(runner)
    assert model.rowCount() == 0
    assert "Sign in" in model.placeholder


def test_tree_absorbs_changes_without_collapsing(qtbot, qtmodeltester):
    tree = FolderTreeModel()
    tree.absorb("/", {"/": [4, 40], "/a": [3, 30], "/a/b": [2, 20], "/c": [1, 10]})
    from PySide6.QtWidgets import QTreeView

    view = QTreeView()
    qtbot.addWidget(view)
    view.setModel(tree)
    a = tree.index_of(tree.find("/a"))
    view.expand(tree.index_of(tree.root))
    view.expand(a)
    # an upload into /a/b/new: only that subtree is listed again
    tree.absorb("/a", {"/a": [5, 50], "/a/b": [3, 30], "/a/b/new": [1, 10], "/a/e": [1, 10]})
    assert view.isExpanded(tree.index_of(tree.find("/a")))
    assert tree.find("/a/b/new") is not None
    assert (tree.root.count, tree.root.size) == (6, 60)  # the folders above follow
    assert tree.find("/c").count == 1
    # everything in /c deleted
    tree.absorb(
        "/", {"/": [5, 50], "/a": [5, 50], "/a/b": [3, 30], "/a/b/new": [1, 10], "/a/e": [1, 10]}
    )
    assert tree.find("/c") is None
    assert view.isExpanded(tree.index_of(tree.find("/a")))
    qtmodeltester.check(tree)


class SlowLister(FakeLister):
    """Each listing takes ``delay`` seconds and is counted."""

    def __init__(self, files: list[FileRow], delay: float) -> None:
        super().__init__(files)
        self.delay, self.listings = delay, 0

    def iter_rows(self, path, cancel=None):  # type: ignore[no-untyped-def]
        self.listings += 1
        time.sleep(self.delay)
        yield from super().iter_rows(path, cancel)


def test_uploads_landing_relist_the_folder_paced_by_its_listing_cost(qtbot, runner):
    """A costly folder (a big account's root) is not listed back to back while uploads
    land: reload_soon waits 4x the last listing's time, and many calls are one listing."""
    lister = SlowLister([row("/", "a.bin")], delay=0.25)
    model = RemoteListModel(runner)
    model.set_lister(lister)  # type: ignore[arg-type]
    load(qtbot, model, "/")
    assert model.last_cost >= 0.25
    lister.files.append(row("/", "b.bin"))
    t0 = time.monotonic()
    for _ in range(20):  # uploads landing, one signal each
        model.reload_soon()
    assert lister.listings == 1  # nothing yet: the last listing just ended
    qtbot.waitUntil(lambda: model.find("b.bin") >= 0, timeout=10_000)
    assert lister.listings == 2  # the twenty calls were one listing
    assert time.monotonic() - t0 >= 4 * 0.25 - 0.3  # waited about 4 x its cost
