"""Capture routes: create (discover files, extract ``capture_props``), list and search,
read, update (re-discover), rename, delete, revoke shares, detach."""

from __future__ import annotations

import json
import math
import posixpath
import time
import uuid as uuid_mod
from typing import Any

from werkzeug.wrappers import Request, Response

from sds_desktop.sandbox import metadata
from sds_desktop.sandbox.capture_shape import capture_json
from sds_desktop.sandbox.router import Route, api
from sds_desktop.sandbox.search import matches_all, parse_filters, search_doc
from sds_desktop.sandbox.shared import Resource
from sds_desktop.sandbox.store import User, parse_uuid
from sds_desktop.sandbox.wire import (
    absolute_dir,
    detail,
    json_response,
    page_number,
    page_size,
    request_fields,
    sanitize_path,
)

CAPTURE_TYPES = ("drf", "rh", "sigmf")
INDEX_NAMES = {"drf": "captures-drf", "rh": "captures-rh", "sigmf": "captures-sigmf"}


class CaptureRoutes(Resource):
    def routes(self) -> list[Route]:
        return [
            api("/assets/captures/", "GET POST", self.on_captures, "session"),
            api("/assets/captures/<item>/", "GET PUT PATCH DELETE", self.on_item, "session"),
            api(
                "/assets/captures/<item>/revoke-share-permissions/",
                "PUT",
                self.on_revoke,
                "session",
            ),
            api("/assets/captures/<item>/detach-from-datasets/", "PUT", self.on_detach, "session"),
        ]

    def capture_json(self, row: Any, user: User | None) -> dict[str, Any]:
        return capture_json(self, row, user)

    # -- list and search ------------------------------------------------------------------
    def on_captures(self, request: Request, user: User) -> Response:
        if request.method == "POST":
            return self._create(request, user)
        args = request.args
        ctype = args.get("capture_type")
        if ctype is not None and ctype not in CAPTURE_TYPES:
            raise detail(400, f"Invalid capture type: '{ctype}'.")
        filters = parse_filters(args.get("metadata_filters"))
        ids = self.visible_capture_ids(user)
        rows = [
            r
            for r in self.store.query(
                "SELECT * FROM captures WHERE is_deleted = 0 ORDER BY updated_at DESC"
            )
            if r["uuid"] in ids and (ctype is None or r["capture_type"] == ctype)
        ]
        if filters:
            rows = [r for r in rows if matches_all(search_doc(r), filters)]
        size = page_size(args)
        num_pages = max(1, math.ceil(len(rows) / size))
        page = page_number(args, num_pages)
        base = request.base_url
        envelope = {
            "count": len(rows),
            "next": f"{base}?page={page + 1}&page_size={size}" if page < num_pages else None,
            "previous": f"{base}?page={page - 1}&page_size={size}" if page > 1 else None,
            "results": [self.capture_json(r, user) for r in rows[(page - 1) * size : page * size]],
        }
        return json_response(envelope)

    # -- create ---------------------------------------------------------------------------
    def _fields(self, request: Request, user: User) -> dict[str, Any]:
        form = request_fields(request)
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
        for row in self.own_files(user):
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

    @staticmethod
    def _unique_violation(db: Any, user: User, spec: dict[str, Any], exclude: str) -> None:
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

    def _create(self, request: Request, user: User) -> Response:
        spec = self._fields(request, user)
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

    # -- one capture ----------------------------------------------------------------------
    def on_item(self, request: Request, user: User, item: str) -> Response:
        if request.method == "GET":
            row = self.item_for("capture", user, item, owner_only=False)
            return json_response(self.capture_json(row, user))
        row = self.item_for("capture", user, item, owner_only=True)
        if request.method == "PUT":
            return self._update(user, row)
        if request.method == "PATCH":
            return self._rename(request, user, row)
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

    def _update(self, user: User, row: Any) -> Response:
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

    def _rename(self, request: Request, user: User, row: Any) -> Response:
        name = request_fields(request).get("name")
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

    def on_revoke(self, _request: Request, user: User, item: str) -> Response:
        return self.revoke_shares("capture", self.item_for("capture", user, item, owner_only=True))

    def on_detach(self, _request: Request, user: User, item: str) -> Response:
        row = self.item_for("capture", user, item, owner_only=True)
        return self.detach_from_datasets("capture", row)
