"""The sandbox WSGI application: the SDS gateway HTTP contract over a local Store.

Behaviour follows /work/shared/sds-api.md (paths, ``Api-Key:`` auth, JSON shapes,
pagination, status codes, error texts). Where production answers bad input with a 500
page, the sandbox answers 400 with a JSON ``detail`` instead.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import logging
import math
import posixpath
import re
import secrets
import socket
import threading
import time
import uuid as uuid_mod
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.formparser import parse_form_data
from werkzeug.http import dump_options_header
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sds_desktop.sandbox import metadata
from sds_desktop.sandbox.faults import FaultInjector, Pacer
from sds_desktop.sandbox.store import Store, User, parse_uuid

log = logging.getLogger(__name__)

try:
    SERVER_TZ: Any = ZoneInfo("America/New_York")
except ZoneInfoNotFoundError:  # pragma: no cover - minimal systems without tzdata
    SERVER_TZ = UTC

DEFAULT_PAGE_SIZE = 30
LISTING_CACHE_SIZE = 16
"""Listings kept for paging (per user and path), dropped at the next write."""
MAX_PAGE_SIZE = 100
FORM_MEMORY_LIMIT = 16 * 1024 * 1024
CHUNK = 256 * 1024
PATH_OUTSIDE = "The provided path must be in the user's files directory."
CAPTURE_TYPES = ("drf", "rh", "sigmf")
INDEX_NAMES = {"drf": "captures-drf", "rh": "captures-rh", "sigmf": "captures-sigmf"}
TYPE_DISPLAY = {"drf": "Digital RF", "rh": "RadioHound", "sigmf": "SigMF"}
NOT_FOUND_HTML = (
    '<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n'
    "<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>"
    "\n</body>\n</html>\n"
)
SERVER_ERROR_HTML = (
    '<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error ({0})</title>\n</head>\n'
    "<body>\n  <h1>Server Error ({0})</h1><p></p>\n</body>\n</html>\n"
)
RF_NAME = re.compile(r"^rf@(\d+)\.(\d+)\.h5$")


class ApiError(Exception):
    """An error answer: status plus JSON body (a dict, e.g. ``{"detail": ...}``)."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}


def detail(status: int, text: Any) -> ApiError:
    return ApiError(status, {"detail": text})


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, mimetype="application/json", headers=headers or {}
    )


# -- time formats ------------------------------------------------------------------------


def fmt_naive(ts: float | None) -> str | None:
    """``YYYY-MM-DD HH:MM:SS`` in the server zone, no offset (file list/retrieve)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, SERVER_TZ).strftime("%Y-%m-%d %H:%M:%S")


def fmt_iso(ts: float | None) -> str | None:
    """ISO 8601 with offset in the server zone (upload responses, captures)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, SERVER_TZ).isoformat()


