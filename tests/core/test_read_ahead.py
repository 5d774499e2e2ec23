"""Large download bodies read straight into reused buffers (core.read_ahead).

Against a tiny local HTTP server: every byte arrives in order though the buffers are
reused; a body cut short ends short (the caller's size check then refuses it); a cancel
ends the read at once even while the server sends nothing; a coded body is left to
``iter_content``.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from sds_desktop.core.errors import CancelledError
from sds_desktop.core.read_ahead import CHUNK, plain_body, read_ahead_into

BODY = os.urandom(9 * CHUNK + 12_345)


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/short":
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY[: 3 * CHUNK])
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        if self.path == "/silent":
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY[:1000])
            self.wfile.flush()
            time.sleep(20)  # then nothing for longer than the test waits
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        if self.path == "/gzip":
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        self.wfile.write(BODY)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_every_byte_arrives_in_order_through_reused_buffers(base: str) -> None:
    with requests.get(base + "/", stream=True, timeout=10) as resp:
        fp = plain_body(resp)
        assert fp is not None
        digest = hashlib.sha256()
        sizes = []
        for chunk in read_ahead_into(fp, len(BODY), threading.Event(), "test"):
            digest.update(chunk)  # used before asking for the next, as the writer does
            sizes.append(len(chunk))
    assert digest.digest() == hashlib.sha256(BODY).digest()
    assert sum(sizes) == len(BODY)
    assert max(sizes) == CHUNK


def test_a_body_cut_short_ends_short(base: str) -> None:
    with requests.get(base + "/short", stream=True, timeout=10) as resp:
        fp = plain_body(resp)
        assert fp is not None
        got = sum(len(c) for c in read_ahead_into(fp, len(BODY), threading.Event(), "t"))
    assert got == 3 * CHUNK  # less than listed: download_one's size check refuses it


def test_a_cancel_ends_the_read_while_the_server_is_silent(base: str) -> None:
    cancel = threading.Event()
    with requests.get(base + "/silent", stream=True, timeout=10) as resp:
        fp = plain_body(resp)
        assert fp is not None
        chunks = read_ahead_into(fp, len(BODY), cancel, "t")
        threading.Timer(0.3, cancel.set).start()
        with pytest.raises(CancelledError):  # else it would wait out the silence, then end
            for _chunk in chunks:
                pass


def test_a_coded_body_is_left_to_requests(base: str) -> None:
    with requests.get(base + "/gzip", stream=True, timeout=10) as resp:
        assert plain_body(resp) is None
