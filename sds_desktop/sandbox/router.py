"""The sandbox's route table: each resource module lists its routes; this matches them.

A route is a path (werkzeug rule syntax), its methods, its handler and the kind of
authentication it wants:

- ``key``: Api-Key authentication, failures are 401 with ``WWW-Authenticate``;
- ``session``: as ``key`` but the view lists SessionAuthentication first, so failures
  are 403 (production's capture routes);
- ``admin``: the sandbox-only admin token (``X-Sandbox-Admin-Token``).

API routes are served under both ``/api/v1`` and ``/api/latest``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from werkzeug.routing import Map, MapAdapter, Rule
from werkzeug.wrappers import Response

Auth = Literal["key", "session", "admin"]
API_PREFIXES = ("/api/v1", "/api/latest")


@dataclass(frozen=True)
class Route:
    path: str
    methods: tuple[str, ...]
    handler: Callable[..., Response]
    auth: Auth = "key"


def api(path: str, methods: str, handler: Callable[..., Response], auth: Auth = "key") -> Route:
    """A route under the API prefixes; ``methods`` is space-separated (``"GET POST"``)."""
    return Route(path, tuple(methods.split()), handler, auth)


class Router:
    """Maps (path, method) to a Route; ``bind`` gives werkzeug's adapter for a request."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes: list[Route] = list(routes)
        rules = []
        for index, route in enumerate(self.routes):
            prefixes = ("",) if route.auth == "admin" else API_PREFIXES
            rules.extend(
                Rule(prefix + route.path, endpoint=index, methods=list(route.methods))
                for prefix in prefixes
            )
        self.url_map = Map(rules, strict_slashes=True)

    def bind(self, environ: dict[str, Any]) -> MapAdapter:
        return self.url_map.bind_to_environ(environ)

    def route(self, endpoint: int) -> Route:
        return self.routes[endpoint]
