"""Prototype: transfer workers as threads of the GUI process vs in a worker process.

Usage: QT_QPA_PLATFORM=offscreen uv run python bench/worker_process.py [--files 1000]
       [--rounds 3] [--workers 16] [--latency-ms 0]

The question (issue 13): can the GUI thread keep a 5 ms heartbeat (max gap <= 100 ms,
p99 <= 16 ms) while 16 small transfers run, when the workers share its interpreter's
GIL? The same load runs two ways against one standalone sandbox, alternating:

- threads: ``batches.upload_batch`` (16 small-file workers) on threads of this process,
  each finished file sent to the GUI thread as a queued Qt signal;
- process: the same call in a child process (multiprocessing, spawn); each finished file
  is a message on a pipe that the GUI thread reads through a QSocketNotifier, a batch at
  a time. The QThreadPool workers of the app would become thin adapters of this;
- threads, 1 ms GIL switch: threads, with ``sys.setswitchinterval(0.001)`` (the GUI
  thread waits at most ~1 ms instead of ~5 ms each time it takes the GIL back);
- process nice 10: the same, the worker process at a lower CPU priority (threads cannot
  do this: a de-scheduled thread holding the GIL would stall the GUI thread all the more).

In both, the GUI thread does the same per-file work (a row of a QStandardItemModel shown
in a QTableView, a counter in the status label). Figures: max and p99 heartbeat gap,
files/s. Not the real app (see gui_stalls.py for that): a measurement of the two
designs' floor. Results in bench/results/worker_process.{json,md}.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Series, temp_dir, write_results
from _sandbox import add_user, running_sandbox
from PySide6.QtCore import QElapsedTimer, QEventLoop, QObject, QSocketNotifier, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QLabel, QTableView

HEARTBEAT_MS = 5


def upload_all(job: tuple[str, str, str, str, int], report) -> None:  # type: ignore[no-untyped-def]
    """The transfer work itself, identical in both designs."""
    from sds_desktop.core import transfer
    from sds_desktop.core.batches import upload_batch
    from sds_desktop.core.gateway import Gateway

    base, key, src, sds_dir, workers = job

    gateway = Gateway(base + "/api/v1", key)
    plan = transfer.plan_upload(Path(src), sds_dir)
    cancel = threading.Event()
    upload_batch(
        gateway,
        plan.items,
        small_file_workers=workers,
        on_file_done=lambda r: report(r.item.name, r.outcome.value),
        cancel=cancel,
    )
    gateway.close()


def child_main(job: tuple[str, str, str, str, int], pipe, nice: int) -> None:  # type: ignore[no-untyped-def]
    """Worker process: runs the transfers, one message per finished file on ``pipe``."""
    if nice:
        os.nice(nice)  # the GUI process gets the CPU first when both want it
    lock = threading.Lock()

    def report(name: str, outcome: str) -> None:
        with lock:
            pipe.send_bytes(f"{name}\t{outcome}".encode())

    upload_all(job, report)
    pipe.close()


class Gui(QObject):
    file_done = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self.model = QStandardItemModel(0, 2)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.resize(800, 600)
        self.view.show()
        self.label = QLabel()
        self.done = 0
        self.file_done.connect(self.on_file)
        self.first = self.last = 0.0
        self.clock = QElapsedTimer()
        self.gaps: list[int] = []
        self.beat = QTimer()
        self.beat.setInterval(HEARTBEAT_MS)
        self.beat.timeout.connect(lambda: self.gaps.append(int(self.clock.restart())))

    def on_file(self, name: str, outcome: str) -> None:
        self.model.appendRow([QStandardItem(name), QStandardItem(outcome)])
        self.done += 1
        self.label.setText(f"{self.done} files")
        self.last = time.monotonic()
        if self.done == 1:
            self.first = self.last

    @property
    def rate(self) -> float:
        """Files per second from the first file done to the last (no start-up in it)."""
        span = self.last - self.first
        return (self.done - 1) / span if span > 0 else 0.0

    def start(self) -> None:
        self.model.removeRows(0, self.model.rowCount())
        self.done = 0
        self.gaps.clear()
        self.clock.start()
        self.beat.start()


def wait_for(cond, timeout: float) -> None:  # type: ignore[no-untyped-def]
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(20)
    start = time.monotonic()
    check.timeout.connect(lambda: (cond() or time.monotonic() - start > timeout) and loop.quit())
    check.start()
    loop.exec()
    check.stop()


def run_threads(gui: Gui, base: str, key: str, src: Path, workers: int) -> float:
    gui.start()
    t0 = time.monotonic()
    worker = threading.Thread(
        target=upload_all,
        args=((base, key, str(src), "/threads", workers), gui.file_done.emit),
        daemon=True,
    )
    worker.start()
    wait_for(lambda: not worker.is_alive(), 900)
    wait_for(lambda: True, 0)
    return time.monotonic() - t0


def with_switch(seconds: float, fn, *args):  # type: ignore[no-untyped-def]
    """Run ``fn`` with ``sys.setswitchinterval(seconds)`` (a waiting thread asks for the
    GIL after this long; default 5 ms), then restore it."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        return fn(*args)
    finally:
        sys.setswitchinterval(previous)


