"""Start to first paint: from launching the interpreter to the main window's first paint.

Usage: uv run python bench/startup.py [--rounds 7] [--platform offscreen]

Each round launches a fresh interpreter that does what ``sds-desktop`` does (app, settings,
logging, main window, show, start the session from the stored settings: none here, so
the sign-in screen) and prints the moment the main window receives its first paint
event; the parent times from just before the launch. Also reports which modules were
already imported at that moment (``requests``, ``keyring``: they should not be) and the
import time of the GUI entry module. A fresh config folder per round (no stored key).

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

from _common import PYTHON, Series, temp_dir, write_results

CHILD = r"""
import sys, time, json
t_import = time.monotonic()
from PySide6.QtCore import QEvent, QObject, QTimer
from sds_desktop.gui import app as gui_app
from sds_desktop.gui.logs import LoggingSetup
from sds_desktop.gui.main_window import MainWindow
from sds_desktop.gui.settings import Settings
imported = time.monotonic() - t_import
from pathlib import Path
cfg = Path(sys.argv[1])
qapp = gui_app.get_app()
settings = Settings(cfg)
logging_setup = LoggingSetup(settings.log_dir, level=20)
window = MainWindow(settings, logging_setup=logging_setup)

class FirstPaint(QObject):
    done = False
    def eventFilter(self, obj, event):
        if not self.done and event.type() == QEvent.Type.Paint:
            self.done = True
            mods = {m: m in sys.modules for m in ("requests", "keyring", "urllib3", "blake3")}
            print(json.dumps({"painted": time.monotonic(), "import_s": imported, "mods": mods}),
                  flush=True)
            QTimer.singleShot(0, qapp.quit)
        return False

spy = FirstPaint()
window.installEventFilter(spy)
window.show()
window.start_session()
qapp.exec()
window.shutdown()
logging_setup.close()
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM")
    args = parser.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM=args.platform)
    paint = Series("start to first paint", "sds-desktop", "s")
    imports = Series("import of the GUI modules", "sds-desktop", "s")
    with temp_dir("sds-bench-start-") as tmp:
        for r in range(args.rounds):
            cfg = tmp / f"cfg{r}"
            t0 = time.monotonic()
            proc = subprocess.Popen(
                [PYTHON, "-c", CHILD, str(cfg)], stdout=subprocess.PIPE, text=True, env=env
            )
            line = proc.stdout.readline() if proc.stdout else ""
            proc.wait(timeout=60)
            info = json.loads(line)
            seconds = info["painted"] - t0
            loaded = ", ".join(m for m, on in info["mods"].items() if on) or "none"
            paint.add(seconds, loaded_before_paint=loaded)
            imports.add(info["import_s"])
            print(f"round {r + 1}: first paint {seconds:.3f} s; loaded: {loaded}", flush=True)
    write_results(
        "startup",
        "Start to first paint of the main window",
        [paint, imports],
        params={"rounds": args.rounds, "platform": args.platform},
        higher_is_better=False,
        columns=["loaded_before_paint"],
        notes=[
            (
                "From the parent's launch of a fresh interpreter to the main window's first "
                "paint event (time.monotonic is system-wide on Linux)."
            ),
            "Target: <= 0.8 s.",
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
