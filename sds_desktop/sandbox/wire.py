"""What every sandbox handler speaks: error answers, JSON, times, paths, pagination.

Behaviour follows /work/shared/sds-api.md (paths, JSON shapes, pagination, status codes,
error texts).
"""

from __future__ import annotations

import functools
import json
import math
import posixpath
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from sds_desktop.sandbox.store import User

try:
    SERVER_TZ: Any = ZoneInfo("America/New_York")
except ZoneInfoNotFoundError:  # pragma: no cover - minimal systems without tzdata
    SERVER_TZ = UTC

DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 100
PATH_OUTSIDE = "The provided path must be in the user's files directory."
NOT_FOUND_HTML = (
    '<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n'
    "<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>"
    "\n</body>\n</html>\n"
)
SERVER_ERROR_HTML = (
    '<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error ({0})</title>\n</head>\n'
    "<body>\n  <h1>Server Error ({0})</h1><p></p>\n</body>\n</html>\n"
)


class ApiError(Exception):
    """An error answer: status plus JSON body (a dict, e.g. ``{"detail": ...}``)."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}


class ProductionCrashError(Exception):
    """Input on which production answers HTTP 500 (an HTML page) and so does the sandbox.

    Only for input a correct client may send (e.g. a SigMF capture, a Digital RF channel
    with one digital-metadata field), so that the client meets the failure its users
    will meet. Input no correct client sends gets a clean 4xx instead: see
    ``deliberate.py``.
    """


def detail(status: int, text: Any) -> ApiError:
    return ApiError(status, {"detail": text})


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, mimetype="application/json", headers=headers or {}
    )


def request_fields(request: Request) -> MultiDict:
    """Form fields of a urlencoded, multipart or JSON body."""
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise detail(400, "JSON parse error - the body must be a JSON object.")
        return MultiDict({k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()})
    try:
        return request.form
    except ValueError as exc:
        raise detail(400, f"Multipart form parse error - {exc}") from exc


# -- time formats ------------------------------------------------------------------------


def fmt_naive(ts: float | None) -> str | None:
    """``YYYY-MM-DD HH:MM:SS`` in the server zone, no offset (file list/retrieve)."""
    if ts is None:
        return None
    return _fmt_naive_second(math.floor(ts))


@functools.lru_cache(maxsize=4096)
def _fmt_naive_second(second: int) -> str:
    # a listing page formats three stamps per file, mostly the same few seconds
    return datetime.fromtimestamp(second, SERVER_TZ).strftime("%Y-%m-%d %H:%M:%S")


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


def page_size(args: MultiDict) -> int:
    try:
        size = int(args.get("page_size", ""))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    if size <= 0:
        return DEFAULT_PAGE_SIZE
    return min(size, MAX_PAGE_SIZE)


def page_number(args: MultiDict, num_pages: int) -> int:
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
    size = page_size(args)
    num_pages = max(1, math.ceil(len(items) / size))
    page = page_number(args, num_pages)
    chunk = items[(page - 1) * size : page * size]
    nxt = _page_url(request, args, page + 1) if page < num_pages else None
    if page <= 1:
        prev = None
    elif page == 2:
        prev = _page_url(request, args, None)
    else:
        prev = _page_url(request, args, page - 1)
    return chunk, {"count": len(items), "next": nxt, "previous": prev}