def fmt_utc(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> float | None:
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


# -- paths -------------------------------------------------------------------------------


def user_root(user: User) -> str:
    return f"/files/{user.email}"


def absolute_dir(email: str, rel: str) -> str:
    return f"/files/{email}" + ("" if rel == "/" else rel)


def sanitize_path(user: User, raw: str) -> str | None:
    """Resolve a client path against the user's root as production does.

    Returns the user-relative form (``/`` or ``/a/b``), or None if it escapes the root
    or carries control characters.
    """
    if any(ord(c) < 32 or c == "\x7f" for c in raw):
        return None
    root = user_root(user)
    text = raw.strip()
    if text == root or text.startswith(root + "/"):
        text = text[len(root) :]
    full = posixpath.normpath(root + "/" + text)
    if full == root:
        return "/"
    if not full.startswith(root + "/"):
        return None
    return full[len(root) :]


# -- pagination --------------------------------------------------------------------------


def _page_size(args: MultiDict) -> int:
    try:
        size = int(args.get("page_size", ""))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    if size <= 0:
        return DEFAULT_PAGE_SIZE
    return min(size, MAX_PAGE_SIZE)


def _page_number(args: MultiDict, num_pages: int) -> int:
    raw = args.get("page") or "1"
    if raw == "last":
        return num_pages
    try:
        number = int(raw)
    except ValueError:
        raise detail(404, "Invalid page.") from None
    if number < 1 or number > num_pages:
        raise detail(404, "Invalid page.")
    return number


def _page_url(request: Request, args: MultiDict, page: int | None) -> str:
    items = [(k, v) for k, v in args.items(multi=True) if k != "page"]
    if page is not None:
        items.append(("page", str(page)))
    query = urlencode(items)
    return request.base_url + ("?" + query if query else "")


def paginate(request: Request, items: list[Any]) -> tuple[list[Any], dict[str, Any]]:
    """DRF PageNumberPagination: (page items, envelope without results)."""
    args = request.args
    size = _page_size(args)
    num_pages = max(1, math.ceil(len(items) / size))
    page = _page_number(args, num_pages)
    chunk = items[(page - 1) * size : page * size]
    nxt = _page_url(request, args, page + 1) if page < num_pages else None
    if page <= 1:
        prev = None
    elif page == 2:
        prev = _page_url(request, args, None)
    else:
        prev = _page_url(request, args, page - 1)
    return chunk, {"count": len(items), "next": nxt, "previous": prev}


# -- streaming helpers -------------------------------------------------------------------


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


def _stop_reading_after(body: Iterable[bytes], environ: dict[str, Any]) -> Iterator[bytes]:
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


# -- the application ---------------------------------------------------------------------


def _api_rules() -> list[Rule]:
    spec = [
        ("/auth/", "auth", ["GET"]),
        ("/users/me/", "me", ["GET"]),
        ("/assets/utils/check_contents_exist/", "check_contents", ["POST"]),
        ("/assets/files/", "files", ["GET", "POST"]),
        ("/assets/files/<item>/", "file_item", ["GET", "PUT", "DELETE"]),
        ("/assets/files/<item>/download/", "file_download", ["GET"]),
        ("/assets/files/<item>/detach-from-datasets/", "file_detach", ["PUT"]),
        ("/assets/captures/", "captures", ["GET", "POST"]),
        ("/assets/captures/<item>/", "capture_item", ["GET", "PUT", "PATCH", "DELETE"]),
        ("/assets/captures/<item>/revoke-share-permissions/", "capture_revoke", ["PUT"]),
        ("/assets/captures/<item>/detach-from-datasets/", "capture_detach", ["PUT"]),
        ("/assets/datasets/<item>/", "dataset_item", ["GET", "DELETE"]),
        ("/assets/datasets/<item>/files/", "dataset_files", ["GET"]),
        ("/assets/datasets/<item>/revoke-share-permissions/", "dataset_revoke", ["PUT"]),
        ("/assets/datasets/<item>/attach-capture/", "dataset_attach", ["POST"]),
    ]
    rules = []
    for version in ("v1", "latest"):
        rules.extend(
            Rule(f"/api/{version}{path}", endpoint=name, methods=methods)
            for path, name, methods in spec
        )
    rules += [
        Rule("/sandbox-admin/users/", endpoint="admin_users", methods=["POST"]),
        Rule("/sandbox-admin/datasets/", endpoint="admin_datasets", methods=["POST"]),
        Rule("/sandbox-admin/shares/", endpoint="admin_shares", methods=["POST"]),
        Rule("/sandbox-admin/faults/", endpoint="admin_faults", methods=["POST"]),
    ]
    return rules


class SandboxApp:
    """WSGI callable; one per server, sharing nothing with other servers."""

    def __init__(self, store: Store, faults: FaultInjector, admin_token: str) -> None:
        self.store = store
        self.faults = faults
        self.admin_token = admin_token
        self._listing_lock = threading.Lock()
        self._listing_cache: OrderedDict[tuple[int, str], tuple[int, list[Any]]] = OrderedDict()
        self.url_map = Map(_api_rules(), strict_slashes=True)

    # -- WSGI entry -----------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        is_api = path.startswith("/api/")
        if is_api:
            status = self.faults.take_failure()
            if status is not None:
                response = Response(
                    SERVER_ERROR_HTML.format(status) if status >= 500 else "",
                    status=status,
                    mimetype="text/html",
                    headers={"Connection": "close"},
                )
                self.faults.delay_response()
                return response(environ, start_response)
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        counter = None
        if length > 0 and not chunked:
            counter = environ["wsgi.input"] = CountingInput(environ["wsgi.input"])
        if environ.get("REQUEST_METHOD") == "POST" and path.rstrip("/").endswith("/assets/files"):
            environ["wsgi.input"] = FaultyInput(environ["wsgi.input"], self.faults, environ)
        request = Request(environ)
        request.max_form_memory_size = FORM_MEMORY_LIMIT
        response = self.dispatch(request)
        if request.content_length and not getattr(request.stream, "is_exhausted", True):
            response.headers["Connection"] = "close"
        if is_api:
            self.faults.delay_response()
        body = response(environ, start_response)
        consumed = not chunked and (length == 0 or (counter is not None and counter.done(length)))
        return _stop_reading_after(body, environ) if consumed else body

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except MethodNotAllowed:
            return json_response({"detail": f'Method "{request.method}" not allowed.'}, 405)
        except NotFound:
            return Response(NOT_FOUND_HTML, status=404, mimetype="text/html")
        except HTTPException as exc:  # e.g. RequestRedirect for a missing trailing slash
            return exc.get_response(request.environ)  # type: ignore[return-value]
        handler = getattr(self, f"on_{endpoint}")
        try:
            if endpoint.startswith("admin_"):
                self._check_admin(request)
                return handler(request, **values)
            user = self._authenticate(request, endpoint)
            return handler(request, user, **values)
        except ApiError as exc:
            return json_response(exc.body, exc.status, exc.headers)
        except RequestEntityTooLarge:
            return json_response({"detail": "Request body too large."}, 413)
        except ConnectionError:
            raise
        except Exception:
            log.exception("sandbox: unhandled error on %s %s", request.method, request.path)
            return json_response({"detail": "Internal sandbox error."}, 500)

    # -- auth -----------------------------------------------------------------------------
    def _authenticate(self, request: Request, endpoint: str) -> User:
        # Capture routes list SessionAuthentication first: failures are 403 there.
        on_captures = endpoint.startswith("capture")
        status = 403 if on_captures else 401
        headers = {} if on_captures else {"WWW-Authenticate": "Api-Key"}
        header = request.headers.get("Authorization")
        if header is None:
            raise ApiError(
                status, {"detail": "Authentication credentials were not provided."}, headers
            )
        parts = header.split(":")
        if len(parts) > 2:
            raise ApiError(status, {"detail": "Expected format: 'Api-Key: <key>'"}, headers)
        key = parts[-1].strip()
        user = self.store.user_for_key(key) if key else None
        if user is None:
            raise ApiError(status, {"detail": "API key not found"}, headers)
        return user

    def _check_admin(self, request: Request) -> None:
        token = request.headers.get("X-Sandbox-Admin-Token", "")
        if not secrets.compare_digest(token.encode(), self.admin_token.encode()):
            raise detail(403, "Invalid sandbox admin token.")

    # -- request bodies -------------------------------------------------------------------
    @staticmethod
    def _fields(request: Request) -> MultiDict:
        """Form fields of a urlencoded, multipart or JSON body."""
        if request.mimetype == "application/json":
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                raise detail(400, "JSON parse error - the body must be a JSON object.")
            return MultiDict(
                {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
            )
        try:
            return request.form
        except ValueError as exc:
            raise detail(400, f"Multipart form parse error - {exc}") from exc

    # -- JSON shapes ----------------------------------------------------------------------
    def _owner(self, owner_id: int) -> dict[str, Any]:
        owner = self.store.user_by_id(owner_id)
        return {"id": owner.id, "email": owner.email, "name": owner.name}

    def _capture_summary(self, row: Any) -> dict[str, Any]:
        return {
            "uuid": row["uuid"],
            "capture_type": row["capture_type"],
            "top_level_dir": row["top_level_dir"],
            "index_name": row["index_name"],
            "origin": row["origin"],
            "is_multi_channel": False,
            "channels": [{"channel": row["channel"], "uuid": row["uuid"]}],
        }

    @staticmethod
    def _dataset_summary(row: Any) -> dict[str, Any]:
        return {
            "uuid": row["uuid"],
            "name": row["name"],
            "version": row["version"],
            "status": row["status"],
            "is_public": bool(row["is_public"]),
        }

    def file_json(self, row: Any) -> dict[str, Any]:
        owner = self._owner(row["owner_id"])
        caps, dsets = self.store.file_links(row["uuid"])
        return {
            "uuid": row["uuid"],
            "owner": owner,
            "captures": [self._capture_summary(c) for c in caps],
            "datasets": [self._dataset_summary(d) for d in dsets],
            "created_at": fmt_naive(row["created_at"]),
            "updated_at": fmt_naive(row["updated_at"]),
            "expiration_date": fmt_naive(row["expiration_date"]),
            "deleted_at": fmt_iso(row["deleted_at"]),
            "is_deleted": bool(row["is_deleted"]),
            "is_public": False,
            "directory": absolute_dir(owner["email"], row["directory"]),
            "file": f"files/{row['sum_blake3']}",
            "media_type": row["media_type"],
            "name": row["name"],
            "permissions": row["permissions"],
            "size": row["size"],
            "sum_blake3": row["sum_blake3"],
            "bucket_name": "spectrumx",
            "dataset": None,
            "capture": None,
        }

    @staticmethod
    def upload_json(row: Any) -> dict[str, Any]:
        return {
            "uuid": row["uuid"],
            "created_at": fmt_iso(row["created_at"]),
            "directory": row["directory"],
            "expiration_date": fmt_iso(row["expiration_date"]),
            "media_type": row["media_type"],
            "name": row["name"],
            "permissions": row["permissions"],
            "size": row["size"],
            "sum_blake3": row["sum_blake3"],
            "updated_at": fmt_iso(row["updated_at"]),
        }

    # -- auth and identity ----------------------------------------------------------------
    def on_auth(self, _request: Request, user: User) -> Response:
        return json_response({"message": f"API key is valid for {user.email}"})

    def on_me(self, request: Request, user: User) -> Response:
        return json_response(
            {"name": user.name, "email": user.email, "url": request.host_url + "api/v1/users/me/"}
        )

    # -- files ----------------------------------------------------------------------------
    def _own_files(self, user: User) -> list[Any]:
        return self.store.query(
            "SELECT * FROM files WHERE owner_id = ? AND is_deleted = 0 "
            "ORDER BY directory, name, created_at",
            (user.id,),
        )

    def on_check_contents(self, request: Request, user: User) -> Response:
        form = self._fields(request)
        raw_dir = form.get("directory", "")
        if not raw_dir:
            raise detail(400, "No directory provided.")
        name = form.get("name", "")
        if not name:
            raise detail(400, "No file name provided.")
        checksum = form.get("sum_blake3", "")
        if not checksum:
            raise detail(400, "No checksum provided.")
        directory = sanitize_path(user, raw_dir)
        if directory is None:
            raise detail(400, PATH_OUTSIDE)
        same = self.store.query(
            "SELECT * FROM files WHERE owner_id = ? AND is_deleted = 0 AND sum_blake3 = ? "
            "ORDER BY created_at",
            (user.id, checksum.lower()),
        )
        exact = [r for r in same if r["directory"] == directory and r["name"] == name]
        match = exact[-1] if exact else None
        differ = match is None or (
            ("media_type" in form and form["media_type"] != match["media_type"])
            or ("permissions" in form and form["permissions"] != match["permissions"])
        )
        asset = match or (same[0] if same else None)
        return json_response(
            {
                "file_exists_in_tree": match is not None,
                "file_contents_exist_for_user": bool(same),
                "user_mutable_attributes_differ": differ,
                "asset_id": asset["uuid"] if asset else None,
            }
        )

    def on_files(self, request: Request, user: User) -> Response:
        if request.method == "POST":
            return self._upload(request, user)
        return self._list_files(request, user)

    def _list_files(self, request: Request, user: User) -> Response:
        args = request.args
        raw_path = args.get("path", "/")
        warnings: list[str] = []
        rows = self._listing(user, raw_path)
        rows = self._temporal_filter(args, rows, warnings)
        page, envelope = paginate(request, rows)
        envelope["results"] = [self.file_json(r) for r in page]
        envelope["warnings"] = warnings
        return json_response(envelope)

    def _listing(self, user: User, raw_path: str) -> list[Any]:
        """The ordered rows a listing pages through, cached until the next write.

        Consecutive pages of one listing ask for the same list; without the cache each
        page re-read and re-sorted the whole tree (0.4 s a page at 100k files).
        """
        key = (user.id, raw_path.strip() or "/")
        generation = self.store.generation  # read first: a write meanwhile invalidates
        with self._listing_lock:
            hit = self._listing_cache.get(key)
            if hit is not None and hit[0] == generation:
                self._listing_cache.move_to_end(key)
                return hit[1]
        if key[1] == "/":
            own = self._own_files(user)
            shared_ids = self.store.accessible_file_uuids(user) - {r["uuid"] for r in own}
            shared = [self.store.get_file(u) for u in sorted(shared_ids)]
            rows = own + [r for r in shared if r is not None]
        else:
            rel = sanitize_path(user, raw_path)
            if rel is None:
                raise detail(400, PATH_OUTSIDE)
            rows = self._list_under(user, rel)
        with self._listing_lock:
            self._listing_cache[key] = (generation, rows)
            while len(self._listing_cache) > LISTING_CACHE_SIZE:
                self._listing_cache.popitem(last=False)
        return rows

    def _list_under(self, user: User, rel: str) -> list[Any]:
        parent, _, base = rel.rpartition("/")
        exact = self.store.query(
            "SELECT * FROM files WHERE owner_id = ? AND is_deleted = 0 AND directory = ? "
            "AND name = ? ORDER BY created_at DESC LIMIT 1",
            (user.id, parent or "/", base),
        )
        if exact:
            return exact
        like = rel.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self.store.query(
            "SELECT * FROM files WHERE owner_id = ? AND is_deleted = 0 "
            "AND directory LIKE ? ESCAPE '\\' ORDER BY created_at",
            (user.id, like),
        )
        newest: dict[tuple[str, str], Any] = {}
        for row in rows:  # string prefix without a '/' boundary, as production
            if row["directory"].startswith(rel):
                newest[(row["directory"], row["name"])] = row
        return [newest[k] for k in sorted(newest, key=lambda k: f"{k[0]}/{k[1]}")]

    @staticmethod
    def _temporal_filter(args: MultiDict, rows: list[Any], warnings: list[str]) -> list[Any]:
        start_raw, end_raw = args.get("start_time"), args.get("end_time")
        if start_raw is None and end_raw is None:
            return rows
        bounds = {}
        for key, raw in (("start_time", start_raw), ("end_time", end_raw)):
            if raw is None:
                continue
            value = parse_iso(raw)
            if value is None:
                raise detail(400, f"Invalid {key}: expected ISO 8601 datetime, got '{raw}'.")
            bounds[key] = value
        if len(bounds) != 2:
            warnings.append(
                "Both start_time and end_time are required for temporal filtering; "
                "returning all files."
            )
            return rows
        if not any(RF_NAME.match(r["name"]) for r in rows):
            warnings.append(
                "Temporal filtering applies to Digital RF data files (rf@*.h5) only; "
                "none matched, returning all files."
            )
            return rows
        kept = []
        for row in rows:
            m = RF_NAME.match(row["name"])
            if m is None:
                kept.append(row)
                continue
            start = float(f"{m.group(1)}.{m.group(2)}")
            if math.floor(bounds["start_time"]) <= start <= bounds["end_time"]:
                kept.append(row)
        return kept

    def _upload(self, request: Request, user: User) -> Response:
        writers: list[Any] = []

        def factory(*_args: Any, **_kwargs: Any) -> Any:
            writer = self.store.new_writer()
            writers.append(writer)
            return writer

        try:
            if request.mimetype == "multipart/form-data":
                try:
                    _, form, files = parse_form_data(
                        request.environ,
                        stream_factory=factory,
                        max_form_memory_size=FORM_MEMORY_LIMIT,
                        silent=False,
                    )
                except (ValueError, RequestEntityTooLarge) as exc:
                    raise detail(400, f"Multipart form parse error - {exc}") from exc
            else:
                form, files = self._fields(request), MultiDict()
            return self._create_file(user, form, files)
        finally:
            for writer in writers:
                if not writer.closed:
                    writer.discard()

    def _upload_fields(self, user: User, form: MultiDict) -> tuple[str, str, str]:
        raw_dir = form.get("directory")
        if raw_dir is None:
            raise ApiError(400, {"directory": ["This field is required."]})
        if not isinstance(raw_dir, str) or not raw_dir.strip():
            raise ApiError(400, {"directory": ["This field may not be blank."]})
        if ".." in raw_dir.replace("\\", "/").split("/"):
            raise detail(400, PATH_OUTSIDE)
        directory = sanitize_path(user, raw_dir)
        if directory is None:
            raise detail(400, PATH_OUTSIDE)
        permissions = form.get("permissions") or "rw-r--r--"
        if len(permissions) > 9:
            raise ApiError(
                400, {"permissions": ["Ensure this field has no more than 9 characters."]}
            )
        media_type = form.get("media_type", "")
        if len(media_type) > 255:
            raise ApiError(
                400, {"media_type": ["Ensure this field has no more than 255 characters."]}
            )
        return directory, permissions, media_type

    def _create_file(self, user: User, form: MultiDict, files: MultiDict) -> Response:
        directory, permissions, media_type = self._upload_fields(user, form)
        upload = files.get("file")
        if upload is None:
            if "sibling_uuid" in form:
                return self._create_sibling(user, form, directory, permissions, media_type)
            raise ApiError(400, {"file": ["No file was submitted."]})
        name = posixpath.basename((upload.filename or "").replace("\\", "/"))[:255]
        if name in {"", ".", ".."} or any(ord(c) < 32 for c in name):
            raise ApiError(400, {"file": ["No file was submitted."]})
        writer = upload.stream
        if writer.size == 0:
            raise ApiError(400, {"file": ["The submitted file is empty."]})
        checksum, size = self.store.commit_blob(writer)
        self._refuse_duplicate(user, directory, name, checksum)
        row = self.store.insert_file(
            user,
            directory=directory,
            name=name,
            media_type=media_type,
            permissions=permissions,
            size=size,
            sum_blake3=checksum,
        )
        return json_response(self.upload_json(row), 201)

    def _create_sibling(
        self, user: User, form: MultiDict, directory: str, permissions: str, media_type: str
    ) -> Response:
        sibling_id = parse_uuid(form.get("sibling_uuid"))
        if sibling_id is None:
            raise ApiError(400, {"sibling_uuid": ["Must be a valid UUID."]})
        sibling = self.store.get_file(sibling_id)
        if sibling is None or sibling["owner_id"] != user.id:
            raise detail(404, "No File matches the given query.")
        name = form.get("name", "")
        if name in {"", ".", ".."} or "/" in name or any(ord(c) < 32 for c in name):
            raise ApiError(400, {"name": ["A valid file name is required."]})
        if len(name) > 255:
            raise ApiError(400, {"name": ["Ensure this field has no more than 255 characters."]})
        self._refuse_duplicate(user, directory, name, sibling["sum_blake3"])
        row = self.store.insert_file(
            user,
            directory=directory,
            name=name,
            media_type=media_type,
            permissions=permissions,
            size=sibling["size"],
            sum_blake3=sibling["sum_blake3"],
        )
        return json_response(self.upload_json(row), 201)

    def _refuse_duplicate(self, user: User, directory: str, name: str, checksum: str) -> None:
        dup = self.store.query_one(
            "SELECT 1 FROM files WHERE owner_id = ? AND is_deleted = 0 AND directory = ? "
            "AND name = ? AND sum_blake3 = ?",
            (user.id, directory, name, checksum),
        )
        if dup is not None:
            raise detail(400, "File with checksum already exists in the tree, run PATCH instead.")

    def _file_for(self, user: User, item: str, *, owner_only: bool, verb: str = "access") -> Any:
        file_id = parse_uuid(item)
        row = self.store.get_file(file_id) if file_id else None
        if row is None:
            raise detail(404, "No File matches the given query.")
        if row["owner_id"] == user.id:
            return row
        if owner_only:
            raise detail(404, "No File matches the given query.")
        if not self.store.can_read_file(user, row):
            raise detail(403, f"You do not have permission to {verb} this file.")
        return row

    def on_file_item(self, request: Request, user: User, item: str) -> Response:
        if request.method == "GET":
            return json_response(self.file_json(self._file_for(user, item, owner_only=False)))
        row = self._file_for(user, item, owner_only=True)
        if request.method == "PUT":
            return self._update_file(request, user, row)
        caps, dsets = self.store.file_links(row["uuid"])
        if caps or dsets:
            what = " and ".join(
                part
                for part in (
                    f"{len(caps)} capture(s)" if caps else "",
                    f"{len(dsets)} dataset(s)" if dsets else "",
                )
                if part
            )
            raise detail(
                403,
                f"Cannot delete file '{row['name']}': it is associated with {what}. "
                "Delete (or remove from) the associated object(s) first.",
            )
        self.store.soft_delete("files", row["uuid"])
        return Response(status=204)

    def _update_file(self, request: Request, user: User, row: Any) -> Response:
        # Production answers with the new values but persists nothing (sds-api.md).
        form = self._fields(request)
        raw_dir = form.get("directory", "")
        if not raw_dir:
            raise detail(400, "No directory provided.")
        directory = sanitize_path(user, raw_dir)
        if directory is None:
            raise detail(400, PATH_OUTSIDE)
        body = self.upload_json(row)
        body.update(
            {
                "directory": absolute_dir(user.email, directory),
                "name": form.get("name", row["name"]),
                "permissions": form.get("permissions", row["permissions"]),
                "media_type": row["media_type"] or form.get("media_type", ""),
                "owner": user.id,
                "capture": None,
                "dataset": None,
                "file": f"files/{row['sum_blake3']}",
            }
        )
        return json_response(body)

    def on_file_detach(self, _request: Request, user: User, item: str) -> Response:
        row = self._file_for(user, item, owner_only=True)
        with self.store.transaction() as db:
            db.execute(
                "DELETE FROM dataset_files WHERE file_uuid = ? AND dataset_uuid IN "
                "(SELECT uuid FROM datasets WHERE status = 'draft' AND is_public = 0)",
                (row["uuid"],),
            )
        return json_response({"message": "File detached from draft/private datasets successfully"})

    def on_file_download(self, request: Request, user: User, item: str) -> Response:
        row = self._file_for(user, item, owner_only=False, verb="download")
        path = self.store.blob_path(row["sum_blake3"])
        if not path.is_file():
            raise detail(500, "Failed to download file")
        size = path.stat().st_size
        start, stop, status = 0, size, 200
        headers = {
            "Content-Disposition": _disposition(row["name"]),
            "Accept-Ranges": "bytes",
        }
        rng = request.range
        if rng is not None and rng.units == "bytes" and len(rng.ranges) == 1:
            span = rng.range_for_length(size)
            if span is None:
                return Response(status=416, headers={"Content-Range": f"bytes */{size}", **headers})
            start, stop = span
            status = 206
            headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
        body = self._stream_blob(request.environ, path, start, stop)
        response = Response(
            body, status=status, mimetype=None, headers=headers, direct_passthrough=True
        )
        response.headers["Content-Type"] = row["media_type"] or "application/octet-stream"
        response.headers["Content-Length"] = str(stop - start)
        return response

    def _stream_blob(
        self, environ: dict[str, Any], path: Any, start: int, stop: int
    ) -> Iterator[bytes]:
        pace = Pacer(self.faults)
        faults = self.faults
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

    # -- captures -------------------------------------------------------------------------
    def _capture_for(self, user: User, item: str, *, owner_only: bool) -> Any:
        capture_id = parse_uuid(item)
        row = self.store.get_capture(capture_id) if capture_id else None
        if row is None:
            raise detail(404, "No Capture matches the given query.")
        if row["owner_id"] == user.id:
            return row
        if owner_only:
            raise detail(404, "No Capture matches the given query.")
        if row["uuid"] not in self._visible_capture_ids(user):
            raise detail(403, "You do not have permission to access this capture.")
        return row

    def _visible_capture_ids(self, user: User) -> set[str]:
        rows = self.store.query(
            "SELECT uuid FROM captures WHERE owner_id = ? AND is_deleted = 0 "
            "UNION SELECT item_uuid FROM shares WHERE item_type = 'capture' AND user_id = ? "
            "UNION SELECT dc.capture_uuid FROM shares s JOIN dataset_captures dc "
            "ON s.item_type = 'dataset' AND dc.dataset_uuid = s.item_uuid WHERE s.user_id = ?",
            (user.id, user.id, user.id),
        )
        return {r[0] for r in rows}

    def capture_json(self, row: Any, user: User | None) -> dict[str, Any]:
        props = json.loads(row["capture_props"])
        files = self.store.capture_file_rows(row["uuid"])
        owner = self._owner(row["owner_id"])
        shared_ids = self.store.shared_user_ids("capture", row["uuid"])
        datasets = self.store.capture_datasets(row["uuid"])
        derived = _capture_derived(row["capture_type"], props)
        data_files = [f for f in files if _is_data_file(row["capture_type"], f["name"])]
        data_info: dict[str, Any] = {
            "total_count": len(files),
            "total_size": sum(f["size"] for f in files),
            "count": len(data_files),
            "data_files_total_size": sum(f["size"] for f in data_files),
        }
        if data_files:
            data_info["per_data_file_size"] = data_info["data_files_total_size"] / len(data_files)
        is_owner = user is not None and user.id == row["owner_id"]
        return {
            "uuid": row["uuid"],
            "name": row["name"],
            "capture_type": row["capture_type"],
            "capture_type_display": TYPE_DISPLAY.get(row["capture_type"], row["capture_type"]),
            "index_name": row["index_name"],
            "origin": row["origin"],
            "top_level_dir": row["top_level_dir"],
            "channel": row["channel"],
            "scan_group": row["scan_group"],
            "capture_props": props,
            "files": [
                {
                    "uuid": f["uuid"],
                    "name": f["name"],
                    "directory": absolute_dir(owner["email"], f["directory"]),
                    "media_type": f["media_type"],
                    "size": f["size"],
                }
                for f in files
            ],
            "data_files_info": data_info,
            "total_file_count": len(files),
            "total_file_size": sum(f["size"] for f in files),
            **derived,
            "owner": owner,
            "permission_level": "owner" if is_owner else "viewer",
            "share_permissions": [
                {
                    "item_type": "capture",
                    "item_uuid": row["uuid"],
                    "shared_with": self._owner(uid),
                    "permission_level": "viewer",
                }
                for uid in shared_ids
            ],
            "shared_with": shared_ids,
            "is_shared": bool(shared_ids),
            "is_shared_with_me": user is not None and user.id in shared_ids,
            "is_public": False,
            "dataset": None,
            "datasets": [self._dataset_summary(d) for d in datasets],
            "post_processed_data": [],
            "created_at": fmt_iso(row["created_at"]),
            "formatted_created_at": datetime.fromtimestamp(row["created_at"], SERVER_TZ).strftime(
                "%m/%d/%Y %I:%M:%S %p"
            ),
            "updated_at": fmt_iso(row["updated_at"]),
            "deleted_at": fmt_iso(row["deleted_at"]),
            "is_deleted": bool(row["is_deleted"]),
        }

    def on_captures(self, request: Request, user: User) -> Response:
        if request.method == "POST":
            return self._create_capture(request, user)
        args = request.args
        ctype = args.get("capture_type")
        if ctype is not None and ctype not in CAPTURE_TYPES:
            raise detail(400, f"Invalid capture type: '{ctype}'.")
        filters = _parse_filters(args.get("metadata_filters"))
        ids = self._visible_capture_ids(user)
        rows = [
            r
            for r in self.store.query(
                "SELECT * FROM captures WHERE is_deleted = 0 ORDER BY updated_at DESC"
            )
            if r["uuid"] in ids and (ctype is None or r["capture_type"] == ctype)
        ]
        if filters:
            rows = [r for r in rows if _matches_all(_search_doc(r), filters)]
        size = _page_size(args)
        num_pages = max(1, math.ceil(len(rows) / size))
        page = _page_number(args, num_pages)
        base = request.base_url
        envelope = {
            "count": len(rows),
            "next": f"{base}?page={page + 1}&page_size={size}" if page < num_pages else None,
            "previous": f"{base}?page={page - 1}&page_size={size}" if page > 1 else None,
            "results": [self.capture_json(r, user) for r in rows[(page - 1) * size : page * size]],
        }
        return json_response(envelope)

    def _capture_fields(self, request: Request, user: User) -> dict[str, Any]:
        form = self._fields(request)
        ctype = (form.get("capture_type") or "").strip()
        if not ctype:
            raise detail(400, "The `capture_type` field is required.")
        if ctype not in CAPTURE_TYPES:
            raise detail(400, f"Invalid capture type: '{ctype}'. Expected one of drf, rh, sigmf.")
        raw_tld = (form.get("top_level_dir") or "").strip()
        if not raw_tld:
            raise detail(400, "The `top_level_dir` field is required.")
        tld = sanitize_path(user, raw_tld)
        if tld is None or ".." in raw_tld.split("/"):
            raise detail(400, "The provided `top_level_dir` is invalid.")
        channel = (form.get("channel") or "").strip()
        if ctype == "drf" and not channel:
            raise detail(400, "The `channel` field is required for DigitalRF captures.")
        if "/" in channel or channel in {".", ".."} or any(ord(c) < 32 for c in channel):
            raise detail(400, {"channel": ["Enter a valid channel name."]})
        index_name = (form.get("index_name") or "").strip()
        if ctype != "sigmf" and not index_name:
            raise detail(400, "Empty value passed for a required argument 'index'")
        if index_name and index_name not in INDEX_NAMES.values():
            raise detail(400, f"Unknown index: '{index_name}'")
        scan_group = form.get("scan_group")
        if scan_group:
            scan_group = parse_uuid(scan_group.strip())
            if scan_group is None:
                raise detail(400, {"scan_group": ["Must be a valid UUID."]})
        name = form.get("name") or ""
        if len(name) > 255:
            raise detail(400, {"name": ["Ensure this field has no more than 255 characters."]})
        return {
            "capture_type": ctype,
            "top_level_dir": tld,
            "channel": channel if ctype == "drf" else "",
            "index_name": index_name,
            "scan_group": scan_group or None,
            "name": name or (posixpath.basename(tld) if tld != "/" else ""),
        }

    def _discover(self, user: User, capture_uuid: str, spec: dict[str, Any]) -> tuple[list, dict]:
        """(file rows, capture_props) for a capture spec, or raise a 400."""
        newest: dict[tuple[str, str], Any] = {}
        for row in self._own_files(user):
            newest[(row["directory"], row["name"])] = row
        read_json = self._read_json
        files = metadata.select_files(
            spec["capture_type"],
            spec["top_level_dir"],
            channel=spec["channel"],
            scan_group=spec["scan_group"],
            rows=newest.values(),
            read_json=read_json,
        )
        if not files:
            where = absolute_dir(user.email, spec["top_level_dir"])
            raise detail(400, f"No files found for capture '{capture_uuid}' at '{where}'")
        try:
            if spec["capture_type"] == "drf":
                props = metadata.drf_props(
                    spec["top_level_dir"], spec["channel"], files, self.store.blob_path
                )
            elif spec["capture_type"] == "rh":
                props = metadata.rh_props(spec["top_level_dir"], files, read_json)
            else:
                props = metadata.sigmf_props(files, read_json)
        except metadata.MetadataError as exc:
            raise detail(
                400, f"Error handling metadata for capture '{capture_uuid}': {exc}"
            ) from exc
        return files, props

    def _read_json(self, row: Any) -> Any:
        return metadata.load_json_file(self.store.blob_path(row["sum_blake3"]))

    def _unique_violation(self, db: Any, user: User, spec: dict[str, Any], exclude: str) -> None:
        if spec["capture_type"] == "drf":
            clash = db.execute(
                "SELECT uuid FROM captures WHERE owner_id = ? AND is_deleted = 0 AND "
                "capture_type = 'drf' AND channel = ? AND top_level_dir = ? AND uuid != ?",
                (user.id, spec["channel"], spec["top_level_dir"], exclude),
            ).fetchone()
            text = "drf_unique_channel_and_tld: This channel and top level directory are "
        elif spec["capture_type"] == "rh" and spec["scan_group"]:
            clash = db.execute(
                "SELECT uuid FROM captures WHERE owner_id = ? AND is_deleted = 0 AND "
                "capture_type = 'rh' AND scan_group = ? AND uuid != ?",
                (user.id, spec["scan_group"], exclude),
            ).fetchone()
            text = "rh_unique_scan_group: This scan group is "
        else:
            return
        if clash is not None:
            raise detail(
                400,
                "One or more capture creation constraints violated:\n\t"
                f"{text}already in use by another capture: {clash[0]}",
            )

    def _create_capture(self, request: Request, user: User) -> Response:
        spec = self._capture_fields(request, user)
        capture_uuid = self.register_capture(user, spec)
        return json_response(self.capture_json(self.store.get_capture(capture_uuid), user), 201)

    def register_capture(self, user: User, spec: dict[str, Any]) -> str:
        """Create a capture from a validated spec; raises ApiError like the endpoint."""
        capture_uuid = str(uuid_mod.uuid4())
        with self.store.connect() as db:
            self._unique_violation(db, user, spec, capture_uuid)
        files, props = self._discover(user, capture_uuid, spec)
        now = time.time()
        with self.store.transaction() as db:
            self._unique_violation(db, user, spec, capture_uuid)
            db.execute(
                "INSERT INTO captures (uuid, owner_id, capture_type, index_name, top_level_dir, "
                "channel, scan_group, name, capture_props, created_at, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    capture_uuid,
                    user.id,
                    spec["capture_type"],
                    spec["index_name"] or INDEX_NAMES[spec["capture_type"]],
                    spec["top_level_dir"],
                    spec["channel"],
                    spec["scan_group"],
                    spec["name"],
                    json.dumps(props),
                    now,
                    now,
                ),
            )
            db.executemany(
                "INSERT OR IGNORE INTO capture_files VALUES (?, ?)",
                [(capture_uuid, f["uuid"]) for f in files],
            )
        return capture_uuid

    def on_capture_item(self, request: Request, user: User, item: str) -> Response:
        if request.method == "GET":
            return json_response(
                self.capture_json(self._capture_for(user, item, owner_only=False), user)
            )
        row = self._capture_for(user, item, owner_only=True)
        if request.method == "PUT":
            spec = {
                "capture_type": row["capture_type"],
                "top_level_dir": row["top_level_dir"],
                "channel": row["channel"],
                "scan_group": row["scan_group"],
            }
            files, props = self._discover(user, row["uuid"], spec)
            self.store.set_capture_files(row["uuid"], [f["uuid"] for f in files])
            with self.store.transaction() as db:
                db.execute(
                    "UPDATE captures SET capture_props = ?, updated_at = ? WHERE uuid = ?",
                    (json.dumps(props), time.time(), row["uuid"]),
                )
            return json_response(self.capture_json(self.store.get_capture(row["uuid"]), user))
        if request.method == "PATCH":
            name = self._fields(request).get("name")
            if not name:
                raise detail(400, "The `name` field is required.")
            if len(name) > 255:
                raise detail(400, "The `name` field must be at most 255 characters.")
            with self.store.transaction() as db:
                db.execute(
                    "UPDATE captures SET name = ?, updated_at = ? WHERE uuid = ?",
                    (name, time.time(), row["uuid"]),
                )
            return json_response(self.capture_json(self.store.get_capture(row["uuid"]), user))
        if self.store.shared_user_ids("capture", row["uuid"]):
            raise detail(
                403,
                "Capture is shared and cannot be deleted. To delete it, first run the "
                "revoke_share_permissions method to revoke all share permissions.",
            )
        if self.store.capture_datasets(row["uuid"]):
            raise detail(
                403,
                "Cannot delete capture: it is linked to one or more datasets. Detach it "
                "from the datasets first.",
            )
        self.store.soft_delete("captures", row["uuid"])
        self.store.set_capture_files(row["uuid"], [])
        return Response(status=204)

    def on_capture_revoke(self, _request: Request, user: User, item: str) -> Response:
        row = self._capture_for(user, item, owner_only=True)
        self.store.revoke_shares("capture", row["uuid"])
        return json_response({"message": "Share permissions revoked successfully"})

    def on_capture_detach(self, _request: Request, user: User, item: str) -> Response:
        row = self._capture_for(user, item, owner_only=True)
        with self.store.transaction() as db:
            db.execute(
                "DELETE FROM dataset_captures WHERE capture_uuid = ? AND dataset_uuid IN "
                "(SELECT uuid FROM datasets WHERE status = 'draft' AND is_public = 0)",
                (row["uuid"],),
            )
        return json_response(
            {"message": "Capture detached from draft/private datasets successfully"}
        )

    # -- datasets -------------------------------------------------------------------------
    def _dataset_for(self, user: User, item: str, *, owner_only: bool) -> Any:
        dataset_id = parse_uuid(item)
        row = self.store.get_dataset(dataset_id) if dataset_id else None
        if row is None:
            raise detail(404, "No Dataset matches the given query.")
        if row["owner_id"] == user.id:
            return row
        if owner_only:
            raise detail(404, "No Dataset matches the given query.")
        if user.id not in self.store.shared_user_ids("dataset", row["uuid"]):
            raise detail(403, "You do not have permission to access this dataset.")
        return row

    def _dataset_contents(self, row: Any) -> tuple[list[Any], list[Any], list[Any]]:
        """(capture rows, artifact file rows, capture-linked file rows), non-deleted."""
        captures = self.store.query(
            "SELECT c.* FROM captures c JOIN dataset_captures dc ON dc.capture_uuid = c.uuid "
            "WHERE dc.dataset_uuid = ? AND c.is_deleted = 0 ORDER BY c.created_at",
            (row["uuid"],),
        )
        artifacts = self.store.query(
            "SELECT f.* FROM files f JOIN dataset_files df ON df.file_uuid = f.uuid "
            "WHERE df.dataset_uuid = ? AND f.is_deleted = 0",
            (row["uuid"],),
        )
        linked = [f for c in captures for f in self.store.capture_file_rows(c["uuid"])]
        return captures, artifacts, linked

    def dataset_json(self, row: Any, user: User) -> dict[str, Any]:
        owner = self._owner(row["owner_id"])
        captures, artifacts, linked = self._dataset_contents(row)
        shared = self.store.shared_user_ids("dataset", row["uuid"])
        is_owner = user.id == row["owner_id"]
        created = datetime.fromtimestamp(row["created_at"], SERVER_TZ)
        return {
            "uuid": row["uuid"],
            "name": row["name"],
            "abstract": row["abstract"],
            "description": row["description"],
            "doi": "",
            "authors": json.loads(row["authors"]),
            "license": "",
            "keywords": json.loads(row["keywords"]),
            "institutions": json.loads(row["institutions"]),
            "release_date": None,
            "repository": "",
            "version": row["version"],
            "previous_version": None,
            "next_version": None,
            "website": "",
            "provenance": {},
            "citation": {},
            "other": {},
            "status": row["status"],
            "status_display": row["status"].capitalize(),
            "owner": owner,
            "owner_name": owner["name"],
            "owner_email": owner["email"],
            "created_at": created.strftime("%Y-%m-%d %H:%M:%S%z"),
            "updated_at": fmt_iso(row["updated_at"]),
            "deleted_at": fmt_iso(row["deleted_at"]),
            "is_deleted": bool(row["is_deleted"]),
            "is_public": bool(row["is_public"]),
            "shared_with": shared,
            "is_shared": bool(shared),
            "is_shared_with_me": user.id in shared,
            "is_owner": is_owner,
            "shared_users": [],
            "share_permissions": [],
            "permission_level": "owner" if is_owner else "viewer",
            "can_edit": is_owner,
            "can_advance_version": False,
            "captures": [self._capture_summary(c) for c in captures],
            "files": [
                {
                    "uuid": f["uuid"],
                    "name": f["name"],
                    "directory": absolute_dir(owner["email"], f["directory"]),
                    "media_type": f["media_type"],
                    "size": f["size"],
                }
                for f in artifacts
            ],
            "data_files_info": {
                "total_count": len(artifacts) + len(linked),
                "total_size": sum(f["size"] for f in [*artifacts, *linked]),
                "capture_linked_files": len(linked),
                "artifact_files": len(artifacts),
            },
        }

    def on_dataset_item(self, request: Request, user: User, item: str) -> Response:
        if request.method == "GET":
            row = self._dataset_for(user, item, owner_only=False)
            return json_response(self.dataset_json(row, user))
        row = self._dataset_for(user, item, owner_only=True)
        if self.store.shared_user_ids("dataset", row["uuid"]):
            raise detail(403, "Dataset is shared and cannot be deleted.")
        self.store.soft_delete("datasets", row["uuid"])
        return Response(status=204)

    def on_dataset_files(self, request: Request, user: User, item: str) -> Response:
        row = self._dataset_for(user, item, owner_only=False)
        args = request.args
        _, artifacts, linked = self._dataset_contents(row)
        if not artifacts and not linked:
            raise detail(404, "No files found in dataset.")
        capture_ids: list[str] = []
        for raw in args.getlist("capture"):
            for piece in filter(None, (p.strip() for p in raw.split(","))):
                parsed = parse_uuid(piece)
                if parsed is None:
                    raise detail(400, f"Invalid capture UUID: '{piece}'")
                capture_ids.append(parsed)
        tlds = [
            "/" + p.replace("\\", "/").strip().strip("/")
            for raw in args.getlist("top_level_dir")
            for p in raw.split(",")
            if p.strip()
        ]
        artifacts_only = args.get("artifacts_only", "").lower() in {"1", "true", "yes"}
        email = self._owner(row["owner_id"])["email"]
        if artifacts_only:
            candidates = list(artifacts)
            capture_ids = []
        else:
            by_uuid = {f["uuid"]: f for f in [*artifacts, *linked]}
            candidates = list(by_uuid.values())
        if capture_ids or tlds:
            wanted = {f["uuid"] for c in capture_ids for f in self.store.capture_file_rows(c)}

            def under(f: Any) -> bool:
                full = absolute_dir(email, f["directory"])
                return any(
                    d in {full, f["directory"]}
                    or full.startswith(d.rstrip("/") + "/")
                    or f["directory"].startswith(d.rstrip("/") + "/")
                    for d in tlds
                )

            candidates = [f for f in candidates if f["uuid"] in wanted or under(f)]
        candidates.sort(key=lambda f: f["created_at"], reverse=True)
        page, envelope = paginate(request, candidates)
        envelope["results"] = [self.file_json(f) for f in page]
        return json_response(envelope)

    def on_dataset_revoke(self, _request: Request, user: User, item: str) -> Response:
        row = self._dataset_for(user, item, owner_only=True)
        self.store.revoke_shares("dataset", row["uuid"])
        return json_response({"message": "Share permissions revoked successfully"})

    def on_dataset_attach(self, request: Request, user: User, item: str) -> Response:
        row = self._dataset_for(user, item, owner_only=True)
        body = request.get_json(silent=True) if request.is_json else None
        raw = body.get("capture_uuid") if isinstance(body, dict) else None
        if raw is None:
            raw = self._fields(request).get("capture_uuid")
        capture = self._capture_for(user, str(raw or ""), owner_only=True)
        with self.store.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO dataset_captures VALUES (?, ?)",
                (row["uuid"], capture["uuid"]),
            )
        return json_response({"message": "Capture attached to dataset successfully"})

    # -- sandbox-only admin endpoints (outside /api/v1/) ----------------------------------
    @staticmethod
    def _admin_body(request: Request) -> dict[str, Any]:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise detail(400, "Expected a JSON object.")
        return body

    def on_admin_users(self, request: Request) -> Response:
        email = str(self._admin_body(request).get("email") or "")
        if "@" not in email:
            raise detail(400, "A valid `email` is required.")
        return json_response({"email": email, "api_key": self.store.new_api_key(email)}, 201)

    def on_admin_datasets(self, request: Request) -> Response:
        body = self._admin_body(request)
        owner = self.store.user_by_email(str(body.get("owner_email") or ""))
        if owner is None:
            raise detail(400, "Unknown `owner_email`.")
        name = str(body.get("name") or "")
        if not name:
            raise detail(400, "The `name` field is required.")
        try:
            dataset_uuid = self.create_dataset(
                owner, name, body.get("file_uuids") or [], body.get("capture_uuids") or []
            )
        except ValueError as exc:
            raise detail(400, str(exc)) from exc
        return json_response({"uuid": dataset_uuid}, 201)

    def create_dataset(
        self, owner: User, name: str, file_uuids: Iterable[Any], capture_uuids: Iterable[Any]
    ) -> str:
        files, caps = [], []
        for raw in file_uuids:
            fid = parse_uuid(str(raw))
            row = self.store.get_file(fid) if fid else None
            if row is None or row["owner_id"] != owner.id:
                raise ValueError(f"Unknown file of {owner.email}: {raw}")
            files.append(fid)
        for raw in capture_uuids:
            cid = parse_uuid(str(raw))
            row = self.store.get_capture(cid) if cid else None
            if row is None or row["owner_id"] != owner.id:
                raise ValueError(f"Unknown capture of {owner.email}: {raw}")
            caps.append(cid)
        return self.store.create_dataset(owner, name, file_uuids=files, capture_uuids=caps)

    def on_admin_shares(self, request: Request) -> Response:
        body = self._admin_body(request)
        item_type = body.get("item_type")
        item = parse_uuid(str(body.get("item_uuid") or ""))
        email = str(body.get("email") or "")
        if item_type not in {"capture", "dataset"} or item is None or "@" not in email:
            raise detail(400, "Expected item_type (capture|dataset), item_uuid and email.")
        self.store.share(item_type, item, email)
        return json_response({"message": "shared"}, 201)

    def on_admin_faults(self, request: Request) -> Response:
        body = self._admin_body(request)
        try:
            if body.get("reset"):
                self.faults.reset()
            if "drop_after_bytes" in body:
                self.faults.drop_after_bytes(body["drop_after_bytes"], count=body.get("count"))
            if "fail_next" in body:
                self.faults.fail_next(int(body["fail_next"]), int(body.get("status", 503)))
            if "throttle" in body:
                self.faults.throttle(body["throttle"])
            if "latency" in body:
                self.faults.latency(body["latency"])
            if "revoke_key" in body:
                self.faults.revoke_key(str(body["revoke_key"]))
        except (TypeError, ValueError) as exc:
            raise detail(400, str(exc)) from exc
        return json_response({"message": "ok", "faults": self.faults.state()})


