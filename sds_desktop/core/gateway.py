"""The HTTP layer: one method per gateway endpoint, typed errors, no policy.

Thread-safe: each thread gets its own ``requests.Session`` (sessions are not safe to
share). The API key goes only into the ``Authorization`` header, never into logs or
``repr``. Pagination ``next`` links are never followed blindly: only their query is
read, and the request goes to our own base URL, so a reply can never redirect the key
to another host or downgrade it to http.

Retries: idempotent requests (GET/PUT/DELETE and the read-only content check) are
retried here under the ``RetryPolicy``. The content upload and capture creation are
not: a repeated POST could duplicate work; ``transfer.upload_one`` restarts the whole
file step instead (its first step, the content check, then sees what landed).
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import os
import queue
import threading
import uuid as uuid_mod
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from sds_desktop.core.checksum import CHUNK_SIZE, ProgressCallback
from sds_desktop.core.errors import (
    AuthError,
    CancelledError,
    CaptureError,
    DatasetError,
    FileError,
    NetworkError,
    RateLimitedError,
    SDSError,
    ServiceError,
    TLSError,
    UploadError,
)
from sds_desktop.core.models import (
    Capture,
    ContentCheck,
    Dataset,
    Page,
    SDSFile,
    malformed,
)
from sds_desktop.core.paths import normalize_sds_path, validate_file_name
from sds_desktop.core.retry import NO_RETRY, RetryPolicy

if TYPE_CHECKING:
    # ``requests`` (a quarter second to import) is imported on the first request, not
    # with this module: the window can show before it is loaded.
    import requests

log = logging.getLogger(__name__)

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
    chunks: Iterator[bytes], cancel: threading.Event, what: str
) -> Generator[bytes, None, None]:
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
    chunks: Iterator[bytes]

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None


class Gateway:
    """Typed access to the SDS Gateway API under ``base_url`` (``…/api/v1``)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 300,
        retry: RetryPolicy | None = None,
        verify: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.__token = token
        self.timeout = timeout
        self.retry = retry if retry is not None else RetryPolicy()
        self.verify = verify
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._origin = urlsplit(self.base_url)

    def __repr__(self) -> str:
        return f"Gateway(base_url={self.base_url!r}, token=<redacted>)"

    __str__ = __repr__

    @property
    def has_token(self) -> bool:
        return bool(self.__token)

    def with_retry(self, retry: RetryPolicy) -> Gateway:
        """The same host and key under another retry policy, with sessions of its own
        (the transfer queue drives retries itself: its requests use ``NO_RETRY``)."""
        return Gateway(
            self.base_url, self.__token, timeout=self.timeout, retry=retry, verify=self.verify
        )

    # -- plumbing -----------------------------------------------------------------

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            import requests  # noqa: PLC0415 - first request: see the import note above

            from sds_desktop.core.connection import new_session  # noqa: PLC0415

            session = new_session()
            session.headers["Authorization"] = f"Api-Key: {self.__token}"
            session.verify = self.verify
            # requests re-reads the whole environment for proxies on every request (~2 ms
            # of CPU each, under the GIL the GUI thread needs); we talk to one host, so
            # resolve once: the proxy for it (NO_PROXY honoured) and a CA bundle override.
            session.trust_env = False
            session.proxies.update(requests.utils.get_environ_proxies(self.base_url))
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if self.verify is True and bundle:
                session.verify = bundle
            # Never let a redirect carry the key elsewhere: requests strips Authorization
            # on cross-host redirects, and we refuse redirects on writes below.
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def _discard_session(self) -> None:
        """Forget this thread's session: an abandoned request still owns one of its
        connections, so later requests of this thread start on a fresh session."""
        self._local.session = None

    def close(self) -> None:
        """Close every session this gateway opened (all threads)."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    def url(self, *parts: str) -> str:
        """``base/part1/part2/`` with the trailing slash the gateway requires."""
        return self.base_url + "/" + "/".join(p.strip("/") for p in parts) + "/"

    def _send(
        self,
        method: str,
        url: str,
        *,
        context: type[SDSError],
        params: Params | None = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        ok: Sequence[int] = (200, 201, 202, 204),
        session: requests.Session | None = None,
    ) -> requests.Response:
        import requests  # noqa: PLC0415 - loaded with the session

        what = f"{method} {url}"
        log.debug("%s params=%s", what, params)
        try:
            resp = (session or self._session()).request(
                method,
                url,
                params=params,
                data=data,
                headers=dict(headers) if headers else None,
                timeout=self.timeout,
                stream=stream,
                allow_redirects=method == "GET",
            )
        except requests.RequestException as exc:
            raise _map_transport_error(exc, what) from exc
        if resp.status_code not in ok:
            try:
                err = error_from_response(resp, context)
            finally:
                resp.close()
            log.debug("%s → %s", what, err)
            raise err
        return resp

    def _request(
        self,
        method: str,
        url: str,
        *,
        context: type[SDSError],
        retry: bool = True,
        cancel: threading.Event | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        policy = self.retry if retry else NO_RETRY
        return policy.call(
            lambda: self._send(method, url, context=context, **kwargs),
            cancel=cancel,
            what=f"{method} {url}",
        )

    def _json_request(
        self, method: str, url: str, *, context: type[SDSError], what: str, **kwargs: Any
    ) -> Any:
        resp = self._request(method, url, context=context, **kwargs)
        return _json(resp, what)

    def _iter_pages(
        self,
        url: str,
        params: dict[str, ParamValue],
        *,
        context: type[SDSError],
        what: str,
        first_page_param: bool = True,
        reapply: Mapping[str, ParamValue] | None = None,
    ) -> Iterator[Page]:
        """Yield pages; follow ``next`` by its query only, against our own URL."""
        current: dict[str, ParamValue] = dict(params)
        if first_page_param:
            current.setdefault("page", 1)
        seen: set[tuple[tuple[str, str], ...]] = set()
        for _ in range(MAX_PAGES):
            key = tuple(sorted((k, str(v)) for k, v in current.items()))
            if key in seen:
                log.warning("%s: pagination loops, stopping", what)
                return
            seen.add(key)
            try:
                data = self._json_request("GET", url, context=context, what=what, params=current)
            except SDSError as exc:
                if exc.status == 404 and "invalid page" in str(exc).lower() and len(seen) > 1:
                    return
                raise
            page = Page.from_json(data, what)
            yield page
            if not page.next or not page.results:
                return
            query = parse_qs(urlsplit(page.next).query, keep_blank_values=True)
            nxt: dict[str, ParamValue] = {k: (v[0] if len(v) == 1 else v) for k, v in query.items()}
            if reapply:
                for k, v in reapply.items():
                    nxt[k] = v
            current = nxt

    # -- auth ---------------------------------------------------------------------

    def authenticate(self) -> str:
        """Check the key; return the account e-mail the server names."""
        data = self._json_request("GET", self.url("auth"), context=AuthError, what="auth reply")
        message = data.get("message") if isinstance(data, Mapping) else None
        if not isinstance(message, str):
            raise malformed("auth reply has no message")
        marker = "valid for "
        idx = message.find(marker)
        return message[idx + len(marker) :].strip() if idx >= 0 else ""

    # -- files --------------------------------------------------------------------

    def check_contents_exist(
        self,
        directory: str,
        name: str,
        media_type: str,
        sum_blake3: str,
        permissions: str,
    ) -> ContentCheck:
        form = {
            "directory": normalize_sds_path(directory),
            "name": validate_file_name(name),
            "media_type": media_type,
            "sum_blake3": sum_blake3,
            "permissions": permissions,
        }
        data = self._json_request(
            "POST",
            self.url("assets", "utils", "check_contents_exist"),
            context=FileError,
            what="content check",
            data=form,
        )
        return ContentCheck.from_json(data)

    def upload_file_stream(
        self,
        path: Path,
        directory: str,
        name: str,
        media_type: str,
        permissions: str,
        *,
        size: int | None = None,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> SDSFile:
        """POST the file as a streamed multipart body (constant memory). Not retried here."""
        directory = normalize_sds_path(directory)
        validate_file_name(name)
        try:
            fh = path.open("rb")
        except OSError as exc:
            raise FileError(f"cannot read {path}: {exc.strerror or exc}") from exc
        with fh:
            try:
                total = size if size is not None else path.stat().st_size
            except OSError as exc:
                raise FileError(f"cannot read {path}: {exc.strerror or exc}") from exc
            body = _UploadBody(fh, total, progress, cancel)
            session = self._session()
            from sds_desktop.core.connection import (  # noqa: PLC0415 - see above
                MultipartBody,
                interruptible,
            )

            encoder = MultipartBody(
                [
                    ("directory", directory),
                    ("name", name),
                    ("media_type", media_type),
                    ("permissions", permissions),
                ],
                "file",
                name,
                body,
            )
            try:
                with interruptible(cancel, f"upload of {name}"):
                    resp = self._send(
                        "POST",
                        self.url("assets", "files"),
                        context=UploadError,
                        data=encoder,
                        headers={"Content-Type": encoder.content_type},
                        session=session,
                    )
            except CancelledError:
                self._discard_session()
                raise
        return SDSFile.from_json(_json(resp, "upload reply"))

    def upload_sibling(
        self,
        sibling_uuid: str,
        directory: str,
        name: str,
        media_type: str,
        permissions: str,
    ) -> SDSFile:
        """Metadata-only upload reusing content the user already has on the SDS."""
        form = {
            "directory": normalize_sds_path(directory),
            "name": validate_file_name(name),
            "media_type": media_type,
            "permissions": permissions,
            "sibling_uuid": to_uuid_hex(sibling_uuid, UploadError),
        }
        resp = self._send("POST", self.url("assets", "files"), context=UploadError, data=form)
        return SDSFile.from_json(_json(resp, "upload reply"))

    def iter_file_pages(self, path: str, *, page_size: int = 100) -> Iterator[list[SDSFile]]:
        """Yield the files under ``path`` page by page (recursive, newest versions).

        The gateway matches by string prefix (``/a`` also matches ``/ab``); such entries
        are dropped here.
        """
        norm = normalize_sds_path(path)
        params: dict[str, ParamValue] = {"path": norm, "page_size": page_size}
        for page in self._iter_pages(
            self.url("assets", "files"), params, context=FileError, what="file listing"
        ):
            files = [SDSFile.from_json(item) for item in page.results]
            yield [f for f in files if _under(f, norm)]

    def list_files(self, path: str = "/") -> list[SDSFile]:
        return [f for page in self.iter_file_pages(path) for f in page]

    def get_file(self, uuid: str) -> SDSFile:
        data = self._json_request(
            "GET",
            self.url("assets", "files", to_uuid_hex(uuid)),
            context=FileError,
            what="file metadata",
        )
        return SDSFile.from_json(data)

    def delete_file(self, uuid: str) -> None:
        self._request(
            "DELETE", self.url("assets", "files", to_uuid_hex(uuid)), context=FileError
        ).close()

    def detach_file_from_datasets(self, uuid: str) -> None:
        self._request(
            "PUT",
            self.url("assets", "files", to_uuid_hex(uuid), "detach-from-datasets"),
            context=FileError,
        ).close()

    @contextlib.contextmanager
    def download_stream(
        self, uuid: str, *, cancel: threading.Event | None = None
    ) -> Iterator[DownloadStream]:
        """Open ``…/download/``; yields a ``DownloadStream`` whose chunks are read lazily.

        Opening is retried under the policy; a failure mid-body raises ``NetworkError``
        (the caller restarts the file). With ``cancel``, neither the opening nor a
        stalled body keeps the caller waiting once the event is set.
        """
        url = self.url("assets", "files", to_uuid_hex(uuid), "download")
        session = self._session()
        import requests  # noqa: PLC0415 - loaded with the session

        from sds_desktop.core.connection import interruptible  # noqa: PLC0415

        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(interruptible(cancel, f"download of {uuid}"))
                resp = self._request(
                    "GET",
                    url,
                    context=FileError,
                    stream=True,
                    ok=(200, 206),
                    session=session,
                    cancel=cancel,
                )
            except CancelledError:
                self._discard_session()
                raise
            stack.callback(resp.close)

            def chunks() -> Iterator[bytes]:
                try:
                    for chunk in resp.iter_content(chunk_size=DOWNLOAD_CHUNK_SIZE):
                        if chunk:
                            yield chunk
                except requests.RequestException as exc:
                    raise _map_transport_error(exc, f"GET {url}") from exc

            stream = DownloadStream(resp.status_code, resp.headers, chunks())
            size = stream.content_length
            if cancel is not None and (size is None or size >= READ_AHEAD_MIN_BYTES):
                ahead = prefetch_abandonable(stream.chunks, cancel, "download")
                stack.callback(ahead.close)  # stops the read-ahead thread, whatever happened
                stream.chunks = ahead
            try:
                yield stream
            except BaseException:
                if cancel is not None and cancel.is_set():
                    # The socket was shut down (connection.interruptible): this thread's
                    # next request starts on a fresh session.
                    self._discard_session()
                raise

    # -- captures -----------------------------------------------------------------

    def create_capture(self, form: Mapping[str, str]) -> Capture:
        resp = self._send(
            "POST", self.url("assets", "captures"), context=CaptureError, data=dict(form)
        )
        return Capture.from_json(_json(resp, "capture"))

    def iter_capture_pages(
        self, filters: Mapping[str, ParamValue], *, page_size: int = 100
    ) -> Iterator[list[Capture]]:
        """Capture list: no ``page`` on the first request (production answers 400 to it),
        then the ``next`` pages with the filters re-applied (its links drop them).

        Production's ``next`` links carry ``page=N``, which it then refuses with the same
        400: a refusal after the first page ends the listing with a warning (what was
        received is kept) instead of failing it.
        """
        params: dict[str, ParamValue] = {**filters, "page_size": page_size}
        received = 0
        total: int | None = None
        try:
            for page in self._iter_pages(
                self.url("assets", "captures"),
                params,
                context=CaptureError,
                what="capture listing",
                first_page_param=False,
                reapply=filters,
            ):
                total = page.count if total is None else total
                captures = [Capture.from_json(item) for item in page.results]
                received += len(page.results)
                yield captures
        except CaptureError as exc:
            if received == 0 or exc.status != 400:
                raise
            log.warning(
                "SDS refused the next page of the capture list (%s): listing %d of %s",
                exc,
                received,
                total if total is not None else "?",
            )

    def get_capture(self, uuid: str) -> Capture:
        data = self._json_request(
            "GET",
            self.url("assets", "captures", to_uuid_hex(uuid, CaptureError)),
            context=CaptureError,
            what="capture",
        )
        return Capture.from_json(data)

    def update_capture(self, uuid: str) -> Capture | None:
        resp = self._request(
            "PUT",
            self.url("assets", "captures", to_uuid_hex(uuid, CaptureError)),
            context=CaptureError,
        )
        try:
            data = resp.json()
        except ValueError:
            return None
        return Capture.from_json(data) if isinstance(data, Mapping) and "uuid" in data else None

    def delete_capture(self, uuid: str) -> None:
        self._request(
            "DELETE",
            self.url("assets", "captures", to_uuid_hex(uuid, CaptureError)),
            context=CaptureError,
        ).close()

    def capture_action(self, uuid: str, action: str) -> None:
        """``detach-from-datasets`` or ``revoke-share-permissions``."""
        self._request(
            "PUT",
            self.url("assets", "captures", to_uuid_hex(uuid, CaptureError), action),
            context=CaptureError,
        ).close()

    # -- datasets -----------------------------------------------------------------

    def get_dataset(self, uuid: str) -> Dataset:
        data = self._json_request(
            "GET",
            self.url("assets", "datasets", to_uuid_hex(uuid, DatasetError)),
            context=DatasetError,
            what="dataset",
        )
        return Dataset.from_json(data)

    def iter_dataset_file_pages(
        self,
        uuid: str,
        *,
        captures: Sequence[str] | None = None,
        top_level_dirs: Sequence[str] | None = None,
        artifacts_only: bool = False,
        page_size: int = 100,
    ) -> Iterator[list[SDSFile]]:
        """The dataset manifest; "No files found in dataset." (404) means empty."""
        url = self.url("assets", "datasets", to_uuid_hex(uuid, DatasetError), "files")
        params: dict[str, ParamValue] = {"page_size": page_size}
        if captures:
            params["capture"] = [str(uuid_mod.UUID(to_uuid_hex(c, DatasetError))) for c in captures]
        if top_level_dirs:
            params["top_level_dir"] = [normalize_sds_path(d) for d in top_level_dirs]
        if artifacts_only:
            params["artifacts_only"] = "true"
        try:
            for page in self._iter_pages(url, params, context=DatasetError, what="dataset files"):
                yield [SDSFile.from_json(item) for item in page.results]
        except DatasetError as exc:
            if exc.status == 404 and "no files found" in str(exc).lower():
                return
            raise

    def delete_dataset(self, uuid: str) -> None:
        self._request(
            "DELETE",
            self.url("assets", "datasets", to_uuid_hex(uuid, DatasetError)),
            context=DatasetError,
        ).close()

    def revoke_dataset(self, uuid: str) -> None:
        self._request(
            "PUT",
            self.url(
                "assets", "datasets", to_uuid_hex(uuid, DatasetError), "revoke-share-permissions"
            ),
            context=DatasetError,
        ).close()

    # -- added for SDK parity (core-sdk helper): file time windows, dataset attach ----

    def iter_file_pages_in_window(
        self, path: str, start_time: str, end_time: str, *, page_size: int = 100
    ) -> Iterator[list[SDSFile]]:
        """``iter_file_pages`` with the server's Digital RF time window (ISO 8601 UTC
        ``start_time``/``end_time``): data files outside it are left out by the server."""
        norm = normalize_sds_path(path)
        params: dict[str, ParamValue] = {
            "path": norm,
            "page_size": page_size,
            "start_time": start_time,
            "end_time": end_time,
        }
        window = {"start_time": start_time, "end_time": end_time}
        for page in self._iter_pages(
            self.url("assets", "files"),
            params,
            context=FileError,
            what="file listing",
            reapply=window,
        ):
            files = [SDSFile.from_json(item) for item in page.results]
            yield [f for f in files if _under(f, norm)]

    def add_capture_to_dataset(self, dataset_uuid: str, capture_uuid: str) -> None:
        """``POST /assets/datasets/<uuid>/attach-capture/`` with ``{"capture_uuid"}``."""
        self._request(
            "POST",
            self.url(
                "assets", "datasets", to_uuid_hex(dataset_uuid, DatasetError), "attach-capture"
            ),
            context=DatasetError,
            data=json.dumps({"capture_uuid": to_uuid_hex(capture_uuid, DatasetError)}),
            headers={"Content-Type": "application/json"},
        ).close()


def _under(file: SDSFile, norm: str) -> bool:
    """Whether ``file`` lies at or under ``norm`` (directory boundary), or *is* it."""
    if norm == "/":
        return True
    directory = file.directory.rstrip("/") or "/"
    return directory == norm or directory.startswith(norm + "/") or file.sds_path == norm


def metadata_filters_json(filters: Sequence[Mapping[str, object]]) -> str:
    """Encode capture search filters as the gateway expects (a JSON list)."""
    return json.dumps(list(filters), separators=(",", ":"))


__all__ = [
    "DownloadStream",
    "Gateway",
    "error_from_response",
    "metadata_filters_json",
    "to_uuid_hex",
]
