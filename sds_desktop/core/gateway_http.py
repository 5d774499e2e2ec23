"""HTTP plumbing of the gateway client: error mapping, capped JSON bodies, the upload
body reader, the download read-ahead. No endpoint here (see ``gateway``)."""

from __future__ import annotations

import logging
import queue
import threading
import uuid as uuid_mod
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from sds_desktop.core.checksum import CHUNK_SIZE, ProgressCallback
from sds_desktop.core.errors import (
    AuthError,
    CancelledError,
    FileError,
    NetworkError,
    RateLimitedError,
    SDSError,
    ServiceError,
    TLSError,
    UploadError,
)
from sds_desktop.core.models import malformed

if TYPE_CHECKING:
    import requests

log = logging.getLogger("sds_desktop.core.gateway")

MAX_PAGES = 100_000
"""Guard against a server whose ``next`` never ends."""

ParamValue = str | int | Sequence[str]
Params = Mapping[str, ParamValue]

CANCEL_POLL_SECONDS = 0.1
"""How often a reader waiting on the read-ahead thread looks at its cancel event."""
DOWNLOAD_CHUNK_SIZE = CHUNK_SIZE
"""Bytes per download chunk: each is one write, one hash update and one progress call.
256 KiB was tried (bench, 512 MiB on loopback, 3 alternated rounds): no less CPU and a
lower median rate than 1 MiB, so 1 MiB stays."""
PREFETCH_CHUNKS = 4
"""Download chunks read ahead of the writer (bounded memory: 4 x 1 MiB)."""
READ_AHEAD_MIN_BYTES = 4 * 1024 * 1024
"""Bodies at least this large are read by a helper thread, a few chunks ahead, so that
the network overlaps hashing and writing; smaller ones are read inline (no thread)."""


def prefetch_abandonable(
    chunks: Iterator[bytes | memoryview], cancel: threading.Event, what: str
) -> Generator[bytes | memoryview, None, None]:
    """Read ``chunks`` in a helper thread, a few ahead; stop waiting as soon as cancelled."""
    buffer: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=PREFETCH_CHUNKS)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=CANCEL_POLL_SECONDS)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(("data", chunk)):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed over to the consumer
            put(("error", exc))
            return
        put(("end", None))

    threading.Thread(target=produce, name="sds-download", daemon=True).start()
    try:
        while True:
            try:
                kind, value = buffer.get(timeout=CANCEL_POLL_SECONDS)
            except queue.Empty:
                if cancel.is_set():
                    raise CancelledError(f"{what} cancelled") from None
                continue
            if kind == "data":
                yield value
            elif kind == "end":
                return
            else:
                raise value
    finally:
        stop.set()


def to_uuid_hex(value: object, context: type[SDSError] = FileError) -> str:
    """Validate a UUID before it goes into a URL (the gateway answers 500 to bad ones)."""
    if isinstance(value, uuid_mod.UUID):
        return value.hex
    if isinstance(value, str):
        try:
            return uuid_mod.UUID(value.strip()).hex
        except ValueError:
            pass
    raise context(f"invalid UUID {value!r}: expected 32 hex digits (dashes allowed)")


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils  # noqa: PLC0415 - an HTTP date in Retry-After is rare: not at start

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _describe(payload: object) -> str:
    """Human text of an error body: ``detail``, or ``field: message`` pairs."""
    if isinstance(payload, Mapping):
        if "detail" in payload:
            return _describe(payload["detail"])
        if "error" in payload and len(payload) == 1:
            return _describe(payload["error"])
        parts = [f"{key}: {_describe(value)}" for key, value in payload.items()]
        return "; ".join(parts)
    if isinstance(payload, list):
        return " ".join(_describe(item) for item in payload)
    return str(payload)


def error_from_response(resp: requests.Response, context: type[SDSError]) -> SDSError:
    """Map an unsuccessful reply onto the SDK's error classes, with the server's text."""
    status = resp.status_code
    payload: object = None
    text = ""
    ctype = resp.headers.get("Content-Type", "")
    if "json" in ctype or resp.content[:1] in {b"{", b"["}:
        try:
            payload = resp.json()
        except ValueError:
            payload = None
    if payload is not None:
        text = _describe(payload)
    html = payload is None and ("html" in ctype.lower() or resp.content[:64].lstrip()[:1] == b"<")
    if html and 500 <= status < 600:
        text = "SDS failed on this request"  # production's HTML error pages (issue 10)
    elif html:
        text = f"{resp.reason or 'HTTP error'}: the server answered a web page, not the API"
    if not text:
        text = resp.reason or "HTTP error"
    message = f"{text} (HTTP {status})"
    detail = payload if payload is not None else resp.reason
    if status in {401, 403}:
        return AuthError(message, status=status, detail=detail)
    if status == 429:
        return RateLimitedError(
            message,
            status=status,
            detail=detail,
            retry_after=_parse_retry_after(resp.headers.get("Retry-After")),
        )
    if 500 <= status < 600:
        return ServiceError(message, status=status, detail=detail)
    if 400 <= status < 500:
        return context(message, status=status, detail=detail)
    return SDSError(f"unexpected reply: {message}", status=status, detail=detail)


