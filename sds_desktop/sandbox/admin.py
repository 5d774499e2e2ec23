"""Sandbox-only administration (outside ``/api/``): users, datasets, shares, faults.

Every route needs the server's admin token in ``X-Sandbox-Admin-Token``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from sds_desktop.sandbox.router import Route
from sds_desktop.sandbox.shared import Resource
from sds_desktop.sandbox.store import User, parse_uuid
from sds_desktop.sandbox.wire import detail, json_response


def check_admin(request: Request, admin_token: str) -> None:
    token = request.headers.get("X-Sandbox-Admin-Token", "")
    if not secrets.compare_digest(token.encode(), admin_token.encode()):
        raise detail(403, "Invalid sandbox admin token.")


def _body(request: Request) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise detail(400, "Expected a JSON object.")
    return body


class AdminRoutes(Resource):
    def routes(self) -> list[Route]:
        return [
            Route("/sandbox-admin/users/", ("POST",), self.on_users, "admin"),
            Route("/sandbox-admin/datasets/", ("POST",), self.on_datasets, "admin"),
            Route("/sandbox-admin/shares/", ("POST",), self.on_shares, "admin"),
            Route("/sandbox-admin/faults/", ("POST",), self.on_faults, "admin"),
        ]

    def on_users(self, request: Request) -> Response:
        email = str(_body(request).get("email") or "")
        if "@" not in email:
            raise detail(400, "A valid `email` is required.")
        return json_response({"email": email, "api_key": self.store.new_api_key(email)}, 201)

    def on_datasets(self, request: Request) -> Response:
        body = _body(request)
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
        """A dataset of the owner's files and captures (production makes them in the UI)."""
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

    def on_shares(self, request: Request) -> Response:
        body = _body(request)
        item_type = body.get("item_type")
        item = parse_uuid(str(body.get("item_uuid") or ""))
        email = str(body.get("email") or "")
        if item_type not in {"capture", "dataset"} or item is None or "@" not in email:
            raise detail(400, "Expected item_type (capture|dataset), item_uuid and email.")
        self.store.share(item_type, item, email)
        return json_response({"message": "shared"}, 201)

    def on_faults(self, request: Request) -> Response:
        body = _body(request)
        faults = self.faults
        try:
            if body.get("reset"):
                faults.reset()
            if "drop_after_bytes" in body:
                faults.drop_after_bytes(body["drop_after_bytes"], count=body.get("count"))
            if "fail_next" in body:
                faults.fail_next(int(body["fail_next"]), int(body.get("status", 503)))
            if "throttle" in body:
                faults.throttle(body["throttle"])
            if "latency" in body:
                faults.latency(body["latency"])
            if "revoke_key" in body:
                faults.revoke_key(str(body["revoke_key"]))
        except (TypeError, ValueError) as exc:
            raise detail(400, str(exc)) from exc
        return json_response({"message": "ok", "faults": faults.state()})
