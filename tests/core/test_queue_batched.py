"""TransferQueue.batched(): one notification per kind for a batch of transitions."""

from __future__ import annotations

import threading

from sds_desktop.core.queue import Direction, ItemSpec, TransferQueue


def _specs(n: int) -> list[ItemSpec]:
    return [ItemSpec(Direction.UPLOAD, f"f{i}", f"/l/f{i}", f"/s/f{i}", 10) for i in range(n)]


def test_a_batch_notifies_once_per_kind_with_each_id_once() -> None:
    queue = TransferQueue(history_limit=1)
    seen: list[tuple[str, list[int]]] = []
    queue.subscribe(lambda event, ids: seen.append((event, list(ids))))
    _, items = queue.add_job("j", Direction.UPLOAD, _specs(4))
    seen.clear()
    with queue.batched():
        for item in items:
            queue.mark_running(item.id)
            queue.mark_done(item.id)  # the history limit prunes the oldest
        assert seen == []  # held until the block ends
    ids = [i.id for i in items]
    assert seen[0] == ("changed", ids)
    assert seen[1][0] == "removed"
    assert set(seen[1][1]) < set(ids)
    assert len(seen) == 2


def test_other_threads_are_not_held() -> None:
    queue = TransferQueue()
    seen: list[str] = []
    queue.subscribe(lambda event, _ids: seen.append(event))
    _, (item,) = queue.add_job("j", Direction.UPLOAD, _specs(1))
    seen.clear()
    with queue.batched():
        t = threading.Thread(target=queue.mark_running, args=(item.id,))
        t.start()
        t.join(5)
        assert seen == ["changed"]  # that thread's change went out at once
