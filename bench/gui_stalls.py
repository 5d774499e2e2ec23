"""How long does the GUI thread ever stall while the app works? (target: never > 100 ms)

Usage: QT_QPA_PLATFORM=offscreen uv run python bench/gui_stalls.py [--files 2000] [--listing 100000]

Runs the real main window against a sandbox in its own process (as a real gateway would
be: it must not compete with the GUI for this process's GIL) and a 5 ms heartbeat timer on the
GUI thread; every gap between heartbeats beyond 5 ms is time the event loop could not run
(a stall a user would feel as a frozen window). Two phases:

- upload: N small files dropped as one folder onto the remote pane, until the queue is idle;
- listing: a remote folder of M files (made directly in the sandbox's store, not uploaded),
  opened in the remote pane until fully loaded; also when its first rows appeared.

Not a test: it prints figures (max gap, 99th percentile gap, counts).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _sandbox import running_sandbox
from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from sds_desktop.gui.main_window import MainWindow
from sds_desktop.gui.settings import Settings
from sds_desktop.sandbox.server import SandboxServer

HEARTBEAT_MS = 5


class Heartbeat:
    """Records the gaps between ticks of a fast timer on the GUI thread."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.gaps: list[int] = []
        self.timer = QTimer()
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.gaps.clear()
        self.clock.start()
        self.timer.start()

    def _tick(self) -> None:
        self.gaps.append(int(self.clock.restart()))

    def stop(self) -> str:
        self.timer.stop()
        gaps = sorted(self.gaps) or [0]
        p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))]
        over = sum(g > 100 for g in gaps)
        return f"max gap {gaps[-1]} ms, p99 {p99} ms, {over} gaps > 100 ms, {len(gaps)} ticks"


def run_until(cond, timeout: float) -> float:  # type: ignore[no-untyped-def]
    """Run the real event loop (as ``app.exec`` would) until ``cond()``; seconds taken.

    A nested QEventLoop, checked every 20 ms, so the heartbeat competes with the app's
    own events exactly as in normal use (a processEvents/sleep loop would not).
    """
    start = time.monotonic()
    if cond():
        return 0.0
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(20)

    def poll() -> None:
        if cond() or time.monotonic() - start > timeout:
            loop.quit()

    check.timeout.connect(poll)
    check.start()
    loop.exec()
    check.stop()
    if not cond():
        raise TimeoutError("condition not met")
    return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--listing", type=int, default=100_000)
    parser.add_argument("--small-parallel", type=int, default=None)
    parser.add_argument("--latency-ms", type=int, default=0, help="round trip added per response")
    parser.add_argument(
        "--switch-ms", type=float, default=None, help="sys.setswitchinterval (GIL hand-over)"
    )
    parser.add_argument("--profile", default=None, help="write a cProfile of the GUI thread here")
    args = parser.parse_args()

    if args.switch_ms is not None:
        sys.setswitchinterval(args.switch_ms / 1000)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp(prefix="sds-stalls-"))
    try:
        return _run(app, tmp, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # the sandbox's blobs and the sources


def _run(app: QApplication, tmp: Path, args: argparse.Namespace) -> int:
    email, folder = "bench@stalls.example", "/big-listing"
    store = SandboxServer(tmp / "sandbox")  # not started: used to prepare the data only
    key = store.add_user(email)
    made = store.bulk_files(email, folder, args.listing) if args.listing else 0
    store.stop()
    latency = ("--latency-ms", str(args.latency_ms))
    with running_sandbox(tmp / "sandbox", *latency) as (url, _):
        window = MainWindow(Settings(tmp / "config"))
        window.ask = lambda *_a: True  # type: ignore[method-assign]
        window.resize(1280, 800)
        window.show()
        window.sign_in_with(url, key, stored="session")
        run_until(lambda: window.account is not None, 30)
        if args.small_parallel is not None:
            window.controller.small_parallel = args.small_parallel
        beat = Heartbeat()

        src = tmp / "many"
        src.mkdir()
        for i in range(args.files):
            (src / f"sweep-{i:05d}.bin").write_bytes(os.urandom(2048))
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        beat.start()
        t0 = time.monotonic()
        window.upload([src], "/stalls")
        run_until(lambda: window.queue.counts()["finished"] >= min(args.files, 1000), 600)
        run_until(window.controller.is_idle, 600)
        elapsed = time.monotonic() - t0
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        print(
            f"upload of {args.files} small files: {elapsed:.1f} s "
            f"({args.files / elapsed:.0f} files/s); GUI: {beat.stop()}"
        )

        if made:
            model = window.remote_pane.model  # the flat list (gui/remote_list.py)
            run_until(lambda: model.state == "loaded", 600)
            beat.start()
            t0 = time.monotonic()
            window.remote_pane.set_dir(folder)
            first = run_until(lambda: model.rowCount() > 0, 60)
            run_until(lambda: model.state == "loaded", 600)
            total = time.monotonic() - t0
            print(
                f"listing of {made} files: first rows after {first:.2f} s, "
                f"all after {total:.1f} s; GUI: {beat.stop()}"
            )

        window.shutdown()
        window.close()
        QTimer.singleShot(0, app.quit)
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
