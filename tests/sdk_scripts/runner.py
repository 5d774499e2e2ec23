"""Run the SDK users' scripts (``scripts/*.py``, written against ``spectrumx`` from its
README) against a sandbox: ported (only their import lines changed to
``sds_desktop.core``) or unchanged under the official SDK, the judge.

Each script runs as ``__main__`` in its own folder, with the sandbox's host in ``SDS_HOST``
and the API key in ``./.env``, and asserts what a user would check. Porting refuses any
change to a script other than the import lines in ``IMPORTS``.
"""

from __future__ import annotations

import contextlib
import io
import runpy
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from sds_desktop.sandbox.server import SandboxServer
from tests.rfgen import make_drf, make_rh

SCRIPTS = Path(__file__).parent / "scripts"
IMPORTS = {
    "from spectrumx.client import Client": "from sds_desktop.core import Client",
    "from spectrumx.models.captures import CaptureType": "from sds_desktop.core import CaptureType",
    "from spectrumx.errors import AuthError, NetworkError, SDSError": (
        "from sds_desktop.core.errors import AuthError, NetworkError, SDSError"
    ),
}


def port_script(text: str) -> str:
    """The script with its ``spectrumx`` imports swapped; nothing else may differ."""
    out = []
    for line in text.splitlines():
        if "spectrumx" in line:
            assert line in IMPORTS, f"unmapped SDK import line: {line!r}"
        out.append(IMPORTS.get(line, line))
    return "\n".join(out) + "\n"


def run_script(
    name: str,
    server: SandboxServer,
    workdir: Path,
    key: str | None = None,
    *,
    judge: bool = False,
    **env: str,
) -> str:
    """Run ``scripts/<name>`` as ``__main__`` in ``workdir`` as a new user (or ``key``'s):
    ported to ``sds_desktop.core``, or unchanged under the official SDK when ``judge``.
    Returns what it printed (asserted free of the API key)."""
    if key is None:
        key = server.add_user(f"{uuid.uuid4().hex[:8]}@example.org")
    workdir.mkdir(exist_ok=True)
    (workdir / ".env").write_text(f"SDS_SECRET_TOKEN={key}\n", encoding="utf-8")
    script = workdir / name
    text = (SCRIPTS / name).read_text(encoding="utf-8")
    script.write_text(text if judge else port_script(text), "utf-8")
    out, err = io.StringIO(), io.StringIO()
    with (
        pytest.MonkeyPatch.context() as mp,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        mp.chdir(workdir)
        mp.delenv("SDS_SECRET_TOKEN", raising=False)
        mp.setenv("SDS_HOST", server.url)
        for var, value in env.items():
            mp.setenv(var, value)
        if judge:
            _point_the_sdk_at(mp, server, workdir)
        try:
            runpy.run_path(str(script), run_name="__main__")
        except SystemExit as exc:
            if exc.code not in {0, None}:
                pytest.fail(f"{name} exited: {exc.code}\n{out.getvalue()}\n{err.getvalue()}")
    printed = out.getvalue() + err.getvalue()
    assert key not in printed  # the token is never printed or logged
    return out.getvalue()


def _point_the_sdk_at(mp: pytest.MonkeyPatch, server: SandboxServer, workdir: Path) -> None:
    """The SDK speaks plain http only to ``localhost`` on port 80: give it that host and
    set its gateway's port to the sandbox's (the SDK has no port option)."""
    import spectrumx.gateway as sdk_gateway

    original = sdk_gateway.GatewayClient.__init__

    def init_with_port(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.port = server.port

    mp.setattr(sdk_gateway.GatewayClient, "__init__", init_with_port)
    mp.setenv("SDS_HOST", "localhost")
    mp.setenv("XDG_STATE_HOME", str(workdir / "state"))


def prepare(name: str, server: SandboxServer, workdir: Path) -> tuple[str | None, dict[str, str]]:
    """The local data (and, for datasets.py, the account and dataset) a script expects:
    returns (API key or None for a new user, extra environment)."""
    workdir.mkdir(exist_ok=True)
    group = str(uuid.uuid4())
    (workdir / "scan_group.txt").write_text(group, encoding="utf-8")
    if name == "time_filtering.py":
        make_drf(workdir / "westford")
    if name == "captures.py":
        make_rh(workdir / "rh_scans", scan_group=group)
        make_drf(workdir / "array", channels=("ch0", "ch1"))
    if name != "datasets.py":
        return None, {}
    make_rh(workdir / "rh_scans", scan_group=group)
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
    return key, {"DATASET_UUID": str(dataset)}
