"""Move to top / up / down / bottom: the order the queue starts items in, kept in the journal."""

from __future__ import annotations

from pathlib import Path

import pytest

from sds_desktop.core.queue import Direction, ItemSpec, ItemState, TransferQueue
from sds_desktop.core.queue_order import new_ranks


def specs(n: int, tag: str = "f") -> list[ItemSpec]:
    return [
        ItemSpec(Direction.UPLOAD, f"{tag}{i}.bin", f"/tmp/{tag}{i}.bin", f"/x/{tag}{i}.bin", 100)
        for i in range(n)
    ]


def start_order(queue: TransferQueue) -> list[str]:
    names = []
    while (item := queue.next_queued()) is not None:
        queue.mark_running(item.id)
        names.append(item.name)
    return names


def names(queue: TransferQueue) -> list[str]:
    return [queue.peek(i).name for i in queue.ids()]


def test_move_to_top_and_bottom_changes_what_starts_next(tmp_path: Path) -> None:
    queue = TransferQueue(tmp_path / "journal.db")
    _, items = queue.add_job("job", Direction.UPLOAD, specs(5))
    ids = [i.id for i in items]
    queue.move([ids[3], ids[4]], "top")
    queue.move([ids[0]], "bottom")
    assert names(queue) == ["f3.bin", "f4.bin", "f1.bin", "f2.bin", "f0.bin"]
    queue.close()
    reopened = TransferQueue(tmp_path / "journal.db")  # the order survives a restart
    assert names(reopened) == ["f3.bin", "f4.bin", "f1.bin", "f2.bin", "f0.bin"]
    reopened.add_job("later", Direction.UPLOAD, specs(1, "g"))
    assert names(reopened)[-1] == "g0.bin"  # a new job joins the end, after the moved one
    assert start_order(reopened) == ["f3.bin", "f4.bin", "f1.bin", "f2.bin", "f0.bin", "g0.bin"]
    reopened.close()


def test_up_and_down_move_a_block_past_one_neighbour() -> None:
    queue = TransferQueue()
    _, items = queue.add_job("job", Direction.UPLOAD, specs(5))
    ids = [i.id for i in items]
    queue.move([ids[2], ids[3]], "up")
    assert names(queue) == ["f0.bin", "f2.bin", "f3.bin", "f1.bin", "f4.bin"]
    queue.move([ids[0]], "up")  # already first: nothing moves
    assert names(queue)[0] == "f0.bin"
    queue.move([ids[0], ids[2]], "down")
    # each chosen item steps down once, past the unchosen one below it
    assert names(queue) == ["f3.bin", "f0.bin", "f2.bin", "f1.bin", "f4.bin"]


def test_only_queued_and_paused_items_move_and_paused_keep_their_place() -> None:
    queue = TransferQueue()
    _, items = queue.add_job("job", Direction.UPLOAD, specs(4))
    ids = [i.id for i in items]
    queue.mark_running(ids[0])
    queue.mark_done(ids[0])
    queue.pause(ids[2])
    assert queue.move([ids[0]], "bottom") == []  # done: not in the queue any more
    queue.move([ids[2]], "top")
    queue.resume(ids[2])
    assert start_order(queue) == ["f2.bin", "f1.bin", "f3.bin"]
    assert queue.peek(ids[0]).state is ItemState.DONE


def test_listeners_hear_moved() -> None:
    queue = TransferQueue()
    heard: list[tuple[str, list[int]]] = []
    queue.subscribe(lambda event, ids: heard.append((event, ids)))
    _, items = queue.add_job("job", Direction.UPLOAD, specs(3))
    queue.move([items[2].id], "top")
    assert heard[-1] == ("moved", [items[2].id])


def test_new_ranks_rejects_unknown_directions() -> None:
    with pytest.raises(ValueError, match="sideways"):
        new_ranks([(1, 1.0)], {1}, "sideways")  # type: ignore[arg-type]
