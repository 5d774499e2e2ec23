# ruff: noqa: N815 - Qt naming, asserts narrow types
"""The SDS side's Files view: path bar, folder tree, flat list, and search by name.

Uploads land in :meth:`RemotePane.current_dir`, the folder shown in the path bar;
nothing depends on the highlighted row.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QSplitter, QTreeView, QVBoxLayout, QWidget

from sds_desktop.core.errors import PathError
from sds_desktop.core.listing import FolderSummary, ParallelLister
from sds_desktop.core.models import SDSFile
from sds_desktop.core.paths import normalize_sds_path
from sds_desktop.gui.file_list import FileListView, Row
from sds_desktop.gui.folder_tree import FolderTreeModel
from sds_desktop.gui.path_bar import History, PathBar
from sds_desktop.gui.remote_list import (
    R_DIR,
    R_FILE,
    R_NAME,
    R_VIRTUAL,
    RemoteListModel,
    dir_row,
    file_row,
)
from sds_desktop.gui.tasks import Task, TaskRunner

SEARCH_LIMIT = 5000


class RemotePane(QWidget):
    """The user's SDS space."""

    directoryChanged = Signal(str)  # the SDS folder shown
    selectionChanged = Signal()

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.lister: ParallelLister | None = None
        self.current = "/"
        self.history = History("/")
        self.model = RemoteListModel(runner, self)
        self.tree_model = FolderTreeModel(self)
        self.tree_model.loader = self.load_subtree
        self._search_task: Task | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.path_bar = PathBar("SDS", "SDS folder", self)
        layout.addWidget(self.path_bar)
        self.tree = QTreeView(self)
        self.tree.setModel(self.tree_model)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAcceptDrops(False)
        self.view = FileListView(self.model, self)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.tree)
        split.addWidget(self.view)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setCollapsible(1, False)  # noqa: FBT003
        self.splitter = split
        layout.addWidget(split, 1)
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText("Search all of SDS by name (Ctrl+F, Enter)")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(150)
        self.search_edit.setToolTip(
            "Find files and folders anywhere in your SDS space whose name contains this text"
        )
        self.bottom = QHBoxLayout()
        self.bottom.setSpacing(2)
        self.bottom.addWidget(self.search_edit, 1)
        layout.addLayout(self.bottom)

        self.path_bar.placeRequested.connect(self._path_typed)
        self.path_bar.backRequested.connect(self.go_back)
        self.path_bar.forwardRequested.connect(self.go_forward)
        self.path_bar.upRequested.connect(self.go_up)
        self.tree.clicked.connect(self._tree_clicked)
        self.view.activated.connect(self._activated)
        self.search_edit.returnPressed.connect(lambda: self.search(self.search_edit.text()))
        self.search_edit.textChanged.connect(self._search_cleared)
        self.model.loaded.connect(self.tree_model.absorb)
        self.model.loaded.connect(lambda *_a: self.after_load())
        self._select_after_load = ""
        self.view.selectionModel().selectionChanged.connect(self.selectionChanged)
        self.model.modelReset.connect(self.selectionChanged)
        self.model.layoutChanged.connect(self.selectionChanged)
        self._show_place()

    # -- session --------------------------------------------------------------------
    def set_lister(self, lister: ParallelLister | None, title: str = "SDS") -> None:
        self.cancel_search()
        self.lister = lister
        self.model.set_lister(lister)
        self.tree_model.reset(title)
        self.history = History("/")
        self.current = "/"
        if lister is not None:
            self.model.open("/")
        self._show_place()
        self.directoryChanged.emit("/")

    # -- navigation -----------------------------------------------------------------
    def current_dir(self) -> str:
        """The SDS folder shown: uploads land here."""
        return self.current

    def set_dir(self, path: str, *, remember: bool = True, select: str = "") -> None:
        self.cancel_search()
        path = normalize_sds_path(path)
        if remember:
            self.history.visit(path)
        self.current = path
        self.model.open(path)
        self._select_after_load = select
        self._show_place()
        self.directoryChanged.emit(path)
        self.selectionChanged.emit()

    def _show_place(self) -> None:
        path = self.current
        self.path_bar.show_place(path, self.history, can_go_up=path != "/")
        node = self.tree_model.find(path)
        if node is not None:
            index = self.tree_model.index_of(node)
            self.tree.setCurrentIndex(index)
            self.tree.scrollTo(index)

    def _path_typed(self, text: str) -> None:
        try:
            self.set_dir(text or "/")
        except PathError as exc:
            self.window().statusBar().showMessage(str(exc), 6000)  # type: ignore[attr-defined]
            self._show_place()

    @Slot()
    def go_back(self) -> None:
        place = self.history.go_back()
        if place is not None:
            self.set_dir(place, remember=False)

    @Slot()
    def go_forward(self) -> None:
        place = self.history.go_forward()
        if place is not None:
            self.set_dir(place, remember=False)

    @Slot()
    def go_up(self) -> None:
        if self.current != "/":
            self.set_dir(self.current.rsplit("/", 1)[0] or "/")

    @Slot()
    def refresh(self) -> None:
        if self.model.searching:
            self.search(self.model.searching)
        elif self.model.state == "error":
            self.model.open(self.current)
        else:
            self.model.reload()

    def _tree_clicked(self, index: QModelIndex) -> None:
        self.set_dir(self.tree_model.folder(index).path)

    def _activated(self, index: QModelIndex) -> None:
        if not 0 <= index.row() < len(self.model.rows):
            return
        row = self.model.rows[index.row()]
        if row[R_DIR]:
            self.set_dir(self.model.path_of(row))
        elif self.model.searching:
            f = row[R_FILE]
            self.set_dir(f.directory, select=f.name)

    def load_subtree(self, path: str) -> None:
        lister = self.lister
        if lister is None:
            self.tree_model.failed(path)
            return

        def work(task: Task) -> dict[str, list[int]]:
            summary = FolderSummary(path)
            for page in lister.iter_rows(path, task.cancel):
                summary.add(page)
            return summary.tree

        self.runner.submit(
            work,
            on_success=lambda tree: self.tree_model.absorb(path, tree),
            on_failure=lambda _exc: self.tree_model.failed(path),
        )

    def after_load(self) -> None:
        name, self._select_after_load = self._select_after_load, ""
        if name:
            n = self.model.find(name)
            if n >= 0:
                self.view.select_row(n)

    # -- search ---------------------------------------------------------------------
    def search(self, text: str) -> None:
        """Every file and folder whose name contains ``text``, anywhere on the SDS."""
        text = text.strip()
        lister = self.lister
        if not text or lister is None:
            return
        self.cancel_search()
        needle = text.casefold()
        self.model.begin_search(text)

        def work(task: Task) -> list[Row]:
            summary = FolderSummary("/")
            found: list[Row] = []
            for page in lister.iter_rows("/", task.cancel):
                summary.add(page)
                for f in page:
                    if needle in f.name.casefold() and len(found) < SEARCH_LIMIT:
                        found.append((f.sds_path, *file_row(f)[1:]))
            for path, (count, size) in summary.tree.items():
                if path != "/" and needle in path.rsplit("/", 1)[1].casefold():
                    found.append(dir_row(path, count, size))
            return found

        self._search_task = self.runner.submit(
            work,
            on_success=lambda rows: self.model.end_search(text, rows),
            on_failure=lambda exc: self.model.set_placeholder(f"Search failed: {exc}"),
        )

    def cancel_search(self) -> None:
        if self._search_task is not None:
            self._search_task.cancel.set()
            self._search_task = None

    def _search_cleared(self, text: str) -> None:
        if not text and self.model.searching:
            self.set_dir(self.current, remember=False)

    # -- selection ------------------------------------------------------------------
    def selected_rows(self) -> list[Row]:
        return self.view.selected_rows()

    def selected_items(self) -> list[SDSFile | str]:
        """What a download of the selection takes: files, and folder paths."""
        items: list[SDSFile | str] = []
        for row in self.selected_rows():
            if row[R_VIRTUAL]:
                continue
            f = self.model.file_of(row)
            items.append(f if f is not None else self.model.path_of(row))
        return items

    def selected_paths(self) -> list[str]:
        return [self.model.path_of(r) for r in self.selected_rows()]

    def select_name(self, name: str) -> bool:
        n = self.model.find(name)
        if n >= 0:
            self.view.select_row(n)
        return n >= 0


__all__ = ["R_NAME", "RemotePane"]