# -- helpers for captures ----------------------------------------------------------------


def _disposition(name: str) -> str:
    if name.isascii() and name.isprintable() and '"' not in name and "\\" not in name:
        return f'attachment; filename="{name}"'
    return dump_options_header("attachment", {"filename": name})


def _is_data_file(capture_type: str, name: str) -> bool:
    if capture_type == "drf":
        return name.startswith("rf@")
    if capture_type == "sigmf":
        return name.lower().endswith(".sigmf-data")
    return True


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list) and value:
        return _num(value[0])
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _capture_derived(capture_type: str, props: dict[str, Any]) -> dict[str, Any]:
    start = end = rate = center = cadence = None
    if capture_type == "drf":
        rate = _num(props.get("samples_per_second"))
        center = _num(props.get("center_freq")) or _num(props.get("center_frequencies"))
        start, end = _num(props.get("start_bound")), _num(props.get("end_bound"))
        cadence = _num(props.get("file_cadence_millisecs"))
    elif capture_type == "rh":
        rate = _num(props.get("sample_rate"))
        center = _num(props.get("center_frequency"))
        ts = props.get("timestamp")
        start = parse_iso(ts) if isinstance(ts, str) else _num(ts)
        end = start
    else:
        rate = _num(props.get("sample_rate"))
        center = _num(props.get("center_frequency"))
        ts = props.get("datetime")
        start = parse_iso(ts) if isinstance(ts, str) else None
        end = start

    def display(ts: float | None) -> str | None:
        if ts is None:
            return None
        return datetime.fromtimestamp(ts, SERVER_TZ).strftime("%Y-%m-%d %H:%M:%S %Z")

    return {
        "file_cadence_ms": cadence,
        "length_of_capture_ms": (end - start) * 1000
        if start is not None and end is not None
        else None,
        "sample_rate_mhz": rate / 1e6 if rate else None,
        "center_frequency_ghz": center / 1e9 if center else None,
        "capture_start_epoch_sec": int(start) if start is not None else None,
        "capture_start_iso_utc": fmt_utc(start),
        "capture_end_iso_utc": fmt_utc(end),
        "capture_start_display": display(start),
        "capture_end_display": display(end),
    }


