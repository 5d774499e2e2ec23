"""The trimmed ICU data library (packaging/icu_slim.py) still does what Qt asks of ICU."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import icu_slim  # noqa: E402

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or bool(icu_slim.missing_tools()),
    reason="Linux with icupkg + binutils only (apt-get install icu-devtools binutils)",
)

PROBE = """
import functools
from PySide6.QtCore import QCollator, QLocale, QStringConverter
words = ["b10", "Zebra", "öl", "b9", "Äpfel", "apfel"]
for name in ("de_DE", "sv_SE"):
    c = QCollator(QLocale(name))
    c.setNumericMode(True)
    print(name, " ".join(sorted(words, key=functools.cmp_to_key(c.compare))))
print("upper", QLocale("tr_TR").toUpper("istanbul"))
print("codecs", " ".join(sorted(QStringConverter.availableCodecs())))
"""


def _probe(preload: Path | None) -> str:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("LD_PRELOAD", None)
    if preload is not None:
        env["LD_PRELOAD"] = str(preload)  # its soname then satisfies QtCore's NEEDED entry
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Could not create collator" not in done.stderr, done.stderr
    return done.stdout


def _qt_icudata() -> Path:
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    if not found:
        pytest.skip("this PySide6 wheel carries no ICU")
    return found[0]


def test_slim_icu_keeps_collation_and_case_mapping(tmp_path: Path) -> None:
    original = _qt_icudata()
    slim = icu_slim.slim_icudata(original, tmp_path / "icu")
    assert slim.name == original.name
    assert slim.stat().st_size < original.stat().st_size / 3

    out = _probe(slim)
    assert out.splitlines()[:3] == _probe(None).splitlines()[:3]
    assert "de_DE apfel Äpfel b9 b10 öl Zebra" in out  # locale tailoring + numeric mode
    assert "sv_SE apfel b9 b10 Zebra Äpfel öl" in out  # Swedish sorts Ä, Ö after Z
    assert "upper İSTANBUL" in out
    codecs = out.split("codecs ", 1)[1].split()
    assert {"UTF-8", "UTF-16", "ISO-8859-1"} <= set(codecs)


def test_rejects_a_library_without_icu_data(tmp_path: Path) -> None:
    import PySide6

    not_icu = next((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libQt6Svg.so*"))
    with pytest.raises(icu_slim.IcuSlimError, match="icudtNN_dat"):
        icu_slim.slim_icudata(not_icu, tmp_path / "icu")
