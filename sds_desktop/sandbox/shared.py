"""What the resource handlers share: the store, the item lookups and the JSON shapes
that several resources return (owner, file, capture and dataset summaries)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from sds_desktop.sandbox.faults import FaultInjector
from sds_desktop.sandbox.router import Route
from sds_desktop.sandbox.store import Store, User, parse_uuid
from sds_desktop.sandbox.wire import absolute_dir, detail, fmt_iso, fmt_naive, json_response

_KIND_TEXT = {"file": "File", "capture": "Capture", "dataset": "Dataset"}

DETACH_SQL = {
    "file": "DELETE FROM dataset_files WHERE file_uuid = ? AND dataset_uuid IN "
    "(SELECT uuid FROM datasets WHERE status = 'draft' AND is_public = 0)",
    "capture": "DELETE FROM dataset_captures WHERE capture_uuid = ? AND dataset_uuid IN "
    "(SELECT uuid FROM datasets WHERE status = 'draft' AND is_public = 0)",
}


class Resource:
    """Base of the resource handler classes: one store and fault injector, shared."""

    def __init__(self, store: Store, faults: FaultInjector) -> None:
        self.store = store
        self.faults = faults

    def routes(self) -> list[Route]:
        raise NotImplementedError

    # -- lookups ------------------------------------------------------------------------
    def own_files(self, user: User) -> list[Any]:
        return self.store.query(
            "SELECT * FROM files WHERE owner_id = ? AND is_deleted = 0 "
            "ORDER BY directory, name, created_at",
            (user.id,),
        )

    def visible_capture_ids(self, user: User) -> set[str]:
        rows = self.store.query(
            "SELECT uuid FROM captures WHERE owner_id = ? AND is_deleted = 0 "
            "UNION SELECT item_uuid FROM shares WHERE item_type = 'capture' AND user_id = ? "
            "UNION SELECT dc.capture_uuid FROM shares s JOIN dataset_captures dc "
            "ON s.item_type = 'dataset' AND dc.dataset_uuid = s.item_uuid WHERE s.user_id = ?",
            (user.id, user.id, user.id),
        )
        return {r[0] for r in rows}

    def _readable(self, kind: str, user: User, row: Any) -> bool:
        if kind == "file":
            return self.store.can_read_file(user, row)
        if kind == "capture":
            return row["uuid"] in self.visible_capture_ids(user)
        return user.id in self.store.shared_user_ids("dataset", row["uuid"])

    def item_for(
        self, kind: str, user: User, item: str, *, owner_only: bool, verb: str = "access"
    ) -> Any:
        """The row of a file, capture or dataset the user may see (or own), else 404/403."""
        item_id = parse_uuid(item)
        getter = {
            "file": self.store.get_file,
            "capture": self.store.get_capture,
            "dataset": self.store.get_dataset,
        }[kind]
        row = getter(item_id) if item_id else None
        missing = detail(404, f"No {_KIND_TEXT[kind]} matches the given query.")
        if row is None:
            raise missing
        if row["owner_id"] == user.id:
            return row
        if owner_only:
            raise missing
        if not self._readable(kind, user, row):
            raise detail(403, f"You do not have permission to {verb} this {kind}.")
        return row

    # -- actions several resources offer ------------------------------------------------
    def revoke_shares(self, kind: str, row: Any) -> Response:
        self.store.revoke_shares(kind, row["uuid"])
        return json_response({"message": "Share permissions revoked successfully"})

    def detach_from_datasets(self, kind: str, row: Any) -> Response:
        with self.store.transaction() as db:
            db.execute(DETACH_SQL[kind], (row["uuid"],))
        text = _KIND_TEXT[kind]
        return json_response(
            {"message": f"{text} detached from draft/private datasets successfully"}
        )

    # -- JSON shapes --------------------------------------------------------------------
    def owner_json(self, owner_id: int) -> dict[str, Any]:
        owner = self.store.user_by_id(owner_id)
        return {"id": owner.id, "email": owner.email, "name": owner.name}

    @staticmethod
    def capture_summary(row: Any) -> dict[str, Any]:
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
    def dataset_summary(row: Any) -> dict[str, Any]:
        return {
            "uuid": row["uuid"],
            "name": row["name"],
            "version": row["version"],
            "status": row["status"],
            "is_public": bool(row["is_public"]),
        }

    @staticmethod
    def files_brief(rows: list[Any], email: str) -> list[dict[str, Any]]:
        """The short file entries inside capture and dataset objects."""
        return [
            {
                "uuid": f["uuid"],
                "name": f["name"],
                "directory": absolute_dir(email, f["directory"]),
                "media_type": f["media_type"],
                "size": f["size"],
            }
            for f in rows
        ]

    def file_json(self, row: Any) -> dict[str, Any]:
        return self.files_json([row])[0]

    def files_json(self, rows: list[Any]) -> list[dict[str, Any]]:
        """File objects for a page of rows: links read in two queries for the page, each
        owner once (a listing page of 100 took 300 queries, 22 ms of server CPU)."""
        links = self.store.file_links_many([r["uuid"] for r in rows])
        owners: dict[int, dict[str, Any]] = {}
        out = []
        for row in rows:
            owner = owners.get(row["owner_id"])
            if owner is None:
                owner = owners[row["owner_id"]] = self.owner_json(row["owner_id"])
            caps, dsets = links.get(row["uuid"], ((), ()))
            out.append(self._file_object(row, dict(owner), caps, dsets))
        return out

    def _file_object(
        self, row: Any, owner: dict[str, Any], caps: Any, dsets: Any
    ) -> dict[str, Any]:
        return {
            "uuid": row["uuid"],
            "owner": owner,
            "captures": [self.capture_summary(c) for c in caps],
            "datasets": [self.dataset_summary(d) for d in dsets],
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
