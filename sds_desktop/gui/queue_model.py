"""The transfer queue's table model: a thin adapter over the Qt-free queue.

The model never polls on its own: queue listeners tell it about added, changed and
removed items (GUI thread), and the controller's ~4 Hz tick repaints the progress, speed
and ETA cells of running rows. Three filter proxies give the Queued/Active, Failed and
Done tabs, whose titles carry the counts.

Kept cheap for the GUI thread, which shares the GIL with the transfer workers: every
call from Qt into Python must take the GIL back, and with 16 busy workers that can wait.
So the queue's events are applied together at most every ``FLUSH_MS`` (one signal per
run of rows, not one per event), and a painted cell asks once for all its roles
(``multiData``, forwarded by the tab filters) instead of once per role.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
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
    ACTIVE_STATES,
    FINISHED_STATES,
    STOPPED_STATES,
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


FLUSH_MS = 100
"""Queue events are applied to the rows at most this often."""

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_ERROR_BRUSH = QBrush(QColor("#b00020"))
_STATE_BRUSHES = {state: QBrush(QColor(color)) for state, color in _STATE_COLORS.items()}


TAB_OF = (
    dict.fromkeys(ACTIVE_STATES, 0)
    | dict.fromkeys(STOPPED_STATES, 1)
    | dict.fromkeys(FINISHED_STATES, 2)
)
"""The tab (Queued/Active, Failed/cancelled, Done) an item's state puts it in."""


class QueueModel(QAbstractTableModel):
    """One row per queue item, in queue order."""

    repainted = Signal()
    """Rows changed but stayed in their tabs: the views repaint, the filters need not
    look at them again (``dataChanged`` would make each tab filter every row of the
    range: 60,000 calls when 20,000 items are paused)."""

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
        self._added: dict[int, None] = {}  # events not applied yet (see flush)
        self._changed: set[int] = set()
        self._removed: set[int] = set()
        self._moved = False
        self._tab: dict[int, int] = {i: TAB_OF[queue.peek(i).state] for i in self._ids}
        self.quiet_changes = True
        """Changes within a tab only repaint (``repainted``); the dock turns this off
        while a tab is sorted by a column, which must then see every change."""
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self.flush)
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
            self._added.update(dict.fromkeys(ids))
        elif event == "changed":
            self._changed.update(ids)
        elif event == "moved":
            self._moved = True
        elif event == "removed":
            for item_id in ids:
                if item_id in self._added:
                    del self._added[item_id]  # came and went between two flushes
                else:
                    self._removed.add(item_id)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    @Slot()
    def flush(self) -> None:
        """Apply the queue's events since the last flush: removed rows go, added rows
        join the end, changed rows repaint (one signal per run of rows), moves reorder.
        Called by its timer; call it to see the rows now (after a move, in tests)."""
        self._flush_timer.stop()
        removed, self._removed = self._removed, set()
        added, self._added = [i for i in self._added if i not in self._rows], {}
        changed, self._changed = self._changed, set()
        moved, self._moved = self._moved, False
        rows = [self._rows[i] for i in removed if i in self._rows]
        for first, last in reversed(_runs(rows)):  # one call per contiguous run
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._ids[first : last + 1]
            self.endRemoveRows()
        if rows:
            self._rows = {i: r for r, i in enumerate(self._ids)}
            for item_id in removed:
                self._tab.pop(item_id, None)
        if added:
            first = len(self._ids)
            self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
            for offset, item_id in enumerate(added):
                self._ids.append(item_id)
                self._rows[item_id] = first + offset
                self._tab[item_id] = self._tab_now(item_id)
            self.endInsertRows()
        fresh = set(added)
        rows, repaint = [], False
        for item_id in changed:
            row = self._rows.get(item_id)
            if row is None or item_id in fresh:
                continue
            tab = self._tab_now(item_id)
            if tab == self._tab.get(item_id) and self.quiet_changes:
                repaint = True
            else:
                self._tab[item_id] = tab
                rows.append(row)
        for first, last in _runs(rows):
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        if repaint:
            self.repainted.emit()
        if moved:
            self._reorder()

    def tab_at(self, row: int) -> int:
        """The tab ``row`` is in, as the tab filters are to see it (-1: none)."""
        try:
            return self._tab.get(self._ids[row], -1)
        except IndexError:
            return -1

    def _tab_now(self, item_id: int) -> int:
        try:
            return TAB_OF[self.queue.peek(item_id).state]
        except KeyError:
            return -1

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
        item = self._item_at(index.row()) if index.isValid() else None
        return None if item is None else self._role(item, index.column(), role)

    def multiData(self, index: AnyIndex, roleDataSpan: QModelRoleDataSpan) -> None:  # noqa: N803
        self.fill(index.row(), index.column(), roleDataSpan)

    def fill(self, row: int, col: int, span: QModelRoleDataSpan) -> None:
        """Every role a view asks of one cell, in one call (see the module's doc)."""
        item = self._item_at(row)
        for role_data in span:
            role_data.setData(None if item is None else self._role(item, col, role_data.role()))

    def _item_at(self, row: int) -> QueueItem | None:
        if not 0 <= row < len(self._ids):
            return None
        try:
            return self.queue.peek(self._ids[row])  # no copy: called for every painted cell
        except KeyError:
            return None  # removed; its row goes at the next flush

    def _role(self, item: QueueItem, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == C_ERROR and item.error:
                return item.error
            if col in (C_LOCAL, C_SDS, C_NAME, C_STATE):
                return self._display(item, col)
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
        tabs = {TAB_OF.get(s, -1) for s in states}
        self.tab = tabs.pop() if len(tabs) == 1 else None
        self.setDynamicSortFilter(True)
        self.setSortRole(SORT_ROLE)

    def multiData(self, index: AnyIndex, roleDataSpan: QModelRoleDataSpan) -> None:  # noqa: N803
        # QSortFilterProxyModel would ask the source once per role: one call instead
        model = self.sourceModel()
        if isinstance(model, QueueModel) and index.isValid():
            source = self.mapToSource(index)
            model.fill(source.row(), source.column(), roleDataSpan)
        else:
            super().multiData(index, roleDataSpan)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        if isinstance(model, QueueModel):  # each Qt call here would hand the GIL over
            if self.tab is not None:
                return model.tab_at(source_row) == self.tab
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
