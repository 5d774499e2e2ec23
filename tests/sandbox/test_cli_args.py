"""Bad command-line input to either program: one line on stderr, exit 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], capture_output=True, text=True, timeout=60, check=False
    )


def _one_line_error(proc: subprocess.CompletedProcess[str], needle: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert "error:" in last
    assert needle in last


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--port", "99999"), "outside 0-65535"),
        (("--port", "-5"), "outside 0-65535"),
        (("--port", "http"), "not a port number"),
        (("--latency-ms", "nan"), "finite number"),
        (("--latency-ms", "inf"), "finite number"),
        (("--latency-ms", "-3"), "finite number"),
        (("--latency-ms", "soon"), "not a number"),
    ],
)
def test_sandbox_refuses_bad_numbers(args: tuple[str, ...], needle: str) -> None:
    _one_line_error(_run("sds_desktop.sandbox", *args), needle)


def test_sandbox_refuses_a_file_as_data_dir(tmp_path: Path) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("x")
    _one_line_error(_run("sds_desktop.sandbox", "--data-dir", str(afile)), "not a folder")
    assert afile.read_text() == "x"


def test_app_refuses_a_file_as_config_dir(tmp_path: Path) -> None:
    afile = tmp_path / "settings.ini"
    afile.write_text("keep me")
    _one_line_error(_run("sds_desktop", "--config-dir", str(afile)), "not a folder")
    nested = _run("sds_desktop", "--config-dir", str(afile / "sub"))
    _one_line_error(nested, "parent is not a folder")
    assert afile.read_text() == "keep me"
