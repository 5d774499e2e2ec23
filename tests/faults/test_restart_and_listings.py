"""A crash mid-queue, a restart on a new sandbox port, hostile listings, conflicts."""

from __future__ import annotations

import os
from pathlib import Path

from pytestqt.qtbot import QtBot

from sds_desktop.core.conflicts import ConflictAction
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.queue import Direction, ItemSpec, ItemState, TransferQueue
from sds_desktop.gui.transfers import TransferController
from sds_desktop.sandbox.server import SandboxServer
from tests.core.conftest import file_json
from tests.faults.conftest import FAST, make_files, partials, states
from tests.faults.test_queue_faults import (
    WAIT_MS,
    _cleanups,
    controller_for,
    local_checksums,
    seed,
    wait_idle,
)


def test_kill_mid_queue_then_restart_resumes_by_itself_on_a_new_port(
    qtbot: QtBot, server: SandboxServer, gateway: Gateway, email: str, tmp_path: Path
) -> None:
    files = seed(gateway, tmp_path / "src", "/restart", 3, 50_000)
    out = tmp_path / "out"
    out.mkdir()
    journal = tmp_path / "queue.sqlite3"
    before = TransferQueue(journal)
    specs = [
        ItemSpec(Direction.DOWNLOAD, f.name, str(out / f.name), f.sds_path, f.size, f.uuid)
        for f in files
    ]
    # queued under the sandbox's previous port; one was running when the process died
    _, items = before.add_job(
        "restart", Direction.DOWNLOAD, specs, account=f"http://127.0.0.1:1|{email}"
    )
    before.mark_running(items[0].id)
    (out / ".sds-r00.bin.k3j2.partial").write_bytes(b"half a file")
    before._journal.close(())  # kill -9: no close(), nothing flushed

    queue = TransferQueue(journal)
    controller = TransferController(queue, parallel=2, small_parallel=2)
    _cleanups.append(lambda: controller.shutdown(5000))
    assert [p.name for p in controller.swept] == [".sds-r00.bin.k3j2.partial"]
    controller.retry_policy = FAST
    controller.set_gateway(gateway, f"{server.url}|{email}")  # today's port
    wait_idle(qtbot, controller)
    assert states(queue) == {ItemState.DONE: 3}
    assert local_checksums(out) == local_checksums(tmp_path / "src")
    assert partials(out) == []


class HostileListing(Gateway):
    """The real gateway, whose folder listing also carries entries no client should
    plan: a size of 2^70 and a path that climbs out of the target folder."""

    def list_files(self, path: str = "/") -> list[SDSFile]:
        real = super().list_files(path)
        owner = f"/files/{real[0].owner_email}" if real and real[0].owner_email else "/files/x"
        huge = SDSFile.from_json(file_json(name="huge.bin", directory=f"{owner}{path}", size=2**70))
        climb = SDSFile.from_json(file_json(name="..", directory=f"{owner}{path}"))
        return [*real, huge, climb]


def test_hostile_listing_entries_are_failed_rows_and_the_rest_is_queued(
    qtbot: QtBot, server: SandboxServer, key: str, tmp_path: Path
) -> None:
    plain = Gateway(f"{server.url}/api/v1", key, timeout=10)
    _cleanups.append(plain.close)
    seed(plain, tmp_path / "src", "/hostile", 3, 10_000)
    hostile = HostileListing(f"{server.url}/api/v1", key, timeout=10)
    _cleanups.append(hostile.close)
    controller = controller_for(qtbot, hostile, f"{server.url}|x")
    out = tmp_path / "out"
    controller.enqueue_download(["/hostile"], out)
    wait_idle(qtbot, controller)
    by_state = states(controller.queue)
    assert by_state == {ItemState.DONE: 3, ItemState.FAILED: 2}
    reasons = sorted(i.error for i in controller.queue.items([ItemState.FAILED]))
    assert any("absurd size" in r for r in reasons)
    assert all(r for r in reasons)
    assert local_checksums(out / "hostile") == local_checksums(tmp_path / "src")


def test_non_utf8_local_name_is_one_failed_row(
    qtbot: QtBot, server: SandboxServer, gateway: Gateway, tmp_path: Path
) -> None:
    src = tmp_path / "mixed"
    make_files(src, 2, 5_000)
    bad = Path(os.fsdecode(bytes(src) + b"/caf\xe9.bin"))  # a Latin-1 name on disk
    bad.write_bytes(b"latin-1 named")
    controller = controller_for(qtbot, gateway, f"{server.url}|x")
    controller.enqueue_upload([src], "/mixed")
    wait_idle(qtbot, controller)
    assert states(controller.queue) == {ItemState.DONE: 2, ItemState.FAILED: 1}
    (failed,) = controller.queue.items([ItemState.FAILED])
    assert "UTF-8" in failed.error
    assert "\\xe9" in failed.name  # shown escaped, never dropped


def test_conflicts_ask_once_per_job_with_apply_to_the_rest(
    qtbot: QtBot, server: SandboxServer, gateway: Gateway, tmp_path: Path
) -> None:
    files = seed(gateway, tmp_path / "src", "/conf", 3, 4_000)
    out = tmp_path / "out"
    out.mkdir()
    for f in files:
        (out / f.name).write_bytes(b"local edits")
    controller = controller_for(qtbot, gateway, f"{server.url}|x")
    asked: list[int] = []
    controller.conflictFound.connect(lambda item_id, _c: asked.append(item_id))
    controller.enqueue_download(files, out)
    qtbot.waitUntil(lambda: controller.queue.counts()["conflicts"] == 3, timeout=WAIT_MS)
    assert not controller.is_idle()  # waiting for the user, not finished
    controller.resolve_conflict(asked[0], ConflictAction.KEEP_BOTH, rest_of_job=True)
    wait_idle(qtbot, controller)
    assert states(controller.queue) == {ItemState.DONE: 3}
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f.name for f in files] + [f"r0{i} (1).bin" for i in range(3)])
    assert all((out / f.name).read_bytes() == b"local edits" for f in files)


def test_a_file_growing_while_it_uploads_leaves_nothing_on_sds(
    server: SandboxServer, gateway: Gateway, tmp_path: Path
) -> None:
    import pytest

    from sds_desktop.core.errors import ChangedWhileUploadingError
    from sds_desktop.core.transfer import UploadItem, upload_one

    path = tmp_path / "log.bin"
    path.write_bytes(b"L" * 300_000)
    grown = []

    def grow(_n: int) -> None:
        if not grown:
            with path.open("ab") as fh:
                fh.write(b"appended while uploading")
            grown.append(1)

    item = UploadItem(path, "/growing", path.name, 300_000)
    with pytest.raises(ChangedWhileUploadingError, match="changed while uploading"):
        upload_one(gateway, item, progress=grow, retry=False)
    assert gateway.list_files("/growing") == []
