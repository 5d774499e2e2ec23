"""``sds-desktop --self-test`` run unfrozen, the way CI runs the frozen app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sds_desktop import selftest

ROOT = Path(__file__).resolve().parents[2]

# Lines a healthy run may print on stderr (none are known today; keep in sync with
# packaging/ci.sh, which applies the same rule to the frozen and installed app).
ALLOWED_STDERR: tuple[str, ...] = ()


def _unexpected(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith(ALLOWED_STDERR)]


def test_self_test_subprocess(tmp_path: Path) -> None:
    config = tmp_path / "config"
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)  # the self-test picks offscreen by itself
    env.pop("SDS_SECRET_TOKEN", None)
    env.pop("SDS_SELFTEST_QPA", None)
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
    result = subprocess.run(
        [sys.executable, "-m", "sds_desktop", "--self-test", "--config-dir", str(config)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    summary = lines[0]
    assert summary.startswith("SELF-TEST OK: SDS Desktop ")
    assert "(source," in summary
    assert ", offscreen):" in summary
    assert "upload+download of" in summary
    assert "Help>About" in summary
    assert "keyring=" in summary
    assert "[plugins: " in summary
    assert "SecretService" in summary  # backends discovered through entry points
    assert "recordings written and scanned (digital_rf " in summary
    assert _unexpected(result.stderr) == []
    # it used the given config dir, and nothing else
    assert (config / "settings.ini").is_file()
    assert (config / "self-test.txt").read_text(encoding="utf-8").strip() == summary
    assert not (tmp_path / "xdg-config").exists()


def test_memory_keyring_round_trip() -> None:
    ring = selftest._memory_keyring()
    ring.set_password("svc", "user", "secret")
    assert ring.get_password("svc", "user") == "secret"
    ring.delete_password("svc", "user")
    assert ring.get_password("svc", "user") is None


def test_keyring_report_names_backend_and_plugins() -> None:
    report = selftest.keyring_report()
    assert "[plugins: " in report
    assert "chainer" in report
