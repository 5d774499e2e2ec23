"""What batch actions on a big queue cost the GUI thread: cancel / retry / pause / resume all.

Usage: QT_QPA_PLATFORM=offscreen uv run python bench/queue_batch.py [--items 20000]
       [--rounds 3] [--before REV]

Each round runs one fresh child process per contender (this tree, and the tree at
``--before`` when given; alternated, first one first then the other): a
:class:`TransferQueue` of N items in a temp journal (1,000 done, one in 20 of the rest
failed, the others queued), the queue dock in a 1280x800 window (offscreen), and a
controller without a gateway (items stay where the actions put them). Each action is
timed as ``gui_stalls.py`` times it: the call, the model's coalesced update flushed at
once, and the repaint (``processEvents``); wall and CPU ms of the process. The actions run
with the tabs in queue order, then once more with the tabs sorted by Name (the sort itself
is timed too). One more child per contender runs the same under cProfile: Python calls in
all, and of the model's filter and data methods. No sandbox: the queue alone is measured.

Results in bench/results/queue_batch.{json,md}.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, Series, core_at, temp_dir, write_results

ACTIONS = ("cancel", "retry", "pause", "resume")
FILTER_DATA = frozenset({"filterAcceptsRow", "data", "multiData", "fill"})


def child(items: int, profile: bool, dump: str | None) -> None:
    """One contender's run; prints one JSON line per timed step."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

    from sds_desktop.core.queue import (
        ACTIVE_STATES,
        STOPPED_STATES,
        Direction,
        ItemSpec,
        ItemState,
        TransferQueue,
    )
    from sds_desktop.gui.queue_model import C_NAME
    from sds_desktop.gui.queue_view import QueueDock
    from sds_desktop.gui.transfers import TransferController

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="sds-qbatch-") as tmp:
        queue = TransferQueue(Path(tmp) / "queue.sqlite")
        specs = [
            ItemSpec(
                Direction.UPLOAD,
                f"scan-{(i * 7919) % items:05d}.h5",  # names not in queue order
                f"/data/scan-{i:05d}.h5",
                f"/lab/scan-{i:05d}.h5",
                1000 + (i * 104729) % 9_000_000,
            )
            for i in range(items)
        ]
        _, made = queue.add_job("bench", Direction.UPLOAD, specs)
        for k, item in enumerate(made):
            if k < 1000:
                queue.mark_running(item.id)
                queue.mark_done(item.id, checksum="verified")
            elif k % 20 == 0:
                queue.mark_failed(item.id, "HTTP 500: boom")
        controller = TransferController(queue)
        host = QMainWindow()
        dock = QueueDock(queue, controller, host)
        host.setCentralWidget(QWidget(host))
        host.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        host.resize(1280, 800)
        host.show()
        settle(app, 0.5)

        def ids(states: frozenset[ItemState]) -> list[int]:
            return [i.id for i in queue.items(states)]

        # the ids are listed before the clock starts, as gui_stalls.py does
        calls = {
            "cancel": (controller.cancel, ACTIVE_STATES),
            "retry": (controller.retry, STOPPED_STATES),
            "pause": (controller.pause, ACTIVE_STATES),
            "resume": (controller.resume, frozenset({ItemState.PAUSED})),
        }

        def sort_by_name(_ids: list[int]) -> None:
            for view in dock.views[:2]:
                view.sortByColumn(C_NAME, Qt.SortOrder.AscendingOrder)

        one = ids(ACTIVE_STATES)[-1:]
        for call in (controller.pause, controller.resume, controller.cancel, controller.retry):
            call(one)  # a warm-up: the code paths run once (PySide creates types lazily)
            dock.model.flush()
            app.processEvents()
        settle(app, 0.3)
        steps = [(f"{a} all", *calls[a]) for a in ACTIONS]
        steps.append(("sort by name", sort_by_name, frozenset()))
        steps += [(f"{a} all, sorted", *calls[a]) for a in ACTIONS]
        for name, call, states in steps:
            chosen = ids(states)
            profiler = cProfile.Profile(builtins=False) if profile else None
            wall0, cpu0 = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            call(chosen)
            view0 = time.process_time()
            dock.model.flush()  # what its 100 ms timer does
            app.processEvents()  # the views update and repaint
            if profiler:
                profiler.disable()
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            row: dict[str, object] = {
                "step": name,
                "wall_ms": wall * 1000,
                "cpu_ms": cpu * 1000,
                "view_cpu_ms": (time.process_time() - view0) * 1000,
            }
            if profiler and dump:
                profiler.dump_stats(Path(dump) / f"{name.replace(' ', '_').replace(',', '')}.prof")
            if profiler:
                stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
                row["calls"] = sum(v[1] for v in stats.values())
                row["filter_data_calls"] = sum(
                    v[1] for (_f, _l, fn), v in stats.items() if fn in FILTER_DATA
                )
            print(json.dumps(row), flush=True)
            settle(app, 0.3)  # the deferred updates (action enabling), untimed
        host.close()
        dock.model.detach()
        controller.shutdown(1000)


