"""HTTP sessions for the gateway: large send blocks, and requests a cancel can interrupt.

Imported on first use by ``gateway`` (``requests`` costs a quarter second at start-up).

Cancel without a thread per request: a request that may need interrupting runs inside
:func:`interruptible`, which notes the cancel event for the calling thread; our connection
class records itself there when it starts a request. One watcher thread for the whole
process looks at the noted events ten times a second and, once one is set, shuts the
socket of that request down: the blocked send or receive returns at once, and the caller
raises ``CancelledError``. The watcher sleeps while nothing is noted.

Uploads: http.client sends a streamed body in ``blocksize`` pieces (16 KiB by default);
each piece is a round through the multipart encoder in Python under the GIL. 1 MiB
pieces make that 64 times fewer.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.fields import RequestField

from sds_desktop.core.errors import CancelledError

UPLOAD_BLOCK_SIZE = 1024 * 1024
"""Bytes handed to the socket per send of a streamed request body."""
CANCEL_POLL_SECONDS = 0.1
"""How often the watcher looks at the cancel events of running requests."""

_current = threading.local()


class _Watch:
    """One interruptible call: its cancel event and the connection it is using."""

    __slots__ = ("cancel", "conn")

    def __init__(self, cancel: threading.Event) -> None:
        self.cancel = cancel
        self.conn: HTTPConnection | None = None

    def interrupt(self) -> None:
        sock = getattr(self.conn, "sock", None)
        if isinstance(sock, socket.socket):
            # The plain socket's shutdown, also under TLS: SSLSocket's own would drop its
            # TLS state under the thread that is reading it.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watcher:
    """The process's one thread that interrupts the requests whose cancel is set."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._watches: set[_Watch] = set()
        self._thread: threading.Thread | None = None

    def add(self, watch: _Watch) -> None:
        with self._cond:
            self._watches.add(watch)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sds-cancel", daemon=True)
                self._thread.start()
            self._cond.notify()

    def remove(self, watch: _Watch) -> None:
        with self._cond:
            self._watches.discard(watch)

    def _run(self) -> None:
        with self._cond:
            while True:
                while not self._watches:
                    self._cond.wait()
                # Under the lock: a block that has just ended (``remove``) is never
                # interrupted, so a later request on the same kept-alive connection is safe.
                for w in [w for w in self._watches if w.cancel.is_set()]:
                    self._watches.discard(w)
                    w.interrupt()
                self._cond.wait(CANCEL_POLL_SECONDS)


_WATCHER = _Watcher()


@contextlib.contextmanager
def interruptible(cancel: threading.Event | None, what: str) -> Iterator[None]:
    """Requests started by this thread inside the block end promptly once ``cancel`` is
    set: their socket is shut down, and any error that follows becomes ``CancelledError``.
    The connection recorded is the one the last request used (a download's body is read
    on it later, perhaps by another thread: it is interrupted all the same)."""
    if cancel is None:
        yield
        return
    if cancel.is_set():
        raise CancelledError(f"{what} cancelled")
    watch = _Watch(cancel)
    outer = getattr(_current, "watch", None)
    _current.watch = watch
    _WATCHER.add(watch)
    try:
        yield
    except Exception as exc:
        if cancel.is_set() and not isinstance(exc, CancelledError):
            raise CancelledError(f"{what} cancelled") from exc
        raise
    finally:
        _WATCHER.remove(watch)
        _current.watch = outer


def _note(conn: HTTPConnection) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.conn = conn


class _Connection(HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["blocksize"] = UPLOAD_BLOCK_SIZE  # the pool manager passes 16 KiB
        super().__init__(*args, **kwargs)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _note(self)
        super().request(*args, **kwargs)


class _TLSConnection(HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["blocksize"] = UPLOAD_BLOCK_SIZE  # the pool manager passes 16 KiB
        super().__init__(*args, **kwargs)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _note(self)
        super().request(*args, **kwargs)


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


_POOLS = {"http": _Pool, "https": _TLSPool}


class _Adapter(HTTPAdapter):
    """requests' adapter, with our connection classes in its pools (SOCKS proxies keep
    their own)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _POOLS
        return manager


class FileSource(Protocol):
    """What :class:`MultipartBody` streams as the file: bytes still to come, and reads."""

    @property
    def len(self) -> int: ...

    def read(self, size: int = -1) -> bytes: ...


def _part_head(boundary: bytes, field: RequestField) -> bytes:
    return b"--" + boundary + b"\r\n" + field.render_headers().encode("utf-8")


class MultipartBody:
    """A streamed ``multipart/form-data`` body: text fields, then one file, read as sent.

    The file's bytes go from each ``read`` of ``source`` straight to the socket (a
    generic encoder copies every block into a buffer and out again: two copies of the
    whole file). ``len`` is what is still to come, so requests sends a Content-Length.
    Part headers are urllib3's own (``RequestField``: HTML5-style quoting of names).
    """

    def __init__(
        self,
        fields: Sequence[tuple[str, str]],
        file_field: str,
        file_name: str,
        source: FileSource,
        file_type: str = "application/octet-stream",
    ) -> None:
        boundary = uuid.uuid4().hex.encode("ascii")
        self.content_type = f"multipart/form-data; boundary={boundary.decode()}"
        head = bytearray()
        for name, value in fields:
            field = RequestField(name, value)
            field.make_multipart()
            head += _part_head(boundary, field) + value.encode("utf-8") + b"\r\n"
        file_part = RequestField(file_field, b"", filename=file_name)
        file_part.make_multipart(content_type=file_type)
        head += _part_head(boundary, file_part)
        self._head = bytes(head)
        self._source = source
        self._tail = b"\r\n--" + boundary + b"--\r\n"

    @property
    def len(self) -> int:
        return len(self._head) + self._source.len + len(self._tail)

    def read(self, size: int = -1) -> bytes:
        """The next piece: the part headers, a block of the file, or the closing line.
        ``read()`` with no size returns everything left, as file objects do."""
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(UPLOAD_BLOCK_SIZE), b""))
        if self._head:
            out, self._head = self._head, b""
            return out
        if self._source.len > 0:
            return self._source.read(size)
        out, self._tail = self._tail, b""
        return out


def new_session() -> requests.Session:
    """A session whose connections use :data:`UPLOAD_BLOCK_SIZE` and can be interrupted."""
    session = requests.Session()
    adapter = _Adapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


__all__ = [
    "CANCEL_POLL_SECONDS",
    "UPLOAD_BLOCK_SIZE",
    "MultipartBody",
    "interruptible",
    "new_session",
]
