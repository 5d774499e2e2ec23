"""Open a 100,000-file SDS folder in the real window: first rows, all rows, GUI stalls, RSS.

Usage: QT_QPA_PLATFORM=offscreen uv run python bench/large_folder.py [--files 100000]
       [--latency-ms 0] [--rounds 3] [--sandbox-before REV] [--core-only]

Targets (issue 13): first rows <= 1 s, all rows <= 10 s, no GUI stall > 100 ms, RSS <=
300 MB (the window's process and its worker process, ``core.worker``, together: the
worker lists, the window holds the rows). The sandbox runs in its own process (as a
gateway would); the files are made in its store directly. Each round signs in (the root
listing runs and is waited for), then opens the folder from the path bar, as a user
would, and measures until the flat list holds every row, sorted. Each window round runs
in a fresh process, set up as ``app.run`` sets up the window once it has painted (gui.rf
installed, start-up's objects frozen), so that the data made here and the core's rounds
stay out of its RSS. A 5 ms heartbeat on the GUI thread records the stalls. The core
alone (ParallelLister, no window) is timed too, with the sandbox's CPU time (and, with
``--sandbox-before``, alternated against an older tree's sandbox). Prints one line per
round, writes results/large_folder.{json,md}; the temp folder is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _common import Series, core_at, limit_of, process_cpu, write_results
from _sandbox import running_sandbox
from gui_stalls import Heartbeat, run_until
from PySide6.QtWidgets import QApplication

from sds_desktop.core.gateway import Gateway
from sds_desktop.core.listing import ParallelLister
from sds_desktop.gui.app import freeze_start_up_heap
from sds_desktop.gui.main_window import MainWindow
from sds_desktop.gui.settings import Settings
from sds_desktop.sandbox.server import SandboxServer


def rss_mib(pid: int | str = "self") -> tuple[float, float]:
    """(current, peak) resident set size of a process (this one by default), MiB (Linux)."""
    now = peak = 0.0
    with Path(f"/proc/{pid}/status").open() as f:
        for line in f:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return now, peak


def core_round(url: str, key: str, folder: str, server_pid: int) -> tuple[int, float, float, float]:
    """The core alone (ParallelLister, no window): rows, seconds, client and sandbox CPU
    seconds."""
    gateway = Gateway(url + "/api/v1", key)
    lister = ParallelLister(gateway)
    cpu0 = process_cpu(server_pid)
    own0 = time.process_time()
    t0 = time.monotonic()
    n = sum(len(p) for p in lister.iter_rows(folder, threading.Event()))
    wall = time.monotonic() - t0
    own = time.process_time() - own0
    lister.close()
    gateway.close()
    return n, wall, own, process_cpu(server_pid) - cpu0


def window_round(app: QApplication, url: str, key: str, folder: str, cfg: Path) -> dict[str, Any]:
    """The real window opens the folder: first rows, all rows, GUI gaps, RSS."""
    window = MainWindow(Settings(cfg))
    window.resize(1280, 800)
    window.show()
    window.sign_in_with(url, key, stored="session")
    run_until(lambda: window.account is not None, 30)
    window.install_rf()  # as app.run does once the window has painted
    freeze_start_up_heap()
    model = window.remote_pane.model
    run_until(lambda: model.state == "loaded", 300)
    beat = Heartbeat()
    beat.start()
    t0 = time.monotonic()
    window.remote_pane.set_dir(folder)
    first = run_until(lambda: model.rowCount() > 0, 60)
    run_until(lambda: model.state == "loaded", 600)
    total = time.monotonic() - t0
    settle = time.monotonic() + 0.5  # what the view does right after the last row
    run_until(lambda: time.monotonic() >= settle, 5)
    gaps = beat.stop()
    now, peak = rss_mib()
    worker = window.controller.process
    child = rss_mib(worker.pid)[0] if worker is not None and worker.pid else 0.0
    now += child  # the worker process that listed counts too
    rows = model.rowCount()
    window.shutdown()
    window.close()
    window.deleteLater()
    app.processEvents()
    return {
        "rows": rows,
        "first": first,
        "total": total,
        "gap": max(beat.gaps or [0]),
        "gaps": str(gaps),
        "rss": now,
        "peak_rss": peak,
        "worker_rss": child,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=0, help="round trip added per response")
    parser.add_argument(
        "--sandbox-before",
        metavar="REV",
        help="also list from the sandbox of git revision REV, alternated (core alone)",
    )
    parser.add_argument("--core-only", action="store_true", help="skip the window rounds")
    parser.add_argument("--window-round", nargs=4, metavar=("URL", "KEY", "FOLDER", "CFG"))
    args = parser.parse_args()
    if args.window_round:  # one window round, in this fresh process: JSON on stdout
        app = QApplication.instance() or QApplication(sys.argv[:1])
        url, key, folder, cfg = args.window_round
        print(json.dumps(window_round(app, url, key, folder, Path(cfg))), flush=True)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="sds-large-"))
    series: list[Series] = []
    try:
        email, folder = "bench@large.example", "/big-listing"
        store = SandboxServer(tmp / "sandbox")  # not started: prepares the data only
        key = store.add_user(email)
        store.bulk_files(email, folder, args.files)
        store.stop()
        sandboxes: list[tuple[str, dict[str, str] | None]] = [("ours", None)]
        if args.sandbox_before:
            sandboxes.append(
                (f"sandbox@{args.sandbox_before}", core_at(args.sandbox_before, tmp / "before"))
            )
        case = f"{args.files:,} files, core alone"
        core = {name: Series(case, name, "s") for name, _ in sandboxes}
        series.extend(core.values())
        for _ in range(args.rounds):
            for name, env in sandboxes:
                cmd = [sys.executable, "-P", "-m", "sds_desktop.sandbox"]
                cmd += ["--data-dir", str(tmp / "sandbox"), "--port", "0"]
                with running_sandbox(
                    tmp / "sandbox", "--latency-ms", str(args.latency_ms), command=cmd, env=env
                ) as (url, proc):
                    n, wall, client_cpu, server_cpu = core_round(url, key, folder, proc.pid)
                core[name].add(
                    wall,
                    rows=n,
                    client_cpu_s=round(client_cpu, 2),
                    server_cpu_s=round(server_cpu, 2),
                    server_ms_per_page=round(1000 * server_cpu / max(1, n / 100), 1),
                    limit=limit_of(wall, client_cpu, server_cpu),
                )
                print(f"core alone, {name}: {n} rows, {wall:.1f} s, sandbox CPU {server_cpu:.1f} s")
        if not args.core_only:
            first = Series(f"{args.files:,} files, window", "first rows", "s")
            total = Series(f"{args.files:,} files, window", "all rows", "s")
            gap = Series(f"{args.files:,} files, window", "worst GUI gap", "ms")
            rss = Series(f"{args.files:,} files, window", "RSS after", "MiB")
            series += [first, total, gap, rss]
            with running_sandbox(tmp / "sandbox", "--latency-ms", str(args.latency_ms)) as (
                url,
                _,
            ):
                for r in range(args.rounds):
                    cmd = [sys.executable, __file__, "--window-round", url, key, folder]
                    out = subprocess.run(
                        [*cmd, str(tmp / f"config{r}")],
                        check=True,
                        capture_output=True,
                        text=True,
                        timeout=900,
                    ).stdout
                    got = json.loads(out.strip().splitlines()[-1])
                    print(
                        f"round {r + 1}: {got['rows']} rows; first rows {got['first']:.2f} s, "
                        f"all {got['total']:.1f} s; GUI {got['gaps']}; RSS {got['rss']:.0f} MiB "
                        f"(peak {got['peak_rss']:.0f} MiB; worker process {got['worker_rss']:.0f})"
                    )
                    first.add(got["first"], rows=got["rows"])
                    total.add(got["total"], rows=got["rows"])
                    gap.add(got["gap"], gaps=got["gaps"])
                    rss.add(
                        got["rss"],
                        peak_rss_mib=round(got["peak_rss"]),
                        worker_rss_mib=round(got["worker_rss"]),
                    )
        params: dict[str, Any] = {"files": args.files, "rounds": args.rounds}
        if args.latency_ms:
            params["latency_ms"] = args.latency_ms
        if args.sandbox_before:
            params["sandbox_before"] = args.sandbox_before
        if args.core_only:
            params["core_only"] = ""
        write_results(
            "large_folder",
            f"Opening a {args.files:,}-file SDS folder (sandbox on loopback)",
            series,
            params=params,
            baseline={case: "ours"} if args.sandbox_before else None,
            higher_is_better=False,
            columns=[
                "rows",
                "client_cpu_s",
                "server_cpu_s",
                "server_ms_per_page",
                "limit",
                "gaps",
                "peak_rss_mib",
                "worker_rss_mib",
            ],
            notes=[
                (
                    "core alone: ParallelLister in this process, no window; the sandbox in its "
                    "own process, its CPU read from /proc (limit: 'server CPU' when it was busy "
                    ">= 80% of the wall time)."
                ),
                (
                    "window: the real MainWindow opens the folder from the path bar; a 5 ms "
                    "heartbeat on the GUI thread gives the gaps."
                ),
            ],
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
