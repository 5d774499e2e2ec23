"""Run every benchmark, one after the other; results land in bench/results/.

Usage: uv run python bench/run_all.py [--quick] [--only NAME ...] [--skip NAME ...]

``--quick`` uses small sizes (a few minutes in all: a smoke run, not figures to quote).
The full run takes about 40 minutes on the 2-core machine and needs ~16 GiB free in
the temp folder (the 2 GiB transfers). Each benchmark starts its own sandbox and
removes its temp data. Benchmarks written by other parts of the project run with
their own defaults when present.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL: dict[str, list[str]] = {
    "startup": ["--rounds", "9"],
    "big_transfer": ["--mib", "2048", "--rounds", "3"],
    "vs_sdk": ["--files", "2000", "--file-kib", "64", "--latency-ms", "50", "--rounds", "2"],
    "gui_stalls": ["--files", "1000", "--queue", "20000", "--window-s", "20", "--rounds", "3"],
    "worker_process": ["--files", "1000", "--rounds", "3"],
    "queue_batch": ["--items", "20000", "--rounds", "3"],
    "sandbox_throughput": [],
    "sandbox_memory": ["--gib", "2"],
}
QUICK: dict[str, list[str]] = {
    "startup": ["--rounds", "3"],
    "big_transfer": ["--mib", "256", "--rounds", "1"],
    "vs_sdk": ["--files", "100", "--latency-ms", "50", "--rounds", "1"],
    "gui_stalls": ["--files", "200", "--queue", "2000", "--window-s", "5", "--rounds", "1"],
    "worker_process": ["--files", "200", "--rounds", "1"],
    "queue_batch": ["--items", "2000", "--rounds", "1"],
    "sandbox_throughput": ["--files", "100"],
    "sandbox_memory": ["--gib", "1"],
}
OTHERS = ["large_folder", "scan_recordings", "import_time", "captures_view", "quicklook"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--skip", nargs="*", default=[])
    args = parser.parse_args()
    plan = dict(QUICK if args.quick else FULL)
    plan |= {name: [] for name in OTHERS if (HERE / f"{name}.py").is_file()}
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    failed = []
    for name, extra in plan.items():
        if (args.only and name not in args.only) or name in args.skip:
            continue
        cmd = [sys.executable, str(HERE / f"{name}.py"), *extra]
        print(f"\n=== {name}: {' '.join(cmd[1:])}", flush=True)
        start = time.monotonic()
        code = subprocess.run(cmd, env=env, check=False).returncode
        print(f"=== {name}: exit {code} after {time.monotonic() - start:.0f} s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
