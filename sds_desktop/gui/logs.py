# ruff: noqa: S101 - Qt naming (camelCase signals), Qt's positional bools, asserts narrow types
"""Logging: named loggers, a JSONL file under the config dir, and a filterable dock.

Records go through :class:`SecretFilter` before any handler sees them, so a token never
reaches the file or the screen. The dock is fed through a queued signal, so records
logged from worker threads are safe.
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.handlers
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QtMsgType,
    Signal,
    Slot,
    qInstallMessageHandler,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

ROOT_LOGGER = "sds_desktop"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_API_KEY_RE = re.compile(r"(Api-Key:?\s*)\S+", re.IGNORECASE)
_TOKEN_RE = re.compile(r"\b[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}\b")

AnyIndex = QModelIndex | QPersistentModelIndex


class SecretFilter(logging.Filter):
    """Redact API keys: known secrets, ``Api-Key: ...`` headers and key-shaped strings."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def add_secret(self, secret: str) -> None:
        if secret:
            self.secrets.add(secret)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        text = _API_KEY_RE.sub(r"\1***", text)
        return _TOKEN_RE.sub("***", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = self.redact(record.getMessage())
        record.msg = message
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "thread": record.threadName,
        }
        if record.exc_text:
            data["exc"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


class LogBridge(QObject):
    """Carries records from any thread to the GUI thread."""

    record = Signal(object)


class QtLogHandler(logging.Handler):
    def __init__(self, bridge: LogBridge) -> None:
        super().__init__(logging.DEBUG)
        self.bridge = bridge

    def emit(self, record: logging.LogRecord) -> None:
        entry = (record.created, record.levelname, record.name, self.format(record))
        with contextlib.suppress(RuntimeError):  # bridge already deleted during shutdown
            self.bridge.record.emit(entry)


class LoggingSetup:
    """Attach the JSONL file and the GUI bridge to the ``sds_desktop`` logger."""

    def __init__(self, log_dir: Path, *, level: int = logging.INFO) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.path = log_dir / "sds-desktop.jsonl"
        self.secret_filter = SecretFilter()
        self.bridge = LogBridge()
        self.file_handler = logging.handlers.RotatingFileHandler(
            self.path, maxBytes=5 * 1024 * 1024, backupCount=3, encoding="utf-8"
        )
        self.file_handler.setFormatter(JsonFormatter())
        self.qt_handler = QtLogHandler(self.bridge)
        self.qt_handler.setFormatter(logging.Formatter("%(message)s"))
        # The terminal gets warnings and errors only; the log view and the file get all.
        # Our records do not propagate to the root logger, whose handlers belong to
        # whichever library called basicConfig first (digital_rf does, on import).
        self.stderr_handler = logging.StreamHandler()
        self.stderr_handler.setLevel(logging.WARNING)
        self.stderr_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.logger = logging.getLogger(ROOT_LOGGER)
        self._old_level = self.logger.level
        self._old_propagate = self.logger.propagate
        self.logger.setLevel(min(level, self.logger.level or level))
        self.logger.propagate = False
        for handler in self._handlers:
            handler.addFilter(self.secret_filter)
            self.logger.addHandler(handler)

    @property
    def _handlers(self) -> tuple[logging.Handler, ...]:
        return (self.file_handler, self.qt_handler, self.stderr_handler)

    def close(self) -> None:
        for handler in self._handlers:
            self.logger.removeHandler(handler)
            handler.close()
        self.logger.setLevel(self._old_level)
        self.logger.propagate = self._old_propagate


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


BENIGN_QT_MESSAGES = ("does not support propagateSizeHints",)
"""Platform notices that say nothing about the app (the offscreen plugin's, for one):
kept in the log at DEBUG, never shown as warnings."""


def _qt_message_handler(mode: QtMsgType, _context: object, message: str) -> None:
    level = _QT_LEVELS.get(mode, logging.WARNING)
    if any(text in message for text in BENIGN_QT_MESSAGES):
        level = logging.DEBUG
    logging.getLogger("sds_desktop.qt").log(level, "%s", message)


def route_qt_messages() -> None:
    """Send Qt's own warnings into Python logging (app only; pytest-qt has its own)."""
    qInstallMessageHandler(_qt_message_handler)


class LogModel(QAbstractTableModel):
    """The last ``limit`` records, oldest first."""

    HEADERS = ("Time", "Level", "Source", "Message")

    def __init__(self, parent: QObject | None = None, *, limit: int = 5000) -> None:
        super().__init__(parent)
        self.limit = limit
        self._rows: list[tuple[float, str, str, str]] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        created, level, name, message = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return time.strftime("%H:%M:%S", time.localtime(created))
            if col == 1:
                return level
            if col == 2:
                return name.removeprefix("sds_desktop.")
            if col == 3:
                return message.splitlines()[0] if message else ""
        elif role == Qt.ItemDataRole.ToolTipRole and col == 3:
            return message
        elif role == Qt.ItemDataRole.ForegroundRole and level in ("WARNING", "ERROR", "CRITICAL"):
            return QBrush(QColor("#b00020" if level != "WARNING" else "#9a6700"))
        elif role == Qt.ItemDataRole.UserRole:
            return LEVELS.index(level) if level in LEVELS else len(LEVELS)
        return None

    @Slot(object)
    def append(self, entry: object) -> None:
        assert isinstance(entry, tuple)
        if len(self._rows) >= self.limit:
            drop = len(self._rows) - self.limit + 1
            self.beginRemoveRows(QModelIndex(), 0, drop - 1)
            del self._rows[:drop]
            self.endRemoveRows()
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(entry)  # type: ignore[arg-type]
        self.endInsertRows()


class _LevelFilter(QSortFilterProxyModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.min_level = 1
        self.text = ""

    def _refilter(self, change: Callable[[], None]) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            change()
            self.invalidateFilter()

    @Slot(int)
    def set_min_level(self, level: int) -> None:
        self._refilter(lambda: setattr(self, "min_level", level))

    @Slot(str)
    def set_text(self, text: str) -> None:
        self._refilter(lambda: setattr(self, "text", text.lower()))

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        level = model.data(model.index(source_row, 1, source_parent), Qt.ItemDataRole.UserRole)
        if int(level or 0) < self.min_level:
            return False
        if self.text:
            msg = str(model.data(model.index(source_row, 3, source_parent)) or "")
            src = str(model.data(model.index(source_row, 2, source_parent)) or "")
            return self.text in msg.lower() or self.text in src.lower()
        return True


class LogDock(QDockWidget):
    """The log view: level filter, text filter, auto-scroll."""

    def __init__(self, setup: LoggingSetup | None, parent: QWidget | None = None) -> None:
        super().__init__("Log", parent)
        self.setObjectName("logDock")
        self.model = LogModel(self)
        self.proxy = _LevelFilter(self)
        self.proxy.setSourceModel(self.model)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Level:"))
        self.level_box = QComboBox(body)
        self.level_box.addItems(LEVELS)
        self.level_box.setCurrentIndex(1)
        self.level_box.currentIndexChanged.connect(self.proxy.set_min_level)
        bar.addWidget(self.level_box)
        self.search = QLineEdit(body)
        self.search.setPlaceholderText("Filter messages…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_text)
        bar.addWidget(self.search, 1)
        layout.addLayout(bar)
        self.view = QTableView(body)
        self.view.setModel(self.proxy)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(20)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.view.setColumnWidth(0, 70)
        self.view.setColumnWidth(1, 70)
        self.view.setColumnWidth(2, 150)
        layout.addWidget(self.view)
        self.setWidget(body)
        if setup is not None:
            setup.bridge.record.connect(self._on_record)

    @Slot(object)
    def _on_record(self, entry: object) -> None:
        bar = self.view.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        self.model.append(entry)
        if at_end:
            self.view.scrollToBottom()
