# ruff: noqa: N815 - Qt naming, Qt's positional bools
"""The local side: path bar, folder tree, and the flat list of the folder shown."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QDir,
    QEvent,
    QIdentityProxyModel,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QFileSystemModel,
    QHBoxLayout,
    QLineEdit,
    QSplitter,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from sds_desktop.gui.file_list import FileListView
from sds_desktop.gui.local_list import L_DIR, LocalFilter, LocalListModel
from sds_desktop.gui.path_bar import History, PathBar
from sds_desktop.gui.tasks import TaskRunner

ErrorCallback = Callable[[str], None]


def _reason(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


class LocalPane(QWidget):
    """This computer. Downloads land in :meth:`current_dir`."""

    directoryChanged = Signal(str)
    selectionChanged = Signal()

    def __init__(
        self,
        start: Path,
        runner: TaskRunner,
        show_hidden: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.current = Path(start)
        self.history = History(str(start))
        self.model = LocalListModel(runner, self)
        self.model.hidden = show_hidden
        self.filter = LocalFilter(self)
        self.filter.setSourceModel(self.model)
        self._decorator: QIdentityProxyModel | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.path_bar = PathBar("This computer", "Local folder", self)
        layout.addWidget(self.path_bar)

        self.fs = QFileSystemModel(self)
        self.fs.setReadOnly(True)
        self.fs.setFilter(QDir.Filter.AllDirs | QDir.Filter.NoDotAndDotDot | QDir.Filter.Drives)
        self.fs.setRootPath(QDir.rootPath())
        self.tree = QTreeView(self)
        self.tree.setModel(self.fs)
        self.tree.setHeaderHidden(True)
        for col in (1, 2, 3):
            self.tree.hideColumn(col)
        self.tree.setUniformRowHeights(True)
        self.tree.setToolTip("Folders on this computer: click one to show it")
        self.view = FileListView(self.model, self, shown=self.filter)
        self.view.setToolTip("")
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.tree)
        split.addWidget(self.view)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(True)
        split.setCollapsible(1, False)  # noqa: FBT003
        self.splitter = split
        layout.addWidget(split, 1)

        bottom = QHBoxLayout()
        self.bottom = bottom
        bottom.setSpacing(2)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter names in this folder")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMinimumWidth(120)
        self.filter_edit.setToolTip("Show only the names that contain this text")
        self.hidden_button = QToolButton(self)
        self.hidden_button.setText(".*")
        self.hidden_button.setToolTip("Show hidden files")
        self.hidden_button.setCheckable(True)
        self.hidden_button.setChecked(show_hidden)
        self.hidden_button.setAutoRaise(True)
        bottom.addWidget(self.filter_edit, 1)
        bottom.addWidget(self.hidden_button)
        layout.addLayout(bottom)

        self.path_bar.placeRequested.connect(lambda text: self.set_directory(Path(text)))
        self.path_bar.backRequested.connect(self.go_back)
        self.path_bar.forwardRequested.connect(self.go_forward)
        self.path_bar.upRequested.connect(self.go_up)
        self.tree.clicked.connect(self._tree_clicked)
        # The tree follows the folder shown: it loads folders lazily (rows arrive and
        # are sorted later, and it has no size before the window shows), so the reveal
        # is redone after each such change until the user scrolls the tree.
        self._follow = False
        self._reveal_timer = QTimer(self)
        self._reveal_timer.setSingleShot(True)
        self._reveal_timer.setInterval(0)
        self._reveal_timer.timeout.connect(self._show_in_tree)
        self.fs.directoryLoaded.connect(self._tree_changed)
        self.fs.rowsInserted.connect(self._tree_changed)
        self.fs.rowsRemoved.connect(self._tree_changed)
        self.fs.layoutChanged.connect(self._tree_changed)
        self.tree.verticalScrollBar().actionTriggered.connect(self._user_scrolled)
        self.tree.installEventFilter(self)
        self.view.activated.connect(self._activated)
        self.filter_edit.textChanged.connect(self.filter.setFilterFixedString)
        self.hidden_button.toggled.connect(self.set_show_hidden)
        self.view.selectionModel().selectionChanged.connect(self.selectionChanged)
        self.model.modelReset.connect(self.selectionChanged)
        self._select_after = ""
        self.model.scanned.connect(self._scanned)
        self.set_directory(self.current, remember=False)

    # -- navigation -----------------------------------------------------------------
    def current_dir(self) -> Path:
        """The local folder shown: downloads land here."""
        return self.current

    def set_directory(self, path: Path, *, remember: bool = True) -> bool:
        # absolute, without "." or ".." (the tree finds folders by their plain path);
        # symbolic links are kept as typed
        path = Path(os.path.abspath(Path(path).expanduser()))  # noqa: PTH100 - keeps links
        if not path.is_dir():
            self.path_bar.show_place(str(self.current), self.history, can_go_up=True)
            self.window().statusBar().showMessage(f"No such folder: {path}", 5000)  # type: ignore[attr-defined]
            return False
        if remember:
            self.history.visit(str(path))
        self.current = path
        self.model.open(path)
        self.path_bar.show_place(str(path), self.history, can_go_up=path.parent != path)
        self._follow = True
        self._show_in_tree(center=True)
        self.directoryChanged.emit(str(path))
        self.selectionChanged.emit()
        return True

    @Slot()
    def go_back(self) -> None:
        place = self.history.go_back()
        if place is not None:
            self.set_directory(Path(place), remember=False)

    @Slot()
    def go_forward(self) -> None:
        place = self.history.go_forward()
        if place is not None:
            self.set_directory(Path(place), remember=False)

    @Slot()
    def go_up(self) -> None:
        if self.current.parent != self.current:
            self.set_directory(self.current.parent)

    @Slot()
    def refresh(self) -> None:
        self.model.rescan()

    @Slot(bool)
    def set_show_hidden(self, show: bool) -> None:
        self.model.set_hidden(show)
        filters = QDir.Filter.AllDirs | QDir.Filter.NoDotAndDotDot | QDir.Filter.Drives
        self.fs.setFilter(filters | QDir.Filter.Hidden if show else filters)

    def _tree_changed(self, *_args: object) -> None:
        if self._follow:
            self._reveal_timer.start()  # once for a burst of changes

    def _user_scrolled(self, _action: int) -> None:
        """The user scrolls the tree: stop pulling it back to the folder shown."""
        self._follow = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.tree and event.type() in (QEvent.Type.Show, QEvent.Type.Resize):
            self._tree_changed()
        return super().eventFilter(watched, event)

    def _show_in_tree(self, *, center: bool = False) -> None:
        """Expand the tree down to the folder shown, select it and scroll it into view
        (to the middle after a move; later only when it is out of sight)."""
        index = self.fs.index(str(self.current))
        if not index.isValid():
            return
        parent = index.parent()
        while parent.isValid():
            if not self.tree.isExpanded(parent):
                self.tree.expand(parent)
            parent = parent.parent()
        if self.tree.currentIndex() != index:
            self.tree.setCurrentIndex(index)
        rect = self.tree.visualRect(index)
        seen = self.tree.viewport().rect()
        if center or rect.isEmpty() or not seen.contains(rect.topLeft()):
            self.tree.scrollTo(index, QTreeView.ScrollHint.PositionAtCenter)

    def _tree_clicked(self, index: QModelIndex) -> None:
        self.set_directory(Path(self.fs.filePath(index)))

    def _activated(self, index: QModelIndex) -> None:
        n = self.view.to_source(index).row()
        if 0 <= n < len(self.model.rows) and self.model.rows[n][L_DIR]:
            self.set_directory(self.model.path_of(self.model.rows[n]))

    # -- selection ------------------------------------------------------------------
    def selected_paths(self) -> list[Path]:
        return [self.model.path_of(r) for r in self.view.selected_rows()]

    def select_name(self, name: str) -> bool:
        for n, row in enumerate(self.model.rows):
            if row[0] == name:
                self.view.select_row(n)
                return True
        return False

    # -- file operations (in the background; the watcher shows the result) ------------
    def make_folder(self, name: str, on_error: ErrorCallback) -> None:
        target = self.current / name
        self.runner.call(
            target.mkdir,
            lambda _r: self._after_change(name),
            lambda exc: on_error(f"Could not create {target}: {_reason(exc)}"),
        )

    def rename(self, path: Path, name: str, on_error: ErrorCallback) -> None:
        target = path.with_name(name)

        def work() -> None:
            if target.exists():
                raise FileExistsError(f"{target.name} already exists")
            path.rename(target)

        self.runner.call(
            work,
            lambda _r: self._after_change(name),
            lambda exc: on_error(f"Could not rename {path.name}: {_reason(exc)}"),
        )

    def trash(self, paths: list[Path], on_error: ErrorCallback) -> None:
        def work() -> None:
            from send2trash import send2trash  # noqa: PLC0415 - only when used

            send2trash([str(p) for p in paths])

        self.runner.call(
            work,
            lambda _r: self.model.rescan(),
            lambda exc: on_error(f"Could not move to the trash: {_reason(exc)}"),
        )

    def _after_change(self, name: str) -> None:
        self._select_after = name
        self.model.rescan()

    def _scanned(self, _folder: str) -> None:
        name, self._select_after = self._select_after, ""
        if name:
            self.select_name(name)

    # -- integration (gui/rf) -------------------------------------------------------
    def set_decorator(self, decorator: QIdentityProxyModel) -> None:
        """Put ``decorator`` (icons, tooltips) between the filter model and the view."""
        decorator.setSourceModel(self.filter)
        self._decorator = decorator
        self.view.setModel(decorator)
        self.view.selectionModel().selectionChanged.connect(self.selectionChanged)


__all__ = ["LocalPane"]