# -- metadata_filters search (a small OpenSearch leaf-query evaluator) --------------------

_QUERY_TYPES = {
    "range",
    "term",
    "terms",
    "match",
    "match_phrase",
    "wildcard",
    "exists",
    "geo_bounding_box",
}


def _parse_filters(raw: str | None) -> list[dict[str, Any]]:
    if raw is None:
        return []
    try:
        filters = json.loads(raw)
    except ValueError:
        raise detail(400, "'metadata_filters' could not be parsed from request") from None
    if not isinstance(filters, list):
        raise detail(400, "'metadata_filters' must be a list.")
    for item in filters:
        if not isinstance(item, dict) or not {"field_path", "query_type"} <= item.keys():
            raise detail(
                400,
                "Query error: each filter needs 'field_path', 'query_type' and 'filter_value'.",
            )
        if item["query_type"] not in _QUERY_TYPES:
            raise detail(400, f"Query error: unsupported query type '{item['query_type']}'")
        if not isinstance(item["field_path"], str) or not item["field_path"]:
            raise detail(400, "Query error: 'field_path' must be a non-empty string.")
        if item["query_type"] in {"range", "geo_bounding_box"} and not isinstance(
            item.get("filter_value"), dict
        ):
            raise detail(400, f"Query error: '{item['query_type']}' needs an object filter_value.")
    return filters


