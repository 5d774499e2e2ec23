# ruff: noqa: ARG002, S101 - Qt naming and signatures, asserts narrow types
"""The SDS side's folder tree: folders only, with exact file counts and sizes.

SDS folders are virtual (a folder exists while a file is below it) and a listing is
recursive, so every listing of a folder tells the whole subtree below it. The tree does
not list by itself: the flat list's listings are folded in with :meth:`absorb`, which
adds, removes and updates only the folders that changed, so nothing collapses. A folder
whose subtree is not known yet asks for it through ``loader`` when it is expanded.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QStyle

from sds_desktop.gui.fmt import human_bytes

AnyIndex = QModelIndex | QPersistentModelIndex
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDropEnabled


class Folder:
    __slots__ = (
        "children",
        "count",
        "known",
        "loading",
        "name",
        "parent",
        "path",
        "size",
        "virtual",
    )

    def __init__(self, name: str, path: str, parent: Folder | None) -> None:
        self.name = name
        self.path = path
        self.parent = parent
        self.children: list[Folder] = []
        self.count = 0
        self.size = 0
        self.known = False  # the whole subtree below is known
        self.loading = False
        self.virtual = False

    def child(self, name: str) -> Folder | None:
        for c in self.children:
            if c.name == name:
                return c
        return None

    @property
    def row(self) -> int:
        return 0 if self.parent is None else self.parent.children.index(self)


class FolderTreeModel(QAbstractItemModel):
    """One top row ("/" — the user's SDS root) and the folders below it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._top = Folder("", "", None)  # invisible
        self.root = Folder("/", "/", self._top)
        self._top.children.append(self.root)
        self.loader: Callable[[str], None] | None = None
        self.title = "SDS"
        style = QApplication.style()
        self._icon = style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self._root_icon = style.standardIcon(QStyle.StandardPixmap.SP_DriveNetIcon)
        self._italic = QFont()
        self._italic.setItalic(True)

    # -- plumbing -------------------------------------------------------------------
    def folder(self, index: AnyIndex) -> Folder:
        if not index.isValid():
            return self._top
        node = index.internalPointer()
        assert isinstance(node, Folder)
        return node

    def index_of(self, node: Folder) -> QModelIndex:
        if node is self._top:
            return QModelIndex()
        return self.createIndex(node.row, 0, node)

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self.folder(parent)
        if column != 0 or not 0 <= row < len(node.children):
            return QModelIndex()
        return self.createIndex(row, 0, node.children[row])

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node = self.folder(index).parent
        if node is None or node is self._top:
            return QModelIndex()
        return self.index_of(node)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.column() > 0:
            return 0
        return len(self.folder(parent).children)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 1

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        node = self.folder(parent)
        if node is self._top:
            return True
        return bool(node.children) or (not node.known and not node.virtual)

    def canFetchMore(self, parent: AnyIndex) -> bool:
        node = self.folder(parent)
        return (
            parent.isValid()
            and not node.known
            and not node.loading
            and not node.virtual
            and self.loader is not None
        )

    def fetchMore(self, parent: AnyIndex) -> None:
        if self.canFetchMore(parent):
            node = self.folder(parent)
            node.loading = True
            assert self.loader is not None
            self.loader(node.path)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return "Folders"
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        node = self.folder(index)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.title if node is self.root else node.name
        if role == Qt.ItemDataRole.DecorationRole:
            return self._root_icon if node is self.root else self._icon
        if role == Qt.ItemDataRole.ToolTipRole:
            if node.virtual:
                return f"{node.path}\nNew folder: the SDS creates it with the first upload."
            if not node.known and not node.count:
                return node.path
            return f"{node.path}\n{node.count:,} files, {human_bytes(node.size)}"
        if role == Qt.ItemDataRole.FontRole and node.virtual:
            return self._italic
        if role == PATH_ROLE:
            return node.path
        return None

    # -- changes --------------------------------------------------------------------
    def reset(self, title: str = "SDS") -> None:
        self.beginResetModel()
        self.root = Folder("/", "/", self._top)
        self._top.children = [self.root]
        self.title = title
        self.endResetModel()

    def find(self, path: str) -> Folder | None:
        node = self.root
        for part in [p for p in path.split("/") if p]:
            nxt = node.child(part)
            if nxt is None:
                return None
            node = nxt
        return node

    def ensure(self, path: str, *, virtual: bool = False) -> Folder:
        """The folder at ``path``, created (with its parents) when missing."""
        node = self.root
        for part in [p for p in path.split("/") if p]:
            nxt = node.child(part)
            if nxt is None:
                nxt = self._insert(node, part)
                nxt.virtual = virtual
                nxt.known = virtual
            node = nxt
        return node

    def _insert(self, parent: Folder, name: str) -> Folder:
        child = Folder(name, (parent.path.rstrip("/") + "/" + name), parent)
        key = name.lower()
        row = 0
        while row < len(parent.children) and parent.children[row].name.lower() < key:
            row += 1
        self.beginInsertRows(self.index_of(parent), row, row)
        parent.children.insert(row, child)
        self.endInsertRows()
        return child

    def _remove(self, node: Folder) -> None:
        parent = node.parent
        assert parent is not None
        row = node.row
        self.beginRemoveRows(self.index_of(parent), row, row)
        del parent.children[row]
        self.endRemoveRows()

    def _changed(self, node: Folder) -> None:
        index = self.index_of(node)
        self.dataChanged.emit(index, index)

    def absorb(self, path: str, tree: dict[str, list[int]]) -> None:
        """Fold in what a listing of ``path`` said about its subtree ({folder: [files,
        bytes]}, ``path`` included): only the folders that changed are touched."""
        base = self.ensure(path)
        base.loading = False
        was_known, old_count, old_size = base.known, base.count, base.size
        prefix = path.rstrip("/") + "/"
        wanted = {p for p in tree if p.startswith(prefix)}
        # remove folders that are gone (a new, still empty folder stays)
        stack = [base]
        while stack:
            node = stack.pop()
            for child in list(node.children):
                if child.path not in wanted and not child.virtual:
                    self._remove(child)
                else:
                    stack.append(child)
        for p in sorted(wanted, key=lambda s: s.count("/")):
            node = self.find(p) or self.ensure(p)
            count, size = tree[p]
            if node.virtual and count:
                node.virtual = False
            if (node.count, node.size, node.known) != (count, size, True):
                node.count, node.size, node.known = count, size, True
                self._changed(node)
        count, size = tree.get(path, [0, 0])
        base.count, base.size, base.known = count, size, True
        self._changed(base)
        # the folders above change by the same amount
        dc, ds = count - old_count, size - old_size
        node = base.parent
        while was_known and node is not None and node is not self._top and (dc or ds):
            node.count += dc
            node.size += ds
            self._changed(node)
            node = node.parent

    def failed(self, path: str) -> None:
        node = self.find(path)
        if node is not None:
            node.loading = False

    def add_virtual(self, path: str) -> QModelIndex:
        return self.index_of(self.ensure(path, virtual=True))


__all__ = ["PATH_ROLE", "Folder", "FolderTreeModel"]
