"""The gateway's file endpoints: content check, streamed upload, listing, metadata,
delete, download stream."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from sds_desktop.core.checksum import ProgressCallback
from sds_desktop.core.errors import CancelledError, FileError, UploadError
from sds_desktop.core.gateway_base import GatewayBase
from sds_desktop.core.gateway_http import (
    DOWNLOAD_CHUNK_SIZE,
    READ_AHEAD_MIN_BYTES,
    DownloadStream,
    ParamValue,
    _json,
    _map_transport_error,
    _UploadBody,
    prefetch_abandonable,
    to_uuid_hex,
)
from sds_desktop.core.models import ContentCheck, SDSFile
from sds_desktop.core.paths import normalize_sds_path, validate_file_name


class FileEndpoints(GatewayBase):
    """``/assets/files/…`` and ``/assets/utils/check_contents_exist/``."""

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
        self, uuid: str, *, cancel: threading.Event | None = None, start: int = 0
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
        from sds_desktop.core.read_ahead import plain_body, read_ahead_into  # noqa: PLC0415

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
                    # resume (issue 10): the caller checks the 206's Content-Range
                    headers={"Range": f"bytes={start}-"} if start > 0 else None,
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
            body = plain_body(resp) if size is not None else None
            if cancel is not None and body is not None and size and size >= READ_AHEAD_MIN_BYTES:
                direct = read_ahead_into(body, size, cancel, f"GET {url}")
                stack.callback(direct.close)
                stream.chunks = direct
            elif cancel is not None and (size is None or size >= READ_AHEAD_MIN_BYTES):
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


def _under(file: SDSFile, norm: str) -> bool:
    """Whether ``file`` lies at or under ``norm`` (directory boundary), or *is* it."""
    if norm == "/":
        return True
    directory = file.directory.rstrip("/") or "/"
    return directory == norm or directory.startswith(norm + "/") or file.sds_path == norm
