# ruff: noqa: RUF001 - en dashes in time ranges
"""Recordings recognised in the local pane: their own icon, a summary, preflight marks.

:class:`RecordingProxy` sits between the local pane's filter model and its view
(``LocalPane.set_decorator``). Folders (and SigMF metadata files) that come into view
are checked in the background (TaskRunner, a few at a time): a cheap look at their
entries first, then ``core.recordings.scan`` for those that hold a recording. The pane
never waits: rows repaint when their summary arrives.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractProxyModel,
    QIdentityProxyModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QWidget

from sds_desktop.gui.fmt import human_bytes
from sds_desktop.gui.local_list import L_DIR, L_NAME
from sds_desktop.gui.rf.info import TYPE_NAMES
from sds_desktop.gui.rf.recordings import RecordingView, looks_like_recording, scan_recordings
from sds_desktop.gui.tasks import TaskRunner

log = logging.getLogger("sds_desktop.gui.rf")
AnyIndex = QModelIndex | QPersistentModelIndex
COL_NAME, COL_TYPE = 0, 2
BATCH = 16
_NOT = ()  # checked: not a recording


def recording_icon(kind: str, *, problem: bool = False) -> QIcon:
    """A small waveform on a coloured tile (blue Digital RF, green RadioHound, purple
    SigMF); a red corner when the preflight found a blocking problem."""
    colours = {"drf": "#1565c0", "rh": "#2e7d32", "sigmf": "#6a1b9a"}
    icon = QIcon()
    for size in (16, 32):
        pix = QPixmap(size, size)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(colours.get(kind, "#455a64")))
        p.drawRoundedRect(0, 0, size, size, size / 5, size / 5)
        path = QPainterPath()
        for i in range(size * 2 + 1):
            x = i / 2
            y = size / 2 - size * 0.28 * _wave(x / size)
            if i == 0:
                path.moveTo(QPointF(x, y))
            else:
                path.lineTo(QPointF(x, y))
        p.setPen(QPen(QColor("white"), max(1.0, size / 12)))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
        if problem:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor("#d32f2f"))
            p.drawEllipse(QPointF(size * 0.78, size * 0.22), size * 0.22, size * 0.22)
        p.end()
        icon.addPixmap(pix)
    return icon


def _wave(t: float) -> float:
    import math  # noqa: PLC0415

    return math.sin(t * 4 * math.pi) * (0.4 + 0.6 * math.sin(t * math.pi))


def short_summary(recs: list[RecordingView]) -> str:
    rec = recs[0]
    parts = [TYPE_NAMES.get(rec.kind, rec.kind)]
    if rec.kind == "drf":
        parts.append(f"{len(rec.channels)} ch")
    elif rec.kind == "rh":
        parts.append(f"{len(rec.files)} scans")
    if rec.sample_rate:
        rate = rec.sample_rate
        parts.append(f"{rate / 1e6:g} MS/s" if rate >= 1e6 else f"{rate / 1e3:g} kS/s")
    if rec.center_frequencies:
        parts.append(f"{rec.center_frequencies[0] / 1e6:g} MHz")
    if len(recs) > 1:
        parts.append(f"+{len(recs) - 1} more")
    return " · ".join(parts)


def long_summary(recs: list[RecordingView]) -> str:
    lines = []
    for rec in recs:
        lines.append(rec.summary or f"{TYPE_NAMES.get(rec.kind, rec.kind)} {rec.root.name}")
        if rec.start is not None:
            end = rec.end.strftime(" – %Y-%m-%d %H:%M:%S") if rec.end else ""
            lines.append(f"  {rec.start:%Y-%m-%d %H:%M:%S}{end} UTC")
        lines.append(f"  {len(rec.files):,} files, {human_bytes(rec.bytes)}")
        for p in rec.problems:
            mark = "⛔" if p.blocking else "⚠"
            lines.append(f"  {mark} {p.message}")
    return "\n".join(lines)


class RecordingProxy(QIdentityProxyModel):
    """Decorates recognised recordings in the local file tree (see the module doc)."""

    def __init__(
        self,
        tasks: TaskRunner,
        parent: QObject | None = None,
        *,
        alive: Callable[[], bool] = lambda: True,
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.alive = alive
        """False once the window shuts down: no new background work then."""
        self.cache: dict[str, tuple[RecordingView, ...]] = {}
        self._pending: dict[str, None] = {}
        self._running = False
        self._icons: dict[tuple[str, bool], QIcon] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self._run)

    # -- lookups -------------------------------------------------------------------
    def _base(self, index: AnyIndex) -> tuple[Any, int]:
        """The list model under the proxy chain, and the row ``index`` stands for."""
        idx = QModelIndex(index)
        model: Any = self
        while isinstance(model, QAbstractProxyModel):
            idx = model.mapToSource(idx)
            model = model.sourceModel()
        return model, idx.row()

    def _row(self, index: AnyIndex) -> tuple[Any, Any] | None:
        if not index.isValid():
            return None
        base, n = self._base(index)
        rows = getattr(base, "rows", None)
        if rows is None or not 0 <= n < len(rows):
            return None
        return base, rows[n]

    def path_of(self, index: AnyIndex) -> Path | None:
        found = self._row(index)
        return None if found is None else Path(found[0].path_of(found[1]))

    def recordings(self, path: Path) -> tuple[RecordingView, ...]:
        """What is known of ``path`` (empty: not a recording, or not checked yet)."""
        return self.cache.get(str(path), _NOT)

    def _is_dir(self, index: AnyIndex) -> bool:
        found = self._row(index)
        return found is not None and bool(found[1][L_DIR])

    def _candidate(self, index: AnyIndex) -> tuple[str, tuple[RecordingView, ...] | None]:
        first = index.siblingAtColumn(0)
        path = self.path_of(first)
        if path is None:
            return "", _NOT
        key = str(path)
        if key in self.cache:
            return key, self.cache[key]
        name = path.name
        if name.endswith(".rh.json"):
            return key, None  # by name only: a folder of scans is summarised as a whole
        wanted = name.endswith((".sigmf-meta", ".sigmf")) or self._is_dir(first)
        if wanted and key not in self._pending:
            self._pending[key] = None
            if not self._running:
                self._timer.start()
        return key, None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        col = index.column()
        if col not in (COL_NAME, COL_TYPE) or role not in (
            Qt.ItemDataRole.DecorationRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ForegroundRole,
        ):
            return super().data(index, role)
        if col == COL_NAME and role == Qt.ItemDataRole.DisplayRole:
            return super().data(index, role)
        key, recs = self._candidate(index)
        if not recs:
            if recs is None and key.endswith(".rh.json") and role == Qt.ItemDataRole.DecorationRole:
                return self._icon("rh", problem=False)
            return super().data(index, role)
        blocking = any(r.blocking for r in recs)
        if role == Qt.ItemDataRole.DecorationRole and col == COL_NAME:
            return self._icon(recs[0].kind, problem=blocking)
        if role == Qt.ItemDataRole.ToolTipRole:
            return long_summary(list(recs))
        if role == Qt.ItemDataRole.DisplayRole and col == COL_TYPE:
            return short_summary(list(recs)) + (" · ⛔ problems" if blocking else "")
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_TYPE and blocking:
            return QBrush(QColor("#b3261e"))
        return super().data(index, role)

    def _icon(self, kind: str, *, problem: bool) -> QIcon:
        key = (kind, problem)
        if key not in self._icons:
            self._icons[key] = recording_icon(kind, problem=problem)
        return self._icons[key]

    # -- background checks ---------------------------------------------------------
    def _run(self) -> None:
        if self._running or not self._pending or not self.alive():
            return
        batch = list(self._pending)[:BATCH]
        self._running = True

        def work() -> dict[str, tuple[RecordingView, ...]]:
            out: dict[str, tuple[RecordingView, ...]] = {}
            for key in batch:
                path = Path(key)
                try:
                    found = tuple(scan_recordings(path)) if looks_like_recording(path) else _NOT
                except Exception as exc:  # noqa: BLE001 - an unreadable folder is just not decorated
                    log.debug("no recording summary for %s: %s", path, exc)
                    found = _NOT
                out[key] = tuple(r for r in found if _belongs(r, path))
            return out

        self.tasks.call(work, self._done, self._failed)

    def _done(self, result: object) -> None:
        self._running = False
        assert isinstance(result, dict)  # noqa: S101 - narrows the type
        for key, recs in result.items():
            self._pending.pop(key, None)
            self.cache[key] = recs
            if recs:
                self._repaint(Path(key))
        if self._pending:
            self._timer.start()

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        log.warning("recording check failed: %s", exc)

    def _repaint(self, path: Path) -> None:
        source = self.sourceModel()
        if source is None:
            return
        chain: list[QAbstractProxyModel] = [self]
        model: Any = source
        while isinstance(model, QAbstractProxyModel):
            chain.append(model)
            model = model.sourceModel()
        rows = getattr(model, "rows", None)
        if rows is None or Path(getattr(model, "folder", "")) != path.parent:
            return
        n = next((i for i, r in enumerate(rows) if r[L_NAME] == path.name), -1)
        if n < 0:
            return
        index = model.index(n, 0)
        for proxy in reversed(chain):
            index = proxy.mapFromSource(index)
        if index.isValid():
            last = index.siblingAtColumn(self.columnCount(index.parent()) - 1)
            self.dataChanged.emit(index.siblingAtColumn(0), last)


def _belongs(rec: RecordingView, path: Path) -> bool:
    """A recording decorates the row it is rooted at (or a channel picked on its own)."""
    return rec.root == path or path in {rec.root / c for c in rec.channels} or path in rec.files


class RecordingDetails(QLabel):
    """Under the local tree: the selected recording's summary and preflight problems."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet(
            "QLabel { background: palette(alternate-base); border: 1px solid palette(mid);"
            " border-radius: 3px; padding: 4px; }"
        )
        self.hide()

    def show_recordings(self, recs: tuple[RecordingView, ...]) -> None:
        if not recs:
            self.hide()
            return
        self.setText(long_summary(list(recs)) + "\n(RF menu: Upload as capture…, Quick look)")
        self.show()


__all__ = ["RecordingDetails", "RecordingProxy", "recording_icon"]
