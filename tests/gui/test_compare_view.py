"""Tools → Compare folders on a 1,000-file folder against the sandbox, and both syncs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from sds_desktop.core.checksum import blake3_bytes
from sds_desktop.core.compare import Status

from .conftest import sign_in
from .test_app import wait_idle

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
CONTENT = b"one recording chunk\n" * 20
N = 1000


def seed(sandbox, email: str, local: Path) -> None:
    """1,000 identical files on both sides; then 2 changed, 1 only here, 1 only on SDS."""
    names = [f"chunk-{i:04d}.bin" for i in range(N)]
    owner = sandbox.store.ensure_user(email)
    digest, size = sandbox.store.put_bytes(CONTENT)
    assert digest == blake3_bytes(CONTENT)
    sandbox.store.insert_files_bulk(owner, "/cmp", names, size=size, sum_blake3=digest)
    sandbox.store.insert_files_bulk(
        owner, "/cmp/sub", ["remote-only.bin"], size=size, sum_blake3=digest
    )
    for name in names:
        (local / name).write_bytes(CONTENT)
    (local / "chunk-0007.bin").write_bytes(CONTENT.upper())  # same size, other bytes
    (local / "chunk-0008.bin").write_bytes(CONTENT + b"more")
    (local / "local-only.bin").write_bytes(b"new measurement")


def test_compare_then_sync_both_ways(qtbot, window, sandbox, local_dir):
    email = "compare@test.sds"
    key = sandbox.add_user(email)
    seed(sandbox, email, local_dir)
    sign_in(qtbot, window, sandbox, key)
    window.remote_pane.set_dir("/cmp")
    qtbot.waitUntil(lambda: window.remote_pane.model.state == "loaded", timeout=10_000)
    assert window.actions["compare"].isEnabled()
    import faulthandler
    import sys

    faulthandler.dump_traceback_later(15, file=sys.stderr)
    window.actions["compare"].trigger()  # Tools → Compare folders… (Ctrl+Shift+K)
    dialog = window.compare_dialog
    qtbot.waitUntil(
        lambda: dialog.result is not None or "Could not" in dialog.summary.text(), timeout=20_000
    )
    assert dialog.result is not None, dialog.summary.text()
    status = {e.rel: e.status for e in dialog.result.entries}
    assert len(status) == N + 2
    assert status["chunk-0007.bin"] is Status.DIFFERS
    assert status["chunk-0008.bin"] is Status.DIFFERS
    assert status["local-only.bin"] is Status.LOCAL_ONLY
    assert status["sub/remote-only.bin"] is Status.REMOTE_ONLY
    assert dialog.result.count(Status.SAME) == N - 2
    assert "998 same" in dialog.summary.text()
    # select what differs: exactly the four rows
    qtbot.mouseClick(dialog.select_button, Qt.MouseButton.LeftButton)
    chosen = {dialog.model.rows[i.row()].rel for i in dialog.table.selectionModel().selectedRows()}
    assert chosen == {"chunk-0007.bin", "chunk-0008.bin", "local-only.bin", "sub/remote-only.bin"}
    dialog.only_differences.setChecked(True)
    assert dialog.model.rowCount() == 4
    # the second compare reads no file again (hash cache)
    first_hashed = dialog.result.hashed_bytes
    assert first_hashed > 0
    qtbot.mouseClick(dialog.again_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.again_button.isEnabled, timeout=20_000)
    assert dialog.result.hashed_bytes == 0
    # dry run first: the preview names the files; "no" queues nothing
    window.ask = lambda *_a: False  # type: ignore[method-assign]
    qtbot.mouseClick(dialog.upload_button, Qt.MouseButton.LeftButton)
    assert "Upload 3 new or changed file(s)" in dialog.last_preview
    assert "local-only.bin  →  /cmp" in dialog.last_preview
    assert window.queue.items() == []
    window.ask = lambda *_a: True  # type: ignore[method-assign]
    qtbot.mouseClick(dialog.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.queue.items()) == 3, timeout=10_000)
    wait_idle(qtbot, window)
    assert {i.sds_path for i in window.queue.items()} == {
        "/cmp/chunk-0007.bin",
        "/cmp/chunk-0008.bin",
        "/cmp/local-only.bin",
    }
    # after the upload everything local is on the SDS; the SDS-only file comes down
    qtbot.mouseClick(dialog.again_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.again_button.isEnabled, timeout=20_000)
    assert dialog.result.count(Status.SAME) == N + 1
    assert not dialog.upload_button.isEnabled()
    qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    assert "/cmp/sub/remote-only.bin" in dialog.last_preview
    wait_idle(qtbot, window)
    qtbot.waitUntil((local_dir / "sub" / "remote-only.bin").is_file, timeout=10_000)
    assert (local_dir / "sub" / "remote-only.bin").read_bytes() == CONTENT
    dialog.close()
