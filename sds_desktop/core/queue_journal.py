"""The queue's SQLite journal: every job and item, so that a crash or restart loses nothing.

Only :class:`sds_desktop.core.queue.TransferQueue` uses it, under its lock; the journal
itself holds no state beyond the connection. The file names the user's files and
folders, so it is private (folder 0700, file 0600).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from sds_desktop.core.paths import private_dir, private_file
from sds_desktop.core.queue_items import Direction, ItemState, Job, QueueItem

__all__ = ["Journal"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    label TEXT NOT NULL,
    direction TEXT NOT NULL,
    account TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    direction TEXT NOT NULL,
    name TEXT NOT NULL,
    local_path TEXT NOT NULL,
    sds_path TEXT NOT NULL,
    size INTEGER NOT NULL,
    account TEXT NOT NULL,
    file_uuid TEXT NOT NULL,
    state TEXT NOT NULL,
    bytes_done INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    error TEXT NOT NULL,
    checksum TEXT NOT NULL,
    created_at REAL NOT NULL,
    finished_at REAL
);
-- an index on state that no query used: it only made each batch write slower
DROP INDEX IF EXISTS items_state;
CREATE TABLE IF NOT EXISTS left_out (
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    path TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS left_out_job ON left_out(job_id);
"""
_RANK_COLUMN = "ALTER TABLE items ADD COLUMN rank REAL"
"""Journals from before reordering have no rank: NULL reads as the item's id."""
_READY_COLUMN = "ALTER TABLE jobs ADD COLUMN ready INTEGER NOT NULL DEFAULT 1"
"""0 while a job's items are being written in several transactions (a large job, queued
from the planner's thread); journals from before have only whole jobs."""

_COLUMNS = (
    "id, job_id, direction, name, local_path, sds_path, size, account, file_uuid, state, "
    "bytes_done, attempts, error, checksum, created_at, finished_at"
)

_STATE_COLUMNS = "state=?, bytes_done=?, attempts=?, error=?, checksum=?, finished_at=?"


def _item_row(item: QueueItem) -> tuple[object, ...]:
    """An item's columns after ``id`` (``_value_``: ``Enum.value`` is a descriptor that
    costs ~2 us a call in 3.11, 80 ms over a 20,000-item job)."""
    return (
        item.job_id,
        item.direction._value_,
        item.name,
        item.local_path,
        item.sds_path,
        item.size,
        item.account,
        item.file_uuid,
        item.state._value_,
        item.bytes_done,
        item.attempts,
        item.error,
        item.checksum,
        item.created_at,
        item.finished_at,
    )


def _state_row(item: QueueItem) -> tuple[object, ...]:
    return (
        item.state.value,
        item.bytes_done,
        item.attempts,
        item.error,
        item.checksum,
        item.finished_at,
        item.id,
    )


