"""The frozen app's placeholder for PySide6.QtOpenGL (packaging/pyi_rth_no_qtopengl.py).

The bundle leaves out QtOpenGL's 8.5 MiB of bindings because pyqtgraph only draws with
OpenGL when asked to. These tests run the hook in a fresh interpreter, as the frozen app
does before any import, and prove that pyqtgraph still imports and draws, and that any use
of the missing module says clearly what is missing.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

HOOK = Path(__file__).resolve().parents[2] / "packaging" / "pyi_rth_no_qtopengl.py"

SCRIPT = f"""
import runpy, sys
runpy.run_path({str(HOOK)!r})
from PySide6.QtWidgets import QApplication
app = QApplication([])
import numpy as np
import pyqtgraph as pg
plot = pg.PlotWidget()
plot.plot(np.linspace(0.0, 1.0, 64))
plot.addItem(pg.ImageItem(np.outer(np.arange(16.0), np.arange(16.0))))
plot.resize(320, 200)
shot = plot.grab()
print("drawn", shot.width(), shot.height(), not shot.isNull())
print("placeholder", type(sys.modules["PySide6.QtOpenGL"]).__name__)
try:
    from PySide6.QtOpenGL import QOpenGLBuffer
except ImportError as exc:
    print("refused:", exc)
"""


def test_pyqtgraph_draws_with_the_placeholder() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True, text=True, timeout=120, check=True, env=env,
    )  # fmt: skip
    lines = out.stdout.splitlines()
    assert "drawn 320 200 True" in lines
    assert "placeholder _NotBundled" in lines
    assert any(
        line.startswith("refused:") and "not included in this build" in line for line in lines
    ), out.stdout


def test_the_hook_leaves_a_real_module_alone(monkeypatch) -> None:
    sentinel = object()
    monkeypatch.setitem(sys.modules, "PySide6.QtOpenGL", sentinel)
    runpy.run_path(str(HOOK))
    assert sys.modules["PySide6.QtOpenGL"] is sentinel
