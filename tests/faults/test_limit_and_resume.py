"""The shared speed limit through the queue, and downloads that go on after a restart.

The limit is tested without real time: the controller's bucket gets a fake clock whose
sleeps are recorded (and move the clock), so the test checks that the transfers paid
for their bytes, not how long they took.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from sds_desktop.core.gateway import Gateway
from sds_desktop.core.queue import ItemState, TransferQueue
from sds_desktop.core.throttle import TokenBucket
from sds_desktop.gui.transfers import TransferController
from sds_desktop.sandbox.server import SandboxServer
from tests.faults.conftest import FAST, make_files, partials, states
from tests.faults.test_queue_faults import local_checksums, remote_checksums, seed

WAIT_MS = 30_000
MIB = 1024 * 1024


class FakeTime:
    """A thread-safe clock that moves only when a worker sleeps; the sleeps summed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 1000.0
        self.slept = 0.0

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds
            self.slept += seconds


_cleanups: list[Any] = []


@pytest.fixture(autouse=True)
def _cleanup() -> Any:
    yield
    while _cleanups:
        _cleanups.pop()()


def controller_for(
    gateway: Gateway, account: str, queue: TransferQueue | None = None, *, parallel: int = 1
) -> TransferController:
    controller = TransferController(queue or TransferQueue(), parallel=parallel, small_parallel=1)
    controller.retry_policy = FAST
    controller.set_gateway(gateway, account)
    _cleanups.append(lambda: controller.shutdown(5000))
    return controller


