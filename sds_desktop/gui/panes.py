# ruff: noqa: N815, S101, ARG002 - Qt naming and signatures, asserts narrow types
"""The two browsing panes: local files (left) and the user's SDS tree (right)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QDir,
    QFileInfo,
    QIdentityProxyModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileIconProvider,
    QFileSystemModel,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QStyle,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from sds_desktop.gui.remote_model import (
    COL_BLAKE3,
    COL_EXPIRES,
    COL_MODIFIED,
    COL_SIZE,
    REMOTE_MIME,
    Node,
    RemoteModel,
    RemoteSortProxy,
    decode_remote_mime,
)

AnyIndex = QModelIndex | QPersistentModelIndex


def _tool(parent: QWidget, icon: QStyle.StandardPixmap | None, text: str, tip: str) -> QToolButton:
    button = QToolButton(parent)
    if icon is not None:
        button.setIcon(parent.style().standardIcon(icon))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    else:
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button


def _header(parent: QWidget, title: str) -> QLabel:
    label = QLabel(title, parent)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class _IconProvider(QFileIconProvider):
    """Native icons where the platform has them, the style's folder/file icons otherwise."""

    def __init__(self, style: QStyle) -> None:
        super().__init__()
        self._dir = style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self._file = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)

    def icon(self, what: Any) -> QIcon:  # type: ignore[override]
        icon = super().icon(what)
        if not icon.isNull() or not isinstance(what, QFileInfo):
            return icon
        return self._dir if what.isDir() else self._file


def file_tree_view(parent: QWidget, model: QAbstractItemModel, widths: dict[int, int]) -> QTreeView:
    """The tree both panes use: sortable by the first column, multi-select, drag and drop
    as copies, middle elision (dates and extensions stay visible), context menus; the
    first column stretches, the others start at ``widths``."""
    view = QTreeView(parent)
    view.setModel(model)
    view.setSortingEnabled(True)
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setDragEnabled(True)
    view.setAcceptDrops(True)
    view.setDropIndicatorShown(True)
    view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
    view.setDefaultDropAction(Qt.DropAction.CopyAction)
    view.setAlternatingRowColors(True)
    view.setUniformRowHeights(True)
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    header = view.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for col, width in widths.items():
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(col, width)
    return view