def run_process(gui: Gui, base: str, key: str, src: Path, workers: int, *, nice: int = 0) -> float:
    ctx = multiprocessing.get_context("spawn")
    reader, writer = ctx.Pipe(duplex=False)
    gui.start()
    t0 = time.monotonic()
    job = (base, key, str(src), f"/process{nice}", workers)
    child = ctx.Process(target=child_main, args=(job, writer, nice))
    child.start()
    writer.close()
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)
    ended = False

    def readable() -> None:
        nonlocal ended
        try:
            while reader.poll(0):  # everything that arrived: a batch per wake-up
                name, outcome = reader.recv_bytes().decode().split("\t")
                gui.on_file(name, outcome)
        except EOFError:
            ended = True
            notifier.setEnabled(False)

    notifier.activated.connect(readable)
    wait_for(lambda: ended, 900)
    child.join(60)
    reader.close()
    return time.monotonic() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--file-kib", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    gui = Gui()
    modes = {
        "threads": run_threads,
        "threads, 1 ms GIL switch": lambda *a: with_switch(0.001, run_threads, *a),
        "process": run_process,
        "process nice 10": lambda *a: run_process(*a, nice=10),
    }
    series = {
        (m, what): Series(what, m, unit)
        for m in modes
        for what, unit in (("max GUI gap", "ms"), ("p99 GUI gap", "ms"), ("files/s", "files/s"))
    }
    with temp_dir("sds-bench-wp-") as tmp:
        src = tmp / "src"
        src.mkdir()
        for i in range(args.files):
            (src / f"sweep-{i:05d}.bin").write_bytes(os.urandom(args.file_kib * 1024))
        users = {(r, m): f"r{r}-{m}@bench.example" for r in range(args.rounds) for m in modes}
        keys = {k: add_user(tmp / "sandbox", email) for k, email in users.items()}
        with running_sandbox(tmp / "sandbox", "--latency-ms", str(args.latency_ms)) as (base, _):
            for r in range(args.rounds):
                order = list(modes) if r % 2 == 0 else list(modes)[::-1]
                for m in order:
                    seconds = modes[m](gui, base, keys[(r, m)], src, args.workers)
                    gui.beat.stop()
                    gaps = sorted(gui.gaps) or [0]
                    p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))]
                    rate = gui.rate
                    series[(m, "max GUI gap")].add(gaps[-1])
                    series[(m, "p99 GUI gap")].add(p99)
                    series[(m, "files/s")].add(rate, files=gui.done)
                    print(
                        f"round {r + 1} {m:7}: {gui.done} files in {seconds:.1f} s "
                        f"({rate:.0f}/s); GUI max gap {gaps[-1]} ms, p99 {p99} ms",
                        flush=True,
                    )
    ordered = sorted(series.values(), key=lambda s: (s.case, s.contender))
    write_results(
        "worker_process",
        f"GUI heartbeat with {args.workers} small uploads running: worker threads vs a "
        "worker process",
        ordered,
        params=vars(args),
        baseline={s.case: "threads" for s in ordered},
        lower_better=["max GUI gap", "p99 GUI gap"],
        notes=[
            (
                "ratio: how many times better than threads (files/s: process / threads; "
                "gaps: threads / process). files/s from the first file done to the last "
                "(the worker process's start-up, ~1 s once per app run, is left out)."
            ),
            "The GUI thread's per-file work is the same in both (a table row, a label).",
        ],
    )
    gui.view.close()
    app.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
