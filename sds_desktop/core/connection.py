"""HTTP sessions for the gateway: large send blocks, and requests a cancel can interrupt.

Imported on first use by ``gateway`` (``requests`` costs a quarter second at start-up).

Cancel without a thread per request: our connection classes note themselves for the
calling thread as they start a request (``interrupt.note``), so that a cancelled
``interrupt.interruptible`` block has its socket shut down.

Uploads: http.client sends a streamed body in ``blocksize`` pieces (16 KiB by default);
each piece is a round through the multipart encoder in Python under the GIL. 1 MiB
pieces make that 64 times fewer.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.fields import RequestField

from sds_desktop.core.interrupt import CANCEL_POLL_SECONDS, interruptible, note

UPLOAD_BLOCK_SIZE = 1024 * 1024
"""Bytes handed to the socket per send of a streamed request body."""


class _Connection(HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["blocksize"] = UPLOAD_BLOCK_SIZE  # the pool manager passes 16 KiB
        super().__init__(*args, **kwargs)

    def request(self, *args: Any, **kwargs: Any) -> None:
        note(self)
        super().request(*args, **kwargs)


class _TLSConnection(HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["blocksize"] = UPLOAD_BLOCK_SIZE  # the pool manager passes 16 KiB
        super().__init__(*args, **kwargs)

    def request(self, *args: Any, **kwargs: Any) -> None:
        note(self)
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
