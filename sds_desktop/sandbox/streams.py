"""Request and response bodies on the wire: counting, pacing, and cutting them (faults)."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sds_desktop.sandbox.faults import FaultInjector, Pacer

CHUNK = 256 * 1024


def drop_connection(environ: dict[str, Any]) -> None:
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    raise ConnectionAbortedError("sandbox fault injection: connection dropped")


class FaultyInput:
    """wsgi.input wrapper that paces reading and may cut the connection mid-body."""

    def __init__(self, raw: Any, faults: FaultInjector, environ: dict[str, Any]) -> None:
        self._raw = raw
        self._faults = faults
        self._environ = environ
        self._pace = Pacer(faults)
        self._seen = 0

    def _account(self, data: bytes) -> bytes:
        self._seen += len(data)
        limit = self._faults.peek_drop_limit()
        if limit is not None and self._seen > limit:
            self._faults.consume_drop()
            drop_connection(self._environ)
        self._pace(len(data))
        return data

    def read(self, n: int = -1) -> bytes:
        return self._account(self._raw.read(n))

    def readline(self, n: int = -1) -> bytes:
        return self._account(self._raw.readline(n))

    def __iter__(self) -> Iterator[bytes]:
        return iter(lambda: self.readline(65536), b"")


class CountingInput:
    """wsgi.input wrapper that counts the request body bytes the app has read."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self.count += len(data)
        return data

    def readline(self, n: int = -1) -> bytes:
        data = self._raw.readline(n)
        self.count += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer) or 0
        self.count += n
        return n

    def __iter__(self) -> Iterator[bytes]:
        return iter(lambda: self.readline(65536), b"")

    def done(self, length: int) -> bool:
        return self.count >= length


def stop_reading_after(body: Iterable[bytes], environ: dict[str, Any]) -> Iterator[bytes]:
    """Yield the response, then shut the socket's read side.

    Werkzeug closes every connection and, before that, drains unread request data with
    ``select(timeout=0.01)`` until the client closes its end: up to 10 ms per request
    that a busy client pays in latency. Only used once the whole request body has been
    read, so nothing is left to drain: after SHUT_RD the socket reads EOF at once and
    the handler closes without waiting (no reset, as no unread data is pending).
    """
    try:
        yield from body
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RD)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def stream_blob(
    faults: FaultInjector, environ: dict[str, Any], path: Path, start: int, stop: int
) -> Iterator[bytes]:
    """Bytes ``start:stop`` of a blob, paced and cut as the fault knobs say."""
    pace = Pacer(faults)
    remaining = stop - start
    sent = 0
    with path.open("rb") as fh:
        fh.seek(start)
        while remaining > 0:
            chunk = fh.read(min(CHUNK, remaining))
            if not chunk:
                break
            limit = faults.peek_drop_limit()
            if limit is not None and sent + len(chunk) > limit:
                faults.consume_drop()
                if limit > sent:
                    yield chunk[: limit - sent]
                drop_connection(environ)
            remaining -= len(chunk)
            sent += len(chunk)
            pace(len(chunk))
            yield chunk
