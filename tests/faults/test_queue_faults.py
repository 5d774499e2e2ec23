"""Faults mid-queue: drops, 5xx bursts, an outage, stalls, a revoked key, a full disk."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.queue import ItemState, TransferQueue
from sds_desktop.core.transfer import UploadItem, upload_one
from sds_desktop.gui.transfers import TransferController
from sds_desktop.sandbox.server import SandboxServer
from tests.faults.conftest import FAST, gateway_for, make_files, partials, states

WAIT_MS = 30_000


_cleanups: list[Any] = []


@pytest.fixture(autouse=True)
def _cleanup() -> Any:
    yield
    while _cleanups:
        _cleanups.pop()()


def controller_for(
    qtbot: QtBot, gateway: Gateway, account: str, queue: TransferQueue | None = None
) -> TransferController:
    controller = TransferController(queue or TransferQueue(), parallel=2, small_parallel=2)
    controller.retry_policy = FAST
    controller.set_gateway(gateway, account)
    _cleanups.append(lambda: controller.shutdown(5000))
    return controller


def seed(gateway: Gateway, folder: Path, sds_dir: str, n: int, size: int) -> list[SDSFile]:
    data = make_files(folder, n, size, prefix="r")
    files = []
    for name in sorted(data):
        item = UploadItem(folder / name, sds_dir, name, size)
        result = upload_one(gateway, item, retry=False)
        assert result.file is not None
        files.append(result.file)
    return files


def wait_idle(qtbot: QtBot, controller: TransferController) -> None:
    qtbot.waitUntil(controller.is_idle, timeout=WAIT_MS)


def remote_checksums(gateway: Gateway, sds_dir: str) -> dict[str, str]:
    files = gateway.list_files(sds_dir)
    names = [f.name for f in files]
    assert len(names) == len(set(names)), f"duplicate versions on SDS: {names}"
    return {f.name: f.sum_blake3 for f in files}


def local_checksums(folder: Path) -> dict[str, str]:
    from blake3 import blake3

    return {p.name: blake3(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def test_drop_mid_download_retries_and_loses_nothing(
    qtbot: QtBot, server: SandboxServer, gateway: Gateway, tmp_path: Path
) -> None:
    files = seed(gateway, tmp_path / "src", "/drop-down", 4, 300_000)
    controller = controller_for(qtbot, gateway, f"{server.url}|x")
    server.faults.drop_after_bytes(100_000, count=3)
    out = tmp_path / "out"
    controller.enqueue_download(files, out)
    wait_idle(qtbot, controller)
    assert states(controller.queue) == {ItemState.DONE: 4}
    assert local_checksums(out) == local_checksums(tmp_path / "src")
    assert partials(out) == []
    assert sum(i.attempts for i in controller.queue.items()) >= 4 + 3  # the drops retried


def test_drop_mid_upload_retries_and_keeps_one_version(
    qtbot: QtBot, server: SandboxServer, gateway: Gateway, tmp_path: Path
) -> None:
    src = tmp_path / "up"
    make_files(src, 4, 200_000)
    controller = controller_for(qtbot, gateway, f"{server.url}|x")
    server.faults.drop_after_bytes(60_000, count=2)
    controller.enqueue_upload([src], "/drop-up")
    wait_idle(qtbot, controller)
    assert states(controller.queue) == {ItemState.DONE: 4}
    assert remote_checksums(gateway, "/drop-up/up") == local_checksums(src)


def test_5xx_burst_makes_the_queue_wait_then_go_on(
    qtbot: QtBot, server: SandboxServer, gateway: Gateway, tmp_path: Path
) -> None:
    src = tmp_path / "burst"
    make_files(src, 6, 20_000)
    controller = controller_for(qtbot, gateway, f"{server.url}|x")
    health: list[str] = []
    controller.healthChanged.connect(health.append)
    server.faults.fail_next(8, 503)
    controller.enqueue_upload([src], "/burst")
    wait_idle(qtbot, controller)
    assert states(controller.queue) == {ItemState.DONE: 6}
    assert any(h.startswith("waiting for SDS") for h in health)
    assert health[-1] == ""  # and it said so when SDS answered again
    assert remote_checksums(gateway, "/burst/burst") == local_checksums(src)


def test_server_down_mid_queue_then_back_on_the_same_port(
    qtbot: QtBot, tmp_path: Path, email: str
) -> None:
    data_dir = tmp_path / "sandbox"
    first = SandboxServer(data_dir).start()
    port = int(first.url.rsplit(":", 1)[1])
    key = first.add_user(email)
    gateway = gateway_for(first, key)
    files = seed(gateway, tmp_path / "src", "/outage", 12, 100_000)
    controller = controller_for(qtbot, gateway, f"{first.url}|{email}")
    first.faults.throttle(400_000)  # ~0.25 s a file, 2 at a time: the outage lands mid-queue
    out = tmp_path / "out"
    controller.enqueue_download(files, out)
    qtbot.waitUntil(lambda: controller.queue.counts()["finished"] >= 1, timeout=WAIT_MS)
    first.stop()  # it drops its kept-alive connections too, as a gateway that goes down does
    qtbot.waitUntil(lambda: controller.waiting_for_server, timeout=WAIT_MS)
    assert controller.queue.counts()["failed"] == 0
    qtbot.wait(800)  # SDS stays down for a while; nothing fails meanwhile
    assert controller.queue.counts()["failed"] == 0
    second = SandboxServer(data_dir, port=port).start()
    try:
        wait_idle(qtbot, controller)
        assert states(controller.queue) == {ItemState.DONE: 12}
        assert local_checksums(out) == local_checksums(tmp_path / "src")
        assert partials(out) == []
    finally:
        controller.shutdown(5000)
        gateway.close()
        second.stop()


def test_a_dripping_server_is_stalled_and_the_file_retried(
    qtbot: QtBot, server: SandboxServer, gateway: Gateway, tmp_path: Path
) -> None:
    files = seed(gateway, tmp_path / "src", "/drip", 1, 50_000)
    controller = controller_for(qtbot, gateway, f"{server.url}|x")
    server.faults.throttle(2)  # a couple of bytes a second: never a full chunk
    out = tmp_path / "out"
    controller.enqueue_download(files, out)
    item_id = controller.queue.items()[0].id if controller.queue.items() else None
    qtbot.waitUntil(lambda: bool(controller.queue.items()), timeout=WAIT_MS)
    item_id = controller.queue.items()[0].id
    qtbot.waitUntil(
        lambda: controller.queue.get(item_id).state is ItemState.WAITING, timeout=WAIT_MS
    )
    waiting = controller.queue.get(item_id)
    assert "stalled" in waiting.error
    assert controller.retry_text(waiting).startswith("retrying in ")
    server.faults.throttle(None)
    wait_idle(qtbot, controller)
    assert controller.queue.get(item_id).state is ItemState.DONE
    assert local_checksums(out) == local_checksums(tmp_path / "src")
    assert partials(out) == []


def test_revoked_key_pauses_once_asks_and_goes_on(
    qtbot: QtBot, server: SandboxServer, email: str, tmp_path: Path
) -> None:
    key = server.add_user(email)
    gateway = gateway_for(server, key)
    _cleanups.append(gateway.close)
    src = tmp_path / "rev"
    make_files(src, 8, 40_000)
    controller = controller_for(qtbot, gateway, f"{server.url}|{email}")
    asked: list[str] = []
    controller.keyNeeded.connect(asked.append)
    server.faults.throttle(400_000)
    controller.enqueue_upload([src], "/revoked")
    qtbot.waitUntil(lambda: controller.queue.counts()["finished"] >= 1, timeout=WAIT_MS)
    assert server.faults.revoke_key(key)
    qtbot.waitUntil(lambda: bool(asked), timeout=WAIT_MS)
    qtbot.wait(300)
    assert len(asked) == 1  # one prompt, not one per item
    assert controller.key_needed
    assert controller.queue.counts()["failed"] == 0
    server.faults.throttle(None)
    fresh = gateway_for(server, server.add_user(email))  # the user signs in again
    _cleanups.append(fresh.close)
    controller.set_gateway(fresh, f"{server.url}|{email}")
    wait_idle(qtbot, controller)
    assert states(controller.queue) == {ItemState.DONE: 8}
    assert len(asked) == 1
    assert remote_checksums(fresh, "/revoked/rev") == local_checksums(src)


def test_disk_full_fails_that_item_with_free_space_and_pauses_other_downloads(
    qtbot: QtBot,
    server: SandboxServer,
    gateway: Gateway,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = seed(gateway, tmp_path / "src", "/full", 4, 30_000)
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, fh: Any) -> None:
            self._fh = fh

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name: str) -> Any:
            return getattr(self._fh, name)

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self._fh.close()

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        fh = real_fdopen(fd, *args, **kwargs)
        name = str(Path(f"/proc/self/fd/{fd}").readlink())
        return FullDisk(fh) if ".sds-" in name and "r00" not in name else fh

    out = tmp_path / "out"
    out.mkdir()
    # r00 lands first (its temp file is not "full"); the next one hits the full disk
    (out / "marker").write_text("x")
    monkeypatch.setattr("sds_desktop.core.download.os.fdopen", fdopen)
    monkeypatch.setenv("SDS_DESKTOP_TRANSFERS", "threads")  # the patch is in this process
    controller = controller_for(qtbot, gateway, f"{server.url}|x")
    controller.parallel = controller.small_parallel = 1
    controller.enqueue_download(files, out)
    qtbot.waitUntil(lambda: controller.queue.counts()["failed"] >= 1, timeout=WAIT_MS)
    qtbot.waitUntil(controller.is_idle, timeout=WAIT_MS)
    failed = controller.queue.items([ItemState.FAILED])
    assert len(failed) == 1
    assert "disk full" in failed[0].error
    assert str(out) in failed[0].error
    assert "bytes free" in failed[0].error
    paused = controller.queue.items([ItemState.PAUSED])
    assert len(paused) >= 1  # the other downloads wait for space instead of failing
    assert partials(out) == []


def test_pause_mid_download_then_resume_loses_nothing(
    qtbot: QtBot, server: SandboxServer, gateway: Gateway, tmp_path: Path
) -> None:
    files = seed(gateway, tmp_path / "src", "/pause", 1, 6_000_000)
    controller = controller_for(qtbot, gateway, f"{server.url}|x")
    server.faults.throttle(3_000_000)  # two seconds for the file: room to pause it
    out = tmp_path / "out"
    controller.enqueue_download(files, out)
    qtbot.waitUntil(lambda: bool(controller.queue.items()), timeout=WAIT_MS)
    item_id = controller.queue.items()[0].id
    qtbot.waitUntil(lambda: controller.queue.peek(item_id).bytes_done > 0, timeout=WAIT_MS)
    controller.pause([item_id])
    qtbot.waitUntil(lambda: not controller._workers, timeout=WAIT_MS)
    assert controller.queue.get(item_id).state is ItemState.PAUSED
    assert not (out / files[0].name).exists()  # nothing under the final name
    kept = partials(out)
    assert len(kept) == 1  # the temp file waits for the resume
    server.faults.throttle(None)
    controller.resume([item_id])
    wait_idle(qtbot, controller)
    done = controller.queue.get(item_id)
    assert done.state is ItemState.DONE
    # the sandbox answers the Range with a 206 (resumed); production ignores it (200:
    # restarted): both keep every byte, and the row says which
    assert done.note.startswith(("resumed from byte", "restarted from 0")), done.note
    print("resume note:", done.note)
    assert local_checksums(out) == local_checksums(tmp_path / "src")
    assert partials(out) == []