def _search_doc(row: Any) -> dict[str, Any]:
    props = json.loads(row["capture_props"])
    search: dict[str, Any] = {}
    derived = _capture_derived(row["capture_type"], props)
    if derived["center_frequency_ghz"]:
        search["center_frequency"] = derived["center_frequency_ghz"] * 1e9
    if derived["sample_rate_mhz"]:
        search["sample_rate"] = derived["sample_rate_mhz"] * 1e6
    lat, lon = _num(props.get("latitude")), _num(props.get("longitude"))
    if lat is not None and lon is not None:
        search["coordinates"] = {"lat": lat, "lon": lon}
    return {
        "capture_props": props,
        "search_props": search,
        "name": row["name"],
        "capture_type": row["capture_type"],
        "channel": row["channel"],
        "scan_group": row["scan_group"],
        "top_level_dir": row["top_level_dir"],
        "index_name": row["index_name"],
        "origin": row["origin"],
        "created_at": fmt_iso(row["created_at"]),
        "updated_at": fmt_iso(row["updated_at"]),
    }


def _lookup(doc: Any, path: list[str]) -> list[Any]:
    if not path:
        return [doc]
    if isinstance(doc, list):
        return [v for item in doc for v in _lookup(item, path)]
    if not isinstance(doc, dict):
        return []
    for cut in range(len(path), 0, -1):  # allow keys that contain dots themselves
        key = ".".join(path[:cut])
        if key in doc:
            return _lookup(doc[key], path[cut:])
    return []


