"""Import cost of the core and of the window's start, with ``python -X importtime``.

Usage: uv run python bench/import_time.py [--repeat 7] [module ...]

For each module (default: ``sds_desktop.core``, ``sds_desktop.core.recordings``,
``sds_desktop.gui.app``, ``sds_desktop.gui.main_window``) runs ``python -X importtime -c
"import <module>"`` in fresh processes and reports the median cumulative import time of
the module itself, and whether any heavy RF library (numpy, h5py, digital_rf, sigmf,
pyqtgraph) was imported on the way: they must be imported lazily, on first use. For
scale, the same is measured for ``import digital_rf`` and ``import sigmf``.

Not a test: it prints figures (they vary with the machine's load, printed too).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

DEFAULT = (
    "sds_desktop.core",
    "sds_desktop.core.recordings",
    "sds_desktop.gui.app",
    "sds_desktop.gui.main_window",
)
REFERENCE = ("digital_rf", "sigmf", "pyqtgraph")
HEAVY = ("numpy", "h5py", "digital_rf", "sigmf", "pyqtgraph", "jsonschema")


def measure(module: str) -> tuple[float, set[str]]:
    """(cumulative microseconds of ``module``, heavy top-level packages imported)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    total = 0.0
    heavy: set[str] = set()
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _self, cumulative, name = (part.strip() for part in line[12:].split("|"))
        if not cumulative.isdigit():
            continue  # the header line
        top = name.split(".")[0]
        if top in HEAVY:
            heavy.add(top)
        if name == module:
            total = float(cumulative)
    return total, heavy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("modules", nargs="*", default=[*DEFAULT, *REFERENCE])
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {sys.version.split()[0]}, load average {load:.1f}, {args.repeat} runs each")
    for module in args.modules:
        runs = []
        heavy: set[str] = set()
        for _ in range(args.repeat):
            us, found = measure(module)
            runs.append(us)
            heavy |= found
        med = statistics.median(runs) / 1000
        best = min(runs) / 1000
        pulled = ", ".join(sorted(heavy - {module.split(".")[0]})) or "none"
        print(f"{module:32s} median {med:7.1f} ms  best {best:7.1f} ms  heavy imports: {pulled}")


if __name__ == "__main__":
    main()
