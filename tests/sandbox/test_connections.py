"""Connection handling: keep-alive, the drop fault's reset, a client quitting mid-upload."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest

from sds_desktop.sandbox.server import SandboxServer
from tests.sandbox.conftest import Api


def _request(key: str, path: str = "/api/v1/auth/") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Api-Key: {key}\r\n\r\n".encode()


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head


def _drain(sock: socket.socket) -> None:
    while sock.recv(65536):
        pass


def test_http11_connections_are_kept_alive(server: SandboxServer, api: Api) -> None:
    assert api.key is not None
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        for _ in range(3):  # three requests, one connection
            sock.sendall(_request(api.key))
            head = _read_response(sock)
            assert head.startswith(b"HTTP/1.1 200")
            assert b"connection: close" not in head.lower()


def test_a_small_unread_body_is_read_and_the_connection_kept(
    server: SandboxServer, api: Api
) -> None:
    """As production's nginx does: a body the app did not read (a 405 here, a multipart
    epilogue after every upload) does not cost the connection when it is small."""
    r = api.post("/auth/", data=b"x" * 100)
    assert r.status_code == 405
    assert r.headers.get("Connection") != "close"


def test_a_large_unread_body_closes_the_connection(server: SandboxServer, api: Api) -> None:
    # more than the sandbox reads on the app's behalf: it answers and closes
    r = api.post("/auth/", data=b"x" * 1_000_000)
    assert r.status_code == 405
    assert r.headers.get("Connection") == "close"


def test_uploads_keep_their_connection(server: SandboxServer, api: Api) -> None:
    """Three uploads and a listing over one socket: each upload's answer leaves the
    connection open (it closed after every upload: a new connection and server thread
    per file)."""
    assert api.key is not None
    boundary = "b0undary"
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        for i in range(3):
            fields = "".join(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                for k, v in (
                    ("directory", "/keep"),
                    ("name", f"k{i}.bin"),
                    ("media_type", "application/octet-stream"),
                    ("permissions", "rw-r--r--"),
                )
            )
            body = (
                (
                    fields + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                    f'filename="k{i}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
                ).encode()
                + bytes([i]) * 5000
                + f"\r\n--{boundary}--\r\n".encode()
            )
            head = (
                f"POST /api/v1/assets/files/ HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Api-Key: {api.key}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            sock.sendall(head + body)
            answer = _read_response(sock)
            assert answer.startswith(b"HTTP/1.1 201"), answer
            assert b"connection: close" not in answer.lower()
        sock.sendall(_request(api.key, "/api/v1/assets/files/?path=/keep"))
        assert _read_response(sock).startswith(b"HTTP/1.1 200")


def test_drop_fault_resets_the_connection(server: SandboxServer, api: Api) -> None:
    assert api.key is not None
    uid = api.upload("/rst", "big.bin", bytes(1_000_000)).json()["uuid"]
    server.faults.drop_after_bytes(10_000, count=1)
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(_request(api.key, f"/api/v1/assets/files/{uid}/download/"))
        with pytest.raises(ConnectionResetError):  # RST, not a clean end of stream
            _drain(sock)


def test_client_quitting_mid_upload_logs_no_traceback(
    server: SandboxServer, api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    boundary = "b0undary"
    head = (
        f"POST /api/v1/assets/files/ HTTP/1.1\r\nHost: x\r\nAuthorization: Api-Key: {api.key}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        "Content-Length: 1000000\r\n\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="q.bin"\r\n\r\n'
    )
    with caplog.at_level(logging.DEBUG, logger="sds_desktop"):
        with socket.create_connection((server.host, server.port), timeout=10) as sock:
            sock.sendall(head.encode() + b"x" * 5000)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(
            "connection ended" in r.getMessage() for r in caplog.records
        ):
            time.sleep(0.05)
    assert any("connection ended" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]
    assert api.get("/assets/files/", params={"path": "/"}).json()["count"] == 0


def test_stop_lets_an_upload_being_stored_finish_first(tmp_path, monkeypatch) -> None:
    """A quit (or a test's teardown) while an upload is being stored: the upload lands
    before the store closes, and nothing fails with a traceback after the folder went."""
    srv = SandboxServer(tmp_path / "sandbox").start()
    api = Api(srv.url, srv.add_user("stop@example.org"))
    entered, order = threading.Event(), []
    commit = srv.store.commit_blob

    def slow_commit(writer):  # type: ignore[no-untyped-def]
        entered.set()
        time.sleep(0.5)
        order.append("stored")
        return commit(writer)

    close = srv.store.close
    monkeypatch.setattr(srv.store, "commit_blob", slow_commit)
    monkeypatch.setattr(srv.store, "close", lambda: (order.append("closed"), close()))
    answers: list[int] = []
    sender = threading.Thread(
        target=lambda: answers.append(api.upload("/", "a.bin", b"x").status_code)
    )
    sender.start()
    assert entered.wait(10)
    srv.stop()
    sender.join(10)
    assert order == ["stored", "closed"]
    assert answers == [201]


def test_kept_alive_connections_send_at_once(server: SandboxServer, api: Api) -> None:
    """TCP_NODELAY on every connection, as nginx's tcp_nodelay: without it, each answer
    on a kept-alive connection (head, then body) waited for the client's delayed ACK,
    ~40 ms a request, which every listing page and upload check paid."""
    assert api.key is not None
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(_request(api.key))
        assert _read_response(sock).startswith(b"HTTP/1.1 200")
        served = list(server._server.open_connections)  # type: ignore[union-attr]
        assert served
        assert all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in served)
