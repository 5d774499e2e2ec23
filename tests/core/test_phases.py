"""What a transfer reports it is doing (the queue shows "hashing 35%", "100% · verifying"),
against the sandbox over real HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sds_desktop.core.gateway import Gateway
from sds_desktop.core.queue import Direction, ItemSpec, ItemState, TransferQueue
from sds_desktop.core.transfer import DownloadItem, download_one, plan_upload, upload_one
from sds_desktop.sandbox.server import SandboxServer

SIZE = 3 * 1024 * 1024 + 17


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    srv = SandboxServer(tmp_path_factory.mktemp("sandbox"))
    srv.start()
    gw = Gateway(srv.url + "/api/v1", srv.add_user("phases@test.sds"))
    yield gw
    gw.close()
    srv.stop()


def _recorder() -> tuple[list[tuple[str, int, int]], object]:
    seen: list[tuple[str, int, int]] = []
    return seen, lambda phase, done, total: seen.append((phase, done, total))


def _order(seen: list[tuple[str, int, int]]) -> list[str]:
    out: list[str] = []
    for phase, _done, _total in seen:
        if not out or out[-1] != phase:
            out.append(phase)
    return out


def test_upload_hashes_then_sends_then_verifies(gateway: Gateway, tmp_path: Path) -> None:
    src = tmp_path / "sweep.bin"
    src.write_bytes(os.urandom(SIZE))
    seen, on_phase = _recorder()
    result = upload_one(gateway, plan_upload(src, "/phases").items[0], on_phase=on_phase)
    assert result.file is not None
    assert _order(seen) == ["hashing", "sending", "verifying"]
    hashing = [s for s in seen if s[0] == "hashing"]
    assert hashing[0][1:] == (0, SIZE)
    assert hashing[-1][1:] == (SIZE, SIZE)  # "hashing 100%" before the first byte goes out
    assert [d for _p, d, _t in hashing] == sorted(d for _p, d, _t in hashing)


def test_download_receives_then_verifies(gateway: Gateway, tmp_path: Path) -> None:
    src = tmp_path / "iq.bin"
    src.write_bytes(os.urandom(SIZE))
    up = upload_one(gateway, plan_upload(src, "/phases").items[0])
    assert up.file is not None
    seen, on_phase = _recorder()
    dest = tmp_path / "down" / "iq.bin"
    download_one(gateway, DownloadItem(up.file, dest), on_phase=on_phase)
    assert _order(seen) == ["receiving", "verifying"]
    assert seen[-1] == ("verifying", SIZE, SIZE)
    assert dest.read_bytes() == src.read_bytes()


def test_queue_keeps_the_phase_of_running_items_only() -> None:
    queue = TransferQueue()
    spec = ItemSpec(Direction.UPLOAD, "a.bin", "/tmp/a.bin", "/x/a.bin", 100)
    _job, (item,) = queue.add_job("a", Direction.UPLOAD, [spec], account="h|e")
    item_id = item.id
    queue.set_phase(item_id, "hashing", 10, 100)
    assert queue.peek(item_id).phase == ""  # not running: nothing to show
    queue.mark_running(item_id)
    queue.set_phase(item_id, "hashing", 35, 100)
    assert (queue.peek(item_id).phase, queue.peek(item_id).phase_done) == ("hashing", 35)
    queue.mark_done(item_id, checksum="verified")
    assert queue.peek(item_id).state is ItemState.DONE
    assert queue.peek(item_id).phase == ""
