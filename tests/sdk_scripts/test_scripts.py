"""SDK users' scripts (``scripts/*.py``, written against ``spectrumx`` from its README)
run against the sandbox with only their import lines changed to ``sds_desktop.core``.

Each script runs in its own process and folder, with the sandbox's host in ``SDS_HOST``
and the API key in ``./.env`` (the SDK's default), and asserts what a user would check.
The runner refuses any change to a script other than the import lines in ``IMPORTS``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sds_desktop.sandbox.server import SandboxServer
from tests.sdk_scripts.rfgen import write_drf, write_rh

SCRIPTS = Path(__file__).parent / "scripts"
IMPORTS = {
    "from spectrumx.client import Client": "from sds_desktop.core import Client",
    "from spectrumx.models.captures import CaptureType": "from sds_desktop.core import CaptureType",
    "from spectrumx.errors import AuthError, NetworkError, SDSError": (
        "from sds_desktop.core.errors import AuthError, NetworkError, SDSError"
    ),
}
NEEDS_PREFLIGHT = {"time_filtering.py", "captures.py"}
HAS_RECORDINGS = importlib.util.find_spec("sds_desktop.core.recordings") is not None


def port_script(text: str) -> str:
    """The script with its ``spectrumx`` imports swapped; nothing else may differ."""
    out = []
    for line in text.splitlines():
        if "spectrumx" in line:
            assert line in IMPORTS, f"unmapped SDK import line: {line!r}"
        out.append(IMPORTS.get(line, line))
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    with SandboxServer(tmp_path_factory.mktemp("sandbox")) as srv:
        yield srv


def run_script(
    name: str, server: SandboxServer, workdir: Path, key: str | None = None, **env: str
) -> str:
    """Run ``scripts/<name>`` ported, in ``workdir``, as a new user (or ``key``'s)."""
    if key is None:
        key = server.add_user(f"{uuid.uuid4().hex[:8]}@example.org")
    workdir.mkdir(exist_ok=True)
    (workdir / ".env").write_text(f"SDS_SECRET_TOKEN={key}\n", encoding="utf-8")
    script = workdir / name
    script.write_text(port_script((SCRIPTS / name).read_text(encoding="utf-8")), "utf-8")
    environ = {**os.environ, "SDS_HOST": server.url, **env}
    environ.pop("SDS_SECRET_TOKEN", None)
    environ["PYTHONPATH"] = str(Path(__file__).parents[2])
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=workdir,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr}"
    assert key not in proc.stdout + proc.stderr  # the token is never printed or logged
    return proc.stdout


def test_port_refuses_unmapped_imports() -> None:
    with pytest.raises(AssertionError, match="unmapped"):
        port_script("from spectrumx.ops import files\n")
    assert port_script("from spectrumx.client import Client\nx = 1") == (
        "from sds_desktop.core import Client\nx = 1\n"
    )


@pytest.mark.parametrize("name", ["basic_usage.py", "files.py", "error_handling.py"])
def test_file_scripts(name: str, server: SandboxServer, tmp_path: Path) -> None:
    out = run_script(name, server, tmp_path)
    assert out.strip().endswith(": ok")


@pytest.mark.skipif(not HAS_RECORDINGS, reason="needs sds_desktop.core.recordings (preflight)")
def test_time_filtering_script(server: SandboxServer, tmp_path: Path) -> None:
    write_drf(tmp_path / "westford")
    assert "time filtering: ok" in run_script("time_filtering.py", server, tmp_path)


@pytest.mark.skipif(not HAS_RECORDINGS, reason="needs sds_desktop.core.recordings (preflight)")
def test_captures_script(server: SandboxServer, tmp_path: Path) -> None:
    group = str(uuid.uuid4())
    write_rh(tmp_path / "rh_scans", group)
    write_drf(tmp_path / "array", channels=("ch0", "ch1"))
    (tmp_path / "scan_group.txt").write_text(group, encoding="utf-8")
    assert "captures: ok" in run_script("captures.py", server, tmp_path)


def test_datasets_script(server: SandboxServer, tmp_path: Path) -> None:
    import requests

    email = f"{uuid.uuid4().hex[:8]}@example.org"
    key = server.add_user(email)
    notes = requests.post(
        f"{server.url}/api/v1/assets/files/",
        headers={"Authorization": f"Api-Key: {key}"},
        data={"directory": "/notes", "name": "notes.txt", "media_type": "text/plain"},
        files={"file": ("notes.txt", b"field notes\n")},
        timeout=30,
    )
    assert notes.status_code == 201, notes.text
    dataset = server.create_dataset(email, "survey 2024", file_uuids=[notes.json()["uuid"]])
    group = str(uuid.uuid4())
    write_rh(tmp_path / "rh_scans", group)
    (tmp_path / "scan_group.txt").write_text(group, encoding="utf-8")
    out = run_script("datasets.py", server, tmp_path, key, DATASET_UUID=str(dataset))
    assert "datasets: ok" in out
