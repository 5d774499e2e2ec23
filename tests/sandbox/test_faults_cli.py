"""Fault injection knobs, and the command line (run as a subprocess)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from sds_desktop.sandbox.faults import FaultInjector
from sds_desktop.sandbox.server import SandboxServer
from tests.sandbox.conftest import Api


def test_fail_next(server: SandboxServer, api: Api) -> None:
    server.faults.fail_next(2)
    assert api.get("/auth/").status_code == 503
    assert api.get("/assets/files/").status_code == 503
    assert api.get("/auth/").status_code == 200
    server.faults.fail_next(1, status=500)
    assert api.get("/auth/").status_code == 500


def test_fail_next_on_upload_drains_body(server: SandboxServer, api: Api) -> None:
    server.faults.fail_next(1)
    assert api.upload("/f", "x.bin", b"x" * 200_000).status_code == 503
    assert api.upload("/f", "x.bin", b"x" * 200_000).status_code == 201


def test_drop_after_bytes_download(server: SandboxServer, api: Api) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB
    uid = api.upload("/drop", "big.bin", data).json()["uuid"]
    server.faults.drop_after_bytes(100_000, count=1)
    with pytest.raises(requests.exceptions.RequestException):
        api.get(f"/assets/files/{uid}/download/")  # truncated body: requests raises
    # one-shot: the next download is whole, and (switch on) a Range request resumes
    assert api.get(f"/assets/files/{uid}/download/").content == data
    server.faults.honour_range(True)
    r = api.get(f"/assets/files/{uid}/download/", headers={"Range": "bytes=100000-"})
    assert r.content == data[100_000:]


def test_drop_after_bytes_upload(server: SandboxServer, api: Api) -> None:
    server.faults.drop_after_bytes(50_000)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.upload("/drop", "up.bin", b"u" * 500_000)
    server.faults.drop_after_bytes(None)
    assert api.get("/assets/files/", params={"path": "/drop"}).json()["count"] == 0
    assert not list((server.data_dir / "blobs" / "tmp").iterdir())  # partial upload discarded
    assert api.upload("/drop", "up.bin", b"u" * 500_000).status_code == 201


def test_throttle(server: SandboxServer, api: Api) -> None:
    data = b"t" * 60_000
    uid = api.upload("/thr", "t.bin", data).json()["uuid"]
    server.faults.throttle(200_000)
    start = time.monotonic()
    assert api.get(f"/assets/files/{uid}/download/").content == data
    assert time.monotonic() - start >= 0.25
    server.faults.throttle(None)
    start = time.monotonic()
    api.get(f"/assets/files/{uid}/download/")
    assert time.monotonic() - start < 0.25


def test_latency_delays_api_responses_without_a_lock(server: SandboxServer, api: Api) -> None:
    # Both requests must be inside the delay at once: a sleep that waits for the other
    # one proves that the delay holds no lock and that concurrent delays overlap.
    barrier = threading.Barrier(2, timeout=20)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        barrier.wait()

    server.faults.sleep = sleep
    try:
        server.faults.latency(0.25)
        assert server.faults.latency_seconds == 0.25
        before = server.faults.delayed
        with ThreadPoolExecutor(2) as pool:
            codes = list(pool.map(lambda _: api.get("/auth/").status_code, range(2)))
        assert codes == [200, 200]
        assert slept == [0.25, 0.25]
        assert server.faults.delayed == before + 2
    finally:
        server.faults.sleep = time.sleep


def test_latency_applies_to_api_only_and_to_injected_failures(server: SandboxServer) -> None:
    slept: list[float] = []
    server.faults.sleep = slept.append
    try:
        key = server.add_user("latency@example.org")
        api = Api(server.url, key)
        server.faults.latency(0.1)
        assert api.get("/auth/").status_code == 200
        assert api.upload("/lat", "a.bin", b"abc").status_code == 201
        server.faults.fail_next(1)
        assert api.get("/auth/").status_code == 503
        assert slept == [0.1, 0.1, 0.1]
        r = requests.post(  # the admin endpoint is not under /api/: never delayed
            f"{server.url}/sandbox-admin/faults/",
            json={"latency": 0.2},
            headers={"X-Sandbox-Admin-Token": server.admin_token},
            timeout=10,
        )
        assert r.status_code == 200
        assert r.json()["faults"]["latency"] == 0.2
        assert slept == [0.1, 0.1, 0.1]
        assert server.faults.latency_seconds == 0.2
        r = requests.post(
            f"{server.url}/sandbox-admin/faults/",
            json={"reset": True},
            headers={"X-Sandbox-Admin-Token": server.admin_token},
            timeout=10,
        )
        assert r.json()["faults"]["latency"] is None
        assert server.faults.latency_seconds is None
        assert api.get("/auth/").status_code == 200
        assert len(slept) == 3
    finally:
        server.faults.sleep = time.sleep


def test_latency_real_sleep_loose_bound(server: SandboxServer, api: Api) -> None:
    server.faults.latency(0.2)
    start = time.monotonic()
    assert api.get("/auth/").status_code == 200
    assert time.monotonic() - start >= 0.2
    server.faults.reset()
    assert server.faults.latency_seconds is None


def test_latency_knob_values() -> None:
    slept: list[float] = []
    faults = FaultInjector(sleep=slept.append)
    faults.delay_response()
    assert slept == []
    faults.latency(0.05)
    faults.delay_response()
    assert slept == [0.05]
    assert faults.delayed == 1
    faults.latency(0)
    assert faults.latency_seconds is None
    for bad in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="latency"):
            faults.latency(bad)


def test_revoke_key(server: SandboxServer, api: Api) -> None:
    assert api.get("/auth/").status_code == 200
    assert server.faults.revoke_key(api.key or "")
    r = api.get("/auth/")
    assert r.status_code == 401
    assert r.json() == {"detail": "API key not found"}
    assert api.get("/assets/captures/").status_code == 403


def test_reset(server: SandboxServer, api: Api) -> None:
    server.faults.fail_next(5)
    server.faults.throttle(10)
    server.faults.drop_after_bytes(1)
    server.faults.reset()
    assert api.get("/auth/").status_code == 200


def test_invalid_knob_values(server: SandboxServer) -> None:
    with pytest.raises(ValueError, match="positive"):
        server.faults.throttle(0)
    with pytest.raises(ValueError, match="status"):
        server.faults.fail_next(1, status=200)


# -- command line -------------------------------------------------------------------------

CLI = [sys.executable, "-m", "sds_desktop.sandbox"]


def test_cli_add_user(tmp_path: Path) -> None:
    out = subprocess.run(
        [*CLI, "--data-dir", str(tmp_path), "--add-user", "cli@example.org"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}", lines[0])
    with SandboxServer(tmp_path) as srv:
        assert Api(srv.url, lines[0]).get("/auth/").status_code == 200


def _serve(args: list[str], want: int) -> list[str]:
    proc = subprocess.Popen(
        [*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while len([x for x in lines if x.strip()]) < want and time.monotonic() < deadline:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line:
                break
            lines.append(line.rstrip("\n"))
        return lines
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()


def test_cli_port_zero_prints_url(tmp_path: Path) -> None:
    (line,) = _serve(["--data-dir", str(tmp_path), "--port", "0"], 1)
    match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    assert match, line
    assert "127.0.0.1 only" in line


def test_cli_latency_ms(tmp_path: Path) -> None:
    key = subprocess.run(
        [*CLI, "--data-dir", str(tmp_path), "--add-user", "slow@example.org"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    proc = subprocess.Popen(
        [*CLI, "--data-dir", str(tmp_path), "--port", "0", "--latency-ms", "300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert match, line
        start = time.monotonic()
        assert Api(match.group(0), key).get("/auth/").status_code == 200
        assert time.monotonic() - start >= 0.3
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stdout:
            proc.stdout.close()


def test_cli_demo_prints_host_and_key(tmp_path: Path) -> None:
    lines = _serve(["--data-dir", str(tmp_path), "--port", "0", "--demo"], 3)
    assert lines[0].startswith("SDS sandbox listening on "), lines  # nothing stray first
    text = "\n".join(lines)
    host = re.search(r"host: (http://127\.0\.0\.1:\d+)", text)
    key = re.search(r"key: ([A-Za-z0-9]{8}\.[A-Za-z0-9]{32})", text)
    assert host, text
    assert key, text


def test_seed_demo_is_idempotent(tmp_path: Path) -> None:
    with SandboxServer(tmp_path) as srv:
        key = srv.seed_demo()
        api = Api(srv.url, key)
        count = api.get("/assets/files/", params={"path": "/demo"}).json()["count"]
        caps = api.get("/assets/captures/").json()["results"]
        # production cannot create SigMF captures: the demo has the SigMF files only
        assert sorted(c["capture_type"] for c in caps) == ["drf", "rh"]
        assert srv.seed_demo() != key
        assert api.get("/assets/files/", params={"path": "/demo"}).json()["count"] == count
        assert api.get("/assets/captures/").json()["count"] == 2
        drf = next(c for c in caps if c["capture_type"] == "drf")
        assert drf["capture_props"]["center_frequencies"] == 2_412_000_000.0
