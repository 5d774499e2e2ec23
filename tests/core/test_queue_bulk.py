"""Batch actions on many items (pause / resume / cancel / retry all): the counters and
the order in which queued items are taken stay what a recount of the items says."""

from __future__ import annotations

import collections
import random

from sds_desktop.core.queue import (
    FINISHED_STATES,
    Direction,
    ItemSpec,
    ItemState,
    TransferQueue,
)


def _specs(n: int, tag: str) -> list[ItemSpec]:
    return [
        ItemSpec(Direction.UPLOAD, f"{tag}{i}.bin", f"/tmp/{tag}{i}", f"/p/{tag}{i}", 10 + i)
        for i in range(n)
    ]


def _check(q: TransferQueue, jobs: list[int]) -> None:
    items = q.items()
    by_state = collections.Counter(i.state for i in items)
    assert q.counts()["running"] == by_state[ItemState.RUNNING]
    assert q.counts()["finished"] == sum(by_state[s] for s in FINISHED_STATES)
    assert q.counts()["cancelled"] == by_state[ItemState.CANCELLED]
    for job in jobs:
        members = [i for i in items if i.job_id == job]
        done = sum(i.state in FINISHED_STATES for i in members)
        assert q.job_counts(job) == (done, len(members))


def _take_all(q: TransferQueue) -> list[int]:
    taken = []
    while (item := q.next_queued("")) is not None:
        assert q.mark_running(item.id)
        taken.append(item.id)
    return taken


def test_batch_actions_keep_counters_and_queue_order() -> None:
    q = TransferQueue()
    a, _ = q.add_job("a", Direction.UPLOAD, _specs(150, "a"))
    b, _ = q.add_job("b", Direction.UPLOAD, _specs(90, "b"))
    jobs = [a.id, b.id]
    ids = q.ids()
    rng = random.Random(3)
    for _ in range(30):
        chosen = rng.sample(ids, rng.choice([1, 10, 70, 200]))
        action = rng.choice(["pause", "resume", "cancel", "retry", "run", "done", "fail"])
        if action == "pause":
            q.pause_many(chosen)
        elif action == "resume":
            q.resume_many(chosen)
        elif action == "cancel":
            q.cancel_many(chosen)
        elif action == "retry":
            q.retry_many(chosen)
        else:
            for item_id in chosen[:5]:
                if action == "run":
                    q.mark_running(item_id)
                elif action == "done":
                    q.mark_done(item_id)
                else:
                    q.mark_failed(item_id, "boom")
        _check(q, jobs)
    # everything back in the queue: taken in queue order, each once
    q.cancel_many(ids)
    q.retry_many(ids)
    queued = [i.id for i in q.items([ItemState.QUEUED])]
    assert _take_all(q) == sorted(queued, key=lambda i: (q.rank_of(i), i))
    _check(q, jobs)


def test_resuming_many_paused_items_gives_them_back_in_queue_order() -> None:
    """More than a handful at once (the heaps are rebuilt, not pushed to one by one)."""
    q = TransferQueue()
    _, items = q.add_job("big", Direction.UPLOAD, _specs(300, "f"))
    ids = [i.id for i in items]
    q.move(ids[250:], "top")  # a user's reordering holds through pause and resume
    order = q.ids()
    q.pause_many(ids)
    assert q.next_queued("") is None
    assert q.counts()["active"] == 300  # paused items are still to do
    q.resume_many(ids[::-1])  # the order asked in does not matter: the queue's does
    assert _take_all(q) == order