def _flatten(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if isinstance(value, list):
            out.extend(_flatten(value))
        else:
            out.append(value)
    return out


def _compare(a: Any, b: Any) -> int | None:
    na, nb = _num(a), _num(b)
    if na is not None and nb is not None and not isinstance(a, str | bool):
        return (na > nb) - (na < nb)
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)
    return None


def _leaf(value: Any, qtype: str, fv: Any) -> bool:
    if qtype == "range":
        for op, want in fv.items():
            if op not in {"gt", "gte", "lt", "lte"}:
                continue
            cmp = _compare(value, want)
            if cmp is None:
                return False
            ok = {"gt": cmp > 0, "gte": cmp >= 0, "lt": cmp < 0, "lte": cmp <= 0}[op]
            if not ok:
                return False
        return True
    if qtype in {"term", "terms"}:
        wanted = fv.get("value") if isinstance(fv, dict) and "value" in fv else fv
        options = wanted if qtype == "terms" and isinstance(wanted, list) else [wanted]
        return any(value == w or _compare(value, w) == 0 for w in options)
    if qtype in {"match", "match_phrase"}:
        query = fv.get("query") if isinstance(fv, dict) else fv
        if isinstance(value, str) and isinstance(query, str):
            if qtype == "match_phrase":
                return query.lower() in value.lower()
            tokens = set(re.findall(r"\w+", value.lower()))
            return any(t in tokens for t in re.findall(r"\w+", query.lower()))
        return value == query or _compare(value, query) == 0
    if qtype == "wildcard":
        pattern = fv.get("value") if isinstance(fv, dict) else fv
        return isinstance(value, str) and fnmatch.fnmatchcase(value, str(pattern))
    if qtype == "geo_bounding_box":
        if not isinstance(value, dict):
            return False
        try:
            top, bottom = fv["top_left"], fv["bottom_right"]
            return (
                bottom["lat"] <= value["lat"] <= top["lat"]
                and top["lon"] <= value["lon"] <= bottom["lon"]
            )
        except (KeyError, TypeError):
            return False
    return False


def _matches_all(doc: dict[str, Any], filters: list[dict[str, Any]]) -> bool:
    for item in filters:
        values = _lookup(doc, item["field_path"].split("."))
        if item["query_type"] == "exists":
            if not values:
                return False
            continue
        if item["query_type"] != "geo_bounding_box":
            values = _flatten(values)
        if not any(_leaf(v, item["query_type"], item.get("filter_value")) for v in values):
            return False
    return True
