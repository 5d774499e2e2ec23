"""The real program, as a user starts it: quits cleanly on SIGTERM / Ctrl+C, quiet stderr."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sandbox_app_quits_cleanly_on_signal(tmp_path: Path, signum: int) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sds_desktop", "--sandbox", "--config-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        # a fresh session: SIGINT is not inherited as ignored from a background runner
        start_new_session=True,
    )
    log_file = tmp_path / "logs" / "sds-desktop.jsonl"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if log_file.exists() and "signed in" in log_file.read_text(encoding="utf-8"):
                break
            assert proc.poll() is None, proc.communicate()[1].decode()
            time.sleep(0.1)
        else:
            pytest.fail("the app did not sign in to its sandbox")
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert err.decode().strip() == ""
