"""The sandbox WSGI application: the SDS gateway HTTP contract over a local Store.

Routes live with their resource (see docs/sandbox.md for the map):

- ``auth.py``: ``/auth/``, ``/users/me/`` and the Api-Key check;
- ``files.py``: ``/assets/files/...``, ``/assets/utils/check_contents_exist/``;
- ``captures.py`` (+ ``capture_shape.py``, ``search.py``): ``/assets/captures/...``;
- ``datasets.py``: ``/assets/datasets/...``;
- ``admin.py``: ``/sandbox-admin/...`` (users, datasets, shares, faults).

This module only dispatches: faults that answer before any handler, authentication,
error answers, and the connection handling around the body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Request, Response

from sds_desktop.sandbox.admin import AdminRoutes, check_admin
from sds_desktop.sandbox.auth import AuthRoutes, authenticate
from sds_desktop.sandbox.captures import CaptureRoutes
from sds_desktop.sandbox.datasets import DatasetRoutes
from sds_desktop.sandbox.faults import FaultInjector
from sds_desktop.sandbox.files import FORM_MEMORY_LIMIT, FileRoutes
from sds_desktop.sandbox.http11 import COUNTER_KEY
from sds_desktop.sandbox.router import Router
from sds_desktop.sandbox.store import Store, User
from sds_desktop.sandbox.streams import CountingInput, FaultyInput
from sds_desktop.sandbox.wire import (
    NOT_FOUND_HTML,
    SERVER_ERROR_HTML,
    ApiError,
    ProductionCrashError,
    json_response,
)

log = logging.getLogger(__name__)

__all__ = ["ApiError", "SandboxApp"]


class SandboxApp:
    """WSGI callable; one per server, sharing nothing with other servers."""

    def __init__(self, store: Store, faults: FaultInjector, admin_token: str) -> None:
        self.store = store
        self.faults = faults
        self.admin_token = admin_token
        self.files = FileRoutes(store, faults)
        self.captures = CaptureRoutes(store, faults)
        self.datasets = DatasetRoutes(store, faults)
        self.admin = AdminRoutes(store, faults)
        resources = (AuthRoutes(store, faults), self.files, self.captures, self.datasets)
        self.router = Router([r for res in (*resources, self.admin) for r in res.routes()])

    # -- what other sandbox modules call (demo seeding, the server's Python API) ----------
    def register_capture(self, user: User, spec: dict[str, Any]) -> str:
        return self.captures.register_capture(user, spec)

    def create_dataset(
        self, owner: User, name: str, file_uuids: Iterable[Any], capture_uuids: Iterable[Any]
    ) -> str:
        return self.admin.create_dataset(owner, name, file_uuids, capture_uuids)

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
        if length > 0 and not chunked:  # the handler keeps the connection if all was read
            environ[COUNTER_KEY] = environ["wsgi.input"] = CountingInput(environ["wsgi.input"])
        if environ.get("REQUEST_METHOD") == "POST" and path.rstrip("/").endswith("/assets/files"):
            environ["wsgi.input"] = FaultyInput(environ["wsgi.input"], self.faults, environ)
        request = Request(environ)
        request.max_form_memory_size = FORM_MEMORY_LIMIT
        response = self.dispatch(request)
        if request.content_length and not _finish_body(request, environ.get(COUNTER_KEY), length):
            response.headers["Connection"] = "close"
        if is_api:
            self.faults.delay_response()
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        adapter = self.router.bind(request.environ)
        allowed: list[str] | None = None
        try:
            endpoint, values = adapter.match()
        except RequestRedirect as exc:  # no trailing slash: Django's APPEND_SLASH, 301
            del exc  # werkzeug's absolute URL; production sends the path
            return _redirect(request)
        except MethodNotAllowed as exc:
            # Production authenticates before it checks the method: find the route by
            # one of its methods, authenticate as it would, then answer 405.
            allowed = list(exc.valid_methods or [])
            endpoint, values = adapter.match(method=allowed[0])
        except NotFound:
            return Response(NOT_FOUND_HTML, status=404, mimetype="text/html")
        except HTTPException as exc:
            return exc.get_response(request.environ)  # type: ignore[return-value]
        route = self.router.route(endpoint)
        try:
            if route.auth == "admin":
                check_admin(request, self.admin_token)
                if allowed is not None:
                    return _not_allowed(request)
                return route.handler(request, **values)
            user = authenticate(self.store, request, route.auth)
            if allowed is not None:
                return _not_allowed(request)
            return route.handler(request, user, **values)
        except ApiError as exc:
            return json_response(exc.body, exc.status, exc.headers)
        except ProductionCrashError:
            return Response(SERVER_ERROR_HTML.format(500), status=500, mimetype="text/html")
        except RequestEntityTooLarge:
            return json_response({"detail": "Request body too large."}, 413)
        except ConnectionError:
            raise
        except Exception:
            log.exception("sandbox: unhandled error on %s %s", request.method, request.path)
            return json_response({"detail": "Internal sandbox error."}, 500)


def _not_allowed(request: Request) -> Response:
    return json_response({"detail": f'Method "{request.method}" not allowed.'}, 405)


def _redirect(request: Request) -> Response:
    """301 to the path with the slash, as a relative URL (Django's CommonMiddleware)."""
    path = request.path + "/"
    query = request.query_string.decode("latin-1")
    location = path + ("?" + query if query else "")
    return Response(status=301, headers={"Location": location}, content_type="text/html")


DRAIN_LIMIT = 64 * 1024
"""What the sandbox reads of a body the app left unread, to keep the connection."""


def _finish_body(request: Request, counter: CountingInput | None, length: int) -> bool:
    """Read what the app left of a request body, if at most :data:`DRAIN_LIMIT` bytes,
    so that the connection can serve the next request; False (close it) if more is left
    or reading fails. Werkzeug's form parser stops at the closing boundary and leaves
    the epilogue (its last CRLF), so every upload used to end its connection; production's
    nginx reads whole bodies and keeps the connection. Counted from the socket's side
    (``counter``): what the app read by any path is never waited for twice."""
    if counter is None:
        return bool(getattr(request.stream, "is_exhausted", True))
    left = length - counter.count
    if left > DRAIN_LIMIT:
        return False
    try:
        while left > 0:
            chunk = counter.read(min(65536, left))
            if not chunk:
                return False
            left -= len(chunk)
    except Exception:  # noqa: BLE001 - a client gone: just close
        return False
    return True