class LocalProxy(QSortFilterProxyModel):
    """Sort/filter proxy over QFileSystemModel that turns remote drops into downloads.

    The file-system model is read-only: local→local drops are refused here, so the app
    never moves the user's files around by accident.
    """

    downloadRequested = Signal(list, str)  # remote mime entries, local folder

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setDynamicSortFilter(True)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def fs(self) -> QFileSystemModel:
        model = self.sourceModel()
        assert isinstance(model, QFileSystemModel)
        return model

    def path_of(self, index: AnyIndex) -> Path:
        return Path(self.fs().filePath(self.mapToSource(index)))

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        fs = self.fs()
        ldir, rdir = fs.isDir(left), fs.isDir(right)  # type: ignore[arg-type]
        if ldir != rdir and left.column() == 0:
            asc = self.sortOrder() == Qt.SortOrder.AscendingOrder
            return ldir if asc else rdir
        if left.column() == 1:
            return fs.size(left) < fs.size(right)  # type: ignore[arg-type]
        if left.column() == 3:
            return fs.lastModified(left) < fs.lastModified(right)  # type: ignore[arg-type]
        return super().lessThan(left, right)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Same compact, sortable form as the remote pane, whatever the system locale.
        if role == Qt.ItemDataRole.DisplayRole and index.column() == 3:
            stamp = self.fs().lastModified(self.mapToSource(index))  # type: ignore[arg-type]
            return stamp.toString("yyyy-MM-dd HH:mm") if stamp.isValid() else ""
        return super().data(index, role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if not index.isValid() or self.fs().isDir(self.mapToSource(index)):
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        return flags | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        return [REMOTE_MIME, "text/uri-list"]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def target_dir(self, parent: AnyIndex) -> Path:
        if parent.isValid():
            path = self.path_of(parent)
            return path if path.is_dir() else path.parent
        return Path(self.fs().rootPath())

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        return data.hasFormat(REMOTE_MIME)

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        if action == Qt.DropAction.IgnoreAction:
            return True
        entries = decode_remote_mime(data)
        if not entries:
            return False
        self.downloadRequested.emit(entries, str(self.target_dir(parent)))
        return True


class LocalPane(QWidget):
    """Path bar, back/up/home, hidden-files toggle, and the file tree."""

    uploadRequested = Signal(list)  # local paths, to the remote pane's current folder
    directoryChanged = Signal(str)

    def __init__(self, start: Path, show_hidden: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.fs = QFileSystemModel(self)
        self.fs.setReadOnly(True)
        self._icons = _IconProvider(self.style())
        self.fs.setIconProvider(self._icons)
        self.proxy = LocalProxy(self)
        self.proxy.setSourceModel(self.fs)
        self._history: list[Path] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        top = QHBoxLayout()
        top.setSpacing(2)
        top.addWidget(_header(self, "This computer"))
        top.addSpacing(8)
        sp = QStyle.StandardPixmap
        self.back_button = _tool(self, sp.SP_ArrowBack, "Back", "Back (Alt+Left)")
        self.up_button = _tool(self, sp.SP_FileDialogToParent, "Up", "Parent folder (Alt+Up)")
        self.home_button = _tool(self, sp.SP_DirHomeIcon, "Home", "Home folder")
        self.hidden_button = _tool(self, None, ".*", "Show hidden files")
        self.hidden_button.setCheckable(True)
        self.hidden_button.setChecked(show_hidden)
        self.path_edit = QLineEdit(self)
        self.path_edit.setPlaceholderText("Folder path")
        for w in (self.back_button, self.up_button, self.home_button):
            top.addWidget(w)
        top.addWidget(self.path_edit, 1)
        top.addWidget(self.hidden_button)
        layout.addLayout(top)
        self.view = file_tree_view(self, self.proxy, {1: 80, 2: 90, 3: 130})
        layout.addWidget(self.view)
        self.upload_action = QAction("Upload to SDS", self)
        self.upload_action.setToolTip("Upload the selection into the folder selected on the right")
        self.upload_action.triggered.connect(self._upload_selection)
        self.view.addAction(self.upload_action)

        self.back_button.clicked.connect(self.go_back)
        self.up_button.clicked.connect(self.go_up)
        self.home_button.clicked.connect(lambda: self.set_directory(Path.home()))
        self.hidden_button.toggled.connect(self.set_show_hidden)
        self.path_edit.returnPressed.connect(self._path_entered)
        self.view.activated.connect(self._activated)
        self.view.customContextMenuRequested.connect(self._context_menu)
        back = QAction(self)
        back.setShortcut(QKeySequence("Alt+Left"))
        back.triggered.connect(self.go_back)
        up = QAction(self)
        up.setShortcut(QKeySequence("Alt+Up"))
        up.triggered.connect(self.go_up)
        self.addAction(back)
        self.addAction(up)
        self.current = Path(start)
        self.set_show_hidden(show_hidden)
        self.set_directory(start, remember=False)

    # -- navigation ----------------------------------------------------------------
    def set_directory(self, path: Path, *, remember: bool = True) -> None:
        path = Path(path).expanduser()
        if not path.is_dir():
            self.path_edit.setText(str(self.current))
            return
        if remember and path != self.current:
            self._history.append(self.current)
        self.current = path
        root = self.fs.setRootPath(str(path))
        self.view.setRootIndex(self._from_proxy(self.proxy.mapFromSource(root)))
        self.path_edit.setText(str(path))
        self.back_button.setEnabled(bool(self._history))
        self.up_button.setEnabled(path.parent != path)
        self.directoryChanged.emit(str(path))

    @Slot()
    def go_back(self) -> None:
        if self._history:
            self.set_directory(self._history.pop(), remember=False)
            self.back_button.setEnabled(bool(self._history))

    @Slot()
    def go_up(self) -> None:
        if self.current.parent != self.current:
            self.set_directory(self.current.parent)

    @Slot(bool)
    def set_show_hidden(self, show: bool) -> None:
        filters = QDir.Filter.AllEntries | QDir.Filter.NoDotAndDotDot | QDir.Filter.AllDirs
        if show:
            filters |= QDir.Filter.Hidden
        self.fs.setFilter(filters)

    def _path_entered(self) -> None:
        self.set_directory(Path(self.path_edit.text().strip()))

    # -- integration (gui/rf) ------------------------------------------------------
    def current_dir(self) -> Path:
        """The local folder shown: downloads land here."""
        return self.current

    def set_decorator(self, decorator: QIdentityProxyModel) -> None:
        """Put ``decorator`` (icons, tooltips) between the filter model and the view."""
        decorator.setSourceModel(self.proxy)
        self._decorator = decorator
        self.view.setModel(decorator)
        root = self.proxy.mapFromSource(self.fs.index(str(self.current)))
        self.view.setRootIndex(self._from_proxy(root))

    def _to_proxy(self, index: AnyIndex) -> QModelIndex:
        model = self.view.model()
        if isinstance(model, QAbstractProxyModel) and model is not self.proxy:
            return model.mapToSource(index)
        return QModelIndex(index)

    def _from_proxy(self, index: QModelIndex) -> QModelIndex:
        model = self.view.model()
        if isinstance(model, QAbstractProxyModel) and model is not self.proxy:
            return model.mapFromSource(index)
        return index

    def _activated(self, index: QModelIndex) -> None:
        index = self._to_proxy(index)
        path = self.proxy.path_of(index)
        if path.is_dir():
            self.set_directory(path)

    # -- selection and actions -----------------------------------------------------
    def selected_paths(self) -> list[Path]:
        rows = self.view.selectionModel().selectedRows(0)
        return [self.proxy.path_of(self._to_proxy(i)) for i in rows]

    def index_of(self, path: Path) -> QModelIndex:
        return self.proxy.mapFromSource(self.fs.index(str(path)))

    def _upload_selection(self) -> None:
        paths = self.selected_paths()
        if paths:
            self.uploadRequested.emit(paths)

    def _context_menu(self, pos: Any) -> None:
        menu = QMenu(self.view)
        self.upload_action.setEnabled(bool(self.selected_paths()))
        menu.addAction(self.upload_action)
        menu.addSeparator()
        menu.addAction("Open folder", lambda: self._activated(self.view.currentIndex()))
        menu.addAction("Up one level", self.go_up)
        for hook in getattr(self, "menu_hooks", ()):  # gui/rf adds its actions here
            hook(menu)
        menu.popup(self.view.viewport().mapToGlobal(pos))


class RemotePane(QWidget):
    """The SDS tree with its toolbar and context menu; actions are wired by the window."""

    directoryChanged = Signal(str)  # the SDS folder shown

    def __init__(self, model: RemoteModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = RemoteSortProxy(self)
        self.proxy.setSourceModel(model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        top = QHBoxLayout()
        top.setSpacing(2)
        self.title = _header(self, "SDS")
        top.addWidget(self.title)
        top.addSpacing(8)
        sp = QStyle.StandardPixmap
        self.actions_: dict[str, QAction] = {}
        for key, icon, text, shortcut in (
            ("download", sp.SP_ArrowDown, "Download…", "Ctrl+D"),
            ("delete", sp.SP_TrashIcon, "Delete…", "Delete"),
            ("new_folder", sp.SP_FileDialogNewFolder, "New folder…", "Ctrl+Shift+N"),
            ("refresh", sp.SP_BrowserReload, "Refresh", "F5"),
            ("copy_path", None, "Copy SDS path", "Ctrl+Shift+C"),
            ("properties", sp.SP_FileDialogInfoView, "Properties", "Alt+Return"),
        ):
            action = QAction(text, self)
            if icon is not None:
                action.setIcon(self.style().standardIcon(icon))
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.actions_[key] = action
            self.addAction(action)
        for key in ("refresh", "new_folder", "download", "delete", "properties"):
            button = QToolButton(self)
            button.setDefaultAction(self.actions_[key])
            button.setAutoRaise(True)
            top.addWidget(button)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter loaded names…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        top.addWidget(self.filter_edit, 1)
        layout.addLayout(top)
        self.view = file_tree_view(
            self,
            self.proxy,
            {COL_SIZE: 76, COL_MODIFIED: 128, COL_BLAKE3: 106, COL_EXPIRES: 86},
        )
        self.view.customContextMenuRequested.connect(self._context_menu)
        layout.addWidget(self.view)
        self.view.selectionModel().selectionChanged.connect(self._update_actions)
        self._update_actions()

    def action(self, key: str) -> QAction:
        return self.actions_[key]

    def selected_nodes(self) -> list[Node]:
        nodes = []
        for index in self.view.selectionModel().selectedRows(0):
            node = self.model.node(self.proxy.mapToSource(index))
            if node.kind != "loading":
                nodes.append(node)
        return nodes

    def current_folder(self) -> Node:
        """Upload target: the selected folder, the folder of the selected file, or /."""
        index = self.view.currentIndex()
        if not index.isValid():
            return self.model.root
        node = self.model.node(self.proxy.mapToSource(index))
        if node.kind != "dir":
            node = node.parent or self.model.root
        return node

    def current_dir(self) -> str:
        """The SDS folder shown: uploads land here."""
        return self.current_folder().sds_path

    def select_source(self, index: QModelIndex) -> None:
        pidx = self.proxy.mapFromSource(index)
        self.view.setCurrentIndex(pidx)
        self.view.scrollTo(pidx)

    @Slot()
    def _update_actions(self, *_args: object) -> None:
        nodes = self.selected_nodes()
        real = [n for n in nodes if not n.virtual]
        self.actions_["download"].setEnabled(bool(real))
        self.actions_["delete"].setEnabled(bool(real))
        self.actions_["copy_path"].setEnabled(bool(nodes))
        self.actions_["properties"].setEnabled(len(nodes) == 1 and nodes[0].kind == "file")

    def _context_menu(self, pos: Any) -> None:
        self._update_actions()
        menu = QMenu(self.view)
        for key in ("download", None, "new_folder", "refresh", None, "copy_path", "properties"):
            if key is None:
                menu.addSeparator()
            else:
                menu.addAction(self.actions_[key])
        menu.addSeparator()
        menu.addAction(self.actions_["delete"])
        for hook in getattr(self, "menu_hooks", ()):  # gui/rf adds its actions here
            hook(menu)
        menu.popup(self.view.viewport().mapToGlobal(pos))


__all__ = [
    "COL_BLAKE3",
    "COL_EXPIRES",
    "COL_MODIFIED",
    "LocalPane",
    "LocalProxy",
    "RemotePane",
]