_TRANSPORT_REASONS = (
    # (marker in the exception chain's text, what a person should read)
    ("Name or service not known", "the host name could not be resolved"),
    ("nodename nor servname", "the host name could not be resolved"),
    ("getaddrinfo failed", "the host name could not be resolved"),
    ("NameResolutionError", "the host name could not be resolved"),
    ("Temporary failure in name resolution", "the host name could not be resolved"),
    ("Connection refused", "the connection was refused (nothing listens on that port)"),
    ("Network is unreachable", "the network is unreachable"),
    ("No route to host", "there is no route to the host"),
    ("Connection reset", "the connection was reset"),
    ("RemoteDisconnected", "the server closed the connection"),
    ("Connection aborted", "the connection was aborted"),
    ("IncompleteRead", "the connection dropped mid-transfer"),
    ("Connection broken", "the connection dropped mid-transfer"),
)
_TLS_REASONS = (
    ("self-signed certificate", "the server's certificate is self-signed"),
    ("Hostname mismatch", "the certificate is for another host name"),
    ("certificate has expired", "the server's certificate has expired"),
    ("unable to get local issuer certificate", "the certificate's issuer is not trusted"),
    ("WRONG_VERSION_NUMBER", "the server does not speak TLS on that port (try http://)"),
)


def _reason(exc: BaseException, table: tuple[tuple[str, str], ...], default: str) -> str:
    text = repr(exc)
    cause: BaseException | None = exc
    while cause is not None:
        text += " " + repr(cause)
        cause = cause.__cause__ or cause.__context__
    return next((reason for marker, reason in table if marker in text), default)


def _map_transport_error(exc: requests.RequestException, what: str) -> SDSError:
    """A short, readable reason; the library's full text stays in ``detail`` for logs."""
    import requests  # noqa: PLC0415 - loaded by then (the request that failed used it)

    detail = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        reason = _reason(exc, _TLS_REASONS, "the certificate could not be verified")
        return TLSError(f"TLS check failed: {reason} ({what})", detail=detail)
    if isinstance(exc, requests.exceptions.Timeout):
        return NetworkError(f"timed out ({what})", detail=detail)
    if isinstance(
        exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)
    ):
        reason = _reason(exc, _TRANSPORT_REASONS, "the connection failed")
        return NetworkError(f"{reason} ({what})", detail=detail)
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return NetworkError(f"corrupt transfer encoding ({what})", detail=detail)
    return NetworkError(f"request failed ({what}): {exc}", detail=detail)


def _json(resp: requests.Response, what: str) -> Any:
    try:
        return resp.json()
    except ValueError:
        raise malformed(f"{what}: body is not JSON (HTTP {resp.status_code})") from None


MAX_JSON_BYTES = 64 * 1024 * 1024
"""Largest reply body read into memory (JSON, error pages); beyond it the reply is
refused: an endless or oversized body cannot take the client's memory (issue 10)."""


def _read_capped(resp: requests.Response, what: str) -> None:
    """Read a reply body into ``resp`` (for ``.content`` / ``.json()``), at most
    ``MAX_JSON_BYTES``; ``ServiceError`` beyond."""
    import requests  # noqa: PLC0415 - loaded by then

    too_big = ServiceError(
        f"the reply is larger than {MAX_JSON_BYTES // (1024 * 1024)} MiB ({what}): refused",
        status=resp.status_code,
    )
    length = resp.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > MAX_JSON_BYTES:
        resp.close()
        raise too_big
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in resp.iter_content(chunk_size=1024 * 1024):
            total += len(chunk)
            if total > MAX_JSON_BYTES:
                resp.close()
                raise too_big
            chunks.append(chunk)
    except requests.RequestException as exc:
        resp.close()
        raise _map_transport_error(exc, what) from exc
    resp._content = b"".join(chunks)
    resp._content_consumed = True  # type: ignore[attr-defined]


class _UploadBody:
    """File reader for the multipart body: bounded reads, progress, cancel.

    ``len`` is the number of bytes still to send (what the encoder asks for). A file
    that shrinks under us fails instead of spinning; one that grows is cut at the size
    we planned, and the server's checksum then disagrees with ours.
    """

    def __init__(
        self,
        fh: IO[bytes],
        size: int,
        progress: ProgressCallback | None,
        cancel: threading.Event | None,
    ) -> None:
        self._fh = fh
        self._left = size
        self._progress = progress
        self._cancel = cancel
        self.bytes_read = 0

    @property
    def len(self) -> int:
        return self._left

    def read(self, size: int = -1) -> bytes:
        if self._cancel is not None and self._cancel.is_set():
            raise CancelledError("upload cancelled")
        if self._left <= 0:
            return b""
        want = self._left if size is None or size < 0 else min(size, self._left)
        want = min(want, CHUNK_SIZE)
        data = self._fh.read(want)
        if not data:
            raise UploadError("the file shrank while it was being uploaded")
        self._left -= len(data)
        self.bytes_read += len(data)
        if self._progress is not None:
            self._progress(len(data))
        return data


@dataclass
class DownloadStream:
    """An open download: status, headers, and the body as an iterator of chunks."""

    status: int
    headers: Mapping[str, str]
    chunks: Iterator[bytes | memoryview]
    """Each chunk is the caller's until it asks for the next (``core.read_ahead``)."""

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None
