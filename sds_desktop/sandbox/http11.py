"""The sandbox's HTTP/1.1 request handler: persistent (keep-alive) connections.

Werkzeug's development handler closes every connection after one response and then
drains unread request data with a 10 ms ``select`` loop; a client uploading many small
files then pays a TCP handshake and that wait per request, and a benchmark measures the
server instead of the client. This handler runs the WSGI app itself and keeps the
connection open when it safely can: HTTP/1.1, the request body read to its end (the app
reports what it read through ``CountingInput``), a known response length, and nobody
(client or app) asking for ``Connection: close``. Otherwise it closes, as before.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
from typing import Any

from werkzeug.serving import WSGIRequestHandler

log = logging.getLogger(__name__)

COUNTER_KEY = "sds_sandbox.body_counter"
"""environ key of the CountingInput the app wraps a request body in."""


def reset_connection(sock: socket.socket | None) -> None:
    """Abort a TCP connection with a reset (RST), not an orderly FIN.

    SO_LINGER with a zero timeout makes close() discard unsent data and send RST; the
    socket is detached first so that later calls on the Python object fail cleanly
    instead of touching a reused descriptor.
    """
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        fd = sock.detach()
        if fd >= 0:
            socket.socket(fileno=fd).close()


class KeepAliveHandler(WSGIRequestHandler):
    """WSGIRequestHandler whose run_wsgi keeps HTTP/1.1 connections open."""

    protocol_version = "HTTP/1.1"
    timeout = 60  # seconds a connection may stay silent (idle keep-alive or stalled body)

    def setup(self) -> None:
        super().setup()
        # As nginx's tcp_nodelay: a kept-alive connection's small answers go out at once.
        # Without it, a response written in two parts (head, body) waits for the client's
        # delayed ACK, ~40 ms a request on Linux once a connection leaves quick-ACK mode.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        tracked = getattr(self.server, "open_connections", None)
        if tracked is not None:
            tracked.add(self.connection)  # stop() drops it, as a gateway going down does

    def finish(self) -> None:
        tracked = getattr(self.server, "open_connections", None)
        if tracked is not None:
            tracked.discard(self.connection)
        super().finish()

    def log_request(self, code: Any = "-", _size: Any = "-") -> None:
        log.debug("%s %s -> %s", self.command, self.path, code)

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        # e.g. "Request timed out" when an idle keep-alive connection expires: routine
        log.debug("sandbox connection: %s", format % args)

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.make_environ()
        state: dict[str, Any] = {"status": None, "headers": None, "sent": False}
        chunked_in = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1

        def start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            if exc_info and state["sent"]:
                raise exc_info[1].with_traceback(exc_info[2])
            state["status"], state["headers"] = status, headers
            return write

        def send_head() -> None:
            code, _, reason = state["status"].partition(" ")
            headers = state["headers"]
            keys = {k.lower() for k, _ in headers}
            counter = environ.get(COUNTER_KEY)
            body_read = length == 0 or (counter is not None and counter.done(length))
            app_close = any(k.lower() == "connection" and v.lower() == "close" for k, v in headers)
            unknown_length = "content-length" not in keys and int(code) not in {204, 304}
            if chunked_in or not body_read or app_close or unknown_length:
                self.close_connection = True
            self.send_response(int(code), reason)
            for key, value in headers:
                if key.lower() != "connection":
                    self.send_header(key, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            state["sent"] = True

        def write(data: bytes) -> None:
            if not state["sent"]:
                send_head()
            if data:
                self.wfile.write(data)

        try:
            body = self.server.app(environ, start_response)  # type: ignore[attr-defined]
            try:
                for data in body:
                    write(data)
                if not state["sent"]:
                    write(b"")
                self.wfile.flush()
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
        except (ConnectionError, TimeoutError, OSError) as exc:
            # a fault-injected drop, or the client went away: nothing more to send
            log.debug("sandbox: connection ended: %s", exc)
            self.close_connection = True
        except Exception:  # an app bug: 500 if nothing was sent yet, else just close
            log.exception("sandbox: error on %s %s", self.command, self.path)
            self.close_connection = True
            if not state["sent"]:
                with contextlib.suppress(OSError):
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.send_header("Connection", "close")
                    self.end_headers()
