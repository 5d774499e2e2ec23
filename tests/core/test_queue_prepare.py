"""A large job queued in two halves: written to the journal off the GUI thread
(``prepare_job``), then put in the queue (``publish``). Nothing may be lost or doubled."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sds_desktop.core import queue_store
from sds_desktop.core.queue import Direction, ItemSpec, ItemState, TransferQueue
from sds_desktop.core.queue_journal import Journal


def _specs(n: int) -> list[ItemSpec]:
    return [
        ItemSpec(Direction.UPLOAD, f"f{i}.bin", f"/tmp/f{i}.bin", f"/probe/f{i}.bin", 10)
        for i in range(n)
    ]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue_store, "PREPARE_CHUNK", 3)


@pytest.mark.usefixtures("small_chunks")
def test_a_prepared_job_appears_only_when_published(tmp_path: Path) -> None:
    q = TransferQueue(tmp_path / "q.db")
    events: list[tuple[str, list[int]]] = []
    q.subscribe(lambda e, ids: events.append((e, ids)))
    prepared = q.prepare_job("big", Direction.UPLOAD, _specs(8), left_out=[("/x/.e", "empty")])
    assert len(q) == 0
    assert events == []
    assert q.next_queued("") is None
    job, items = q.publish(prepared)
    assert [i.name for i in q.items()] == [f"f{i}.bin" for i in range(8)]
    assert events == [("added", [i.id for i in items])]
    assert q.job_progress(job.id).total_items == 8
    assert q.counts()["active"] == 8
    assert q.left_out(job.id) == [("/x/.e", "empty")]
    # taken in queue order, across the chunks
    taken = []
    while (item := q.next_queued("")) is not None:
        q.mark_running(item.id)
        taken.append(item.name)
    assert taken == [f"f{i}.bin" for i in range(8)]
    with pytest.raises(ValueError, match="in the queue already"):
        q.publish(prepared)
    q.close()


@pytest.mark.usefixtures("small_chunks")
def test_a_prepared_job_not_yet_published_survives_a_restart(tmp_path: Path) -> None:
    """The app ended between the halves: the drop was planned and written, so the user's
    intent stands — the items come back queued."""
    q = TransferQueue(tmp_path / "q.db")
    q.add_job("first", Direction.UPLOAD, _specs(2))
    q.prepare_job("big", Direction.UPLOAD, _specs(7))
    q.close()
    again = TransferQueue(tmp_path / "q.db")
    assert len(again) == 9
    assert all(i.state is ItemState.QUEUED for i in again.items())
    assert len({i.job_id for i in again.items()}) == 2
    again.close()


def test_a_job_cut_off_while_written_leaves_no_trace(tmp_path: Path) -> None:
    """A crash between two chunks: the half-written job never reached the queue, and
    it does not appear after the restart; whole jobs beside it are kept."""
    q = TransferQueue(tmp_path / "q.db")
    q.add_job("whole", Direction.UPLOAD, _specs(2))
    q.close()
    journal = Journal(tmp_path / "q.db")
    job_id = journal.insert_job("half", Direction.UPLOAD, "", 0.0, ready=False)
    db = sqlite3.connect(tmp_path / "q.db")
    db.execute(
        "INSERT INTO items (job_id, direction, name, local_path, sds_path, size, account,"
        " file_uuid, state, bytes_done, attempts, error, checksum, created_at)"
        " VALUES (?, 'upload', 'h.bin', '/tmp/h.bin', '/probe/h.bin', 1, '', '', 'queued',"
        " 0, 0, '', '', 0)",
        (job_id,),
    )
    db.commit()
    db.close()
    journal.close([])
    again = TransferQueue(tmp_path / "q.db")
    assert sorted(i.name for i in again.items()) == ["f0.bin", "f1.bin"]
    assert len({i.job_id for i in again.items()}) == 1
    again.close()


@pytest.mark.usefixtures("small_chunks")
def test_a_failed_write_takes_back_the_chunks_already_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up on the third chunk: the error reaches the caller, and neither
    this run nor the next shows a partial job."""
    q = TransferQueue(tmp_path / "q.db")
    real = Journal.insert_items
    calls = []

    def failing(self: Journal, items: list) -> list[int]:  # type: ignore[type-arg]
        calls.append(len(items))
        if len(calls) == 3:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, items)

    monkeypatch.setattr(Journal, "insert_items", failing)
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        q.prepare_job("big", Direction.UPLOAD, _specs(8))
    monkeypatch.setattr(Journal, "insert_items", real)
    assert len(q) == 0
    job, _ = q.add_job("next", Direction.UPLOAD, _specs(2))
    assert len(q) == 2
    q.close()
    again = TransferQueue(tmp_path / "q.db")
    assert [i.name for i in again.items()] == ["f0.bin", "f1.bin"]
    assert {i.job_id for i in again.items()} == {job.id}
    again.close()


def test_publish_keeps_the_lanes_in_rank_order_after_a_move(tmp_path: Path) -> None:
    """Items queued after others were moved to the bottom still join the end."""
    q = TransferQueue(tmp_path / "q.db")
    _, first = q.add_job("a", Direction.UPLOAD, _specs(3))
    q.move([first[0].id], "bottom")
    q.publish(q.prepare_job("b", Direction.UPLOAD, _specs(2)))
    order = []
    while (item := q.next_queued("")) is not None:
        q.mark_running(item.id)
        order.append(item.id)
    assert order[:3] == [first[1].id, first[2].id, first[0].id]
    assert len(order) == 5
    q.close()
