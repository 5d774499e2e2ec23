"""The file manager as a person drives it: explicit targets, path bars, shortcuts from
anywhere, a live local side, exact SDS counts (real key events, real sandbox)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from sds_desktop.gui.window_actions import NO_RENAME

from .conftest import sign_in
from .test_app import open_remote, wait_idle

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def key(qtbot, widget, k, mod=Qt.KeyboardModifier.NoModifier) -> None:
    widget.setFocus()
    QApplication.processEvents()
    qtbot.keyClick(widget, k, mod)


def test_signed_out_says_sign_in_and_disables_session_actions(window):
    assert "Sign in" in window.remote_pane.model.placeholder
    for name in ("upload", "download", "download_to", "search", "sign_out"):
        assert not window.actions[name].isEnabled(), name
    assert window.actions["sign_in"].isEnabled()


def test_upload_goes_to_the_folder_shown_not_the_highlighted_row(
    qtbot, window, sandbox, user_key, local_dir
):
    for name in ("a.bin", "b.bin"):
        (local_dir / name).write_bytes(os.urandom(500))
    sign_in(qtbot, window, sandbox, user_key)
    window.upload([local_dir / "a.bin"], "/campaigns/2024")
    wait_idle(qtbot, window)
    model = open_remote(qtbot, window, "/")
    qtbot.waitUntil(lambda: model.find("campaigns") >= 0, timeout=10_000)
    # the folder "campaigns" is highlighted, but the folder shown is /
    window.remote_pane.view.select_row(model.find("campaigns"))
    local = window.local_pane
    qtbot.waitUntil(lambda: local.select_name("b.bin"), timeout=5000)
    assert window.actions["upload"].text() == "Upload 1 item to /"
    # Ctrl+U from the local list
    with qtbot.waitSignal(window.controller.jobAdded, timeout=10_000):
        key(qtbot, local.view, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    assert window.queue.items()[-1].sds_path == "/b.bin"
    # into the folder: now the same key uploads there, and the label says so
    window.remote_pane.set_dir("/campaigns/2024")
    assert window.actions["upload"].text() == "Upload 1 item to /campaigns/2024"


def test_path_bars_history_and_keys(qtbot, window, sandbox, local_dir):
    (local_dir / "sub" / "deeper").mkdir(parents=True)
    pane = window.local_pane
    bar = pane.path_bar
    bar.combo.setFocus()
    bar.combo.lineEdit().setText(str(local_dir / "sub" / "deeper"))
    qtbot.keyClick(bar.combo.lineEdit(), Qt.Key.Key_Return)
    assert pane.current_dir() == local_dir / "sub" / "deeper"
    # Backspace in the list goes up; Alt+Left comes back
    qtbot.waitUntil(lambda: pane.model.placeholder != "" or pane.model.rowCount() >= 0)
    key(qtbot, pane.view, Qt.Key.Key_Backspace)
    assert pane.current_dir() == local_dir / "sub"
    key(qtbot, pane.view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert pane.current_dir() == local_dir / "sub" / "deeper"
    key(qtbot, pane.view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert pane.current_dir() == local_dir / "sub"
    # Enter on a folder row opens it
    qtbot.waitUntil(lambda: pane.select_name("deeper"), timeout=5000)
    key(qtbot, pane.view, Qt.Key.Key_Return)
    assert pane.current_dir() == local_dir / "sub" / "deeper"
    # a path that does not exist changes nothing
    assert not pane.set_directory(local_dir / "nope")
    assert pane.current_dir() == local_dir / "sub" / "deeper"
    # SDS side: typed path, Alt+Up
    sign_in(qtbot, window, sandbox, sandbox.demo_key)
    remote = window.remote_pane
    remote.path_bar.combo.lineEdit().setText("/demo/radiohound")
    qtbot.keyClick(remote.path_bar.combo.lineEdit(), Qt.Key.Key_Return)
    assert remote.current_dir() == "/demo/radiohound"
    key(qtbot, remote.view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert remote.current_dir() == "/demo"
    assert remote.path_bar.text() == "/demo"


def test_shortcuts_work_wherever_the_focus_is(qtbot, window, sandbox, local_dir):
    sign_in(qtbot, window, sandbox, sandbox.demo_key)
    model = open_remote(qtbot, window, "/demo")
    # F2 on the SDS side explains there is no rename
    window.remote_pane.view.select_row(model.find("README.txt"))
    key(qtbot, window.remote_pane.view, Qt.Key.Key_F2)
    assert window.last_error.text() == NO_RENAME
    window.last_error.close()
    # Ctrl+D with the focus in the transfer queue downloads the SDS selection
    window.activateWindow()  # the window manager's job once the box is gone
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    with qtbot.waitSignal(window.controller.jobAdded, timeout=10_000):
        key(qtbot, window.queue_dock.views[0], Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    assert (local_dir / "README.txt").is_file()
    # F5 from the SDS tree refreshes both sides: the new local file shows
    (local_dir / "fresh.txt").write_text("x")
    key(qtbot, window.remote_pane.tree, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.local_pane.select_name("fresh.txt"), timeout=5000)
    # Ctrl+L puts the cursor in the active side's path bar
    key(qtbot, window.local_pane.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.local_pane.path_bar.combo.lineEdit().hasFocus()
    # the menus show the same keys; Help lists them all
    assert window.actions["upload"].shortcut().toString() == "Ctrl+U"
    window.show_shortcuts()
    table = window.shortcuts_dialog.table
    keys = {table.item(r, 0).text() for r in range(table.rowCount())}
    assert {"Ctrl+U", "Ctrl+D", "F5", "F2", "Backspace, Alt+Up"} <= keys
    window.shortcuts_dialog.close()


def test_download_to_opens_a_folder_chooser(qtbot, window, sandbox, tmp_path):
    sign_in(qtbot, window, sandbox, sandbox.demo_key)
    model = open_remote(qtbot, window, "/demo")
    window.remote_pane.view.select_row(model.find("README.txt"))
    chosen = tmp_path / "elsewhere"
    chosen.mkdir()
    asked = []
    window.choose_folder = lambda title, start: asked.append(start) or chosen  # type: ignore[method-assign]
    assert window.actions["download_to"].isEnabled(), (
        model.state,
        model.path,
        [r[0] for r in model.rows],
    )
    window.actions["download_to"].trigger()
    wait_idle(qtbot, window)
    assert asked
    assert (chosen / "README.txt").is_file()


def test_local_side_live_new_folder_rename_trash(qtbot, window, local_dir, monkeypatch):
    pane = window.local_pane
    (local_dir / "growing.bin").write_bytes(b"x" * 10)
    qtbot.waitUntil(lambda: pane.select_name("growing.bin"), timeout=5000)
    # a file that grows shows its new size without F5 (the watcher)
    with (local_dir / "growing.bin").open("ab") as f:
        f.write(b"y" * 5000)
    n = lambda: pane.model.rows[[r[0] for r in pane.model.rows].index("growing.bin")][2]  # noqa: E731
    qtbot.waitUntil(lambda: n() == 5010, timeout=5000)
    (local_dir / "appeared.txt").write_text("new")
    qtbot.waitUntil(lambda: pane.select_name("appeared.txt"), timeout=5000)
    # new folder (Ctrl+Shift+N), rename (F2), delete to the trash (Del)
    answers = iter([("made", True), ("renamed.txt", True)])
    window.get_text = lambda *_a: next(answers)  # type: ignore[method-assign]
    key(
        qtbot,
        pane.view,
        Qt.Key.Key_N,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil((local_dir / "made").is_dir, timeout=5000)
    qtbot.waitUntil(lambda: pane.select_name("appeared.txt"), timeout=5000)
    key(qtbot, pane.view, Qt.Key.Key_F2)
    qtbot.waitUntil((local_dir / "renamed.txt").is_file, timeout=5000)
    trashed: list[list[str]] = []
    import send2trash

    def fake_trash(paths: list[str]) -> None:
        trashed.append(paths)
        for p in paths:
            Path(p).unlink()

    monkeypatch.setattr(send2trash, "send2trash", fake_trash)
    qtbot.waitUntil(lambda: pane.select_name("renamed.txt"), timeout=5000)
    key(qtbot, pane.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: not pane.select_name("renamed.txt"), timeout=5000)
    assert trashed == [[str(local_dir / "renamed.txt")]]
    # the filter narrows the list
    pane.filter_edit.setText("GROW")
    assert pane.view.model().rowCount() == 1


def test_counts_exact_after_uploads_into_several_folders(
    qtbot, window, sandbox, user_key, local_dir
):
    for name, size in (("a.bin", 1000), ("b.bin", 2000), ("c.bin", 3000)):
        (local_dir / name).write_bytes(os.urandom(size))
    sign_in(qtbot, window, sandbox, user_key)
    model = open_remote(qtbot, window, "/")
    tree = window.remote_pane.tree_model
    window.remote_pane.tree.expand(tree.index_of(tree.root))
    window.upload([local_dir / "a.bin"], "/x")
    window.upload([local_dir / "b.bin", local_dir / "c.bin"], "/y/z")
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: tree.find("/y/z") is not None and tree.root.count == 3, timeout=10_000)
    assert (tree.find("/x").count, tree.find("/x").size) == (1, 1000)
    assert (tree.find("/y").count, tree.find("/y").size) == (2, 5000)
    assert window.remote_pane.tree.isExpanded(tree.index_of(tree.root))  # nothing collapsed
    y = model.rows[model.find("y")]
    assert model.data(model.index(model.find("y"), 2)) == "2 files"
    assert y[2] == 5000
    # shown inside /y: an upload elsewhere still updates the tree's counts
    window.remote_pane.set_dir("/y")
    window.upload([local_dir / "a.bin"], "/x/more")
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: tree.find("/x").count == 2, timeout=10_000)
    assert tree.root.count == 4


def test_search_by_name_over_the_whole_tree(qtbot, window, sandbox):
    sign_in(qtbot, window, sandbox, sandbox.demo_key)
    open_remote(qtbot, window, "/")
    pane = window.remote_pane
    key(qtbot, window.local_pane.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert pane.search_edit.hasFocus()
    qtbot.keyClicks(pane.search_edit, "readme")
    qtbot.keyClick(pane.search_edit, Qt.Key.Key_Return)
    model = pane.model
    qtbot.waitUntil(lambda: model.state == "loaded" and model.rowCount() > 0, timeout=10_000)
    paths = [model.path_of(r) for r in model.rows]
    assert "/demo/README.txt" in paths
    # Enter on a result opens its folder with the file selected
    pane.view.select_row(paths.index("/demo/README.txt"))
    key(qtbot, pane.view, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: pane.current_dir() == "/demo" and model.state == "loaded", timeout=10_000
    )
    qtbot.waitUntil(
        lambda: [model.path_of(r) for r in pane.selected_rows()] == ["/demo/README.txt"],
        timeout=5000,
    )


def test_one_unit_system_from_preferences(qtbot, window, local_dir):
    (local_dir / "big.bin").write_bytes(b"\0" * 1_500_000)
    pane = window.local_pane
    qtbot.waitUntil(lambda: pane.select_name("big.bin"), timeout=5000)
    row = [r[0] for r in pane.model.rows].index("big.bin")
    size = lambda: pane.model.data(pane.model.index(row, 1))  # noqa: E731
    assert size() == "1.4 MiB"  # binary by default
    dialog = window.open_preferences()
    dialog.units.setCurrentIndex(dialog.units.findData("decimal"))
    from PySide6.QtWidgets import QDialogButtonBox

    box = dialog.findChild(QDialogButtonBox)
    qtbot.mouseClick(box.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert window.settings.units == "decimal"
    assert size() == "1.5 MB"
    window.settings.units = "binary"
    window.apply_units()
    assert size() == "1.4 MiB"


def test_local_tree_follows_the_folder_shown(qtbot, window, local_dir):
    """Typed path, Back, Forward, Up and a double-click in the list: each time the folder
    tree selects the folder shown and scrolls it into view (many siblings above it, and
    folders the tree had not loaded yet)."""
    for n in range(80):
        (local_dir / f"f{n:02d}" / "inner" / "leaf").mkdir(parents=True)
    pane = window.local_pane
    window.resize(1280, 800)
    tree = pane.tree

    def shown_in_tree(path: Path) -> bool:
        index = tree.currentIndex()
        if Path(pane.fs.filePath(index)) != path:
            return False
        selected = [pane.fs.filePath(i) for i in tree.selectionModel().selectedRows(0)]
        rect = tree.visualRect(index)
        return selected == [str(path)] and tree.viewport().rect().contains(rect.center())

    def wait_shown(path: Path) -> None:
        assert pane.current_dir() == path
        qtbot.waitUntil(lambda: shown_in_tree(path), timeout=5000)
        # and it stays there once the tree has loaded what it shows (a rescan or sort
        # of a parent must not move it away)
        qtbot.wait(300)
        assert shown_in_tree(path), pane.fs.filePath(tree.currentIndex())

    wait_shown(local_dir)
    line = pane.path_bar.combo.lineEdit()
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, str(local_dir / "f75" / "inner"))
    qtbot.keyClick(line, Qt.Key.Key_Return)
    wait_shown(local_dir / "f75" / "inner")
    qtbot.mouseClick(pane.path_bar.up, Qt.MouseButton.LeftButton)
    wait_shown(local_dir / "f75")
    qtbot.mouseClick(pane.path_bar.back, Qt.MouseButton.LeftButton)
    wait_shown(local_dir / "f75" / "inner")
    qtbot.mouseClick(pane.path_bar.back, Qt.MouseButton.LeftButton)
    wait_shown(local_dir)
    qtbot.mouseClick(pane.path_bar.forward, Qt.MouseButton.LeftButton)
    wait_shown(local_dir / "f75" / "inner")
    # the tree scrolled far away by the user; Up brings the folder back into view
    tree.verticalScrollBar().setValue(0)
    key(qtbot, pane.view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    wait_shown(local_dir / "f75")
    key(qtbot, pane.view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    wait_shown(local_dir)
    # double-click a folder far down the list
    view = pane.view
    qtbot.waitUntil(lambda: pane.select_name("f62"), timeout=5000)
    index = view.currentIndex()
    view.scrollTo(index)
    rect = view.visualRect(index)
    # a double-click as a mouse makes it: press and release, then the second press
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    wait_shown(local_dir / "f62")
