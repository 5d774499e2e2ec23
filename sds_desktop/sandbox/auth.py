"""Authentication (``Authorization: Api-Key: <key>``) and the identity routes."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from sds_desktop.sandbox.router import Auth, Route, api
from sds_desktop.sandbox.shared import Resource
from sds_desktop.sandbox.store import Store, User
from sds_desktop.sandbox.wire import ApiError, json_response


def authenticate(store: Store, request: Request, auth: Auth) -> User:
    """The key's user, or the 401 (``key`` routes) / 403 (``session`` routes) answer."""
    status = 403 if auth == "session" else 401
    headers = {} if auth == "session" else {"WWW-Authenticate": "Api-Key"}
    header = request.headers.get("Authorization")
    if header is None:
        raise ApiError(status, {"detail": "Authentication credentials were not provided."}, headers)
    parts = header.split(":")
    if len(parts) > 2:
        raise ApiError(status, {"detail": "Expected format: 'Api-Key: <key>'"}, headers)
    key = parts[-1].strip()
    user = store.user_for_key(key) if key else None
    if user is None:
        raise ApiError(status, {"detail": "API key not found"}, headers)
    return user


class AuthRoutes(Resource):
    def routes(self) -> list[Route]:
        return [
            api("/auth/", "GET", self.on_auth),
            api("/users/me/", "GET", self.on_me),
        ]

    def on_auth(self, _request: Request, user: User) -> Response:
        return json_response({"message": f"API key is valid for {user.email}"})

    def on_me(self, request: Request, user: User) -> Response:
        return json_response(
            {"name": user.name, "email": user.email, "url": request.host_url + "api/v1/users/me/"}
        )
