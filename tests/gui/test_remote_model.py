"""The lazy remote tree: paging, folders, loading row, drag and drop, model consistency."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt

from sds_desktop.core.models import SDSFile
from sds_desktop.gui.remote_model import (
    REMOTE_MIME,
    RemoteModel,
    RemoteSortProxy,
    decode_remote_mime,
    local_urls_mime,
)
from sds_desktop.gui.tasks import TaskRunner


def make_file(directory: str, name: str, size: int = 10) -> SDSFile:
    n = abs(hash((directory, name))) % (16**32)
    return SDSFile(
        uuid=f"{n:032x}",
        name=name,
        directory=directory,
        owner_email="demo@sandbox.sds",
        size=size,
        sum_blake3="ab" * 32,
        updated_at="2024-06-27 14:00:05",
        expiration_date="2026-06-27 14:00:05",
    )


TREE = [
    make_file("/", "readme.txt"),
    make_file("/probe", "a.bin", 100),
    make_file("/probe/dir1", "b.bin", 200),
    make_file("/probe/dir1", "c.bin", 300),
    make_file("/probeX", "d.bin"),  # prefix trap: "/probe" must not match "/probeX"
    make_file("/other", "e.bin"),
]


class FakeLister:
    """Serves TREE filtered by prefix, in pages of ``page`` files."""

    def __init__(self, files: list[SDSFile], page: int = 2) -> None:
        self.files = files
        self.page = page
        self.calls: list[str] = []
        self.gate: threading.Event | None = None

    def __call__(self, path: str) -> Iterator[list[SDSFile]]:
        self.calls.append(path)
        under = [
            f
            for f in self.files
            if path in ("/", f.directory) or f.directory.startswith(path + "/")
        ]
        for i in range(0, len(under), self.page):
            if self.gate is not None:
                self.gate.wait(5)
            yield under[i : i + self.page]


@pytest.fixture
def runner(qtbot):
    r = TaskRunner()
    yield r
    assert r.shutdown(5000)


def names(model: RemoteModel, parent: QModelIndex | None = None) -> list[str]:
    parent = parent or QModelIndex()
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


def test_lazy_listing_builds_folders(qtbot, runner):
    lister = FakeLister(TREE)
    model = RemoteModel(runner, lister)
    assert model.canFetchMore(QModelIndex())
    with qtbot.waitSignal(model.folderLoaded, timeout=5000):
        model.fetchMore(QModelIndex())
    assert sorted(names(model)) == ["other", "probe", "probeX", "readme.txt"]
    probe = model.find("/probe")
    assert probe.isValid()
    assert model.hasChildren(probe)
    assert model.index(probe.row(), 1).data() == "600 B"  # known sizes below the folder
    # the sub-folder is served from the parent's listing: no new request
    model.fetchMore(probe)
    qtbot.waitUntil(lambda: model.node(probe).state == "loaded")
    assert sorted(names(model, probe)) == ["a.bin", "dir1"]
    assert lister.calls == ["/"]
    dir1 = model.find("/probe/dir1")
    model.fetchMore(dir1)
    qtbot.waitUntil(lambda: model.node(dir1).state == "loaded")
    assert sorted(names(model, dir1)) == ["b.bin", "c.bin"]
    blake = model.index(0, 3, dir1).data()
    assert blake == "ab" * 6


def test_loading_row_while_pages_arrive(qtbot, runner):
    lister = FakeLister(TREE, page=1)
    lister.gate = threading.Event()
    model = RemoteModel(runner, lister)
    model.fetchMore(QModelIndex())
    try:
        qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=2000)
        assert model.index(0, 0).data() == "loading…"
    finally:
        lister.gate.set()
    with qtbot.waitSignal(model.folderLoaded, timeout=5000):
        pass
    assert "loading…" not in names(model)


def test_qtmodeltester(qtbot, qtmodeltester, runner):
    model = RemoteModel(runner, FakeLister(TREE))
    qtmodeltester.check(model)
    qtbot.waitUntil(lambda: model.root.state == "loaded", timeout=5000)
    qtmodeltester.check(model)
    model.fetchMore(model.find("/probe"))
    qtbot.waitUntil(lambda: model.node(model.find("/probe")).state == "loaded")
    qtmodeltester.check(model)
    model.refresh(model.find("/probe"))
    qtmodeltester.check(model)


def test_proxy_qtmodeltester_and_sorting(qtbot, qtmodeltester, runner):
    model = RemoteModel(runner, FakeLister(TREE))
    proxy = RemoteSortProxy()
    proxy.setSourceModel(model)
    proxy.sort(0, Qt.SortOrder.AscendingOrder)
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.root.state == "loaded", timeout=5000)
    order = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
    assert order == ["other", "probe", "probeX", "readme.txt"]  # folders first
    qtmodeltester.check(proxy)


def test_load_failure_is_reported(qtbot, runner):
    def broken(path: str) -> Iterator[list[SDSFile]]:
        yield [make_file("/", "first.bin")]
        raise OSError("connection reset")

    model = RemoteModel(runner, broken)
    with qtbot.waitSignal(model.loadFailed, timeout=5000) as blocker:
        model.fetchMore(QModelIndex())
    assert "connection reset" in blocker.args[1]
    assert names(model) == ["first.bin"]


def test_mime_roundtrip_and_drop(qtbot, runner, tmp_path: Path):
    model = RemoteModel(runner, FakeLister(TREE))
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.root.state == "loaded", timeout=5000)
    probe = model.find("/probe")
    readme = model.find("/readme.txt")
    mime = model.mimeData([probe, readme])
    entries = decode_remote_mime(mime)
    assert {e["sds_path"] for e in entries} == {"/probe", "/readme.txt"}
    assert not model.canDropMimeData(mime, Qt.DropAction.CopyAction, -1, 0, probe)
    (tmp_path / "x.bin").write_bytes(b"x")
    local = local_urls_mime([tmp_path / "x.bin"])
    with qtbot.waitSignal(model.uploadRequested) as blocker:
        assert model.dropMimeData(local, Qt.DropAction.CopyAction, -1, 0, probe)
    assert blocker.args == [[tmp_path / "x.bin"], "/probe"]
    # dropped onto a file → into the file's folder
    with qtbot.waitSignal(model.uploadRequested) as blocker:
        model.dropMimeData(local, Qt.DropAction.CopyAction, -1, 0, readme)
    assert blocker.args[1] == "/"
    assert REMOTE_MIME in model.mimeTypes()


def test_virtual_folder_and_remove(qtbot, qtmodeltester, runner):
    model = RemoteModel(runner, FakeLister(TREE))
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.root.state == "loaded", timeout=5000)
    idx = model.add_virtual_folder(QModelIndex(), "new-campaign")
    assert model.node(idx).virtual
    assert model.find("/new-campaign") == idx
    model.remove_node(model.node(model.find("/readme.txt")))
    assert "readme.txt" not in names(model)
    assert model.find("/other").row() == model.node(model.find("/other")).row
    qtmodeltester.check(model)


def test_many_files_insert_pagewise(qtbot, runner):
    files = [make_file("/big", f"f{i:06d}.bin") for i in range(20_000)]
    model = RemoteModel(runner, FakeLister(files, page=1000))
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.root.state == "loaded", timeout=10_000)
    big = model.find("/big")
    model.fetchMore(big)
    qtbot.waitUntil(lambda: model.rowCount(big) >= 2000, timeout=5000)
    qtbot.waitUntil(lambda: model.node(big).state == "loaded", timeout=10_000)
    assert model.rowCount(big) == 20_000
