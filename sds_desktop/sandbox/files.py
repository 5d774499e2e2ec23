"""File routes: check contents, upload (whole or by sibling), list, read, update,
delete, detach, download."""

from __future__ import annotations

import base64
import math
import posixpath
import re
import threading
from collections import OrderedDict
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.formparser import parse_form_data
from werkzeug.wrappers import Request, Response

from sds_desktop.sandbox.faults import FaultInjector
from sds_desktop.sandbox.router import Route, api
from sds_desktop.sandbox.shared import Resource
from sds_desktop.sandbox.store import Store, User, parse_uuid
from sds_desktop.sandbox.streams import stream_blob
from sds_desktop.sandbox.wire import (
    PATH_OUTSIDE,
    ApiError,
    absolute_dir,
    detail,
    json_response,
    paginate,
    parse_iso,
    request_fields,
    sanitize_path,
)

FORM_MEMORY_LIMIT = 16 * 1024 * 1024
LISTING_CACHE_SIZE = 16
"""Listings kept for paging (per user and path), dropped at the next write."""
MAX_FILENAME = 100
"""Production's limit on the multipart part's filename (the stored name)."""
MAX_NAME_FIELD = 255
RF_NAME = re.compile(r"^rf@(\d+)\.(\d+)\.h5$")


def _disposition(name: str) -> str:
    """``Content-Disposition`` as production sends it.

    Names Latin-1 can encode go as they are (in Latin-1 on the wire); any other name
    makes Django encode the WHOLE header value in RFC 2047 form
    (``=?utf-8?b?<base64 of 'attachment; filename="..."'>?=``).
    """
    value = f'attachment; filename="{name}"'
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return "=?utf-8?b?" + base64.b64encode(value.encode()).decode() + "?="
    return value


