"""The Captures tab with N captures (default 1,000): time to the first rows and to all,
and the latency of each filter and sort on what is loaded.

A standalone sandbox (own process) holds N RadioHound captures (one small scan each,
seeded directly in its store); the real window signs in offscreen and lists them.

Run: ``uv run python bench/captures_view.py [--captures 1000] [--rounds 20]``
Writes ``bench/results/captures_view.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt
from PySide6.QtWidgets import QApplication

from bench._common import RESULTS, machine, temp_dir
from bench._sandbox import running_sandbox
from sds_desktop.gui.main_window import MainWindow
from sds_desktop.gui.rf.captures_model import COL_FREQ, COL_SPAN
from sds_desktop.gui.settings import Settings
from sds_desktop.sandbox.server import SandboxServer
from tests.gui.rf_data import rh_doc

EMAIL = "bench@sandbox.sds"


def seed(data_dir: Path, n: int) -> str:
    """N RadioHound captures (each its own folder and scan group); returns an API key."""
    server = SandboxServer(data_dir)
    app, store = server.app, server.store
    user = store.ensure_user(EMAIL)
    for i in range(n):
        group = str(uuid.UUID(int=i + 1))
        doc = rh_doc(group, i % 60, center=2.0e9 + (i % 400) * 1e6, bins=64)
        doc["timestamp"] = datetime.fromtimestamp(1.7e9 + i * 3600, UTC).isoformat()
        digest, size = store.put_bytes(json.dumps(doc).encode())
        directory = f"/bench/site{i % 10}/rec{i:04d}"
        store.insert_file(
            user,
            directory=directory,
            name="scan.rh.json",
            media_type="application/json",
            permissions="rw-r--r--",
            size=size,
            sum_blake3=digest,
        )
        app.register_capture(
            user,
            {
                "capture_type": "rh",
                "top_level_dir": directory,
                "channel": "",
                "scan_group": group,
                "index_name": "",
                "name": f"rec{i:04d}",
            },
        )
    return server.add_user(EMAIL)


def pump(until, timeout: float = 120.0) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    while not until():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("condition not met")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    return time.perf_counter() - start


def timed(fn, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for r in range(rounds):
        t0 = time.perf_counter()
        fn(r)
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--captures", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    results: dict[str, object] = {"machine": machine(), "captures": args.captures}
    with temp_dir("sds-bench-captures-") as tmp:
        t0 = time.perf_counter()
        key = seed(tmp / "sandbox", args.captures)
        results["seed_s"] = time.perf_counter() - t0
        with running_sandbox(tmp / "sandbox") as (url, _proc):
            win = MainWindow(Settings(tmp / "config"), local_dir=tmp)
            win.show()
            rf = win.rf  # type: ignore[attr-defined]
            view = rf.captures
            win.remote_tabs.setCurrentWidget(view)  # the tab lists on first view
            start = time.perf_counter()
            win.sign_in_with(url, key, sandbox=True)
            pump(lambda: view.model.rowCount() > 0)
            first = time.perf_counter() - start
            pump(lambda: view.model.rowCount() >= args.captures and rf._listing is None)
            everything = time.perf_counter() - start
            win.remote_tabs.setCurrentWidget(view)
            pump(lambda: True)

            def text(r: int) -> None:
                view.text_edit.setText(f"site{r % 10}" if r % 2 == 0 else "")

            def freq(r: int) -> None:
                view.fmin_edit.setText(str(2000 + r * 10))
                view.fmax_edit.setText(str(2100 + r * 10))

            def when(r: int) -> None:
                a = datetime.fromtimestamp(1.7e9 + r * 36_000, UTC)
                view.set_time_range(a, datetime.fromtimestamp(a.timestamp() + 86_400 * 5, UTC))

            def kind(r: int) -> None:
                view.type_combo.setCurrentIndex(1 + r % 3)

            def sort(r: int) -> None:
                order = Qt.SortOrder.AscendingOrder if r % 2 else Qt.SortOrder.DescendingOrder
                view.view.sortByColumn(COL_FREQ if r % 4 < 2 else COL_SPAN, order)

            latencies = {}
            for name, fn in (
                ("text filter", text),
                ("frequency range", freq),
                ("time range", when),
                ("type", kind),
            ):
                view.clear_filters()
                latencies[name] = timed(fn, args.rounds)
            view.clear_filters()
            latencies["sort"] = timed(sort, args.rounds)
            win.shutdown()
    results["first_rows_s"] = first
    results["all_rows_s"] = everything
    results["latency_ms"] = {
        k: {
            "median": statistics.median(v) * 1000,
            "max": max(v) * 1000,
            "rounds": [x * 1000 for x in v],
        }
        for k, v in latencies.items()
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "captures_view.json").write_text(json.dumps(results, indent=2, default=str))
    lines = [
        f"# Captures view, {args.captures:,} captures (standalone sandbox, offscreen window)",
        "",
        f"- first rows after sign-in: {first:.2f} s; all {args.captures:,}: {everything:.2f} s",
        "",
        "| action on what is loaded | median | max |",
        "|---|---|---|",
    ]
    for k, v in results["latency_ms"].items():  # type: ignore[union-attr]
        lines.append(f"| {k} | {v['median']:.1f} ms | {v['max']:.1f} ms |")
    (RESULTS / "captures_view.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    del app


if __name__ == "__main__":
    main()
