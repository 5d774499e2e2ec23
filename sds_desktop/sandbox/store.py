"""Sandbox persistence: SQLite metadata (WAL) and a content-addressed blob store.

Blobs live at ``<data_dir>/blobs/ab/cd/<blake3>``; the name never comes from a client, so
no request can make the sandbox write outside its data directory. Metadata rows keep
user-relative SDS directories (``/a/b``); the HTTP layer adds ``/files/<email>``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import sqlite3
import string
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sds_desktop.sandbox.blobs import FSYNC_MIN_BYTES, HashingWriter
from sds_desktop.sandbox.schema import SCHEMA

_ALNUM = string.ascii_letters + string.digits
DEFAULT_EXPIRY_SECONDS = 730 * 24 * 3600
POOL_MAX_IDLE = 16


def new_uuid() -> str:
    """A dashed version-4 UUID (the SDK validates UUID4)."""
    return str(uuid.uuid4())


def parse_uuid(value: object) -> str | None:
    """Dashed form of a hex or dashed UUID string, or None if it is not one."""
    if not isinstance(value, str) or len(value) not in (32, 36):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _hash_key(key: str) -> str:
    return hashlib.sha512(key.encode()).hexdigest()


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str


_INSERT_FILE = (
    "INSERT INTO files (uuid, owner_id, directory, name, media_type, permissions, "
    "size, sum_blake3, created_at, updated_at, expiration_date) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)


class Store:
    """Metadata and blobs of one sandbox data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.blob_dir = self.data_dir / "blobs"
        self.tmp_dir = self.blob_dir / "tmp"
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = self.data_dir / "sandbox.sqlite3"
        self._write_lock = threading.RLock()
        self.generation = 0
        """Bumped by every committed write: lets readers cache derived views safely."""
        self._pool_lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        with self.connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    # -- plumbing ---------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(
            self.db_path, timeout=30, isolation_level=None, check_same_thread=False
        )
        db.row_factory = sqlite3.Row
        # WAL + NORMAL: a commit is durable against an application crash (the WAL is
        # written before COMMIT returns) but not against power loss, which a sandbox
        # does not need; FULL would fsync the WAL on every commit, under the write lock.
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A pooled connection (opening one costs more than most sandbox queries).

        Werkzeug's threaded server runs each client connection in a new thread, so
        the pool is shared by threads rather than per thread; a connection is only
        ever used by one thread at a time. It goes back to the pool in autocommit
        state, or is closed.
        """
        with self._pool_lock:
            db = self._idle.pop() if self._idle else None
        if db is None:
            db = self._open()
        try:
            yield db
        finally:
            with self._pool_lock:
                keep = not db.in_transaction and len(self._idle) < POOL_MAX_IDLE
                if keep:
                    self._idle.append(db)
            if not keep:
                db.close()

    def close(self) -> None:
        """Close the pooled connections (the store reopens them if used again)."""
        with self._pool_lock:
            idle, self._idle = self._idle, []
        for db in idle:
            db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A serialised write transaction (one writer at a time, readers never wait)."""
        with self._write_lock, self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            self.generation += 1

    def query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[sqlite3.Row]:
        with self.connect() as db:
            return db.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> sqlite3.Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    # -- blobs ------------------------------------------------------------------------
    def blob_path(self, sum_blake3: str) -> Path:
        return self.blob_dir / sum_blake3[:2] / sum_blake3[2:4] / sum_blake3

    def new_writer(self) -> HashingWriter:
        return HashingWriter(self.tmp_dir)

    def commit_blob(self, writer: HashingWriter) -> tuple[str, int]:
        """Move a finished upload to its content address; returns (blake3, size)."""
        digest = writer.hexdigest()
        if writer.size >= FSYNC_MIN_BYTES:
            writer.fsync()
        else:
            writer.flush()
        writer.close()
        target = self.blob_path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            writer.path.unlink()
        else:
            writer.path.replace(target)
        return digest, writer.size

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        writer = self.new_writer()
        writer.write(data)
        return self.commit_blob(writer)

    # -- users and keys ---------------------------------------------------------------
    def ensure_user(self, email: str) -> User:
        email = email.strip()
        with self.transaction() as db:
            row = db.execute("SELECT * FROM users WHERE email = ?", (email,)).fetchone()
            if row is None:
                name = email.split("@", 1)[0]
                db.execute("INSERT INTO users (email, name) VALUES (?, ?)", (email, name))
                row = db.execute("SELECT * FROM users WHERE email = ?", (email,)).fetchone()
        return User(row["id"], row["email"], row["name"])

    def user_by_email(self, email: str) -> User | None:
        row = self.query_one("SELECT * FROM users WHERE email = ?", (email,))
        return None if row is None else User(row["id"], row["email"], row["name"])

    def user_by_id(self, user_id: int) -> User:
        row = self.query_one("SELECT * FROM users WHERE id = ?", (user_id,))
        if row is None:
            raise KeyError(user_id)
        return User(row["id"], row["email"], row["name"])

    def new_api_key(self, email: str) -> str:
        user = self.ensure_user(email)
        with self.transaction() as db:
            while True:
                prefix = "".join(secrets.choice(_ALNUM) for _ in range(8))
                if db.execute("SELECT 1 FROM api_keys WHERE prefix = ?", (prefix,)).fetchone():
                    continue
                key = prefix + "." + "".join(secrets.choice(_ALNUM) for _ in range(32))
                db.execute(
                    "INSERT INTO api_keys (prefix, hashed, user_id, created_at) VALUES (?,?,?,?)",
                    (prefix, _hash_key(key), user.id, time.time()),
                )
                return key

    def user_for_key(self, key: str) -> User | None:
        prefix = key.split(".", 1)[0]
        row = self.query_one(
            "SELECT k.hashed, u.* FROM api_keys k JOIN users u ON u.id = k.user_id "
            "WHERE k.prefix = ? AND k.revoked = 0",
            (prefix,),
        )
        if row is None or not secrets.compare_digest(row["hashed"], _hash_key(key)):
            return None
        return User(row["id"], row["email"], row["name"])

    def revoke_key(self, key: str) -> bool:
        prefix = key.split(".", 1)[0]
        with self.transaction() as db:
            cur = db.execute("UPDATE api_keys SET revoked = 1 WHERE prefix = ?", (prefix,))
            return cur.rowcount > 0

    # -- files ------------------------------------------------------------------------
    def insert_file(
        self,
        owner: User,
        *,
        directory: str,
        name: str,
        media_type: str,
        permissions: str,
        size: int,
        sum_blake3: str,
    ) -> sqlite3.Row:
        row = self._file_row(
            owner,
            directory,
            name=name,
            media_type=media_type,
            permissions=permissions,
            size=size,
            sum_blake3=sum_blake3,
        )
        with self.transaction() as db:
            db.execute(_INSERT_FILE, row)
            return db.execute("SELECT * FROM files WHERE uuid = ?", (row[0],)).fetchone()

    def insert_files_bulk(
        self, owner: User, directory: str, names: list[str], *, size: int, sum_blake3: str
    ) -> int:
        """Many file records sharing one blob, in one transaction (scale tests, benches)."""
        rows = [
            self._file_row(
                owner,
                directory,
                name=name,
                media_type="application/octet-stream",
                permissions="rw-r--r--",
                size=size,
                sum_blake3=sum_blake3,
            )
            for name in names
        ]
        with self.transaction() as db:
            db.executemany(_INSERT_FILE, rows)
        return len(rows)

    @staticmethod
    def _file_row(
        owner: User,
        directory: str,
        *,
        name: str,
        media_type: str,
        permissions: str,
        size: int,
        sum_blake3: str,
    ) -> tuple[Any, ...]:
        """The values of ``_INSERT_FILE`` for a new file (new UUID, default expiry)."""
        now = time.time()
        return (
            new_uuid(),
            owner.id,
            directory,
            name,
            media_type,
            permissions,
            size,
            sum_blake3,
            now,
            now,
            now + DEFAULT_EXPIRY_SECONDS,
        )

    def get_file(self, file_uuid: str) -> sqlite3.Row | None:
        return self.query_one("SELECT * FROM files WHERE uuid = ? AND is_deleted = 0", (file_uuid,))

    def accessible_file_uuids(self, user: User) -> set[str]:
        """Files reachable through captures or datasets shared with ``user``."""
        rows = self.query(
            "SELECT cf.file_uuid FROM shares s JOIN capture_files cf "
            "ON s.item_type = 'capture' AND cf.capture_uuid = s.item_uuid "
            "WHERE s.user_id = ? "
            "UNION SELECT df.file_uuid FROM shares s JOIN dataset_files df "
            "ON s.item_type = 'dataset' AND df.dataset_uuid = s.item_uuid WHERE s.user_id = ? "
            "UNION SELECT cf.file_uuid FROM shares s JOIN dataset_captures dc "
            "ON s.item_type = 'dataset' AND dc.dataset_uuid = s.item_uuid "
            "JOIN capture_files cf ON cf.capture_uuid = dc.capture_uuid WHERE s.user_id = ?",
            (user.id, user.id, user.id),
        )
        return {r[0] for r in rows}

    def can_read_file(self, user: User, row: sqlite3.Row) -> bool:
        return row["owner_id"] == user.id or row["uuid"] in self.accessible_file_uuids(user)

    def soft_delete(self, table: str, item_uuid: str) -> None:
        assert table in {"files", "captures", "datasets"}  # noqa: S101 - internal guard
        now = time.time()
        with self.transaction() as db:
            db.execute(
                f"UPDATE {table} SET is_deleted = 1, deleted_at = ?, updated_at = ? "  # noqa: S608
                "WHERE uuid = ?",
                (now, now, item_uuid),
            )

    def file_links_many(
        self, file_uuids: list[str]
    ) -> dict[str, tuple[list[sqlite3.Row], list[sqlite3.Row]]]:
        """``file_links`` for a page of files in two queries (instead of two per file);
        files without links are absent. Same rows, same order per file."""
        if not file_uuids:
            return {}
        marks = ",".join("?" * len(file_uuids))  # only placeholders go into the SQL text
        with self.connect() as db:
            caps = db.execute(
                "SELECT cf.file_uuid AS link_file, c.* FROM captures c "  # noqa: S608
                "JOIN capture_files cf ON cf.capture_uuid = c.uuid "
                f"WHERE cf.file_uuid IN ({marks}) AND c.is_deleted = 0 ORDER BY c.created_at",
                file_uuids,
            ).fetchall()
            dsets = db.execute(
                "SELECT DISTINCT x.link_file AS link_file, d.* FROM datasets d JOIN ("  # noqa: S608
                f"SELECT file_uuid AS link_file, dataset_uuid FROM dataset_files "
                f"WHERE file_uuid IN ({marks}) UNION "
                "SELECT cf.file_uuid, dc.dataset_uuid FROM dataset_captures dc "
                "JOIN capture_files cf ON cf.capture_uuid = dc.capture_uuid "
                f"WHERE cf.file_uuid IN ({marks})) x ON x.dataset_uuid = d.uuid "
                "WHERE d.is_deleted = 0 ORDER BY d.created_at",
                [*file_uuids, *file_uuids],
            ).fetchall()
        links: dict[str, tuple[list[sqlite3.Row], list[sqlite3.Row]]] = {}
        for row in caps:
            links.setdefault(row["link_file"], ([], []))[0].append(row)
        for row in dsets:
            links.setdefault(row["link_file"], ([], []))[1].append(row)
        return links

    def file_links(self, file_uuid: str) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
        """(captures, datasets) rows, non-deleted, that the file belongs to."""
        caps = self.query(
            "SELECT c.* FROM captures c JOIN capture_files cf ON cf.capture_uuid = c.uuid "
            "WHERE cf.file_uuid = ? AND c.is_deleted = 0 ORDER BY c.created_at",
            (file_uuid,),
        )
        dsets = self.query(
            "SELECT DISTINCT d.* FROM datasets d WHERE d.is_deleted = 0 AND ("
            "d.uuid IN (SELECT dataset_uuid FROM dataset_files WHERE file_uuid = ?) OR "
            "d.uuid IN (SELECT dc.dataset_uuid FROM dataset_captures dc "
            "JOIN capture_files cf ON cf.capture_uuid = dc.capture_uuid "
            "WHERE cf.file_uuid = ?)) ORDER BY d.created_at",
            (file_uuid, file_uuid),
        )
        return caps, dsets

    # -- captures ---------------------------------------------------------------------
    def get_capture(self, capture_uuid: str) -> sqlite3.Row | None:
        return self.query_one(
            "SELECT * FROM captures WHERE uuid = ? AND is_deleted = 0", (capture_uuid,)
        )

    def capture_file_rows(self, capture_uuid: str) -> list[sqlite3.Row]:
        return self.query(
            "SELECT f.* FROM files f JOIN capture_files cf ON cf.file_uuid = f.uuid "
            "WHERE cf.capture_uuid = ? AND f.is_deleted = 0 ORDER BY f.directory, f.name",
            (capture_uuid,),
        )

    def capture_datasets(self, capture_uuid: str) -> list[sqlite3.Row]:
        return self.query(
            "SELECT d.* FROM datasets d JOIN dataset_captures dc ON dc.dataset_uuid = d.uuid "
            "WHERE dc.capture_uuid = ? AND d.is_deleted = 0",
            (capture_uuid,),
        )

    def shared_user_ids(self, item_type: str, item_uuid: str) -> list[int]:
        rows = self.query(
            "SELECT user_id FROM shares WHERE item_type = ? AND item_uuid = ?",
            (item_type, item_uuid),
        )
        return [r[0] for r in rows]

    def share(self, item_type: str, item_uuid: str, email: str) -> None:
        user = self.ensure_user(email)
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO shares (item_type, item_uuid, user_id) VALUES (?,?,?)",
                (item_type, item_uuid, user.id),
            )

    def revoke_shares(self, item_type: str, item_uuid: str) -> None:
        with self.transaction() as db:
            db.execute(
                "DELETE FROM shares WHERE item_type = ? AND item_uuid = ?", (item_type, item_uuid)
            )

    def set_capture_files(self, capture_uuid: str, file_uuids: list[str]) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM capture_files WHERE capture_uuid = ?", (capture_uuid,))
            db.executemany(
                "INSERT OR IGNORE INTO capture_files (capture_uuid, file_uuid) VALUES (?, ?)",
                [(capture_uuid, f) for f in file_uuids],
            )

    # -- datasets ---------------------------------------------------------------------
    def create_dataset(
        self,
        owner: User,
        name: str,
        *,
        file_uuids: list[str],
        capture_uuids: list[str],
        extra: dict[str, Any] | None = None,
    ) -> str:
        extra = extra or {}
        dataset_uuid = new_uuid()
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "INSERT INTO datasets (uuid, owner_id, name, abstract, description, authors, "
                "keywords, institutions, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    dataset_uuid,
                    owner.id,
                    name,
                    str(extra.get("abstract", "")),
                    str(extra.get("description", "")),
                    json.dumps([str(a) for a in extra.get("authors", [owner.name])]),
                    json.dumps([str(k) for k in extra.get("keywords", [])]),
                    json.dumps([str(i) for i in extra.get("institutions", [])]),
                    now,
                    now,
                ),
            )
            db.executemany(
                "INSERT OR IGNORE INTO dataset_files VALUES (?, ?)",
                [(dataset_uuid, f) for f in file_uuids],
            )
            db.executemany(
                "INSERT OR IGNORE INTO dataset_captures VALUES (?, ?)",
                [(dataset_uuid, c) for c in capture_uuids],
            )
        return dataset_uuid

    def get_dataset(self, dataset_uuid: str) -> sqlite3.Row | None:
        return self.query_one(
            "SELECT * FROM datasets WHERE uuid = ? AND is_deleted = 0", (dataset_uuid,)
        )
