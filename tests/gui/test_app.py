"""End to end against the sandbox: sign-in, browsing, uploads, downloads, cancel, quit."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit, QMessageBox

from sds_desktop.core.queue import ItemState
from sds_desktop.core.transfer import SMALL_FILE_BYTES
from sds_desktop.gui.credentials import SERVICE
from sds_desktop.gui.main_window import MainWindow
from sds_desktop.gui.remote_list import R_FILE, RemoteListModel

from .conftest import DEMO_EMAIL, sign_in

# The offscreen platform plugin warns about window size hints of dock widgets.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def open_remote(qtbot, win: MainWindow, path: str) -> RemoteListModel:
    """Show ``path`` on the SDS side and wait for its listing."""
    pane = win.remote_pane
    if pane.current_dir() != path or pane.model.state != "loaded":
        pane.set_dir(path)
    qtbot.waitUntil(lambda: pane.model.state == "loaded", timeout=10_000)
    return pane.model


def remote_row(model: RemoteListModel, name: str) -> int:
    return model.find(name)


def make_tree(root: Path) -> Path:
    folder = root / "campaign"
    (folder / "sigmf").mkdir(parents=True)
    (folder / "sigmf" / "rec.sigmf-data").write_bytes(os.urandom(300_000))
    (folder / "sigmf" / "rec.sigmf-meta").write_text('{"global": {}}')
    (folder / "notes.txt").write_text("field notes\n")
    return folder


def wait_idle(qtbot, win: MainWindow, timeout: int = 20_000) -> None:
    qtbot.waitUntil(win.controller.is_idle, timeout=timeout)


def test_sign_in_and_browse(qtbot, window, sandbox, local_dir):
    (local_dir / "hello.txt").write_text("hi")
    sign_in(qtbot, window, sandbox, sandbox.demo_key)
    assert window.account.email == DEMO_EMAIL
    assert window.sandbox_badge.isVisible()
    assert DEMO_EMAIL in window.conn_label.text()
    model = open_remote(qtbot, window, "/")
    assert remote_row(model, "demo") >= 0
    model = open_remote(qtbot, window, "/demo")
    assert model.rowCount() >= 2
    # the local pane lists the folder
    pane = window.local_pane
    qtbot.waitUntil(lambda: pane.select_name("hello.txt"), timeout=5000)
    # keyboard navigation in the remote list
    view = window.remote_pane.view
    view.setFocus()
    view.setCurrentIndex(model.index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().row() == 1


def test_upload_folder_by_drag_and_drop(qtbot, window, sandbox, user_key, local_dir):
    folder = make_tree(local_dir)
    sign_in(qtbot, window, sandbox, user_key)
    model = open_remote(qtbot, window, "/")
    pane = window.local_pane
    qtbot.waitUntil(lambda: pane.select_name(folder.name), timeout=5000)
    mime = pane.model.mimeData([pane.view.to_source(i) for i in pane.view.selectedIndexes()])
    assert mime.hasUrls()
    with qtbot.waitSignal(window.controller.jobAdded, timeout=10_000) as job:
        assert model.dropMimeData(mime, Qt.DropAction.CopyAction, -1, 0, QModelIndex())
    assert job.args[1] == 3
    wait_idle(qtbot, window)
    items = window.queue.items()
    assert {i.state for i in items} == {ItemState.DONE}
    assert {i.checksum for i in items} == {"verified"}
    assert {i.sds_path for i in items} == {
        "/campaign/notes.txt",
        "/campaign/sigmf/rec.sigmf-data",
        "/campaign/sigmf/rec.sigmf-meta",
    }
    # the list and the tree pick up the new folder without a manual refresh
    qtbot.waitUntil(lambda: remote_row(model, "campaign") >= 0, timeout=10_000)
    tree = window.remote_pane.tree_model
    qtbot.waitUntil(lambda: tree.find("/campaign") is not None, timeout=10_000)
    assert tree.find("/campaign").count == 3
    qtbot.waitUntil(lambda: "(3)" in window.queue_dock.tabs.tabText(2), timeout=2000)
    # the same folder again: the server has every file
    window.upload([folder], "/")
    qtbot.waitUntil(lambda: len(window.queue.items()) == 6, timeout=10_000)
    wait_idle(qtbot, window)
    again = window.queue.items()[3:]
    assert {i.state for i in again} == {ItemState.SKIPPED}
    assert {i.checksum for i in again} == {"skipped: already on SDS"}


def test_os_file_manager_drop_with_events(qtbot, window, sandbox, user_key, local_dir):
    """A real drop event on the remote view, as a file manager would send it."""
    f = local_dir / "from-file-manager.bin"
    f.write_bytes(os.urandom(50_000))
    sign_in(qtbot, window, sandbox, user_key)
    open_remote(qtbot, window, "/")
    viewport = window.remote_pane.view.viewport()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f))])
    pos = QPointF(40, viewport.height() - 10)
    action = Qt.DropAction.CopyAction
    point = pos.toPoint()  # enter/move events take integer positions, the drop a QPointF
    enter = QDragEnterEvent(point, action, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(point, action, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    QApplication.sendEvent(viewport, move)
    drop = QDropEvent(pos, action, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    with qtbot.waitSignal(window.controller.jobAdded, timeout=10_000):
        QApplication.sendEvent(viewport, drop)
    wait_idle(qtbot, window)
    (item,) = window.queue.items()
    assert item.sds_path == "/from-file-manager.bin"
    assert item.checksum == "verified"


def test_download_by_context_menu_and_drag(qtbot, window, sandbox, local_dir):
    sign_in(qtbot, window, sandbox, sandbox.demo_key)
    model = open_remote(qtbot, window, "/demo")
    readme = remote_row(model, "README.txt")
    assert readme >= 0
    # the Download action on a selected file → into the local pane's folder
    window.remote_pane.view.select_row(readme)
    action = window.actions["download"]
    assert action.isEnabled()
    assert action.text() == f"Download 1 item to {local_dir}"
    action.trigger()
    wait_idle(qtbot, window)
    assert (local_dir / "README.txt").is_file()
    assert window.queue.items()[0].checksum == "verified"
    # remote folder dragged onto a local folder → local/<folder>/...
    target = local_dir / "into"
    target.mkdir()
    pane = window.local_pane
    qtbot.waitUntil(lambda: pane.select_name("into"), timeout=5000)
    radiohound = remote_row(model, "radiohound")
    assert radiohound >= 0
    mime = model.mimeData([model.index(radiohound, 0)])
    drop_index = pane.view.to_source(pane.view.currentIndex())
    assert pane.model.canDropMimeData(mime, Qt.DropAction.CopyAction, -1, 0, drop_index)
    with qtbot.waitSignal(window.controller.jobAdded, timeout=10_000):
        pane.model.dropMimeData(mime, Qt.DropAction.CopyAction, -1, 0, drop_index)
    wait_idle(qtbot, window)
    got = sorted(p.name for p in (target / "radiohound").iterdir())
    assert got
    assert all(i.checksum == "verified" for i in window.queue.items())


def test_cancel_running_transfer_then_retry(qtbot, window, sandbox, user_key, local_dir):
    # larger than what the loopback socket buffers absorb, so the upload is mid-body
    big = local_dir / "slow.bin"
    big.write_bytes(os.urandom(16_000_000))
    sign_in(qtbot, window, sandbox, user_key)
    sandbox.faults.throttle(1_000_000)
    window.upload([big], "/")
    qtbot.waitUntil(lambda: window.controller.running == 1, timeout=10_000)
    item_id = window.queue.items()[0].id
    qtbot.waitUntil(lambda: window.queue.get(item_id).bytes_done > 0, timeout=10_000)
    qtbot.waitUntil(lambda: window.queue_dock.views[0].model().rowCount() == 1, timeout=2000)
    window.queue_dock.views[0].selectRow(0)
    window.queue_dock.cancel_selected()
    assert window.queue.get(item_id).state is ItemState.CANCELLED  # at once in the view
    qtbot.waitUntil(lambda: window.controller.running == 0, timeout=5_000)
    assert window.queue.get(item_id).state is ItemState.CANCELLED
    # the tab titles follow on the view's next flush (100 ms)
    qtbot.waitUntil(lambda: "(1)" in window.queue_dock.tabs.tabText(1), timeout=2000)
    sandbox.faults.reset()
    window.controller.retry([item_id])
    wait_idle(qtbot, window)
    item = window.queue.get(item_id)
    assert item.state is ItemState.DONE
    assert item.attempts == 2


def test_parallel_change_while_running(qtbot, window, sandbox, user_key, local_dir):
    for i in range(4):  # large files: the user's setting governs them
        (local_dir / f"f{i}.bin").write_bytes(os.urandom(SMALL_FILE_BYTES + 100_000))
    sign_in(qtbot, window, sandbox, user_key)
    sandbox.faults.throttle(400_000)
    window.queue_dock.parallel.setValue(1)
    window.upload(sorted(local_dir.iterdir()), "/p")
    qtbot.waitUntil(lambda: window.controller.running == 1, timeout=10_000)
    window.queue_dock.parallel.setValue(3)
    qtbot.waitUntil(lambda: window.controller.running == 3, timeout=10_000)
    sandbox.faults.reset()
    wait_idle(qtbot, window)
    assert window.settings.parallel_transfers == 3


def test_small_files_run_beside_the_parallel_limit(qtbot, window, sandbox, user_key, local_dir):
    for i in range(6):
        (local_dir / f"s{i}.bin").write_bytes(os.urandom(300_000))
    sign_in(qtbot, window, sandbox, user_key)
    sandbox.faults.throttle(100_000)
    window.queue_dock.parallel.setValue(1)
    window.upload(sorted(local_dir.iterdir()), "/small")
    # six small files at once although one parallel transfer is set
    qtbot.waitUntil(lambda: window.controller.running == 6, timeout=10_000)
    sandbox.faults.reset()
    wait_idle(qtbot, window)
    assert window.queue.counts()["finished"] == 6


def test_quit_while_transfers_run(qtbot, window, sandbox, user_key, local_dir):
    big = local_dir / "slow.bin"
    big.write_bytes(os.urandom(3_000_000))
    sign_in(qtbot, window, sandbox, user_key)
    sandbox.faults.throttle(100_000)
    window.upload([big], "/")
    qtbot.waitUntil(lambda: window.controller.running == 1, timeout=10_000)
    asked: list[str] = []
    window.ask = lambda title, text: asked.append(title) or False  # type: ignore[method-assign]
    assert not window.close()  # the user said no
    assert window.controller.running == 1
    window.ask = lambda *_a: True  # type: ignore[method-assign]
    assert window.close()
    assert asked == ["Quit SDS Desktop"]
    assert window.controller.pool.activeThreadCount() == 0


def test_delete_and_refusal_reason(qtbot, window, sandbox, user_key, local_dir):
    f = local_dir / "gone.bin"
    f.write_bytes(os.urandom(1000))
    sign_in(qtbot, window, sandbox, user_key)
    window.upload([f], "/")
    wait_idle(qtbot, window)
    model = open_remote(qtbot, window, "/")
    qtbot.waitUntil(lambda: remote_row(model, "gone.bin") >= 0, timeout=10_000)
    window.remote_pane.view.setFocus()
    window.remote_pane.view.select_row(remote_row(model, "gone.bin"))
    window.actions["delete"].trigger()
    qtbot.waitUntil(lambda: remote_row(model, "gone.bin") < 0, timeout=10_000)
    assert window.gateway.list_files("/") == []


def test_delete_refused_shows_server_reason(qtbot, window, sandbox):
    sign_in(qtbot, window, sandbox, sandbox.demo_key)
    captured = next((f for f in window.gateway.list_files("/demo") if f.captures), None)
    if captured is None:
        pytest.skip("demo data has no capture file")
    model = open_remote(qtbot, window, captured.directory)
    window.remote_pane.view.setFocus()
    window.remote_pane.view.select_row(remote_row(model, captured.name))
    window.actions["delete"].trigger()
    qtbot.waitUntil(lambda: getattr(window, "last_error", None) is not None, timeout=10_000)
    assert "refused" in window.last_error.text()
    window.last_error.close()


def test_properties_dialog(qtbot, window, sandbox):
    sign_in(qtbot, window, sandbox, sandbox.demo_key)
    model = open_remote(qtbot, window, "/demo")
    readme = remote_row(model, "README.txt")
    window.remote_pane.view.setFocus()
    window.remote_pane.view.select_row(readme)
    assert window.actions["properties"].isEnabled()
    qtbot.keyClick(window.remote_pane.view, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: getattr(window, "properties_dialog", None) is not None, timeout=10_000)
    tree = window.properties_dialog.tree
    values = {
        tree.topLevelItem(i).text(0): tree.topLevelItem(i).text(1)
        for i in range(tree.topLevelItemCount())
    }
    assert values["BLAKE3 checksum"] == model.rows[readme][R_FILE].sum_blake3
    assert values["Owner"] == DEMO_EMAIL
    assert "Captures" in values
    assert "Datasets" in values
    window.properties_dialog.close()


def test_new_virtual_folder_then_upload(qtbot, window, sandbox, user_key, local_dir):
    f = local_dir / "x.bin"
    f.write_bytes(b"abc" * 100)
    sign_in(qtbot, window, sandbox, user_key)
    model = open_remote(qtbot, window, "/")
    row = window.create_folder("fresh")
    assert model.rows[row][0] == "fresh"
    assert model.rows[row][7]  # virtual
    window.remote_pane.view.setFocus()
    assert not window.actions["download"].isEnabled()
    window.upload([f], "/fresh")
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: not model.rows[remote_row(model, "fresh")][7], timeout=10_000)
    assert window.queue.items()[0].sds_path == "/fresh/x.bin"


# -- sign-in --------------------------------------------------------------------------


def submit_login(qtbot, window, host: str, key: str):
    dialog = window.open_login()
    dialog.host_box.setCurrentText(host)
    dialog.key_edit.setText(key)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    return dialog


def test_login_dialog_stores_key_in_keyring(qtbot, window, sandbox, memory_keyring):
    submit_login(qtbot, window, sandbox.url, f"  {sandbox.demo_key}\n")
    qtbot.waitUntil(lambda: window.account is not None, timeout=10_000)
    qtbot.waitUntil(lambda: window.login_dialog is None)
    assert memory_keyring.store[(SERVICE, sandbox.url)] == sandbox.demo_key
    assert window.settings.recent_hosts[0] == sandbox.url
    assert window.account.stored == "keyring"
    window.sign_out()
    qtbot.waitUntil(lambda: (SERVICE, sandbox.url) not in memory_keyring.store, timeout=5000)
    assert window.account is None


def test_wrong_key(qtbot, window, sandbox):
    dialog = submit_login(qtbot, window, sandbox.url, "wrongkey.0000000000000000000000000000000")
    qtbot.waitUntil(lambda: "refused" in dialog.error_label.text(), timeout=10_000)
    assert dialog.isVisible()
    assert window.account is None
    dialog.reject()


def test_unreachable_host(qtbot, window):
    dialog = submit_login(qtbot, window, "http://127.0.0.1:1", "abc.def")
    qtbot.waitUntil(lambda: "Cannot reach" in dialog.error_label.text(), timeout=15_000)
    text = dialog.error_label.text()
    assert "connection was refused" in text  # a reason a person can act on...
    assert "ConnectionPool" not in text  # ...not the HTTP library's internals
    assert window.account is None
    dialog.reject()


def test_key_can_be_shown_while_typing(qtbot, window):
    dialog = window.open_login()
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Password
    assert not dialog.show_key.icon().isNull()  # an action without icon is invisible
    dialog.show_key.trigger()
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Normal
    dialog.show_key.trigger()
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Password
    dialog.reject()


def test_no_keyring_session_only_and_plaintext_opt_in(qtbot, window, sandbox, no_keyring):
    dialog = window.open_login()
    assert dialog.keyring_notice.isVisible()
    assert "session" in dialog.keyring_notice.text()
    assert dialog.plaintext_box.isVisible()
    dialog.reject()
    dialog = submit_login(qtbot, window, sandbox.url, sandbox.demo_key)
    qtbot.waitUntil(lambda: window.account is not None, timeout=10_000)
    assert window.account.stored == "session"
    assert not window.credentials.plaintext_path.exists()
    window.sign_out()
    qtbot.waitUntil(lambda: window.tasks.active == 0)
    dialog = window.open_login()
    dialog.plaintext_box.setChecked(True)
    dialog.host_box.setCurrentText(sandbox.url)
    dialog.key_edit.setText(sandbox.demo_key)
    dialog.submit()
    qtbot.waitUntil(lambda: window.account is not None, timeout=10_000)
    path = window.credentials.plaintext_path
    assert window.account.stored == "plaintext"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())[sandbox.url] == sandbox.demo_key


def test_start_session_uses_stored_key(qtbot, window, sandbox, memory_keyring):
    memory_keyring.set_password(SERVICE, sandbox.url, sandbox.demo_key)
    window.settings.last_host = sandbox.url
    with qtbot.waitSignal(window.signedIn, timeout=10_000):
        window.start_session()
    assert window.account.stored == "keyring"


def test_start_session_honours_environment(qtbot, window, sandbox, monkeypatch):
    # a .env that names a host signs in there only with its own key: the environment's
    # key is never sent to a host a .env names (issue 10)
    monkeypatch.setenv("SDS_SECRET_TOKEN", "not-this-one.x")
    (window.settings.config_dir / ".env").write_text(
        f"SDS_HOST={sandbox.url}\nSDS_SECRET_TOKEN={sandbox.demo_key}\n"
    )
    monkeypatch.chdir(window.settings.config_dir)
    window.start_session()
    box = _unseen_host_box(qtbot, window)
    assert sandbox.url in box.text()
    assert ".env" in box.informativeText()
    with qtbot.waitSignal(window.signedIn, timeout=10_000):
        qtbot.mouseClick(_button(box, "Sign in"), Qt.MouseButton.LeftButton)
    assert window.account.stored == "environment"
    # seen now: the next start signs in without asking
    window.sign_out()
    with qtbot.waitSignal(window.signedIn, timeout=10_000):
        window.start_session()
    assert window.findChild(QMessageBox, "unseenHost") is None


def _unseen_host_box(qtbot, window) -> QMessageBox:
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "unseenHost") is not None)
    box = window.findChild(QMessageBox, "unseenHost")
    qtbot.waitUntil(box.isVisible)
    return box


def _button(box: QMessageBox, text: str):
    return next(b for b in box.buttons() if b.text().replace("&", "") == text)


def test_unseen_host_from_env_file_is_not_contacted_on_cancel(qtbot, window, sandbox, monkeypatch):
    monkeypatch.delenv("SDS_SECRET_TOKEN", raising=False)
    (window.settings.config_dir / ".env").write_text(
        f"SDS_HOST={sandbox.url}\nSDS_SECRET_TOKEN={sandbox.demo_key}\n"
    )
    monkeypatch.chdir(window.settings.config_dir)
    window.start_session()
    box = _unseen_host_box(qtbot, window)
    assert box.defaultButton() is _button(box, "Cancel")
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.login_dialog is not None and window.login_dialog.isVisible())
    assert window.account is None
    assert "not confirmed" in window.login_dialog.error_label.text()
    assert sandbox.url not in window.settings.seen_hosts
    window.login_dialog.reject()


def test_no_account_opens_login(qtbot, window, monkeypatch):
    monkeypatch.delenv("SDS_SECRET_TOKEN", raising=False)
    monkeypatch.chdir(window.settings.config_dir)
    window.start_session()
    assert window.login_dialog is not None
    assert window.login_dialog.isVisible()
    window.login_dialog.reject()
