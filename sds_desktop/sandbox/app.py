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
from werkzeug.wrappers import Request, Response

from sds_desktop.sandbox.admin import AdminRoutes, check_admin
from sds_desktop.sandbox.auth import AuthRoutes, authenticate
from sds_desktop.sandbox.captures import CaptureRoutes
from sds_desktop.sandbox.datasets import DatasetRoutes
from sds_desktop.sandbox.faults import FaultInjector
from sds_desktop.sandbox.files import FORM_MEMORY_LIMIT, FileRoutes
from sds_desktop.sandbox.router import Router
from sds_desktop.sandbox.store import Store, User
from sds_desktop.sandbox.streams import CountingInput, FaultyInput, stop_reading_after
from sds_desktop.sandbox.wire import (
    NOT_FOUND_HTML,
    SERVER_ERROR_HTML,
    ApiError,
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
        return stop_reading_after(body, environ) if consumed else body

    def dispatch(self, request: Request) -> Response:
        adapter = self.router.bind(request.environ)
        try:
            endpoint, values = adapter.match()
        except MethodNotAllowed:
            return json_response({"detail": f'Method "{request.method}" not allowed.'}, 405)
        except NotFound:
            return Response(NOT_FOUND_HTML, status=404, mimetype="text/html")
        except HTTPException as exc:  # e.g. RequestRedirect for a missing trailing slash
            return exc.get_response(request.environ)  # type: ignore[return-value]
        route = self.router.route(endpoint)
        try:
            if route.auth == "admin":
                check_admin(request, self.admin_token)
                return route.handler(request, **values)
            user = authenticate(self.store, request, route.auth)
            return route.handler(request, user, **values)
        except ApiError as exc:
            return json_response(exc.body, exc.status, exc.headers)
        except RequestEntityTooLarge:
            return json_response({"detail": "Request body too large."}, 413)
        except ConnectionError:
            raise
        except Exception:
            log.exception("sandbox: unhandled error on %s %s", request.method, request.path)
            return json_response({"detail": "Internal sandbox error."}, 500)
