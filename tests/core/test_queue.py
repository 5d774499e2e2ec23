"""The Qt-free transfer queue: states, journal persistence, bounded history."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from sds_desktop.core.queue import Direction, ItemSpec, ItemState, TransferQueue


def _specs(n: int, size: int = 10) -> list[ItemSpec]:
    return [
        ItemSpec(Direction.UPLOAD, f"f{i}.bin", f"/tmp/f{i}.bin", f"/probe/f{i}.bin", size)
        for i in range(n)
    ]


def test_add_job_and_order() -> None:
    q = TransferQueue()
    events: list[tuple[str, list[int]]] = []
    q.subscribe(lambda e, ids: events.append((e, ids)))
    job, items = q.add_job("probe", Direction.UPLOAD, _specs(3), account="h|a@b")
    assert [i.name for i in q.items()] == ["f0.bin", "f1.bin", "f2.bin"]
    assert all(i.job_id == job.id and i.state is ItemState.QUEUED for i in items)
    assert events == [("added", [i.id for i in items])]
    assert q.next_queued("h|a@b") is not None
    assert q.next_queued("other") is None
    assert q.counts() == {
        "active": 3,
        "running": 0,
        "failed": 0,
        "cancelled": 0,
        "waiting": 0,
        "conflicts": 0,
        "finished": 0,
    }


def test_lifecycle_and_progress() -> None:
    q = TransferQueue()
    _, (a, b, c) = q.add_job("j", Direction.UPLOAD, _specs(3))
    assert q.mark_running(a.id)
    assert not q.mark_running(a.id)  # already running
    q.add_progress(a.id, 4)
    assert q.get(a.id).bytes_done == 4
    assert q.get(a.id).attempts == 1
    assert q.mark_done(a.id, checksum="verified")
    assert q.get(a.id).state is ItemState.DONE
    assert q.get(a.id).bytes_done == 10
    q.mark_running(b.id)
    assert q.mark_done(b.id, checksum="skipped: already on SDS", skipped=True)
    q.mark_running(c.id)
    assert q.mark_failed(c.id, "boom")
    assert q.get(c.id).error == "boom"
    assert q.counts()["failed"] == 1
    assert q.retry(c.id)
    assert q.get(c.id).state is ItemState.QUEUED
    assert q.get(c.id).error == ""
    assert q.mark_running(c.id)
    assert q.get(c.id).attempts == 2
    progress = q.job_progress(a.job_id)
    assert progress.total_items == 3
    assert progress.finished_items == 2


def test_cancel_pause_resume() -> None:
    q = TransferQueue()
    _, (a, b) = q.add_job("j", Direction.DOWNLOAD, _specs(2))
    assert q.pause(a.id)
    assert q.next_queued().id == b.id  # type: ignore[union-attr]
    assert q.resume(a.id)
    assert q.cancel(b.id)
    assert not q.cancel(b.id)
    assert q.get(b.id).state is ItemState.CANCELLED
    assert q.retry(b.id)


def test_journal_survives_restart(tmp_path: Path) -> None:
    journal = tmp_path / "queue.sqlite3"
    q = TransferQueue(journal)
    _, (a, b, c) = q.add_job("j", Direction.UPLOAD, _specs(3))
    q.mark_running(a.id)
    q.add_progress(a.id, 5)
    q.mark_running(b.id)
    q.mark_done(b.id, checksum="verified")
    q.close()

    q2 = TransferQueue(journal)
    assert q2.get(a.id).state is ItemState.QUEUED  # interrupted → queued again
    assert q2.get(a.id).bytes_done == 0
    assert q2.get(a.id).attempts == 1
    assert q2.get(b.id).state is ItemState.DONE
    assert q2.get(b.id).checksum == "verified"
    assert q2.get(c.id).state is ItemState.QUEUED
    assert q2.job(a.job_id).label == "j"
    q2.close()


def test_history_is_bounded() -> None:
    q = TransferQueue(history_limit=2)
    removed: list[int] = []
    q.subscribe(lambda e, ids: removed.extend(ids) if e == "removed" else None)
    _, items = q.add_job("j", Direction.UPLOAD, _specs(4))
    for item in items:
        q.mark_running(item.id)
        q.mark_done(item.id)
    assert len(q.items([ItemState.DONE])) == 2
    assert removed == [items[0].id, items[1].id]


def test_remove_keeps_running_and_drops_empty_jobs() -> None:
    q = TransferQueue()
    job, (a, b) = q.add_job("j", Direction.UPLOAD, _specs(2))
    q.mark_running(a.id)
    assert q.remove([a.id, b.id]) == [b.id]
    assert a.id in q
    q.cancel(a.id)
    q.remove([a.id])
    assert len(q) == 0
    with pytest.raises(KeyError):
        q.job(job.id)


def test_clear_finished() -> None:
    q = TransferQueue()
    _, (a, b) = q.add_job("j", Direction.UPLOAD, _specs(2))
    q.mark_running(a.id)
    q.mark_done(a.id)
    assert q.clear_finished() == [a.id]
    assert q.ids() == [b.id]


def test_progress_from_threads() -> None:
    q = TransferQueue()
    _, (a,) = q.add_job("j", Direction.UPLOAD, _specs(1, size=40_000))
    q.mark_running(a.id)

    def work() -> None:
        for _ in range(1000):
            q.add_progress(a.id, 10)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert q.get(a.id).bytes_done == 40_000
    assert q.get(a.id).fraction == 1.0


def test_next_queued_lanes_and_oldest_first_after_retry() -> None:
    q = TransferQueue(small_file_bytes=100)
    _, items = q.add_job("mixed", Direction.UPLOAD, [*_specs(3, size=10), *_specs(2, size=500)])
    small_ids, large_ids = [i.id for i in items[:3]], [i.id for i in items[3:]]
    first = q.next_queued(small=True)
    assert first is not None
    assert first.id == small_ids[0]
    large = q.next_queued(small=False)
    assert large is not None
    assert large.id == large_ids[0]
    assert q.next_queued().id == small_ids[0]  # type: ignore[union-attr]

    # a started item is never handed out again, even though it stays in the heap
    assert q.mark_running(small_ids[0])
    assert q.next_queued(small=True).id == small_ids[1]  # type: ignore[union-attr]
    # a failed item retried goes back to its place in line: before younger items
    assert q.mark_failed(small_ids[0], "boom")
    assert q.retry(small_ids[0])
    assert q.next_queued(small=True).id == small_ids[0]  # type: ignore[union-attr]
    # other accounts' items are not handed out
    assert q.next_queued("someone-else") is None


def test_history_stays_bounded_over_a_long_run() -> None:
    q = TransferQueue(history_limit=10)
    _, items = q.add_job("many", Direction.UPLOAD, _specs(200))
    for item in items:
        assert q.mark_running(item.id)
        assert q.mark_done(item.id, checksum="verified")
        assert len(q.items([ItemState.DONE])) <= 11  # limit plus at most 10% slack
    done = q.items([ItemState.DONE])
    assert len(done) >= 10
    assert done[-1].id == items[-1].id  # the newest are kept


def test_counters_match_a_recount_after_random_transitions() -> None:
    import random

    from sds_desktop.core.queue import ACTIVE_STATES, FAILED_STATES, FINISHED_STATES

    rng = random.Random(7)
    q = TransferQueue(history_limit=15)
    jobs = [q.add_job(f"j{k}", Direction.UPLOAD, _specs(12))[0] for k in range(3)]
    for _ in range(600):
        items = q.items()
        if not items:
            break
        item = rng.choice(items)
        op = rng.choice(["run", "done", "fail", "cancel", "pause", "resume", "retry", "remove"])
        if op == "run":
            q.mark_running(item.id)
        elif op == "done":
            q.mark_done(item.id, skipped=rng.random() < 0.3)
        elif op == "fail":
            q.mark_failed(item.id, "x")
        elif op == "cancel":
            q.cancel(item.id)
        elif op == "pause":
            q.pause(item.id)
        elif op == "resume":
            q.resume(item.id)
        elif op == "retry":
            q.retry(item.id)
        elif rng.random() < 0.1:
            q.remove([item.id])
        items = q.items()
        assert q.counts() == {
            "active": sum(i.state in ACTIVE_STATES for i in items),
            "running": sum(i.state is ItemState.RUNNING for i in items),
            "failed": sum(i.state in FAILED_STATES for i in items),
            "cancelled": sum(i.state is ItemState.CANCELLED for i in items),
            "waiting": sum(i.state is ItemState.WAITING for i in items),
            "conflicts": sum(i.state is ItemState.CONFLICT for i in items),
            "finished": sum(i.state in FINISHED_STATES for i in items),
        }
        for job in jobs:
            members = [i for i in items if i.job_id == job.id]
            assert q.job_counts(job.id) == (
                sum(i.state in FINISHED_STATES for i in members),
                len(members),
            )


# -- issue 10: the queue's one retry layer, waiting states, identity ------------------

from sds_desktop.core.errors import (  # noqa: E402
    AuthError,
    FileError,
    NetworkError,
    RateLimitedError,
    ServiceError,
    StalledError,
)
from sds_desktop.core.queue import account_key  # noqa: E402
from sds_desktop.core.retry import QueueRetryPolicy, Verdict, classify  # noqa: E402


def test_classify_tells_server_trouble_from_file_trouble() -> None:
    assert classify(AuthError("revoked", status=401)) is Verdict.NEEDS_KEY
    assert classify(AuthError("no permission", status=403)) is Verdict.FAIL
    assert classify(ServiceError("boom", status=503)) is Verdict.WAIT_FOR_SERVER
    assert classify(RateLimitedError("slow down", retry_after=3)) is Verdict.WAIT_FOR_SERVER
    refused = NetworkError("the connection was refused (nothing listens on that port) (GET x)")
    assert classify(refused) is Verdict.WAIT_FOR_SERVER
    assert classify(NetworkError("the connection dropped mid-transfer (GET x)")) is Verdict.RETRY
    assert classify(StalledError("stalled: no data for 30 s")) is Verdict.RETRY
    assert classify(ServiceError("bad reply", status=400)) is Verdict.FAIL
    assert classify(FileError("cannot read x")) is Verdict.FAIL


def test_retry_policy_is_bounded_by_attempts_and_deadline() -> None:
    policy = QueueRetryPolicy(
        attempts=4, deadline=100, base_delay=2, max_delay=10, jitter=lambda: 1
    )
    assert [policy.retry_delay(a, 0, 0) for a in (1, 2, 3)] == [2, 4, 8]
    assert policy.retry_delay(4, 0, 0) is None  # attempts used up
    assert policy.retry_delay(1, 0, 99) is None  # the deadline would pass while waiting
    capped = QueueRetryPolicy(attempts=50, base_delay=2, max_delay=10, jitter=lambda: 1)
    assert capped.retry_delay(20, 0, 0) == 10
    low = QueueRetryPolicy(base_delay=2, jitter=lambda: 0)
    assert low.retry_delay(1, 0, 0) == pytest.approx(0.2)  # jitter never makes a hot loop
    assert policy.server_delay(1, RateLimitedError("x", retry_after=7)) == 7
    with pytest.raises(ValueError, match="attempts"):
        QueueRetryPolicy(attempts=0)


def test_waiting_items_come_back_by_themselves() -> None:
    q = TransferQueue()
    _, items = q.add_job("w", Direction.UPLOAD, _specs(2))
    a, b = items
    assert q.mark_running(a.id)
    assert q.wait_to_retry(a.id, 10, "the connection dropped")
    waiting = q.get(a.id)
    assert waiting.state is ItemState.WAITING
    assert waiting.error == "the connection dropped"
    assert q.counts()["waiting"] == 1
    assert q.counts()["active"] == 2  # still in the Queued / Active tab
    assert q.next_queued().id == b.id  # not picked while it waits
    assert q.due(time.monotonic()) == []
    assert q.due(time.monotonic() + 11) == [a.id]
    assert q.get(a.id).state is ItemState.QUEUED
    assert q.get(a.id).attempts == 1  # the count goes on


def test_cancelled_is_not_a_failure() -> None:
    q = TransferQueue()
    job, items = q.add_job("c", Direction.UPLOAD, _specs(2))
    q.cancel(items[0].id)
    q.mark_running(items[1].id)
    q.mark_failed(items[1].id, "boom")
    counts = q.counts()
    assert counts["failed"] == 1
    assert counts["cancelled"] == 1
    assert q.job_progress(job.id).failed_items == 1
    assert q.retry(items[0].id)  # and it can be retried like a failure


def test_sandbox_items_survive_a_new_port(tmp_path: Path) -> None:
    journal = tmp_path / "queue.sqlite3"
    q = TransferQueue(journal)
    q.add_job("s", Direction.UPLOAD, _specs(2), account="http://127.0.0.1:41001|a@b")
    running = q.items()[0].id
    q.mark_running(running)
    q._journal.close(())  # the process dies: no close(), no flush (kill -9)
    again = TransferQueue(journal)
    assert account_key("http://127.0.0.1:52002|a@b") == account_key("http://127.0.0.1:41001|a@b")
    assert again.next_queued("http://127.0.0.1:52002|a@b") is not None
    assert {i.state for i in again.items()} == {ItemState.QUEUED}  # running → queued
    assert again.next_queued("https://sds.crc.nd.edu|a@b") is None
    assert account_key("https://sds.example:8443|a@b") == "https://sds.example:8443|a@b"
    again.close()


def test_conflict_items_wait_for_a_decision() -> None:
    q = TransferQueue()
    _, items = q.add_job("k", Direction.DOWNLOAD, _specs(1))
    q.mark_running(items[0].id)
    assert q.hold_for_decision(items[0].id, "exists")
    assert q.get(items[0].id).state is ItemState.CONFLICT
    assert q.next_queued() is None
    assert q.decided(items[0].id)
    assert q.next_queued() is not None


def test_item_ids_are_never_reused_and_survive_a_restart(tmp_path: Path) -> None:
    """A job's items are journaled in one statement: their ids run on from the highest
    ever given (a removed item's id is not handed out again, as receipts and logs name
    items by id), and a reopened journal has every item under its id."""
    path = tmp_path / "queue.sqlite"
    queue = TransferQueue(path)
    _, first = queue.add_job("a", Direction.UPLOAD, _specs(5))
    assert [i.id for i in first] == list(range(first[0].id, first[0].id + 5))
    queue.remove([first[-1].id, first[-2].id])
    _, more = queue.add_job("b", Direction.UPLOAD, _specs(3))
    assert more[0].id == first[-1].id + 1
    queue.close()
    reopened = TransferQueue(path)
    assert sorted(reopened.ids()) == [i.id for i in first[:3]] + [i.id for i in more]
    assert [reopened.get(i.id).local_path for i in more] == [i.local_path for i in more]
