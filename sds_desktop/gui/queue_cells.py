"""What a row of the transfer queue shows: columns, roles, cell text and colours, the
keys columns sort by, and the progress bar delegate.

Qt-model-free on purpose: the three tab models (:mod:`~sds_desktop.gui.queue_tabs`) ask
:class:`Cells` for every painted cell, and for sort keys in bulk (one list per sort, not a
Python call per comparison).
"""

from __future__ import annotations

import math
from operator import attrgetter
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from sds_desktop.core.queue import (
    ACTIVE_STATES,
    FINISHED_STATES,
    STOPPED_STATES,
    Direction,
    ItemState,
    QueueItem,
    TransferQueue,
)
from sds_desktop.gui.fmt import human_bytes, human_duration, human_rate
from sds_desktop.gui.transfers import TransferController

AnyIndex = QModelIndex | QPersistentModelIndex

COLUMNS = (
    "Dir",
    "Name",
    "Job",
    "Local path",
    "SDS path",
    "Size",
    "Progress",
    "Speed",
    "ETA",
    "State",
    "Attempts",
    "Checksum",
    "Error",
)
(
    C_DIR,
    C_NAME,
    C_JOB,
    C_LOCAL,
    C_SDS,
    C_SIZE,
    C_PROGRESS,
    C_SPEED,
    C_ETA,
    C_STATE,
    C_ATTEMPTS,
    C_CHECKSUM,
    C_ERROR,
) = range(len(COLUMNS))
STATE_ROLE = Qt.ItemDataRole.UserRole + 10
ID_ROLE = Qt.ItemDataRole.UserRole + 11
FRACTION_ROLE = Qt.ItemDataRole.UserRole + 12

CHANGING_KEYS = frozenset({C_PROGRESS, C_SPEED, C_ETA, C_STATE, C_ATTEMPTS, C_CHECKSUM, C_ERROR})
"""Columns whose sort key may change while an item stays in its tab (the others change
only when the item moves in the queue)."""
LIVE_KEYS = frozenset({C_PROGRESS, C_SPEED, C_ETA})
"""Columns whose sort key moves on while an item runs, without a queue event."""

TAB_OF = (
    dict.fromkeys(ACTIVE_STATES, 0)
    | dict.fromkeys(STOPPED_STATES, 1)
    | dict.fromkeys(FINISHED_STATES, 2)
)
"""The tab (Queued/Active, Failed/cancelled, Done) an item's state puts it in."""

STATE = attrgetter("state")
_TEXT_KEYS = {
    C_NAME: attrgetter("name"),
    C_LOCAL: attrgetter("local_path"),
    C_SDS: attrgetter("sds_path"),
    C_CHECKSUM: attrgetter("checksum"),
    C_ERROR: attrgetter("error"),
}
_PLAIN_KEYS = {
    C_DIR: attrgetter("direction"),
    C_SIZE: attrgetter("size"),
    C_STATE: attrgetter("state"),
    C_ATTEMPTS: attrgetter("attempts"),
}
RANK_ID = attrgetter("rank", "id")
"""Queue order: the sort key of a tab in queue order, and the tie-break of the others."""

_STATE_COLORS = {
    ItemState.DONE: "#1a7f37",
    ItemState.SKIPPED: "#1a7f37",
    ItemState.FAILED: "#b00020",
    ItemState.CANCELLED: "#8a6d3b",
    ItemState.PAUSED: "#8a6d3b",
    ItemState.RUNNING: "#0b57d0",
    ItemState.WAITING: "#8a6d3b",
    ItemState.CONFLICT: "#b35c00",
}
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_ERROR_BRUSH = QBrush(QColor("#b00020"))
_STATE_BRUSHES = {state: QBrush(QColor(color)) for state, color in _STATE_COLORS.items()}


