"""The transfer queue's table model: a thin adapter over the Qt-free queue.

The model never polls on its own: queue listeners tell it about added, changed and
removed items (GUI thread), and the controller's ~4 Hz tick repaints the progress, speed
and ETA cells of running rows. Three filter proxies give the Queued/Active, Failed and
Done tabs, whose titles carry the counts.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSortFilterProxyModel,
    Qt,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
)

from sds_desktop.core.queue import (
    Direction,
    ItemState,
    QueueEvent,
    QueueItem,
    TransferQueue,
)
from sds_desktop.gui.fmt import human_bytes, human_duration, human_rate
from sds_desktop.gui.transfers import TransferController

log = logging.getLogger("sds_desktop.gui.queue_view")

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
SORT_ROLE = Qt.ItemDataRole.UserRole + 13

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


class QueueModel(QAbstractTableModel):
    """One row per queue item, in queue order."""

    def __init__(
        self,
        queue: TransferQueue,
        controller: TransferController | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.queue = queue
        self.controller = controller
        self._ids: list[int] = queue.ids()
        self._rows: dict[int, int] = {i: r for r, i in enumerate(self._ids)}
        queue.subscribe(self._on_queue)
        if controller is not None:
            controller.tick.connect(self._on_tick)

    def detach(self) -> None:
        self.queue.unsubscribe(self._on_queue)

    def item_id(self, row: int) -> int:
        return self._ids[row]

    def row_of(self, item_id: int) -> int:
        return self._rows.get(item_id, -1)

    def state_of(self, row: int) -> str | None:
        """The state of ``row`` (what ``STATE_ROLE`` returns), without a round through Qt:
        the tab filters ask for every changed row, three times."""
        try:
            return self.queue.peek(self._ids[row]).state.value
        except (IndexError, KeyError):
            return None

    # -- updates ------------------------------------------------------------------
    def _on_queue(self, event: QueueEvent, ids: list[int]) -> None:
        if event == "added":
            new = [i for i in ids if i not in self._rows]
            if not new:
                return
            first = len(self._ids)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for offset, item_id in enumerate(new):
                self._ids.append(item_id)
                self._rows[item_id] = first + offset
            self.endInsertRows()
        elif event == "changed":
            rows = [r for r in map(self._rows.get, ids) if r is not None]
            for first, last in _runs(rows):
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        elif event == "moved":
            self._reorder()
        elif event == "removed":
            rows = [self._rows[i] for i in ids if i in self._rows]
            for first, last in reversed(_runs(rows)):  # one call per contiguous run
                self.beginRemoveRows(QModelIndex(), first, last)
                del self._ids[first : last + 1]
                self.endRemoveRows()
            if rows:
                self._rows = {i: r for r, i in enumerate(self._ids)}

    def _reorder(self) -> None:
        """Rows in queue order again after a move (one layout change, selections kept)."""
        queue = self.queue
        order = sorted(self._ids, key=lambda i: (queue.rank_of(i), i))
        if order == self._ids:
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_ids = [self._ids[i.row()] for i in old]
        self._ids = order
        self._rows = {i: r for r, i in enumerate(order)}
        new = [self.index(self._rows[i], idx.column()) for i, idx in zip(old_ids, old, strict=True)]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    @Slot()
    def _on_tick(self) -> None:
        """Repaint the live cells of running rows (one dataChanged per run of rows)."""
        if self.controller is None:
            return
        rows = [r for r in map(self._rows.get, list(self.controller._workers)) if r is not None]
        for first, last in _runs(rows):  # running rows are mostly adjacent: few signals
            self.dataChanged.emit(self.index(first, C_PROGRESS), self.index(last, C_ETA))
        counts = self.controller.queue.counts()
        if self._ids and (counts["waiting"] or self.controller.health_text()):
            # countdowns ("retrying in 12 s", "next try in 20 s"): one signal, one column
            self.dataChanged.emit(self.index(0, C_STATE), self.index(len(self._ids) - 1, C_STATE))

    # -- model --------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        item_id = self._ids[index.row()]
        try:
            item = self.queue.peek(item_id)  # no copy: called for every painted cell
        except KeyError:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == C_ERROR and item.error:
                return item.error
            if col in (C_LOCAL, C_SDS, C_NAME, C_STATE):
                return self._display(item, col)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and col in (C_STATE, C_CHECKSUM, C_ERROR):
            color = _STATE_COLORS.get(item.state)
            if col == C_ERROR:
                color = "#b00020"
            return QBrush(QColor(color)) if color else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (C_SIZE, C_SPEED, C_ETA):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (C_DIR, C_ATTEMPTS):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == STATE_ROLE:
            return item.state.value
        if role == ID_ROLE:
            return item.id
        if role == FRACTION_ROLE:
            return _bar_fraction(item)
        if role == SORT_ROLE:
            return self._sort_key(item, col)
        return None

    def _speed(self, item: QueueItem) -> float:
        if self.controller is None or item.state is not ItemState.RUNNING:
            return 0.0
        return self.controller.item_speed.get(item.id, 0.0)

    def _display(self, item: QueueItem, col: int) -> str:
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
            return human_rate(self._speed(item))
        if col == C_ETA:
            speed = self._speed(item)
            if speed <= 0:
                return ""
            return human_duration(max(0, item.size - item.bytes_done) / speed)
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

    def _sort_key(self, item: QueueItem, col: int) -> Any:
        if col in (C_SIZE,):
            return item.size
        if col == C_PROGRESS:
            return item.fraction
        if col == C_ATTEMPTS:
            return item.attempts
        if col == C_SPEED:
            return self._speed(item)
        return self._display(item, col).lower()


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


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """``rows`` as sorted (first, last) runs of consecutive rows: one signal per run
    instead of one per row (each costs a round through three proxies and the views)."""
    runs: list[tuple[int, int]] = []
    for row in sorted(set(rows)):
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class QueueFilter(QSortFilterProxyModel):
    """Only the rows whose state belongs to one tab."""

    def __init__(self, states: frozenset[ItemState], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.states = frozenset(s.value for s in states)
        self.setDynamicSortFilter(True)
        self.setSortRole(SORT_ROLE)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        if isinstance(model, QueueModel):  # each Qt call here would hand the GIL over
            return model.state_of(source_row) in self.states
        state = model.data(model.index(source_row, 0, source_parent), STATE_ROLE)
        return state in self.states


class ProgressDelegate(QStyledItemDelegate):
    """Draws a progress bar in the Progress column."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        fraction = index.data(FRACTION_ROLE)
        if fraction is None:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        rect: QRect = option.rect  # type: ignore[attr-defined]
        bar.rect = rect.adjusted(3, 3, -3, -3)  # type: ignore[attr-defined]
        bar.minimum = 0  # type: ignore[attr-defined]
        bar.maximum = 1000  # type: ignore[attr-defined]
        bar.progress = round(float(fraction) * 1000)  # type: ignore[attr-defined]
        bar.text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")  # type: ignore[attr-defined]
        bar.textVisible = True  # type: ignore[attr-defined]
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal  # type: ignore[attr-defined]
        bar.palette = option.palette  # type: ignore[attr-defined]
        QApplication.style().drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)