def test_one_limit_paces_uploads_and_downloads(
    qtbot: QtBot,
    server: SandboxServer,
    gateway: Gateway,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the fake clock lives in this process: the files move on the window's threads here
    # (the transfer process's limit: test_the_limit_reaches_the_transfer_process)
    monkeypatch.setenv("SDS_DESKTOP_TRANSFERS", "threads")
    fake = FakeTime()
    controller = controller_for(gateway, f"{server.url}|x", parallel=2)
    controller.throttle = TokenBucket(clock=fake.clock, sleep=fake.sleep)
    rate = 2 * MIB
    controller.set_speed_limit(rate)
    src = tmp_path / "up"
    make_files(src, 3, 2 * MIB)  # 6 MiB: about 3 s of budget at 2 MiB/s
    controller.enqueue_upload([src], "/limited")
    qtbot.waitUntil(controller.is_idle, timeout=WAIT_MS)
    assert states(controller.queue) == {ItemState.DONE: 3}
    assert remote_checksums(gateway, "/limited/up") == local_checksums(src)
    total = 6 * MIB
    # each byte paid for, except the last chunk of each of the 2 lanes (1 MiB at most)
    assert (total - 2 * MIB) / rate - 0.01 <= fake.slept <= total / rate + 0.01

    fake.slept = 0.0
    out = tmp_path / "out"
    controller.enqueue_download(gateway.list_files("/limited/up"), out)
    qtbot.waitUntil(controller.is_idle, timeout=WAIT_MS)
    assert local_checksums(out) == local_checksums(src)
    assert (total - 2 * MIB) / rate - 0.01 <= fake.slept <= total / rate + 0.01

    controller.set_speed_limit(0)  # no limit: nothing waits
    fake.slept = 0.0
    out2 = tmp_path / "out2"
    controller.enqueue_download(gateway.list_files("/limited/up"), out2)
    qtbot.waitUntil(controller.is_idle, timeout=WAIT_MS)
    assert fake.slept == 0.0
    assert local_checksums(out2) == local_checksums(src)


@pytest.mark.parametrize("ranged", [True, False], ids=["206", "production-200"])
def test_a_download_goes_on_from_its_temp_file_after_a_restart(  # noqa: PLR0917
    qtbot: QtBot,
    server: SandboxServer,
    gateway: Gateway,
    tmp_path: Path,
    email: str,
    ranged: bool,
) -> None:
    (file,) = seed(gateway, tmp_path / "src", f"/restart-{ranged}", 1, 3 * MIB)
    out = tmp_path / "out"
    out.mkdir()
    orphan = out / ".sds-0123456789abcdef.zz.partial"  # a crash's leftover, no item
    orphan.write_bytes(b"nobody's")
    journal = tmp_path / "queue.sqlite3"
    server.faults.honour_range(ranged)
    server.faults.throttle(2 * MIB)  # ~1.5 s: the quit lands mid-file
    account = f"{server.url}|{email}"

    queue = TransferQueue(journal)
    first = TransferController(queue, parallel=1, small_parallel=1)
    first.retry_policy = FAST
    first.set_gateway(gateway, account)
    first.enqueue_download([file], out)
    qtbot.waitUntil(lambda: bool(queue.items()), timeout=WAIT_MS)
    item_id = queue.items()[0].id
    qtbot.waitUntil(lambda: queue.peek(item_id).bytes_done >= MIB // 2, timeout=WAIT_MS)
    assert first.shutdown(5000)  # the app quits mid-download
    qtbot.wait(50)  # let the late outcome arrive: it must not remove the temp file
    queue.close()
    (left,) = [p for p in partials(out) if p != orphan]
    assert left.stat().st_size >= MIB // 2

    server.faults.throttle(None)
    again = TransferQueue(journal)
    second = TransferController(again, parallel=1, small_parallel=1)
    _cleanups.append(lambda: second.shutdown(5000))
    assert second.swept == [orphan]  # only the orphan went
    assert left.exists()
    assert again.get(item_id).note == "goes on from its temp file if SDS allows, else from 0"
    second.retry_policy = FAST
    second.set_gateway(gateway, account)
    qtbot.waitUntil(second.is_idle, timeout=WAIT_MS)
    assert states(again) == {ItemState.DONE: 1}
    assert local_checksums(out) == local_checksums(tmp_path / "src")
    assert partials(out) == []
    note = again.get(item_id).note
    if ranged:
        assert note.startswith("resumed from byte ")
        assert int(note.rsplit(" ", 1)[1].replace(",", "")) >= MIB // 2
    else:
        assert note == "restarted from 0"  # production ignores Range: said so


def test_a_quit_upload_says_it_restarts_from_zero(
    qtbot: QtBot, server: SandboxServer, gateway: Gateway, tmp_path: Path, email: str
) -> None:
    src = tmp_path / "up"
    make_files(src, 1, 3 * MIB)
    journal = tmp_path / "queue.sqlite3"
    queue = TransferQueue(journal)
    first = TransferController(queue, parallel=1, small_parallel=1)
    first.set_speed_limit(MIB)  # ~3 s: the quit lands mid-file
    first.set_gateway(gateway, f"{server.url}|{email}")
    first.enqueue_upload([src / "f00.bin"], "/quit-up")
    qtbot.waitUntil(lambda: bool(queue.items()), timeout=WAIT_MS)
    item_id = queue.items()[0].id
    qtbot.waitUntil(lambda: queue.peek(item_id).bytes_done > 0, timeout=WAIT_MS)
    assert first.shutdown(5000)
    queue.close()

    again = TransferQueue(journal)
    second = TransferController(again, parallel=1, small_parallel=1)
    _cleanups.append(lambda: second.shutdown(5000))
    assert again.get(item_id).state is ItemState.QUEUED
    assert again.get(item_id).note == "uploads cannot resume on SDS: restarts from 0"
    second.set_gateway(gateway, f"{server.url}|{email}")
    qtbot.waitUntil(second.is_idle, timeout=WAIT_MS)
    # sent again from 0 (or found complete, if the cancelled body had all gone out):
    # either way SDS holds the file once, with its content
    assert again.get(item_id).state in {ItemState.DONE, ItemState.SKIPPED}
    assert remote_checksums(gateway, "/quit-up") == local_checksums(src)
