"""Cancel must free the caller even when the server has gone silent mid-request.

A stalled server (reply never sent, body never finished) is simulated by a real socket
server on loopback. The gateway's read timeout is set far beyond the cancel so that a
call that ignored the cancel would end in ``NetworkError`` (timeout), not in
``CancelledError``: the assertion is on which error arrives, not on how fast.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sds_desktop.core.errors import CancelledError
from sds_desktop.core.gateway import Gateway
from sds_desktop.core.models import SDSFile
from sds_desktop.core.retry import NO_RETRY
from sds_desktop.core.transfer import DownloadItem, download_one

UUID = "0123456789abcdef0123456789abcdef"


class StallingServer:
    """Accepts connections, reads the request, answers ``reply`` (maybe partial), stalls."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.release = threading.Event()
        self.got_request = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(0.2)
            while not self.release.is_set():
                try:
                    if not conn.recv(65536):
                        break
                except TimeoutError:
                    self.got_request.set()
                    if self.reply:
                        conn.sendall(self.reply)
                        self.reply = b""
            self.release.wait(30)

    def close(self) -> None:
        self.release.set()
        self.sock.close()


@pytest.fixture
def stalling() -> Iterator[type[StallingServer]]:
    servers: list[StallingServer] = []

    def make(reply: bytes) -> StallingServer:
        server = StallingServer(reply)
        servers.append(server)
        return server

    yield make  # type: ignore[misc]
    for server in servers:
        server.close()


def _cancel_when(event: threading.Event, cancel: threading.Event) -> None:
    def run() -> None:
        event.wait(20)
        cancel.set()

    threading.Thread(target=run, daemon=True).start()


def test_cancel_frees_an_upload_waiting_for_a_silent_server(stalling, tmp_path: Path) -> None:
    server = stalling(b"")
    gateway = Gateway(
        f"http://127.0.0.1:{server.port}/api/v1", "k" * 41, timeout=60, retry=NO_RETRY
    )
    src = tmp_path / "a.bin"
    src.write_bytes(b"x" * 1000)
    cancel = threading.Event()
    _cancel_when(server.got_request, cancel)
    with pytest.raises(CancelledError):
        gateway.upload_file_stream(
            src, "/d", "a.bin", "application/octet-stream", "rw-r--r--", cancel=cancel
        )


def test_cancel_frees_a_download_whose_body_stalls(stalling, tmp_path: Path) -> None:
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Length: 100000\r\n\r\n" + b"y" * 1000
    )
    server = stalling(head)
    gateway = Gateway(
        f"http://127.0.0.1:{server.port}/api/v1", "k" * 41, timeout=60, retry=NO_RETRY
    )
    remote = SDSFile(
        uuid=UUID,
        name="b.bin",
        directory="/d",
        owner_email="a@b.org",
        size=100000,
        sum_blake3="0" * 64,
    )
    cancel = threading.Event()
    _cancel_when(server.got_request, cancel)
    dest = tmp_path / "out" / "b.bin"
    dest.parent.mkdir()
    with pytest.raises(CancelledError):
        download_one(gateway, DownloadItem(remote, dest), cancel=cancel)
    assert list(dest.parent.iterdir()) == []  # neither the file nor its temp stays behind
