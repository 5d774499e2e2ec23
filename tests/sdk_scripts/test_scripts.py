"""SDK users' scripts run against the sandbox with only their import lines changed to
``sds_desktop.core`` (see ``runner.py``; ``test_scripts_judge.py`` runs them unchanged
under the official SDK, so they are known to be valid SDK scripts)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sds_desktop.core import Client
from sds_desktop.sandbox.server import SandboxServer
from tests.rfgen import make_drf
from tests.sdk_scripts.runner import port_script, prepare, run_script

ALL = [
    "basic_usage.py",
    "files.py",
    "error_handling.py",
    "datasets.py",
    "time_filtering.py",
    "captures.py",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    with SandboxServer(tmp_path_factory.mktemp("sandbox")) as srv:
        yield srv


def test_port_refuses_unmapped_imports() -> None:
    with pytest.raises(AssertionError, match="unmapped"):
        port_script("from spectrumx.ops import files\n")
    assert port_script("from spectrumx.client import Client\nx = 1") == (
        "from sds_desktop.core import Client\nx = 1\n"
    )


@pytest.mark.parametrize("name", ALL)
def test_script(name: str, server: SandboxServer, tmp_path: Path) -> None:
    key, env = prepare(name, server, tmp_path)
    assert run_script(name, server, tmp_path, key, **env).strip().endswith(": ok")


def test_rerun_links_the_existing_captures(server: SandboxServer, tmp_path: Path) -> None:
    """Unlike the SDK (whose re-run uploads nothing and so returns None), running the same
    upload again gives back the same captures, linked."""
    key = server.add_user("rerun@example.org")
    make_drf(tmp_path / "array", channels=("ch0", "ch1"))
    client = Client(server.url, env_config={"SDS_SECRET_TOKEN": key, "DRY_RUN": "false"})
    kwargs = {"local_path": tmp_path / "array", "sds_path": "/array", "verbose": False}
    first = client.upload_multichannel_drf_capture(channels=["ch0", "ch1"], **kwargs)
    again = client.upload_multichannel_drf_capture(channels=["ch0", "ch1"], **kwargs)
    assert first is not None
    assert again is not None
    assert [c.uuid for c in again] == [c.uuid for c in first]
    single = client.upload_capture(capture_type="drf", channel="ch0", **kwargs)
    assert single is not None
    assert single.uuid == first[0].uuid
    assert len(client.captures.listing()) <= 2  # nothing duplicated
