"""The transfer process (core.worker): the files move in a child, nothing is lost.

Against the sandbox over real HTTP, Qt-free: a job runs in the child and reports its
bytes; a pause keeps a download's temp file; a child killed mid-file fails its jobs as a
dropped connection (retryable) and the next job gets a new child; a child that cannot
start makes the window's side run the job itself; the key is never on the child's
command line nor in its environment; its log records reach this process's log.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from blake3 import blake3

from sds_desktop.core.errors import CancelledError, NetworkError, SDSError
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.transfer import TEMP_PREFIX, UploadItem
from sds_desktop.core.worker.host import WatchedEvent, WorkerProcess
from sds_desktop.core.worker.job import JobHooks, JobSpec
from sds_desktop.core.worker.wire import portable
from sds_desktop.sandbox.server import SandboxServer
from tests.faults.test_queue_faults import seed

MIB = 1024 * 1024


class Recorder:
    """Hooks whose reports are kept: bytes, phases, notes (from the reader thread)."""

    def __init__(self) -> None:
        self.bytes = 0
        self.phases: list[str] = []
        self.notes: list[str] = []
        self.cancel = WatchedEvent()
        self.pausing = threading.Event()

    def hooks(self) -> JobHooks:
        def progress(n: int) -> None:
            self.bytes += n

        return JobHooks(
            progress=progress,
            phase=lambda phase, _done, _total: self.phases.append(phase),
            note=self.notes.append,
            cancel=self.cancel,
            pausing=self.pausing,
        )


@pytest.fixture
def process() -> WorkerProcess:
    proc = WorkerProcess()
    yield proc
    proc.close()


def _run_async(process: WorkerProcess, gateway: Gateway, spec: JobSpec, rec: Recorder):
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["result"] = process.run(gateway.handover(), spec, rec.hooks())
        except BaseException as exc:  # noqa: BLE001 - looked at by the test
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    return thread, box


def _wait(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def test_an_upload_and_a_download_run_in_the_child(
    process: WorkerProcess, gateway: Gateway, tmp_path: Path
) -> None:
    src = tmp_path / "a.bin"
    body = os.urandom(3 * MIB + 17)
    src.write_bytes(body)
    rec = Recorder()
    skipped, text, digest, uuid = process.run(
        gateway.handover(),
        JobSpec(1, upload=UploadItem(src, "/proc", "a.bin", len(body))),
        rec.hooks(),
    )
    assert (skipped, text) == (False, "verified")
    assert digest == blake3(body).hexdigest()
    assert rec.bytes >= len(body)  # every byte reported back
    assert process.pid is not None
    assert process.pid != os.getpid()

    out = tmp_path / "out" / "a.bin"
    out.parent.mkdir()
    down = Recorder()
    result = process.run(
        gateway.handover(), JobSpec(2, file_uuid=uuid, local_path=out), down.hooks()
    )
    assert result[1] == "verified"
    assert result[2] == digest
    assert out.read_bytes() == body
    assert down.bytes == len(body)


def test_a_paused_download_keeps_its_temp_file(
    process: WorkerProcess, server: SandboxServer, gateway: Gateway, tmp_path: Path
) -> None:
    (file,) = seed(gateway, tmp_path / "src", "/pausing", 1, 4 * MIB)
    server.faults.throttle(1 * MIB)
    out = tmp_path / "out"
    out.mkdir()
    rec = Recorder()
    thread, box = _run_async(
        process, gateway, JobSpec(1, download_file=file, local_path=out / file.name), rec
    )
    _wait(lambda: rec.bytes > 0)
    rec.pausing.set()
    rec.cancel.set()  # forwarded to the child at once
    thread.join(20)
    error = box.get("error")
    assert isinstance(error, CancelledError)
    assert isinstance(error.detail, Path)
    assert error.detail.name.startswith(TEMP_PREFIX)
    assert error.detail.is_file()
    assert 0 < error.detail.stat().st_size < 4 * MIB
    assert not (out / file.name).exists()  # never a partial file under the final name
    server.faults.throttle(None)
    server.faults.honour_range(True)  # production answers 200 (then from 0): the test's 206
    again = Recorder()
    result = process.run(
        gateway.handover(),
        JobSpec(2, download_file=file, local_path=out / file.name, partial=error.detail),
        again.hooks(),
    )
    assert result[2] == file.sum_blake3
    assert again.notes
    assert again.notes[0].startswith("resumed from byte")
    assert blake3((out / file.name).read_bytes()).hexdigest() == file.sum_blake3


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_killed_child_fails_its_jobs_as_retryable_and_the_next_gets_a_new_one(
    process: WorkerProcess, server: SandboxServer, gateway: Gateway, tmp_path: Path
) -> None:
    (file,) = seed(gateway, tmp_path / "src", "/killed", 1, 4 * MIB)
    server.faults.throttle(1 * MIB)
    out = tmp_path / "out"
    out.mkdir()
    rec = Recorder()
    thread, box = _run_async(
        process, gateway, JobSpec(1, download_file=file, local_path=out / file.name), rec
    )
    _wait(lambda: rec.bytes > 0)
    first = process.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    thread.join(20)
    error = box.get("error")
    assert isinstance(error, NetworkError)
    assert error.retryable
    assert "worker process ended" in str(error)
    assert not (out / file.name).exists()
    server.faults.throttle(None)
    result = process.run(
        gateway.handover(),
        JobSpec(2, download_file=file, local_path=out / file.name),
        Recorder().hooks(),
    )
    assert result[2] == file.sum_blake3
    assert process.pid not in (None, first)
    assert not process.broken


def test_the_servers_errors_come_back_typed(
    process: WorkerProcess, gateway: Gateway, tmp_path: Path
) -> None:
    with pytest.raises(SDSError) as caught:
        process.run(
            gateway.handover(),
            JobSpec(1, file_uuid="0" * 32, local_path=tmp_path / "x.bin"),
            Recorder().hooks(),
        )
    assert caught.value.status == 404
    assert type(caught.value).__module__ == "sds_desktop.core.errors"


def test_the_key_is_neither_on_the_command_line_nor_in_the_environment(
    process: WorkerProcess, gateway: Gateway, key: str, tmp_path: Path
) -> None:
    src = tmp_path / "k.bin"
    src.write_bytes(b"k" * 1000)
    process.run(
        gateway.handover(),
        JobSpec(1, upload=UploadItem(src, "/k", "k.bin", 1000)),
        Recorder().hooks(),
    )
    proc = Path(f"/proc/{process.pid}")
    if not proc.exists():
        pytest.skip("no /proc")
    secret = key.encode()
    assert secret not in (proc / "cmdline").read_bytes()
    assert secret not in (proc / "environ").read_bytes()
    assert key not in repr(gateway.handover())


def test_a_child_that_cannot_start_leaves_the_work_to_this_process(
    qtbot: Any,
    *,
    server: SandboxServer,
    gateway: Gateway,
    email: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from sds_desktop.core.queue import ItemState, TransferQueue
    from sds_desktop.gui.transfers import TransferController

    src = tmp_path / "up"
    src.mkdir()
    for i in range(3):
        (src / f"b{i}.bin").write_bytes(os.urandom(5000))
    controller = TransferController(TransferQueue())
    controller.process = WorkerProcess([sys.executable, "-c", "import sys; sys.exit(3)"])
    controller.set_gateway(gateway, f"{server.url}|{email}")
    try:
        with caplog.at_level(logging.WARNING):
            controller.enqueue_upload([src], "/fallback-up")
            qtbot.waitUntil(controller.is_idle, timeout=30_000)
        assert [i.state for i in controller.queue.items()] == [ItemState.DONE] * 3
        assert "exit code 3" in controller.process.broken
        assert "transfers run in the window's process instead" in caplog.text
    finally:
        controller.shutdown(5000)


def test_the_childs_log_reaches_this_process(
    process: WorkerProcess, gateway: Gateway, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    src = tmp_path / "gone.bin"  # listed, then removed before its turn
    with caplog.at_level(logging.DEBUG, logger="sds_desktop"):
        with pytest.raises(SDSError):
            process.run(
                gateway.handover(),
                JobSpec(1, upload=UploadItem(src, "/g", "gone.bin", 10)),
                Recorder().hooks(),
            )
    assert process.pid is not None


def test_the_limit_reaches_the_transfer_process(
    process: WorkerProcess, gateway: Gateway, tmp_path: Path
) -> None:
    rate = 256 * 1024
    process.set_rate(rate)
    src = tmp_path / "slow.bin"
    src.write_bytes(os.urandom(8 * MIB))
    rec = Recorder()
    started = time.monotonic()
    thread, box = _run_async(
        process, gateway, JobSpec(1, upload=UploadItem(src, "/slow", "slow.bin", 8 * MIB)), rec
    )
    time.sleep(1.5)
    moved, elapsed = rec.bytes, time.monotonic() - started
    rec.cancel.set()
    thread.join(20)
    # a slow machine only moves fewer bytes; without the limit, 8 MiB go by in well under 1 s
    assert moved <= rate * elapsed + rate * 0.25 + 2 * MIB
    assert isinstance(box.get("error"), CancelledError)


def test_an_error_that_cannot_cross_the_pipe_keeps_its_text() -> None:
    class OddError(Exception):
        def __init__(self, a: int, b: int) -> None:
            super().__init__(f"odd {a} {b}")

    back = portable(OddError(1, 2))
    assert isinstance(back, SDSError)
    assert "OddError: odd 1 2" in str(back)


def test_a_listing_in_the_child_gives_the_rows_a_listing_here_gives(
    process: WorkerProcess, server: SandboxServer, gateway: Gateway, email: str
) -> None:
    from sds_desktop.core.listing import ParallelLister
    from sds_desktop.core.worker.lister import ProcessLister

    server.bulk_files(email, "/many", 2_345)
    here = ParallelLister(gateway)
    there = ProcessLister(process, gateway)
    try:
        expected = sorted(r for page in here.iter_rows("/many") for r in page)
        got = sorted(r for page in there.iter_rows("/many") for r in page)
    finally:
        here.close()
        there.close()
    assert len(got) == 2_345
    assert got == expected
    assert process.pid is not None


def test_a_listing_stopped_early_stops_in_the_child(
    process: WorkerProcess, server: SandboxServer, gateway: Gateway, email: str
) -> None:
    from sds_desktop.core.worker.lister import ProcessLister

    server.bulk_files(email, "/stop", 3_000)
    server.faults.latency(0.05)
    lister = ProcessLister(process, gateway)
    cancel = threading.Event()
    rows = lister.iter_rows("/stop", cancel)
    first = next(rows)
    assert first
    cancel.set()
    rest = [r for page in rows for r in page]
    assert rest == []  # nothing more once stopped
    assert len(first) < 3_000
    # the child is free for the next job at once
    server.faults.latency(None)
    assert sum(len(p) for p in lister.iter_rows("/stop")) == 3_000


def test_a_listing_falls_back_to_this_process_when_the_child_cannot_start(
    gateway: Gateway, server: SandboxServer, email: str
) -> None:
    from sds_desktop.core.worker.lister import ProcessLister

    server.bulk_files(email, "/fallback", 150)
    broken = WorkerProcess([sys.executable, "-c", "import sys; sys.exit(4)"])
    lister = ProcessLister(broken, gateway)
    try:
        assert sum(len(p) for p in lister.iter_rows("/fallback")) == 150
    finally:
        lister.close()
        broken.close()
    assert "exit code 4" in broken.broken