class Journal:
    """One SQLite file (``path``; ``None``: in memory) of jobs, items and left-out files."""

    STATE_FIELDS = frozenset(
        {"state", "bytes_done", "attempts", "error", "checksum", "finished_at"}
    )
    """The item fields :meth:`write` keeps (the others never change)."""

    def __init__(self, path: Path | str | None) -> None:
        target = ":memory:" if path is None else str(path)
        if path is not None:
            private_dir(Path(path).parent)
            private_file(Path(path))
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        if path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        if "rank" not in {row[1] for row in self._db.execute("PRAGMA table_info(items)")}:
            self._db.execute(_RANK_COLUMN)
        if "ready" not in {row[1] for row in self._db.execute("PRAGMA table_info(jobs)")}:
            self._db.execute(_READY_COLUMN)
        self._drop_unready()

    def _drop_unready(self) -> None:
        """A job whose writing was cut off (the app ended while it was being queued) had
        not reached the queue: nobody saw it queued, so it goes, with what was written."""
        if self._db.execute("SELECT 1 FROM jobs WHERE ready=0 LIMIT 1").fetchone():
            with self.transaction():
                self._db.execute(
                    "DELETE FROM items WHERE job_id IN (SELECT id FROM jobs WHERE ready=0)"
                )
                self._db.execute(
                    "DELETE FROM left_out WHERE job_id IN (SELECT id FROM jobs WHERE ready=0)"
                )
                self._db.execute("DELETE FROM jobs WHERE ready=0")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes of the block, or none of them."""
        self._db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self, items: Iterable[QueueItem]) -> None:
        """Write ``items``' last byte counters and close the file."""
        try:
            self.write_many(items)
        finally:
            self._db.close()

    # -- reading -------------------------------------------------------------------
    def jobs(self) -> list[Job]:
        return [
            Job(int(row[0]), str(row[1]), Direction(row[2]), str(row[3]), float(row[4]))
            for row in self._db.execute(
                "SELECT id, label, direction, account, created_at FROM jobs"
            )
        ]

    def items(self) -> list[QueueItem]:
        """Every item as written, by id; ``rank`` is the item's id where none was stored."""
        ranks: dict[int, float | None] = dict(self._db.execute("SELECT id, rank FROM items"))
        found = []
        for row in self._db.execute(f"SELECT {_COLUMNS} FROM items ORDER BY id"):  # noqa: S608
            item = QueueItem(
                id=int(row[0]),
                job_id=int(row[1]),
                direction=Direction(row[2]),
                name=str(row[3]),
                local_path=str(row[4]),
                sds_path=str(row[5]),
                size=int(row[6]),
                account=str(row[7]),
                file_uuid=str(row[8]),
                state=ItemState(row[9]),
                bytes_done=int(row[10]),
                attempts=int(row[11]),
                error=str(row[12]),
                checksum=str(row[13]),
                created_at=float(row[14]),
                finished_at=None if row[15] is None else float(row[15]),
            )
            stored = ranks.get(item.id)
            item.rank = float(item.id) if stored is None else float(stored)
            found.append(item)
        return found

    def left_out(self, job_id: int) -> list[tuple[str, str]]:
        rows = self._db.execute(
            "SELECT path, reason FROM left_out WHERE job_id=? ORDER BY rowid", (job_id,)
        ).fetchall()
        return [(str(p), str(r)) for p, r in rows]

    # -- writing (inside a transaction where several belong together) -------------------
    def insert_job(
        self, label: str, direction: Direction, account: str, now: float, *, ready: bool = True
    ) -> int:
        """A new job's row; ``ready=False``: its items follow in later transactions, and
        it counts only after :meth:`mark_ready` (see :meth:`_drop_unready`)."""
        cur = self._db.execute(
            "INSERT INTO jobs (label, direction, account, created_at, ready) VALUES (?,?,?,?,?)",
            (label, direction.value, account, now, int(ready)),
        )
        return int(cur.lastrowid or 0)

    def mark_ready(self, job_id: int) -> None:
        self._db.execute("UPDATE jobs SET ready=1 WHERE id=?", (job_id,))

    def insert_items(self, items: list[QueueItem]) -> list[int]:
        """New items' rows, in one statement after the first; their ids (consecutive:
        the first from SQLite, the rest given after it, inside the caller's transaction,
        so AUTOINCREMENT never hands one of them out again)."""
        if not items:
            return []
        insert = f"INSERT INTO items ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"  # noqa: S608
        cur = self._db.execute(insert, (None, *_item_row(items[0])))
        first = int(cur.lastrowid or 0)
        self._db.executemany(
            insert, [(first + n, *_item_row(item)) for n, item in enumerate(items[1:], 1)]
        )
        return list(range(first, first + len(items)))

    def add_left_out(self, job_id: int, rows: Iterable[tuple[str, str]]) -> None:
        self._db.executemany(
            "INSERT INTO left_out (job_id, path, reason) VALUES (?,?,?)",
            [(job_id, path, reason) for path, reason in rows],
        )

    def write(self, item: QueueItem) -> None:
        """An item's state, counters, error and checksum."""
        self._db.execute(f"UPDATE items SET {_STATE_COLUMNS} WHERE id=?", _state_row(item))  # noqa: S608

    def write_many(self, items: Iterable[QueueItem]) -> None:
        """:meth:`write` for many items, in one transaction."""
        with self.transaction():
            self._db.executemany(
                f"UPDATE items SET {_STATE_COLUMNS} WHERE id=?",  # noqa: S608
                [_state_row(i) for i in items],
            )

    def write_same(self, item_ids: list[int], **values: object) -> None:
        """Give many items the same ``values`` (of :attr:`STATE_FIELDS`) in one statement."""
        unknown = set(values) - self.STATE_FIELDS
        if unknown:
            raise ValueError(f"not a journaled state field: {sorted(unknown)}")
        names = sorted(values)
        params = [v.value if isinstance(v, ItemState) else v for v in map(values.get, names)]
        assign = ", ".join(f"{name}=?" for name in names)
        with self.transaction():
            self._db.execute(
                f"UPDATE items SET {assign} WHERE id IN (SELECT value FROM json_each(?))",  # noqa: S608
                [*params, json.dumps(item_ids)],
            )

    def set_ranks(self, ranks: dict[int, float]) -> None:
        self._db.executemany(
            "UPDATE items SET rank=? WHERE id=?", [(r, i) for i, r in ranks.items()]
        )

    def delete(self, item_ids: list[int], jobs: Iterable[int]) -> None:
        """Forget items, and the ``jobs`` they leave empty (with their left-out files)."""
        with self.transaction():
            self._db.executemany("DELETE FROM items WHERE id=?", [(i,) for i in item_ids])
            for job_id in jobs:
                self._db.execute("DELETE FROM left_out WHERE job_id=?", (job_id,))
                self._db.execute("DELETE FROM jobs WHERE id=?", (job_id,))
