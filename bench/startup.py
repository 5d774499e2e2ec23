"""Start to first paint: from launching the interpreter to the main window's first paint.

Usage: uv run python bench/startup.py [--rounds 7] [--platform offscreen]

Each round launches a fresh interpreter that runs the app's own start-up
(``sds_desktop.gui.app.run`` with a fresh ``--config-dir``: no stored key, so the sign-in
dialog opens) and prints the moment the main window receives its first paint event; the
parent times from just before the launch. Also reports which modules were
already imported at that moment (``requests``, ``keyring``: they should not be) and the
import time of the GUI entry module. A fresh config folder per round (no stored key).

Bytecode: Python caches each module it compiles (``__pycache__``), so every start of the
app after its first loads compiled modules, and the installer ships them compiled. Some
environments (this project's machines among them) set ``PYTHONDONTWRITEBYTECODE``, which
makes every start compile every module again, ~0.3 s more here. The rounds therefore run
with caches as a user has them: the variable is cleared for the children and one start
(not counted) writes the caches first. ``--cold`` keeps the environment as it is.

Not a test: figures go to bench/results/startup.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, Series, core_at, temp_dir, write_results

CHILD = r"""
import sys, time, json
t_import = time.monotonic()
from PySide6.QtCore import QEvent, QObject, QTimer
from sds_desktop.__main__ import build_parser
from sds_desktop.gui import app as gui_app
from sds_desktop.gui.main_window import MainWindow
imported = time.monotonic() - t_import
qapp = gui_app.get_app()

class FirstPaint(QObject):
    done = False
    def eventFilter(self, obj, event):
        if not self.done and event.type() == QEvent.Type.Paint and isinstance(obj, MainWindow):
            self.done = True
            mods = {m: m in sys.modules for m in ("requests", "keyring", "urllib3", "blake3")}
            print(json.dumps({"painted": time.monotonic(), "import_s": imported, "mods": mods}),
                  flush=True)
            QTimer.singleShot(0, qapp.quit)
        return False

spy = FirstPaint()
qapp.installEventFilter(spy)
gui_app.run(build_parser().parse_args(["--config-dir", sys.argv[1]]))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM")
    parser.add_argument("--before", default=None, help="also run the app as of this git rev")
    parser.add_argument(
        "--cold", action="store_true", help="keep PYTHONDONTWRITEBYTECODE and skip the warm-up"
    )
    args = parser.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM=args.platform)
    if not args.cold:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    contenders = ["this tree"] + ([f"at {args.before}"] if args.before else [])
    paint = {c: Series("start to first paint", c, "s") for c in contenders}
    imports = {c: Series("import of the GUI modules", c, "s") for c in contenders}
    with temp_dir("sds-bench-start-") as tmp:
        envs = {"this tree": env}
        if args.before:
            envs[f"at {args.before}"] = dict(
                core_at(args.before, tmp / "before"), QT_QPA_PLATFORM=args.platform
            )
            if not args.cold:
                envs[f"at {args.before}"].pop("PYTHONDONTWRITEBYTECODE", None)

        def start(c: str, cfg: Path) -> tuple[float, dict]:  # type: ignore[type-arg]
            t0 = time.monotonic()
            proc = subprocess.Popen(
                [PYTHON, "-P", "-c", CHILD, str(cfg)],
                stdout=subprocess.PIPE,
                text=True,
                env=envs[c],
            )
            line = proc.stdout.readline() if proc.stdout else ""
            proc.wait(timeout=60)
            return t0, json.loads(line)

        if not args.cold:
            for c in contenders:  # the first start on a machine: writes the bytecode caches
                start(c, tmp / f"warm-{len(c)}")
        for r in range(args.rounds):
            for c in contenders if r % 2 == 0 else contenders[::-1]:
                t0, info = start(c, tmp / f"cfg{r}-{len(c)}")
                seconds = info["painted"] - t0
                loaded = ", ".join(m for m, on in info["mods"].items() if on) or "none"
                paint[c].add(seconds, loaded_before_paint=loaded)
                imports[c].add(info["import_s"])
                print(f"round {r + 1} {c}: first paint {seconds:.3f} s; loaded: {loaded}")
    write_results(
        "startup",
        "Start to first paint of the main window",
        [*paint.values(), *imports.values()],
        params={
            "rounds": args.rounds,
            "platform": args.platform,
            "before": args.before,
            **({"cold": ""} if args.cold else {}),
        },
        baseline={s.case: contenders[-1] for s in paint.values()} if args.before else None,
        higher_is_better=False,
        columns=["loaded_before_paint"],
        notes=[
            (
                "From the parent's launch of a fresh interpreter to the main window's first "
                "paint event (time.monotonic is system-wide on Linux)."
            ),
            (
                "Bytecode caches as a user has them after the first start (the installer ships "
                "compiled modules)."
                if not args.cold
                else "Cold: every module compiled at each start (PYTHONDONTWRITEBYTECODE kept)."
            ),
            "Target: <= 0.8 s.",
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
