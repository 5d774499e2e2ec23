"""Several versions of one SDS path: the row says so, Properties lists them, each can be
downloaded and deleted."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from sds_desktop.gui.remote_list import R_VERSIONS

from .conftest import sign_in
from .test_app import wait_idle

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_versions_listed_downloaded_and_deleted(  # noqa: PLR0917 - fixtures
    qtbot, window, sandbox, user_key, local_dir, tmp_path
):
    f = local_dir / "v.bin"
    sign_in(qtbot, window, sandbox, user_key)
    f.write_bytes(b"first version\n")
    window.upload([f], "/ver")
    wait_idle(qtbot, window)
    # the gateway's times have whole seconds: the second upload gets a later one
    start = time.time()
    qtbot.waitUntil(lambda: int(time.time()) > int(start), timeout=2000)
    f.write_bytes(b"the second version, longer\n")
    window.upload([f], "/ver")
    wait_idle(qtbot, window)
    pane = window.remote_pane
    pane.set_dir("/")  # the root listing is where older versions show
    qtbot.waitUntil(lambda: pane.model.state == "loaded", timeout=10_000)
    assert pane.tree_model.find("/ver").count == 1  # one file, in two versions
    pane.set_dir("/ver")
    qtbot.waitUntil(lambda: pane.model.state == "loaded", timeout=10_000)
    n = pane.model.find("v.bin")
    assert pane.model.rows[n][R_VERSIONS] == 2
    assert pane.model.data(pane.model.index(n, 0)) == "v.bin  (2 versions)"
    pane.view.setFocus()
    pane.view.select_row(n)
    window.actions["properties"].trigger()
    qtbot.waitUntil(lambda: getattr(window, "properties_dialog", None) is not None, timeout=10_000)
    dialog = window.properties_dialog
    qtbot.waitUntil(lambda: len(dialog.version_rows) == 2, timeout=10_000)
    assert "(current)" in dialog.versions.item(0, 0).text()
    old = dialog.version_rows[1]
    assert old.size == len(b"first version\n")
    # download the older version into a folder of its own
    target = tmp_path / "older"
    target.mkdir()
    window.local_pane.set_directory(target)
    dialog.versions.selectRow(1)
    qtbot.mouseClick(dialog.download_version, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert (target / "v.bin").read_bytes() == b"first version\n"
    # delete it: one version remains
    dialog.versions.selectRow(1)
    qtbot.mouseClick(dialog.delete_version, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(dialog.version_rows) == 1, timeout=10_000)
    assert dialog.version_rows[0].size == len(b"the second version, longer\n")
    dialog.close()
