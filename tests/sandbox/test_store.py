"""Store plumbing: pooled SQLite connections and blob commits."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sds_desktop.sandbox.store import Store


def test_connections_are_reused_and_see_each_others_writes(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.connect() as first:
        pass
    with store.connect() as again:
        assert again is first
        assert again.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    seen: list[str | None] = []

    def reader() -> None:  # another thread, while the pool's connection is reused
        user = store.user_by_email("pool@example.org")
        seen.append(user.email if user else None)

    store.ensure_user("pool@example.org")
    thread = threading.Thread(target=reader)
    thread.start()
    thread.join()
    assert seen == ["pool@example.org"]
    store.close()
    assert store.user_by_email("pool@example.org") is not None  # reopens after close


def test_failed_transaction_does_not_poison_the_pool(tmp_path: Path) -> None:
    store = Store(tmp_path)

    def fail() -> None:
        with store.transaction() as db:
            db.execute("INSERT INTO users (email) VALUES ('gone@example.org')")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    with store.connect() as db:
        assert not db.in_transaction
    assert store.user_by_email("gone@example.org") is None
    store.ensure_user("kept@example.org")
    assert Store(tmp_path).user_by_email("kept@example.org") is not None


def test_small_and_large_blobs_commit(tmp_path: Path) -> None:
    store = Store(tmp_path)
    small, _ = store.put_bytes(b"s" * 10)
    large, size = store.put_bytes(b"L" * (2 * 1024 * 1024))
    assert store.blob_path(small).read_bytes() == b"s" * 10
    assert size == 2 * 1024 * 1024
    assert store.blob_path(large).stat().st_size == size
    assert not list(store.tmp_dir.iterdir())
