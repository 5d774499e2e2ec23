"""Reordering queued items: Move to top / up / down / bottom, as new ranks.

An item's rank orders the queue: the next item to start is the queued one with the
lowest (rank, id). New items get a rank above every other, so they join the end.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

Where = Literal["top", "up", "down", "bottom"]
WHERES: tuple[Where, ...] = ("top", "up", "down", "bottom")


def new_ranks(
    order: Sequence[tuple[int, float]], chosen: Collection[int], where: Where
) -> dict[int, float]:
    """The ranks that change when ``chosen`` ids move ``where`` among ``order``
    (movable ``(id, rank)`` pairs sorted by rank). Chosen items keep their relative
    order; up/down move each block of chosen items past one unchosen neighbour."""
    if where not in WHERES:
        raise ValueError(f"cannot move items {where!r}")
    picked = [i for i, _ in order if i in chosen]
    if not picked or not order:
        return {}
    ranks = [r for _, r in order]
    if where == "top":
        low = min(ranks)
        return {i: low - len(picked) + k for k, i in enumerate(picked)}
    if where == "bottom":
        high = max(ranks)
        return {i: high + 1 + k for k, i in enumerate(picked)}
    ids = [i for i, _ in order]
    steps = range(1, len(ids)) if where == "up" else range(len(ids) - 2, -1, -1)
    for pos in steps:
        other = pos - 1 if where == "up" else pos + 1
        if ids[pos] in chosen and ids[other] not in chosen:
            ids[pos], ids[other] = ids[other], ids[pos]
    # the ranks stay the same set of numbers: hand them out in the new order
    return {i: r for i, r, (old, _) in zip(ids, ranks, order, strict=True) if i != old}