class FileRoutes(Resource):
    def __init__(self, store: Store, faults: FaultInjector) -> None:
        super().__init__(store, faults)
        self._listing_lock = threading.Lock()
        self._listing_cache: OrderedDict[tuple[int, str], tuple[int, list[Any]]] = OrderedDict()

    def routes(self) -> list[Route]:
        return [
            api("/assets/utils/check_contents_exist/", "POST", self.on_check_contents),
            api("/assets/files/", "GET POST", self.on_files),
            api("/assets/files/<item>/", "GET PUT DELETE", self.on_item),
            api("/assets/files/<item>/download/", "GET", self.on_download),
            api("/assets/files/<item>/detach-from-datasets/", "PUT", self.on_detach),
        ]

    # -- check contents -------------------------------------------------------------------
    def on_check_contents(self, request: Request, user: User) -> Response:
        form = request_fields(request)
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

    # -- listing --------------------------------------------------------------------------
    def _list_files(self, request: Request, user: User) -> Response:
        args = request.args
        raw_path = args.get("path", "/")
        warnings: list[str] = []
        rows = self._listing(user, raw_path)
        rows = _temporal_filter(args, rows, warnings)
        page, envelope = paginate(request, rows)
        envelope["results"] = self.files_json(page)
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
            own = self.own_files(user)
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

    # -- upload ---------------------------------------------------------------------------
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
                except ClientDisconnected as exc:  # the client quit mid-upload: no answer
                    raise ConnectionAbortedError("client disconnected mid-upload") from exc
                except (ValueError, RequestEntityTooLarge) as exc:
                    raise detail(400, f"Multipart form parse error - {exc}") from exc
            else:
                form, files = request_fields(request), MultiDict()
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
        name = posixpath.basename((upload.filename or "").replace("\\", "/"))
        errors: dict[str, list[str]] = {}
        if len(name) > MAX_FILENAME:
            errors["file"] = [
                f"Ensure this filename has at most {MAX_FILENAME} characters (it has {len(name)})."
            ]
        if len(form.get("name", "")) > MAX_NAME_FIELD:
            errors["name"] = [f"Ensure this field has no more than {MAX_NAME_FIELD} characters."]
        if errors:
            raise ApiError(400, errors)
        if name in {"", ".", ".."} or any(ord(c) < 32 for c in name):
            raise ApiError(400, {"file": ["No file was submitted."]})
        writer = upload.stream
        if writer.size == 0:
            raise ApiError(400, {"file": ["The submitted file is empty."]})
        checksum, size = self.store.commit_blob(writer)
        self._refuse_identical(user, directory, name, checksum)
        owned = self.store.query_one(
            "SELECT 1 FROM files WHERE owner_id = ? AND is_deleted = 0 AND sum_blake3 = ?",
            (user.id, checksum),
        )
        if owned is not None:
            # Content the user already has: production stores the form's `name` field
            # (empty when omitted), not the part's filename.
            name = form.get("name", "")
        return self._insert(
            user,
            directory,
            name,
            media_type=media_type,
            permissions=permissions,
            size=size,
            checksum=checksum,
        )

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
        if len(name) > MAX_NAME_FIELD:
            raise ApiError(
                400, {"name": [f"Ensure this field has no more than {MAX_NAME_FIELD} characters."]}
            )
        self._refuse_identical(user, directory, name, sibling["sum_blake3"])
        return self._insert(
            user,
            directory,
            name,
            media_type=media_type,
            permissions=permissions,
            size=sibling["size"],
            checksum=sibling["sum_blake3"],
        )

    def _insert(
        self,
        user: User,
        directory: str,
        name: str,
        *,
        media_type: str,
        permissions: str,
        size: int,
        checksum: str,
    ) -> Response:
        """Store the file record: 201 with the upload's shape."""
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

    def _refuse_identical(self, user: User, directory: str, name: str, checksum: str) -> None:
        dup = self.store.query_one(
            "SELECT 1 FROM files WHERE owner_id = ? AND is_deleted = 0 AND directory = ? "
            "AND name = ? AND sum_blake3 = ?",
            (user.id, directory, name, checksum),
        )
        if dup is not None:
            raise detail(400, "File with checksum already exists in the tree, run PATCH instead.")

    # -- one file -------------------------------------------------------------------------
    def on_item(self, request: Request, user: User, item: str) -> Response:
        if request.method == "GET":
            return json_response(
                self.file_json(self.item_for("file", user, item, owner_only=False))
            )
        row = self.item_for("file", user, item, owner_only=True)
        if request.method == "PUT":
            return self._update(request, user, row)
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

    def _update(self, request: Request, user: User, row: Any) -> Response:
        # Production answers with the new values but persists nothing (sds-api.md).
        form = request_fields(request)
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

    def on_detach(self, _request: Request, user: User, item: str) -> Response:
        return self.detach_from_datasets("file", self.item_for("file", user, item, owner_only=True))

    def on_download(self, request: Request, user: User, item: str) -> Response:
        row = self.item_for("file", user, item, owner_only=False, verb="download")
        path = self.store.blob_path(row["sum_blake3"])
        if not path.is_file():
            raise detail(500, "Failed to download file")
        size = path.stat().st_size
        start, stop, status = 0, size, 200
        headers = {"Content-Disposition": _disposition(row["name"])}
        rng = request.range if self.faults.range_honoured else None
        if rng is not None and rng.units == "bytes" and len(rng.ranges) == 1:
            # Only with the honour_range switch on: production ignores Range (200, all).
            headers["Accept-Ranges"] = "bytes"
            span = rng.range_for_length(size)
            if span is None:
                return Response(status=416, headers={"Content-Range": f"bytes */{size}", **headers})
            start, stop = span
            status = 206
            headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
        body = stream_blob(self.faults, request.environ, path, start, stop)
        response = Response(
            body, status=status, mimetype=None, headers=headers, direct_passthrough=True
        )
        response.headers["Content-Type"] = row["media_type"] or "application/octet-stream"
        response.headers["Content-Length"] = str(stop - start)
        return response


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
            "Both start_time and end_time are required for temporal filtering; returning all files."
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
