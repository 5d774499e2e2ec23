"""Finishing well: a notification per settled job, keep-awake while busy, receipts."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from sds_desktop.core.gateway import Gateway
from sds_desktop.gui.notify import Finisher
from sds_desktop.gui.queue_view import QueueDock
from sds_desktop.sandbox.server import SandboxServer
from tests.faults.conftest import make_files
from tests.faults.test_queue_faults import controller_for, local_checksums, wait_idle


class Awake:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def start(self) -> None:
        self.calls.append("start")

    def stop(self) -> None:
        self.calls.append("stop")


def test_job_end_notifies_keeps_awake_and_writes_a_receipt(
    qtbot: QtBot, server: SandboxServer, gateway: Gateway, tmp_path: Path
) -> None:
    src = tmp_path / "notes"
    make_files(src, 3, 7_000)
    (src / "empty.bin").write_bytes(b"")  # left out on purpose: not a failure
    controller = controller_for(qtbot, gateway, f"{server.url}|x")
    sent: list[tuple[str, str]] = []
    awake = Awake()
    finisher = Finisher(send=lambda t, m: sent.append((t, m)), keep_awake=awake)
    controller.busyChanged.connect(finisher.busy)
    controller.jobsSettled.connect(lambda report: [finisher.job_done(*job) for job in report])
    controller.enqueue_upload([src], "/notes")
    wait_idle(qtbot, controller)
    assert sent == [("Transfer finished", "notes: 3 file(s) done and verified.")]
    assert awake.calls == ["start", "stop"]

    dock = QueueDock(controller.queue, controller)
    qtbot.addWidget(dock)
    job = controller.queue.items()[0].job_id
    csv_path, json_path = dock.save_receipt_to(tmp_path / "receipt", [job])
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    on_sds = {f.name: f for f in gateway.list_files("/notes/notes")}
    assert len(rows) == 3
    for row in rows:
        name = Path(row["local_path"]).name
        assert row["blake3"] == local_checksums(src)[name] == on_sds[name].sum_blake3
        assert row["sds_uuid"] == on_sds[name].uuid
        assert row["result"].startswith("done")
        assert row["finished_at"].endswith("+00:00")
    document = json.loads(json_path.read_text(encoding="utf-8"))
    assert [f["sds_uuid"] for f in document["files"]] == [r["sds_uuid"] for r in rows]


def test_a_failed_job_says_so_and_disabled_notifications_stay_silent() -> None:
    sent: list[tuple[str, str]] = []
    finisher = Finisher(send=lambda t, m: sent.append((t, m)), keep_awake=Awake())
    finisher.job_done("scans", 5, 2)
    assert sent == [
        ("Transfer finished with failures", "scans: 2 of 5 file(s) failed; see the Failed tab.")
    ]
    finisher.enabled = False
    finisher.job_done("scans", 5, 0)
    assert len(sent) == 1


def test_unavailable_notifier_is_silent() -> None:
    def broken(_t: str, _m: str) -> None:
        raise RuntimeError("no D-Bus session")

    finisher = Finisher(send=broken, keep_awake=Awake())
    finisher.job_done("x", 1, 0)  # no exception, nothing for the user to dismiss
