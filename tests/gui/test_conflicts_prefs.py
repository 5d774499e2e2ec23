"""The conflict dialog, the Preferences dialog, and a retrying row as the user sees them.

Set ``SDS_SCREENSHOTS=dir`` to save the PNGs looked at for docs/reliability.md.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from sds_desktop.core.conflicts import Conflict, ConflictAction, Side
from sds_desktop.core.queue import Direction, ItemSpec, ItemState, TransferQueue
from sds_desktop.gui.conflicts import ConflictDialog, ConflictPrompter
from sds_desktop.gui.credentials import CredentialStore
from sds_desktop.gui.login import LoginDialog
from sds_desktop.gui.preferences import PreferencesDialog, apply_preferences
from sds_desktop.gui.queue_model import C_ERROR, C_STATE
from sds_desktop.gui.queue_view import QueueDock
from sds_desktop.gui.settings import Settings
from sds_desktop.gui.tasks import TaskRunner
from sds_desktop.gui.transfers import TransferController

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen dialogs
SHOTS = os.environ.get("SDS_SCREENSHOTS")


def shot(widget: object, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / name))  # type: ignore[attr-defined]


def _conflict(tmp_path: Path) -> Conflict:
    local = tmp_path / "spectrum-2026-01-02.sigmf-data"
    local.write_bytes(b"local bytes, edited")
    return Conflict(
        "download",
        Side(
            "/captures/site-a/spectrum-2026-01-02.sigmf-data",
            1_572_864,
            datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            "9f2c1b7e5d3a48c6b0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7",
        ),
        Side(str(local), local.stat().st_size, datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)),
    )


def test_conflict_dialog_shows_both_sides_and_hashes_on_demand(qtbot, tmp_path):
    runner = TaskRunner()
    dialog = ConflictDialog(_conflict(tmp_path), job_label="site-a (2 files)", runner=runner)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.hash_labels["existing"].text() == "not computed"
    assert dialog.hash_button is not None
    dialog.hash_button.click()
    qtbot.waitUntil(lambda: "contents differ" in dialog.hash_labels["existing"].text())
    shot(dialog, "conflict-dialog.png")
    with qtbot.waitSignal(dialog.decided) as blocker:
        dialog.rest.setChecked(True)
        dialog.buttons[ConflictAction.KEEP_BOTH].click()
    assert blocker.args == [ConflictAction.KEEP_BOTH, True]
    assert dialog.result() == QDialog.DialogCode.Accepted
    runner.shutdown(2000)


def test_prompter_asks_one_at_a_time_and_skips_settled_ones(qtbot, tmp_path):
    queue = TransferQueue()
    controller = TransferController(queue)
    specs = [
        ItemSpec(Direction.DOWNLOAD, f"f{i}", str(tmp_path / f"f{i}"), f"/x/f{i}", 5)
        for i in range(3)
    ]
    _, items = queue.add_job("job", Direction.DOWNLOAD, specs)
    opened: list[ConflictDialog] = []
    prompter = ConflictPrompter(controller, None, open_dialog=opened.append)  # type: ignore[arg-type]
    for item in items:
        queue.mark_running(item.id)
        queue.hold_for_decision(item.id, "exists")
        prompter.ask(item.id, _conflict(tmp_path))
    assert len(opened) == 1  # one dialog at a time
    qtbot.addWidget(opened[0])
    opened[0].rest.setChecked(True)
    opened[0].buttons[ConflictAction.SKIP].click()
    assert len(opened) == 1  # the rest of the job was settled by that answer
    assert {queue.get(i.id).state for i in items} == {ItemState.QUEUED}
    assert controller.conflicts.action_for(items[0].job_id, "download") is ConflictAction.SKIP
    controller.shutdown(1000)


def test_preferences_round_trip_into_the_controller(qtbot, tmp_path):
    settings = Settings(tmp_path)
    controller = TransferController(TransferQueue())
    dialog = PreferencesDialog(settings, controller)
    qtbot.addWidget(dialog)
    dialog.attempts.setValue(3)
    dialog.stall.setValue(12)
    dialog.deadline.setValue(5)
    dialog.conflict["upload"].setCurrentIndex(
        dialog.conflict["upload"].findData(ConflictAction.KEEP_BOTH.value)
    )
    assert dialog.speed.isEnabled()
    dialog.speed.setValue(500)
    shot(dialog, "preferences.png")
    dialog.accept()
    assert controller.speed_limit == 500 * 1024  # one limit, applied at once
    assert controller.retry_policy.attempts == 3
    assert controller.retry_policy.stall_seconds == 12
    assert controller.retry_policy.deadline == 300
    assert controller.conflicts.action_for(1, "upload") is ConflictAction.KEEP_BOTH
    fresh = TransferController(TransferQueue())
    apply_preferences(Settings(tmp_path), fresh)  # stored, not only applied
    assert fresh.retry_policy.attempts == 3
    assert fresh.speed_limit == 500 * 1024
    controller.shutdown(1000)
    fresh.shutdown(1000)


def test_a_retrying_row_says_when_and_which_attempt(qtbot):
    queue = TransferQueue()
    controller = TransferController(queue)
    dock = QueueDock(queue, controller)
    qtbot.addWidget(dock)
    specs = [
        ItemSpec(
            Direction.UPLOAD,
            f"scan-{i:03d}.h5",
            f"/data/scan-{i:03d}.h5",
            f"/lab/scan-{i:03d}.h5",
            48_000_000,
        )
        for i in range(4)
    ]
    _, items = queue.add_job("lab", Direction.UPLOAD, specs)
    for _ in range(2):
        queue.mark_running(items[0].id)
        queue.wait_to_retry(items[0].id, 0, "x")
        queue.due(time.monotonic() + 1)
    queue.mark_running(items[0].id)
    queue.wait_to_retry(items[0].id, 12.4, "stalled: no data for 30 s")
    model = dock.model
    model.flush()  # as its timer does within 100 ms
    assert model.index_of(items[0].id, C_STATE).data() == "retrying in 12 s (attempt 4/8)"
    assert model.index_of(items[0].id, C_ERROR).data() == "stalled: no data for 30 s"
    dock.resize(1280, 260)
    shot(dock, "retrying-row.png")
    controller.shutdown(1000)


def test_revoked_key_prompt_explains_what_happened(qtbot, tmp_path):
    settings = Settings(tmp_path)
    runner = TaskRunner()
    message = (
        "SDS refused the API key while transfers were running (revoked or expired). "
        "Sign in again: the queue goes on where it stopped."
    )
    dialog = LoginDialog(settings, CredentialStore(tmp_path), runner, message=message)
    qtbot.addWidget(dialog)
    dialog.show()
    shot(dialog, "revoked-key-prompt.png")
    assert dialog.isVisible()
    runner.shutdown(1000)


def test_pausing_a_running_upload_says_it_restarts_from_zero(qtbot):
    import threading
    from types import SimpleNamespace

    queue = TransferQueue()
    controller = TransferController(queue)
    dock = QueueDock(queue, controller)
    qtbot.addWidget(dock)
    spec = ItemSpec(Direction.UPLOAD, "big.h5", "/d/big.h5", "/lab/big.h5", 10_000_000)
    _, (item,) = queue.add_job("lab", Direction.UPLOAD, [spec])
    queue.mark_running(item.id)
    queue.add_progress(item.id, 2_400_000)
    worker = SimpleNamespace(cancel=threading.Event(), pausing=threading.Event())
    controller._workers[item.id] = worker  # a running worker, as _pump makes one
    controller.pause([item.id])
    assert worker.cancel.is_set()
    dock.model.flush()
    assert dock.model.index_of(item.id, C_STATE).data() == (
        "paused · uploads cannot resume on SDS: restarts from 0"
    )
    controller._workers.clear()
    controller.resume([item.id])
    assert queue.get(item.id).note == "restarting from 0"
    controller.shutdown(1000)
