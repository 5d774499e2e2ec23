"""Round trips with the project's own core client (sds_desktop.core.Client) over real HTTP."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from sds_desktop.core import Client, RetryPolicy
from sds_desktop.core.errors import AuthError
from sds_desktop.core.transfer import DownloadOutcome, UploadOutcome
from sds_desktop.sandbox.server import SandboxServer
from tests.sandbox.rfdata import write_rh


def core_client(server: SandboxServer, key: str) -> Client:
    client = Client(
        host=server.url,
        env_file=Path(os.devnull),
        env_config={"SDS_SECRET_TOKEN": key},
        allow_insecure_http=True,
        retry=RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, jitter=lambda: 0.0),
    )
    client.dry_run = False
    return client


@pytest.fixture
def client(server: SandboxServer, email: str) -> Client:
    return core_client(server, server.add_user(email))


def _tree(root: Path) -> dict[str, bytes]:
    files = {"a.txt": b"alpha", "sub/b.bin": os.urandom(300_000), "sub/deep/c.csv": b"1,2\n"}
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return files


def test_authenticate(client: Client, email: str) -> None:
    assert client.authenticate() == email


def test_bad_key(server: SandboxServer) -> None:
    with pytest.raises(AuthError):
        core_client(server, "zzzzzzzz." + "z" * 32).authenticate()


def test_upload_list_download(client: Client, tmp_path: Path) -> None:
    files = _tree(tmp_path / "src")
    results = client.upload(local_path=tmp_path / "src", sds_path="/core", verbose=False)
    assert sorted(r.outcome for r in results) == [UploadOutcome.UPLOADED] * 3
    assert all(r.verified for r in results)
    again = client.upload(local_path=tmp_path / "src", sds_path="/core", verbose=False)
    assert {r.outcome for r in again} == {UploadOutcome.SKIPPED}
    linked = client.upload(local_path=tmp_path / "src", sds_path="/core-copy", verbose=False)
    assert {r.outcome for r in linked} == {UploadOutcome.LINKED}

    listed = client.list_files("/core")
    assert sorted(f.name for f in listed) == ["a.txt", "b.bin", "c.csv"]
    got = client.download(from_sds_path="/core", to_local_path=tmp_path / "out", verbose=False)
    assert {r.outcome for r in got} == {DownloadOutcome.DOWNLOADED}
    for rel, data in files.items():
        assert (tmp_path / "out" / "core" / rel).read_bytes() == data


def test_download_survives_dropped_connection_and_5xx(
    server: SandboxServer, client: Client, tmp_path: Path
) -> None:
    data = os.urandom(2_000_000)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "big.bin").write_bytes(data)
    client.upload(local_path=tmp_path / "src", sds_path="/rel", verbose=False)
    server.faults.drop_after_bytes(500_000, count=1)
    server.faults.fail_next(1)
    got = client.download(from_sds_path="/rel", to_local_path=tmp_path / "out", verbose=False)
    assert [r.outcome for r in got] == [DownloadOutcome.DOWNLOADED], [r.error for r in got]
    (path,) = list((tmp_path / "out").rglob("big.bin"))
    assert path.read_bytes() == data


def test_upload_survives_5xx(server: SandboxServer, client: Client, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "x.bin").write_bytes(b"x" * 10_000)
    server.faults.fail_next(2)
    results = client.upload(local_path=tmp_path / "src", sds_path="/retry", verbose=False)
    assert [r.outcome for r in results] == [UploadOutcome.UPLOADED], [r.error for r in results]


def test_capture_and_dataset(
    server: SandboxServer, client: Client, email: str, tmp_path: Path
) -> None:
    group = str(uuid.uuid4())
    write_rh(tmp_path / "rh", group, count=2)
    client.upload(local_path=tmp_path / "rh", sds_path="/rh", verbose=False)
    capture = client.captures.create(top_level_dir="/rh", capture_type="rh", scan_group=group)
    assert capture is not None
    assert [c.uuid for c in client.captures.listing()] == [capture.uuid]
    assert client.captures.read(capture.uuid).uuid == capture.uuid

    dataset = server.create_dataset(email, "core ds", capture_uuids=[str(capture.uuid)])
    assert client.datasets.get(dataset).name == "core ds"
    got = client.datasets.download(dataset, tmp_path / "ds")
    assert {r.outcome for r in got} == {DownloadOutcome.DOWNLOADED}
    assert sorted(p.name for p in (tmp_path / "ds").rglob("*.rh.json")) == [
        "scan-0.rh.json",
        "scan-1.rh.json",
    ]
