# ruff: noqa: N815 - Qt naming
"""Back, forward, up and an editable path with its history: one per side."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QToolButton,
    QWidget,
)

HISTORY_LIMIT = 30


class History:
    """Back/forward stacks of visited places (Qt-free)."""

    def __init__(self, start: str) -> None:
        self.current = start
        self.back: list[str] = []
        self.forward: list[str] = []

    def visit(self, place: str) -> None:
        if place == self.current:
            return
        self.back.append(self.current)
        del self.back[:-HISTORY_LIMIT]
        self.forward.clear()
        self.current = place

    def go_back(self) -> str | None:
        if not self.back:
            return None
        self.forward.append(self.current)
        self.current = self.back.pop()
        return self.current

    def go_forward(self) -> str | None:
        if not self.forward:
            return None
        self.back.append(self.current)
        self.current = self.forward.pop()
        return self.current


def tool_button(parent: QWidget, icon: QStyle.StandardPixmap, tip: str) -> QToolButton:
    button = QToolButton(parent)
    button.setIcon(parent.style().standardIcon(icon))
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button


class PathBar(QWidget):
    """``[title] ◀ ▶ ▲ [ path ▾ ]``: Enter or a pick from the list opens a place."""

    placeRequested = Signal(str)
    backRequested = Signal()
    forwardRequested = Signal()
    upRequested = Signal()

    def __init__(self, title: str, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.title = QLabel(title, self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        sp = QStyle.StandardPixmap
        self.back = tool_button(self, sp.SP_ArrowBack, "Back (Alt+Left)")
        self.forward = tool_button(self, sp.SP_ArrowForward, "Forward (Alt+Right)")
        self.up = tool_button(self, sp.SP_FileDialogToParent, "Up one level (Backspace, Alt+Up)")
        self.combo = QComboBox(self)
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.setMaxCount(HISTORY_LIMIT)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(8)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        line = self.combo.lineEdit()
        line.setPlaceholderText(placeholder)
        line.setClearButtonEnabled(False)
        self.combo.setToolTip(f"{placeholder}: type a path and press Enter (Ctrl+L)")
        layout.addWidget(self.title)
        layout.addSpacing(6)
        for w in (self.back, self.forward, self.up):
            layout.addWidget(w)
        layout.addWidget(self.combo, 1)
        self.back.clicked.connect(self.backRequested)
        self.forward.clicked.connect(self.forwardRequested)
        self.up.clicked.connect(self.upRequested)
        line.returnPressed.connect(lambda: self.placeRequested.emit(self.text()))
        self.combo.activated.connect(lambda n: self.placeRequested.emit(self.combo.itemText(n)))

    def text(self) -> str:
        return self.combo.currentText().strip()

    def show_place(self, place: str, history: History, *, can_go_up: bool) -> None:
        """Show where the pane is and which moves are possible."""
        n = self.combo.findText(place, Qt.MatchFlag.MatchExactly)
        if n >= 0:
            self.combo.removeItem(n)
        self.combo.insertItem(0, place)
        self.combo.setCurrentIndex(0)
        self.combo.lineEdit().setCursorPosition(0)
        self.combo.setToolTip(place)
        self.back.setEnabled(bool(history.back))
        self.forward.setEnabled(bool(history.forward))
        self.up.setEnabled(can_go_up)

    def focus_path(self) -> None:
        self.combo.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.combo.lineEdit().selectAll()


class TargetButton(QPushButton):
    """A button for an action whose text names its target ("Upload 3 items to /a"),
    elided in the middle to the space there is; the whole text is its tooltip."""

    def __init__(self, action: QAction, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.action = action
        self.setIcon(action.icon())
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(110)
        self.setMaximumWidth(360)
        self.clicked.connect(action.trigger)
        action.changed.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        self.setEnabled(self.action.isEnabled())
        keys = self.action.shortcut().toString()
        self.setToolTip(f"{self.action.text()} ({keys})" if keys else self.action.text())
        self._elide()

    def _elide(self) -> None:
        room = self.width() - self.iconSize().width() - 24
        self.setText(
            self.fontMetrics().elidedText(
                self.action.text(), Qt.TextElideMode.ElideMiddle, max(room, 40)
            )
        )

    def sizeHint(self):  # type: ignore[no-untyped-def]
        hint = super().sizeHint()
        full = (
            self.fontMetrics().horizontalAdvance(self.action.text()) + self.iconSize().width() + 30
        )
        hint.setWidth(min(full, self.maximumWidth()))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()
