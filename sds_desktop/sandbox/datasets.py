"""Dataset routes: read, delete, the file manifest (with its filters), revoke shares,
attach a capture. Production has no list or create route: the web UI makes datasets
(here the sandbox-admin route does)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from sds_desktop.sandbox.router import Route, api
from sds_desktop.sandbox.shared import Resource
from sds_desktop.sandbox.store import User, parse_uuid
from sds_desktop.sandbox.wire import (
    SERVER_TZ,
    absolute_dir,
    detail,
    fmt_iso,
    json_response,
    paginate,
    request_fields,
)


class DatasetRoutes(Resource):
    def routes(self) -> list[Route]:
        return [
            api("/assets/datasets/<item>/", "GET DELETE", self.on_item),
            api("/assets/datasets/<item>/files/", "GET", self.on_files),
            api("/assets/datasets/<item>/revoke-share-permissions/", "PUT", self.on_revoke),
            api("/assets/datasets/<item>/attach-capture/", "POST", self.on_attach),
        ]

    def _contents(self, row: Any) -> tuple[list[Any], list[Any], list[Any]]:
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
        owner = self.owner_json(row["owner_id"])
        captures, artifacts, linked = self._contents(row)
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
            "captures": [self.capture_summary(c) for c in captures],
            "files": self.files_brief(artifacts, owner["email"]),
            "data_files_info": {
                "total_count": len(artifacts) + len(linked),
                "total_size": sum(f["size"] for f in [*artifacts, *linked]),
                "capture_linked_files": len(linked),
                "artifact_files": len(artifacts),
            },
        }

    def on_item(self, request: Request, user: User, item: str) -> Response:
        if request.method == "GET":
            row = self.item_for("dataset", user, item, owner_only=False)
            return json_response(self.dataset_json(row, user))
        row = self.item_for("dataset", user, item, owner_only=True)
        if self.store.shared_user_ids("dataset", row["uuid"]):
            raise detail(403, "Dataset is shared and cannot be deleted.")
        self.store.soft_delete("datasets", row["uuid"])
        return Response(status=204)

    def on_files(self, request: Request, user: User, item: str) -> Response:
        row = self.item_for("dataset", user, item, owner_only=False)
        args = request.args
        _, artifacts, linked = self._contents(row)
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
        email = self.owner_json(row["owner_id"])["email"]
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
        envelope["results"] = self.files_json(page)
        return json_response(envelope)

    def on_revoke(self, _request: Request, user: User, item: str) -> Response:
        return self.revoke_shares("dataset", self.item_for("dataset", user, item, owner_only=True))

    def on_attach(self, request: Request, user: User, item: str) -> Response:
        row = self.item_for("dataset", user, item, owner_only=True)
        body = request.get_json(silent=True) if request.is_json else None
        raw = body.get("capture_uuid") if isinstance(body, dict) else None
        if raw is None:
            raw = request_fields(request).get("capture_uuid")
        capture = self.item_for("capture", user, str(raw or ""), owner_only=True)
        with self.store.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO dataset_captures VALUES (?, ?)",
                (row["uuid"], capture["uuid"]),
            )
        return json_response({"message": "Capture attached to dataset successfully"})