def settle(app, seconds: float) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def run(env: dict[str, str], items: int, profile: bool) -> list[dict[str, float]]:
    cmd = [PYTHON, "-P", __file__, "--child", "--items", str(items)]
    if profile:
        cmd.append("--profile")
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", default=None, help="also run the tree at this git rev")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dump", default=None, help="child: write each step's cProfile here")
    args = parser.parse_args()
    if args.child:
        child(args.items, args.profile or bool(args.dump), args.dump)
        return 0
    here = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=here)
    contenders = ["this tree"] + ([f"at {args.before}"] if args.before else [])
    series: dict[tuple[str, str, str], Series] = {}  # (step, metric, contender)

    def add(contender: str, rows: list[dict[str, float]], keys: tuple[str, ...]) -> None:
        for row in rows:
            for key in keys:
                unit = "ms" if key.endswith("_ms") else "calls"
                label = f"{row['step']}: {key.removesuffix('_ms').replace('_', ' ')}"
                s = series.setdefault(
                    (str(row["step"]), key, contender), Series(label, contender, unit)
                )
                s.add(round(float(row[key]), 1))

    with temp_dir("sds-bench-qbatch-") as tmp:
        envs = {"this tree": env}
        if args.before:
            envs[contenders[1]] = dict(
                core_at(args.before, tmp / "before"), QT_QPA_PLATFORM="offscreen"
            )
        for r in range(args.rounds):
            for c in contenders if r % 2 == 0 else contenders[::-1]:
                rows = run(envs[c], args.items, profile=False)
                add(c, rows, ("wall_ms", "cpu_ms", "view_cpu_ms"))
                print(
                    f"round {r + 1} {c}: "
                    + ", ".join(f"{x['step']} {x['wall_ms']:.0f}/{x['cpu_ms']:.0f}" for x in rows),
                    flush=True,
                )
        for c in contenders:
            add(c, run(envs[c], args.items, profile=True), ("calls", "filter_data_calls"))
    # step by step, timings first (the table's round count is the first series')
    steps = list(dict.fromkeys(k[0] for k in series))
    metrics = ("wall_ms", "cpu_ms", "view_cpu_ms", "calls", "filter_data_calls")
    order = {c: i for i, c in enumerate(contenders)}
    ordered = [
        series[k]
        for k in sorted(series, key=lambda k: (steps.index(k[0]), metrics.index(k[1]), order[k[2]]))
    ]
    write_results(
        "queue_batch",
        "Batch actions on a big queue: the GUI thread from the call to the repaint",
        ordered,
        params={"items": args.items, "rounds": args.rounds, "before": args.before},
        # ratios of the timings only (a count of 0 calls has no ratio)
        baseline={s.case: contenders[-1] for s in ordered if s.unit == "ms"}
        if args.before
        else None,
        higher_is_better=False,
        notes=[
            (
                "wall and cpu: ms of the whole process (no transfers run), from the call "
                "to the repaint; view cpu: the part after the call (the flush and the "
                "repaint); calls: Python function calls under cProfile (one profiled run); "
                "filter data calls: of filterAcceptsRow, data, multiData and fill (the "
                "sorting proxies' comparisons call data)."
            ),
            (
                "Queue: 1,000 done, one in 20 of the rest failed, the others queued; the "
                "actions apply to every item they can (cancel and pause: active, retry: "
                "failed and cancelled, resume: paused)."
            ),
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
