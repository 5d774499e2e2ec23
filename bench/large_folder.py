"""Open a 100,000-file SDS folder in the real window: first rows, all rows, GUI stalls, RSS.

Usage: QT_QPA_PLATFORM=offscreen uv run python bench/large_folder.py [--files 100000]
       [--latency-ms 0] [--rounds 3]

Targets (issue 13): first rows <= 1 s, all rows <= 10 s, no GUI stall > 100 ms, RSS <=
300 MB. The sandbox runs in its own process (as a gateway would); the files are made in
its store directly. Each round signs in (the root listing runs and is waited for), then
opens the folder from the path bar, as a user would, and measures until the flat list
holds every row, sorted. A 5 ms heartbeat on the GUI thread records the stalls. The
core alone (ParallelLister, no window) is timed too. Prints one line per round and the
medians; the temp folder is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _sandbox import running_sandbox
from gui_stalls import Heartbeat, run_until
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from sds_desktop.core.gateway import Gateway
from sds_desktop.core.listing import ParallelLister
from sds_desktop.gui.main_window import MainWindow
from sds_desktop.gui.settings import Settings
from sds_desktop.sandbox.server import SandboxServer


def rss_mib() -> tuple[float, float]:
    """(current, peak) resident set size of this process, MiB (Linux)."""
    now = peak = 0.0
    with Path("/proc/self/status").open() as f:
        for line in f:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return now, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=0, help="round trip added per response")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp(prefix="sds-large-"))
    try:
        email, folder = "bench@large.example", "/big-listing"
        store = SandboxServer(tmp / "sandbox")  # not started: prepares the data only
        key = store.add_user(email)
        store.bulk_files(email, folder, args.files)
        store.stop()
        with running_sandbox(tmp / "sandbox", "--latency-ms", str(args.latency_ms)) as (url, _):
            core = []
            for _ in range(args.rounds):
                gateway = Gateway(url + "/api/v1", key)
                lister = ParallelLister(gateway)
                t0 = time.monotonic()
                n = sum(len(p) for p in lister.iter_rows(folder, threading.Event()))
                core.append(time.monotonic() - t0)
                lister.close()
                gateway.close()
            print(f"core alone: {n} rows in {statistics.median(core):.1f} s (median)")
            firsts, totals, maxgaps = [], [], []
            for r in range(args.rounds):
                window = MainWindow(Settings(tmp / f"config{r}"))
                window.resize(1280, 800)
                window.show()
                window.sign_in_with(url, key, stored="session")
                run_until(lambda w=window: w.account is not None, 30)
                model = window.remote_pane.model
                run_until(lambda m=model: m.state == "loaded", 300)
                beat = Heartbeat()
                beat.start()
                t0 = time.monotonic()
                window.remote_pane.set_dir(folder)
                first = run_until(lambda m=model: m.rowCount() > 0, 60)
                run_until(lambda m=model: m.state == "loaded", 600)
                total = time.monotonic() - t0
                settle = time.monotonic() + 0.5  # what the view does right after the last row
                run_until(lambda s=settle: time.monotonic() >= s, 5)
                gaps = beat.stop()
                now, peak = rss_mib()
                maxgaps.append(max(beat.gaps or [0]))
                firsts.append(first)
                totals.append(total)
                print(
                    f"round {r + 1}: {model.rowCount()} rows; first rows {first:.2f} s, all "
                    f"{total:.1f} s; GUI {gaps}; RSS {now:.0f} MiB (peak {peak:.0f} MiB)"
                )
                window.shutdown()
                window.close()
                window.deleteLater()
                app.processEvents()
            print(
                f"median: first rows {statistics.median(firsts):.2f} s, all "
                f"{statistics.median(totals):.1f} s, worst GUI gap "
                f"{statistics.median(maxgaps):.0f} ms"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    QTimer.singleShot(0, app.quit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
