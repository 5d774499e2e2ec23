"""Upload as capture, against the sandbox: Digital RF (two channels), RadioHound, SigMF,
the capture step ("created", "linked", "failed" with Retry), and the drop question."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from sds_desktop.core.queue import ItemState
from sds_desktop.gui.rf.capture_step import CREATED, FAILED, LINKED, SIGMF_NOTICE
from sds_desktop.gui.rf.dialogs import DropQuestion, UploadCaptureDialog
from tests.gui.conftest import sign_in
from tests.gui.rf_data import make_drf, make_rh, make_sigmf, rh_doc, settle

DONE = (CREATED, LINKED, FAILED)
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen dialogs


def _plan_dialog(qtbot, window, paths: list[Path], dest: str = "/") -> UploadCaptureDialog:
    window.rf.upload_as_capture(paths, dest)
    qtbot.waitUntil(lambda: isinstance(window.rf.dialog, UploadCaptureDialog), timeout=10_000)
    dialog = window.rf.dialog
    assert isinstance(dialog, UploadCaptureDialog)
    return dialog


def _wait_steps(qtbot, window, n: int) -> list:
    steps = window.rf.steps.steps
    qtbot.waitUntil(
        lambda: len(steps) >= n and all(s.state in DONE for s in steps[-n:]), timeout=30_000
    )
    return steps[-n:]


def _server_captures(window) -> list:
    return [c for page in window.gateway.iter_capture_pages({}) for c in page]


def test_drf_two_channels_upload_as_captures(qtbot, window, sandbox, user_key, local_dir) -> None:
    sign_in(qtbot, window, sandbox, user_key)
    rec = make_drf(local_dir / "westford", ("ch0", "ch1"))
    dialog = _plan_dialog(qtbot, window, [rec], "/campaign")
    plan = dialog.plan
    assert plan.sds_dir == "/campaign/westford"
    assert [(c.capture_type, c.channel, c.top_level_dir) for c in plan.captures] == [
        ("drf", "ch0", "/campaign/westford"),
        ("drf", "ch1", "/campaign/westford"),
    ]
    assert len(plan.items) == sum(1 for p in rec.rglob("*") if p.is_file())
    assert dialog.ok_button.text() == "Upload and create captures"
    dialog.accept()

    steps = _wait_steps(qtbot, window, 2)
    assert [s.state for s in steps] == [CREATED, CREATED], [s.text for s in steps]
    assert steps[0].text == "capture ch0 created"
    created = {c.channel: c for c in _server_captures(window)}
    assert set(created) == {"ch0", "ch1"}
    assert created["ch0"].capture_props["samples_per_second"] == 1000
    # the Captures tab shows them without a refresh
    qtbot.waitUntil(lambda: window.rf.captures.model.rowCount() == 2, timeout=10_000)
    infos = {i.channel: i for i in window.rf.captures.model.infos()}
    assert infos["ch1"].center_hz == 916e6
    assert infos["ch0"].start is not None
    assert infos["ch0"].start.timestamp() == 1719496800

    # the same recording again: files skipped, captures linked (not duplicated)
    dialog = _plan_dialog(qtbot, window, [rec], "/campaign")
    dialog.accept()
    steps = _wait_steps(qtbot, window, 2)
    assert [s.state for s in steps] == [LINKED, LINKED]
    assert steps[0].text == "capture exists: linked (ch0)"
    assert {s.capture_uuid for s in steps} == {c.uuid for c in created.values()}
    assert len(_server_captures(window)) == 2
    settle(qtbot, window)


def test_rh_scan_groups_become_captures(qtbot, window, sandbox, user_key, local_dir) -> None:
    sign_in(qtbot, window, sandbox, user_key)
    g1, g2 = str(uuid.uuid4()), str(uuid.uuid4())
    rec = make_rh(local_dir / "rooftop", {g1: 3, g2: 2})
    dialog = _plan_dialog(qtbot, window, [rec])
    assert sorted(c.scan_group for c in dialog.plan.captures) == sorted([g1, g2])
    dialog.accept()
    steps = _wait_steps(qtbot, window, 2)
    assert {s.state for s in steps} == {CREATED}
    caps = _server_captures(window)
    assert sorted(c.scan_group or "" for c in caps) == sorted([g1, g2])
    assert {c.capture_type for c in caps} == {"rh"}
    settle(qtbot, window)


def test_refused_capture_shows_reason_and_retries(
    qtbot, window, sandbox, user_key, local_dir
) -> None:
    """A recording still being written: its data files are ``tmp.rf@…`` (left out), so
    the SDS refuses the capture; once the files are complete and uploaded, Retry works."""
    sign_in(qtbot, window, sandbox, user_key)
    rec = make_drf(local_dir / "live", ("ch0",))
    data = sorted(rec.rglob("rf@*.h5"))
    for path in data:
        path.rename(path.with_name("tmp." + path.name))
    dialog = _plan_dialog(qtbot, window, [rec])
    left_out = {p.name: reason for p, reason in dialog.plan.skipped}
    assert set(left_out) == {"tmp." + p.name for p in data}
    assert "tmp-files" in {p.code for p in dialog.plan.recording.problems}  # the preflight
    dialog.accept()
    (step,) = _wait_steps(qtbot, window, 1)
    assert step.state == FAILED
    assert step.text.startswith("capture failed: ")
    assert "rf@" in step.message  # the server's own reason
    for path in data:
        path.with_name("tmp." + path.name).rename(path)
    window.upload([rec], "/")
    qtbot.waitUntil(window.controller.is_idle, timeout=20_000)
    dock = window.rf.steps_dock
    dock.view.selectRow(window.rf.steps.steps.index(step))
    assert dock.retry_button.isEnabled()
    dock.retry_button.click()
    qtbot.waitUntil(lambda: step.state in (CREATED, LINKED), timeout=20_000)
    assert step.state == CREATED
    assert not dock.retry_button.isEnabled()
    settle(qtbot, window)


def test_capture_waits_for_failed_files(qtbot, window, sandbox, user_key, local_dir) -> None:
    sign_in(qtbot, window, sandbox, user_key)
    rec = make_rh(local_dir / "held", {str(uuid.uuid4()): 2})
    sandbox.faults.reset()
    dialog = _plan_dialog(qtbot, window, [rec])
    victim = next(p for p in sorted(rec.iterdir()))
    victim_size = victim.stat().st_size
    victim.unlink()  # the file disappears before its upload: that item fails
    dialog.accept()
    qtbot.waitUntil(window.controller.is_idle, timeout=20_000)
    (step,) = window.rf.steps.steps[-1:]
    assert step.state == "waiting: files failed", step.text
    assert "retry them in the queue" in step.text
    failed = [i for i in window.queue.items() if i.state is ItemState.FAILED]
    assert len(failed) == 1
    victim.write_text(json.dumps(rh_doc(step.spec.scan_group, 0)))
    assert victim.stat().st_size == victim_size
    window.controller.retry([failed[0].id])
    qtbot.waitUntil(lambda: step.state in DONE, timeout=20_000)
    assert step.state == CREATED
    settle(qtbot, window)


def test_sigmf_uploads_as_files_with_notice(qtbot, window, sandbox, user_key, local_dir) -> None:
    sign_in(qtbot, window, sandbox, user_key)
    rec = make_sigmf(local_dir / "wifi")
    dialog = _plan_dialog(qtbot, window, [rec])
    assert dialog.plan.captures == []
    assert SIGMF_NOTICE in dialog.plan.notices
    assert dialog.ok_button.text() == "Upload files"
    dialog.accept()
    qtbot.waitUntil(window.controller.is_idle, timeout=20_000)
    names = sorted(f.name for f in window.gateway.list_files("/wifi"))
    assert names == ["rec.sigmf-data", "rec.sigmf-meta"]
    assert window.rf.steps.rowCount() == 0
    settle(qtbot, window)


def test_drop_recording_asks_once_and_remembers(
    qtbot, window, sandbox, user_key, local_dir
) -> None:
    sign_in(qtbot, window, sandbox, user_key)
    rec = make_rh(local_dir / "dropped", {str(uuid.uuid4()): 1})
    window.remote_pane.model.uploadRequested.emit([rec], "/")
    qtbot.waitUntil(lambda: isinstance(window.rf.dialog, DropQuestion), timeout=10_000)
    question = window.rf.dialog
    question.remember.setChecked(True)
    question.capture_button.click()
    qtbot.waitUntil(lambda: isinstance(window.rf.dialog, UploadCaptureDialog), timeout=10_000)
    window.rf.dialog.reject()
    # remembered: the next drop goes straight to the plan, no question
    window.remote_pane.model.uploadRequested.emit([rec], "/")
    qtbot.waitUntil(
        lambda: isinstance(window.rf.dialog, UploadCaptureDialog) and window.rf.dialog.isVisible(),
        timeout=10_000,
    )
    window.rf.dialog.reject()
    window.rf.forget_drop_answer()
    # a plain folder is uploaded as files, without a question
    plain = local_dir / "notes"
    plain.mkdir()
    (plain / "a.txt").write_text("hello")
    window.remote_pane.model.uploadRequested.emit([plain], "/")
    qtbot.waitUntil(lambda: bool(window.queue.items()), timeout=10_000)
    qtbot.waitUntil(window.controller.is_idle, timeout=20_000)
    assert [f.name for f in window.gateway.list_files("/notes")] == ["a.txt"]
    settle(qtbot, window)
