"""Columns that fit: a table whose first column (the name) stretches and never
collapses, the others sized for their content, the less important ones hidden by default
and, in a narrow window, the default ones dropped in order of importance rather than the
table scrolling sideways. The header's context menu shows or hides any column; a column
the user showed there stays shown (the table scrolls if it must).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView

NAME_MIN = 120  # pixels the stretching name column keeps before others make room
SORT_ROOM = 22  # the header's sort arrow and margins


@dataclass(frozen=True)
class Column:
    section: int
    sample: str  # the widest text the column usually shows
    shown: bool = True  # shown by default (room allowing)
    keep: int = 0  # higher: kept longer when the window is narrow


class FittedColumns(QObject):
    """Fits the columns of ``view`` (whose ``name`` section stretches) to its width."""

    def __init__(self, view: QTableView, name: int, columns: list[Column]) -> None:
        super().__init__(view)
        self.view = view
        self.name = name
        self.columns = {c.section: c for c in columns}
        self.chosen: dict[int, bool] = {}  # the user's choices from the header menu
        self.popup: QMenu | None = None
        header = view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(name, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(36)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._menu)
        header.setToolTip("Right-click to choose the columns")
        self.widths = {c.section: self._width(c) for c in columns}
        for section, width in self.widths.items():
            header.resizeSection(section, width)
        self._viewport = view.viewport()
        self._viewport.installEventFilter(self)  # its width: after the scroll bars'
        self.fit()

    def _width(self, column: Column) -> int:
        metrics = self.view.fontMetrics()
        title = str(self.view.model().headerData(column.section, Qt.Orientation.Horizontal))
        bold = self.view.horizontalHeader().fontMetrics()
        return max(
            bold.horizontalAdvance(title) + SORT_ROOM,
            metrics.horizontalAdvance(column.sample) + 12,
        )

    def wanted(self, section: int) -> bool:
        return self.chosen.get(section, self.columns[section].shown)

    def fit(self) -> None:
        """Show the chosen columns, then the default ones by importance while the name
        keeps :data:`NAME_MIN` pixels."""
        room = self.view.viewport().width() - NAME_MIN
        shown: set[int] = set()
        for section in self.columns:
            if self.chosen.get(section):
                shown.add(section)
                room -= self.widths[section]
        defaults = [c for c in self.columns.values() if c.section not in self.chosen and c.shown]
        for column in sorted(defaults, key=lambda c: -c.keep):
            if self.widths[column.section] <= room:
                shown.add(column.section)
                room -= self.widths[column.section]
        for section in self.columns:
            hidden = section not in shown
            if self.view.isColumnHidden(section) != hidden:
                self.view.setColumnHidden(section, hidden)
                if not hidden:
                    self.view.horizontalHeader().resizeSection(section, self.widths[section])

    def choose(self, section: int, show: bool) -> None:
        self.chosen[section] = show
        self.fit()

    def reset(self) -> None:
        self.chosen.clear()
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show) and watched is self._viewport:
            self.fit()
        return False

    def menu(self) -> QMenu:
        """The header's menu: one check box a column (the name always shows)."""
        model = self.view.model()
        menu = QMenu(self.view)
        title = menu.addAction("Columns")
        title.setEnabled(False)
        for section in sorted(self.columns):
            text = str(model.headerData(section, Qt.Orientation.Horizontal))
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(not self.view.isColumnHidden(section))
            if self.wanted(section) and self.view.isColumnHidden(section):
                action.setText(f"{text} (no room: widen the window or tick to show)")
            action.toggled.connect(lambda on, s=section: self.choose(s, on))
        menu.addSeparator()
        reset = menu.addAction("Default columns", self.reset)
        reset.setEnabled(bool(self.chosen))
        return menu

    def _menu(self, pos: QPoint) -> None:
        self.popup = self.menu()  # kept: it lives while it is open
        self.popup.popup(self.view.horizontalHeader().mapToGlobal(pos))


__all__ = ["NAME_MIN", "Column", "FittedColumns"]