class Cells:
    """The text, colours and sort keys of queue items' cells."""

    def __init__(self, queue: TransferQueue, controller: TransferController | None) -> None:
        self.queue = queue
        self.controller = controller

    def present(self, ids: list[int]) -> tuple[list[int], list[QueueItem]]:
        """Those of ``ids`` still in the queue, and their live items (an item removed
        since its event is on its way)."""
        try:
            return ids, list(map(self.queue.peek, ids))
        except KeyError:
            pairs = [
                (i, it) for i, it in zip(ids, map(self.item, ids), strict=True) if it is not None
            ]
            return [i for i, _ in pairs], [it for _, it in pairs]

    def item(self, item_id: int) -> QueueItem | None:
        try:
            return self.queue.peek(item_id)  # no copy: called for every painted cell
        except KeyError:
            return None

    # -- sorting -------------------------------------------------------------------
    def sort_keys(self, column: int, descending: bool, items: list[QueueItem]) -> list[Any]:
        """One key per item: by ``column`` (-1: queue order), ties in queue order. Keys of
        a descending sort are for ``reverse=True`` (queue order kept among equals)."""
        if column < 0:
            return list(map(RANK_ID, items))
        values = self.sort_values(column, items)
        if descending:
            return [(v, -i.rank, -i.id) for v, i in zip(values, items, strict=True)]
        return [(v, i.rank, i.id) for v, i in zip(values, items, strict=True)]

    def sort_values(self, column: int, items: list[QueueItem]) -> list[Any]:
        """What ``column`` sorts by: numbers for numbers, lower-case text for text."""
        if column in _TEXT_KEYS:
            return list(map(str.lower, map(_TEXT_KEYS[column], items)))
        if column in _PLAIN_KEYS:  # numbers; states and directions compare as their text
            return list(map(_PLAIN_KEYS[column], items))
        if column == C_PROGRESS:
            return list(map(_bar_fraction, items))
        if column == C_SPEED:
            return list(map(self.speed, items))
        if column == C_ETA:
            return list(map(self.eta, items))
        if column == C_JOB:
            labels = {job: self._job_label(job).lower() for job in {i.job_id for i in items}}
            return [(labels[i.job_id], i.job_id) for i in items]
        return [0] * len(items)

    def _job_label(self, job_id: int) -> str:
        try:
            return self.queue.job(job_id).label
        except KeyError:
            return ""

    # -- cells ---------------------------------------------------------------------
    def role(self, item: QueueItem, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(item, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == C_ERROR and item.error:
                return item.error
            if col in (C_LOCAL, C_SDS, C_NAME, C_STATE):
                return self.display(item, col)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == C_ERROR:
                return _ERROR_BRUSH
            if col in (C_STATE, C_CHECKSUM):
                return _STATE_BRUSHES.get(item.state)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col in (C_SIZE, C_SPEED, C_ETA):
                return _RIGHT
            return _CENTER if col in (C_DIR, C_ATTEMPTS) else None
        if role == STATE_ROLE:
            return item.state.value
        if role == ID_ROLE:
            return item.id
        if role == FRACTION_ROLE:
            return _bar_fraction(item)
        return None

    def speed(self, item: QueueItem) -> float:
        if self.controller is None or item.state is not ItemState.RUNNING:
            return 0.0
        return self.controller.item_speed.get(item.id, 0.0)

    def eta(self, item: QueueItem) -> float:
        """Seconds left at the current speed (infinite when not moving)."""
        speed = self.speed(item)
        return max(0, item.size - item.bytes_done) / speed if speed > 0 else math.inf

    def display(self, item: QueueItem, col: int) -> str:
        if col == C_DIR:
            return "↑" if item.direction is Direction.UPLOAD else "↓"
        if col == C_NAME:
            return item.name
        if col == C_JOB:
            try:
                job = self.queue.job(item.job_id)
            except KeyError:
                return ""
            finished, total = self.queue.job_counts(item.job_id)
            if total <= 1:
                return job.label
            return f"{job.label} ({finished}/{total})"
        if col == C_LOCAL:
            return item.local_path
        if col == C_SDS:
            return item.sds_path
        if col == C_SIZE:
            return human_bytes(item.size)
        if col == C_PROGRESS:
            return progress_text(item)
        if col == C_SPEED:
            return human_rate(self.speed(item))
        if col == C_ETA:
            eta = self.eta(item)
            return "" if eta == math.inf else human_duration(eta)
        if col == C_STATE:
            healing = self.controller.retry_text(item) if self.controller is not None else ""
            if healing:
                return healing
            return f"{item.state.value} · {item.note}" if item.note else item.state.value
        if col == C_ATTEMPTS:
            return str(item.attempts)
        if col == C_CHECKSUM:
            return item.checksum
        if col == C_ERROR:
            return item.error.splitlines()[0] if item.error else ""
        return ""


def _bar_fraction(item: QueueItem) -> float:
    if item.phase == "hashing" and item.phase_total > 0:
        return min(1.0, item.phase_done / item.phase_total)
    return item.fraction


def progress_text(item: QueueItem) -> str:
    """ "hashing 35%" while an upload hashes before sending, "100% · verifying" while
    the checksum of a whole file is checked, else the share of bytes moved."""
    if item.state is ItemState.RUNNING and item.phase == "hashing":
        return f"hashing {_bar_fraction(item) * 100:.0f}%"
    text = f"{item.fraction * 100:.0f}%"
    if item.state is ItemState.RUNNING and item.phase == "verifying":
        return f"{text} · verifying"
    return text


def runs(rows: list[int], limit: int | None = None) -> list[tuple[int, int]] | None:
    """Sorted ``rows`` as (first, last) runs of consecutive rows: one signal per run
    instead of one per row. None when there are more than ``limit`` runs."""
    if not rows:
        return []
    if rows[-1] - rows[0] + 1 == len(rows):
        return [(rows[0], rows[-1])]  # one block: the common case, without a loop
    found: list[tuple[int, int]] = []
    first = last = rows[0]
    for row in rows[1:]:
        if row == last + 1:
            last = row
            continue
        found.append((first, last))
        if limit is not None and len(found) > limit:
            return None
        first = last = row
    found.append((first, last))
    return found if limit is None or len(found) <= limit else None


class ProgressDelegate(QStyledItemDelegate):
    """Draws a progress bar in the Progress column.

    Drawn with a few painter calls (a frame, the filled part, the text in two clips for
    contrast), not with the style's progress bar: Fusion's ``drawControl`` took ~0.8 ms
    a cell, the largest part of a queue repaint while small files stream through."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        fraction = index.data(FRACTION_ROLE)
        if fraction is None:
            super().paint(painter, option, index)
            return
        rect: QRect = option.rect  # type: ignore[attr-defined]
        palette = option.palette  # type: ignore[attr-defined]
        bar = rect.adjusted(3, 3, -4, -4)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        done = round((bar.width() - 1) * min(1.0, max(0.0, float(fraction))))
        filled = QRect(bar.x() + 1, bar.y() + 1, done, bar.height() - 1)
        painter.save()
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(palette.base())
        painter.drawRect(bar)
        if done > 0:
            painter.fillRect(filled, palette.highlight())
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(bar, Qt.AlignmentFlag.AlignCenter, text)
        if done > 0:  # the text over the filled part in the highlight's own text colour
            painter.setClipRect(filled)
            painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
            painter.drawText(bar, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()
