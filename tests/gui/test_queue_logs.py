"""Queue adapter, log view and plumbing that need no sandbox."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from sds_desktop.__main__ import build_parser, main
from sds_desktop.core.queue import Direction, ItemSpec, TransferQueue
from sds_desktop.gui import fmt
from sds_desktop.gui.credentials import CredentialStore
from sds_desktop.gui.fmt import human_bytes, human_duration
from sds_desktop.gui.logs import LogDock, LoggingSetup, LogModel
from sds_desktop.gui.queue_model import (
    C_CHECKSUM,
    C_ERROR,
    C_JOB,
    C_PROGRESS,
    C_SPEED,
    C_STATE,
    ID_ROLE,
    QueueModel,
)
from sds_desktop.gui.queue_view import QueueDock
from sds_desktop.gui.settings import Settings
from sds_desktop.gui.transfers import TransferController


def specs(n: int) -> list[ItemSpec]:
    return [
        ItemSpec(Direction.UPLOAD, f"f{i}.bin", f"/tmp/f{i}.bin", f"/x/f{i}.bin", 100)
        for i in range(n)
    ]


def test_queue_model_follows_the_queue(qtbot, qtmodeltester):
    queue = TransferQueue(history_limit=3)
    model = QueueModel(queue)
    active, stopped, done = model.tabs
    for tab in model.tabs:
        qtmodeltester.check(tab)
    _, items = queue.add_job("job", Direction.UPLOAD, specs(5))
    assert active.rowCount() == 0  # events are applied together, a moment later
    qtbot.waitUntil(lambda: active.rowCount() == 5, timeout=2000)
    queue.mark_running(items[0].id)
    queue.mark_done(items[0].id, checksum="verified")
    model.flush()
    assert (active.rowCount(), done.rowCount()) == (4, 1)
    assert model.index_of(items[0].id).model() is done
    assert model.index_of(items[0].id, C_STATE).data() == "done"
    assert done.index(0, C_CHECKSUM).data() == "verified"
    assert active.index(0, C_JOB).data() == "job (1/5)"
    for item in items[1:]:
        queue.mark_running(item.id)
        queue.mark_done(item.id)
    model.flush()
    assert (active.rowCount(), done.rowCount()) == (0, 3)  # bounded history: oldest pruned
    assert done.ids() == [i.id for i in items[2:]]
    for tab in model.tabs:
        qtmodeltester.check(tab)
    queue.clear_finished()
    _, more = queue.add_job("came and went", Direction.UPLOAD, specs(2))
    queue.remove([more[0].id])  # between two flushes: never shown
    qtbot.waitUntil(lambda: done.rowCount() == 0 and active.rowCount() == 1, timeout=2000)
    assert active.index(0, 0).data(ID_ROLE) == more[1].id
    assert stopped.rowCount() == 0
    model.detach()


def test_queue_dock_tabs_and_counts(qtbot, qtmodeltester):
    queue = TransferQueue()
    controller = TransferController(queue)
    dock = QueueDock(queue, controller)
    qtbot.addWidget(dock)
    _, items = queue.add_job("job", Direction.DOWNLOAD, specs(3))
    queue.mark_running(items[0].id)
    queue.mark_failed(items[0].id, "HTTP 500: boom")
    queue.cancel(items[1].id)
    qtbot.waitUntil(lambda: dock.tabs.tabText(0) == "Queued / Active (1)", timeout=2000)
    # cancelled is not a failure: it is counted apart (same tab, to retry it from there)
    assert dock.tabs.tabText(1) == "Failed (1) · cancelled (1)"
    assert dock.tabs.tabText(2) == "Done"
    for tab in dock.model.tabs:
        qtmodeltester.check(tab)
    failed_tab, done_tab = dock.views[1], dock.views[2]
    # the Failed tab shows why, not a progress bar; the Done tab shows the checksum result
    assert not failed_tab.isColumnHidden(C_ERROR)
    assert failed_tab.isColumnHidden(C_PROGRESS)
    assert failed_tab.isColumnHidden(C_SPEED)
    assert not done_tab.isColumnHidden(C_CHECKSUM)
    assert done_tab.isColumnHidden(C_ERROR)
    assert not dock.views[0].isColumnHidden(C_PROGRESS)
    dock.tabs.setCurrentIndex(1)
    dock.views[1].selectAll()
    dock.retry_selected()  # no gateway: items go back to queued and wait
    qtbot.waitUntil(lambda: dock.tabs.tabText(0) == "Queued / Active (3)", timeout=2000)
    dock.grab()  # paints the progress delegate
    assert controller.shutdown(1000)
    dock.model.detach()


def test_controller_plans_upload_without_gateway(qtbot, tmp_path: Path):
    queue = TransferQueue()
    controller = TransferController(queue)
    folder = tmp_path / "rec"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "x.bin").write_bytes(b"x" * 10)
    (folder / "y.bin").write_bytes(b"y" * 10)
    (folder / "empty.bin").write_bytes(b"")
    with qtbot.waitSignal(controller.jobAdded) as job:
        controller.enqueue_upload([folder], "/dest")
    assert job.args[1] == 2
    assert sorted(i.sds_path for i in queue.items()) == ["/dest/rec/a/x.bin", "/dest/rec/y.bin"]
    assert not controller.is_idle() or controller.gateway is None
    assert controller.shutdown(1000)


def test_log_dock_filters_and_jsonl_never_has_the_token(qtbot, qtmodeltester, tmp_path: Path):
    setup = LoggingSetup(tmp_path / "logs", level=logging.DEBUG)
    try:
        dock = LogDock(setup)
        qtbot.addWidget(dock)
        token = "AbCdEfGh.0123456789abcdef0123456789abcdef"
        setup.secret_filter.add_secret(token)
        log = logging.getLogger("sds_desktop.test")
        log.info("hello %s", "world")
        log.warning("header Authorization: Api-Key: %s", token)
        log.debug("hidden at INFO level")
        qtbot.waitUntil(lambda: dock.model.rowCount() == 3)
        assert dock.proxy.rowCount() == 2  # DEBUG filtered out by default
        dock.level_box.setCurrentIndex(2)  # WARNING
        assert dock.proxy.rowCount() == 1
        dock.search.setText("nothing matches")
        assert dock.proxy.rowCount() == 0
        qtmodeltester.check(dock.model)
        setup.file_handler.flush()
        text = setup.path.read_text()
        assert token not in text
        assert "hello world" in text
        records = [json.loads(line) for line in text.splitlines()]
        assert {r["level"] for r in records} >= {"INFO", "WARNING"}
    finally:
        setup.close()


def test_log_model_is_bounded(qtbot):
    model = LogModel(limit=10)
    for i in range(25):
        model.append((time.time(), "INFO", "x", f"m{i}"))
    assert model.rowCount() == 10
    assert model.index(0, 3).data() == "m15"


def test_settings_roundtrip(tmp_path: Path):
    s = Settings(tmp_path)
    assert s.parallel_transfers == 4
    assert s.show_hidden is False
    s.show_hidden = True
    s.parallel_transfers = 7
    s.remember_host("a.example")
    s.remember_host("b.example")
    s.remember_host("a.example")
    s.sync()
    s2 = Settings(tmp_path)
    assert s2.show_hidden is True
    assert s2.parallel_transfers == 7
    assert s2.recent_hosts == ["a.example", "b.example"]
    assert s2.last_host == "a.example"


def test_credentials_delete_everywhere(tmp_path: Path, memory_keyring):
    store = CredentialStore(tmp_path)
    assert store.save("h", "k") == "keyring"
    assert store.load("h") == ("k", "session")
    store.delete("h")
    assert store.load("h") == (None, "")


def test_formatting():
    fmt.set_units("decimal")
    try:
        assert human_bytes(999) == "999 B"
        assert human_bytes(1_500_000) == "1.5 MB"
    finally:
        fmt.set_units("binary")
    assert human_duration(75) == "1m 15s"
    assert human_duration(None) == ""


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert "sds-desktop" in capsys.readouterr().out
    args = build_parser().parse_args(["--sandbox", "--config-dir", "/tmp/x"])
    assert args.sandbox
    assert args.config_dir == "/tmp/x"


def test_batch_totals_follow_items_without_scanning():
    from sds_desktop.gui.transfers import BatchTotals

    queue = TransferQueue()
    _, (a, b, c) = queue.add_job(
        "j",
        Direction.UPLOAD,
        [
            ItemSpec(Direction.UPLOAD, n, f"/l/{n}", f"/s/{n}", size)
            for n, size in (("a", 100), ("b", 200), ("c", 300))
        ],
    )
    totals = BatchTotals(queue)
    for item in (a, b, c):
        totals.add(item.id)
    assert totals.totals([]) == (0, 600)
    queue.mark_running(a.id)
    queue.add_progress(a.id, 50)
    assert totals.totals([a.id]) == (50, 600)  # running bytes count
    queue.mark_done(a.id)
    totals.settle(a.id)
    assert totals.totals([]) == (100, 600)
    queue.cancel(c.id)
    totals.settle(c.id)
    assert totals.totals([]) == (100, 300)  # a cancelled file leaves the total
    queue.mark_running(b.id)
    queue.add_progress(b.id, 80)
    queue.mark_failed(b.id, "boom")
    totals.settle(b.id)
    assert totals.totals([]) == (180, 300)  # a failed file keeps what it sent
    queue.retry(b.id)
    totals.add(b.id)
    assert totals.totals([]) == (100, 300)  # retried: open again, restarts from zero
    totals.discard(a.id)
    assert totals.totals([]) == (0, 200)  # removed from the queue


def test_config_dir_that_is_a_file_is_a_one_line_error(tmp_path, capsys):
    a_file = tmp_path / "settings.txt"
    a_file.write_text("x")
    with pytest.raises(SystemExit) as info:
        main(["--config-dir", str(a_file)])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith("not a folder")
    assert "Traceback" not in "\n".join(err)


def test_progress_column_says_hashing_and_verifying():
    from sds_desktop.core.queue import Direction, ItemSpec, TransferQueue
    from sds_desktop.gui.queue_model import C_PROGRESS, QueueModel

    queue = TransferQueue()
    spec = ItemSpec(Direction.UPLOAD, "a.bin", "/tmp/a.bin", "/x/a.bin", 200)
    _job, (item,) = queue.add_job("a", Direction.UPLOAD, [spec], account="h|e")
    model = QueueModel(queue)
    cell = model.index_of(item.id, C_PROGRESS)
    queue.mark_running(item.id)
    queue.set_phase(item.id, "hashing", 70, 200)
    assert cell.data() == "hashing 35%"
    queue.add_progress(item.id, 200)
    queue.set_phase(item.id, "verifying", 200, 200)
    assert cell.data() == "100% · verifying"  # not "100%" of a row that still runs
    queue.mark_done(item.id, checksum="verified")
    assert cell.data() == "100%"
    model.detach()
