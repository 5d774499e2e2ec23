"""The core must stay free of Qt and of the other layers (design.md, layer rules)."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("PySide6", "shiboken6", "qasync", "sds_desktop.gui", "sds_desktop.sandbox")


def test_core_imports_no_qt_nor_upper_layers() -> None:
    code = (
        "import sys, pkgutil, importlib, sds_desktop.core as c\n"
        "for m in pkgutil.walk_packages(c.__path__, 'sds_desktop.core.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN[:3]!r} "
        f"or m.startswith({FORBIDDEN[3:]!r})]\n"
        "print(','.join(sorted(bad)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"core pulled in forbidden modules: {out}"


def test_sandbox_does_not_import_client_or_gui() -> None:
    code = (
        "import sys, pkgutil, importlib, sds_desktop.sandbox as s\n"
        "for m in pkgutil.walk_packages(s.__path__, 'sds_desktop.sandbox.'):\n"
        "    if m.name.endswith('__main__'):\n"
        "        continue\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.startswith('sds_desktop.gui') "
        "or m.split('.')[0] in ('PySide6', 'qasync') "
        "or m in ('sds_desktop.core.client', 'sds_desktop.core.gateway')]\n"
        "print(','.join(sorted(bad)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"sandbox pulled in forbidden modules: {out}"
