# ruff: noqa: ARG002, RUF001 - Qt signatures; en dashes in ranges
"""The Captures table: every capture the user can see, and its instant filters.

:class:`CapturesModel` holds :class:`CaptureInfo` rows (appended page by page as the
listing arrives); :class:`CaptureFilter` sorts on typed keys and filters on type,
frequency range, time range and text, on what is loaded, with precomputed keys so that
a thousand rows filter in a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from sds_desktop.gui.fmt import human_bytes, human_duration
from sds_desktop.gui.rf.info import CaptureInfo

AnyIndex = QModelIndex | QPersistentModelIndex
CAPTURE_MIME = "application/x-sds-captures"
"""Drag payload: capture UUIDs, one a line (dropped on the local pane: download)."""

COLUMNS = (
    "Name",
    "Type",
    "Channel / group",
    "Centre freq",
    "Sample rate",
    "Start – end (UTC)",
    "Files",
    "Size",
    "Owner",
    "Shared",
)
(
    COL_NAME,
    COL_TYPE,
    COL_GROUP,
    COL_FREQ,
    COL_RATE,
    COL_SPAN,
    COL_FILES,
    COL_SIZE,
    COL_OWNER,
    COL_SHARED,
) = range(len(COLUMNS))
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
INFO_ROLE = Qt.ItemDataRole.UserRole + 2


def human_hz(hz: float | None) -> str:
    if hz is None:
        return ""
    for unit, scale in (("GHz", 1e9), ("MHz", 1e6), ("kHz", 1e3)):
        if abs(hz) >= scale:
            return f"{hz / scale:.6g} {unit}"
    return f"{hz:.6g} Hz"


def human_rate_sps(rate: float | None) -> str:
    if rate is None:
        return ""
    for unit, scale in (("MS/s", 1e6), ("kS/s", 1e3)):
        if rate >= scale:
            return f"{rate / scale:.6g} {unit}"
    return f"{rate:.6g} S/s"


def utc_text(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def span_text(info: CaptureInfo) -> str:
    if info.start is None:
        return "—"
    if info.end is None or info.end == info.start:
        return utc_text(info.start)
    end = utc_text(info.end)
    if info.end.date() == info.start.date():
        end = end[11:]
    return f"{utc_text(info.start)} – {end}"


class CapturesModel(QAbstractTableModel):
    """Capture rows; read-only, draggable (onto the local pane to download)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[CaptureInfo] = []
        self._index: dict[str, int] = {}

    # -- content -------------------------------------------------------------------
    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self._index = {}
        self.endResetModel()

    def add(self, infos: Iterable[CaptureInfo]) -> None:
        """Append new captures; a capture already listed is updated in place."""
        fresh: list[CaptureInfo] = []
        for info in infos:
            row = self._index.get(info.uuid)
            if row is None:
                fresh.append(info)
                continue
            self._rows[row] = info
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        if not fresh:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        for i, info in enumerate(fresh):
            self._index[info.uuid] = first + i
        self._rows.extend(fresh)
        self.endInsertRows()

    def remove(self, uuid: str) -> None:
        row = self._index.get(uuid)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self._index = {info.uuid: i for i, info in enumerate(self._rows)}
        self.endRemoveRows()

    def info(self, row: int) -> CaptureInfo:
        return self._rows[row]

    def find(self, uuid: str) -> CaptureInfo | None:
        row = self._index.get(uuid)
        return None if row is None else self._rows[row]

    def infos(self) -> list[CaptureInfo]:
        return list(self._rows)

    # -- Qt model ------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole and section == COL_SPAN:
                return "Start and end of the recording, in UTC (RadioHound: the scan time)"
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        info = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(info, col)
        if role == SORT_ROLE:
            return self._sort_key(info, col)
        if role == INFO_ROLE:
            return info
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_NAME:
                return f"{info.name}\n{info.top_level_dir}\nUUID {info.uuid}"
            if col == COL_SPAN and info.duration_s:
                return f"{span_text(info)} UTC ({human_duration(info.duration_s)})"
            text = self._display(info, col)
            return text or None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (
            COL_FREQ,
            COL_RATE,
            COL_FILES,
            COL_SIZE,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _display(info: CaptureInfo, col: int) -> str:
        if col == COL_NAME:
            return info.name
        if col == COL_TYPE:
            return info.type_name
        if col == COL_GROUP:
            return info.group
        if col == COL_FREQ:
            return human_hz(info.center_hz)
        if col == COL_RATE:
            return human_rate_sps(info.sample_rate)
        if col == COL_SPAN:
            return span_text(info)
        if col == COL_FILES:
            return "" if info.file_count is None else f"{info.file_count:,}"
        if col == COL_SIZE:
            return "" if info.size is None else human_bytes(info.size)
        if col == COL_OWNER:
            return info.owner
        if col == COL_SHARED:
            return info.shared
        return ""

    @staticmethod
    def _sort_key(info: CaptureInfo, col: int) -> Any:
        missing = float("inf")
        if col == COL_FREQ:
            return info.center_hz if info.center_hz is not None else missing
        if col == COL_RATE:
            return info.sample_rate if info.sample_rate is not None else missing
        if col == COL_SPAN:
            return info.start.timestamp() if info.start is not None else missing
        if col == COL_FILES:
            return info.file_count if info.file_count is not None else -1
        if col == COL_SIZE:
            return info.size if info.size is not None else -1
        return CapturesModel._display(info, col).lower()

    # -- drag ----------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [CAPTURE_MIME]

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def mimeData(self, indexes: Any) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        data = QMimeData()
        data.setData(CAPTURE_MIME, "\n".join(self._rows[r].uuid for r in rows).encode())
        return data


def decode_capture_mime(data: QMimeData) -> list[str]:
    if not data.hasFormat(CAPTURE_MIME):
        return []
    raw = bytes(data.data(CAPTURE_MIME).data()).decode("utf-8", "replace")
    return [line.strip() for line in raw.splitlines() if line.strip()]


class CaptureFilter(QSortFilterProxyModel):
    """Type, frequency range (Hz), time range (UTC) and text filters, and typed sorting.

    A capture passes the frequency filter when its centre frequency lies in the range,
    and the time filter when its span overlaps the range; captures that lack the value
    (RadioHound has no span, composite rows may have no frequency) do not pass an active
    filter on it.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)
        self._type: str | None = None
        self._fmin: float | None = None
        self._fmax: float | None = None
        self._tmin: float | None = None
        self._tmax: float | None = None
        self._words: list[str] = []

    def set_filters(
        self,
        *,
        capture_type: str | None = None,
        freq_range: tuple[float | None, float | None] = (None, None),
        time_range: tuple[datetime | None, datetime | None] = (None, None),
        text: str = "",
    ) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
        self._type = capture_type or None
        self._fmin, self._fmax = freq_range
        tmin, tmax = time_range
        self._tmin = None if tmin is None else tmin.timestamp()
        self._tmax = None if tmax is None else tmax.timestamp()
        self._words = text.lower().split()
        if hasattr(self, "endFilterChange"):
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self.invalidateFilter()

    @property
    def active(self) -> bool:
        return bool(
            self._type
            or self._fmin is not None
            or self._fmax is not None
            or self._tmin is not None
            or self._tmax is not None
            or self._words
        )

    def source(self) -> CapturesModel:
        model = self.sourceModel()
        assert isinstance(model, CapturesModel)  # noqa: S101 - narrows the type
        return model

    def info(self, index: AnyIndex) -> CaptureInfo:
        return self.source().info(self.mapToSource(index).row())

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        info = self.source().info(source_row)
        if self._type and info.capture_type != self._type:
            return False
        if self._fmin is not None or self._fmax is not None:
            f = info.center_hz
            if f is None:
                return False
            if self._fmin is not None and f < self._fmin:
                return False
            if self._fmax is not None and f > self._fmax:
                return False
        if self._tmin is not None or self._tmax is not None:
            if info.start is None:
                return False
            start = info.start.timestamp()
            end = info.end.timestamp() if info.end is not None else start
            if self._tmin is not None and end < self._tmin:
                return False
            if self._tmax is not None and start > self._tmax:
                return False
        return all(word in info.search_text for word in self._words)

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        a = self.sourceModel().data(left, SORT_ROLE)
        b = self.sourceModel().data(right, SORT_ROLE)
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)


__all__ = [
    "CAPTURE_MIME",
    "COLUMNS",
    "CaptureFilter",
    "CapturesModel",
    "decode_capture_mime",
    "human_hz",
    "human_rate_sps",
    "span_text",
    "utc_text",
]
