# ruff: noqa: N815, S101, ARG002 - Qt naming (camelCase signals), Qt's positional bools, asserts narrow types
"""The remote pane's model: a lazy tree over the user's virtual SDS directories.

Directories on the SDS are virtual (a directory exists while a file is in it), and the
listing endpoint is recursive by path prefix. A folder is listed in the background when
the view first asks for its children (``canFetchMore``/``fetchMore``); pages arrive as
queued signals and are inserted with ``beginInsertRows``/``endInsertRows`` while a
"loading…" row stays at the end, so the first rows of a 100k-file tree show as soon as
the first page arrives and the GUI thread never waits on the network.

A folder listing also sees every file below the folder: those are stashed in the child
folder nodes, so expanding a sub-folder after its parent finished loading costs no
request at all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QApplication, QStyle

from sds_desktop.core.models import SDSFile
from sds_desktop.gui.fmt import human_bytes, local_time
from sds_desktop.gui.tasks import Task, TaskRunner

log = logging.getLogger("sds_desktop.gui.remote")

REMOTE_MIME = "application/x-sds-desktop-remote"
"""JSON list of ``{"kind": "file"|"dir", "sds_path": ..., "uuid": ...}``."""

AnyIndex = QModelIndex | QPersistentModelIndex
Lister = Callable[[str], Iterable[list[SDSFile]]]
"""``lister(sds_path)`` yields pages of files at or below ``sds_path`` (blocking)."""

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ROLE = Qt.ItemDataRole.UserRole + 2
PATH_ROLE = Qt.ItemDataRole.UserRole + 3

COL_NAME, COL_SIZE, COL_MODIFIED, COL_BLAKE3, COL_EXPIRES = range(5)
HEADERS = ("Name", "Size", "Modified", "BLAKE3", "Expires")
_STASH_CHUNK = 2000


_ROW_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
)
_FLAGS = {
    "dir": _ROW_FLAGS | Qt.ItemFlag.ItemIsDropEnabled,
    "file": _ROW_FLAGS | Qt.ItemFlag.ItemNeverHasChildren,
    "loading": Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren,
}


class Node:
    """One row: a folder, a file, or a folder's "loading…" placeholder."""

    __slots__ = (
        "child_dirs",
        "child_files",
        "children",
        "error",
        "file",
        "file_count",
        "kind",
        "loading_row",
        "name",
        "parent",
        "row",
        "sds_path",
        "stash",
        "stash_complete",
        "state",
        "task",
        "total_bytes",
        "virtual",
    )

    def __init__(
        self,
        kind: str,
        name: str,
        parent: Node | None,
        sds_path: str,
        file: SDSFile | None = None,
    ) -> None:
        self.kind = kind  # "dir" | "file" | "loading"
        self.name = name
        self.parent = parent
        self.sds_path = sds_path
        self.file = file
        self.row = 0
        self.children: list[Node] = []
        self.child_dirs: dict[str, Node] = {}
        self.child_files: dict[str, Node] = {}
        self.state = "unloaded"  # unloaded | queued | loading | loaded | error
        self.error = ""
        self.task: Task | None = None
        self.stash: list[SDSFile] | None = []
        self.stash_complete = False
        self.file_count = 0
        self.total_bytes = 0
        self.virtual = False
        self.loading_row: Node | None = None
        if kind == "dir":
            self.loading_row = Node("loading", "loading…", self, sds_path)

    @property
    def is_dir(self) -> bool:
        return self.kind == "dir"


def _relative_parts(base: str, directory: str) -> list[str] | None:
    """Components of ``directory`` below ``base``, or None when it is not below it."""
    if base == "/":
        return [p for p in directory.split("/") if p]
    if directory == base:
        return []
    if directory.startswith(base + "/"):  # "/a" must not match "/ab" (prefix listing)
        return [p for p in directory[len(base) + 1 :].split("/") if p]
    return None


class RemoteModel(QAbstractItemModel):
    """Lazy tree of the user's SDS files."""

    loadFailed = Signal(str, str)  # sds path, message
    folderLoaded = Signal(str)  # sds path
    uploadRequested = Signal(list, str)  # local paths, target SDS directory

    def __init__(
        self,
        runner: TaskRunner,
        lister: Lister | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.lister = lister
        self.root = Node("dir", "/", None, "/")
        style = QApplication.style()
        self._dir_icon = style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self._file_icon = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        self._bold = QFont()
        self._bold.setItalic(True)
        # Sorting lives here, in Python, not in the proxy: a proxy sort calls back into
        # Python twice per comparison (data() for both sides), which froze the window for
        # seconds on a 100k-file folder. Pages are appended as they arrive; a coalesced
        # re-sort (Timsort: near-linear on a sorted list plus a sorted run) follows.
        self.sort_column = COL_NAME
        self.sort_order = Qt.SortOrder.AscendingOrder
        self._unsorted: set[Node] = set()
        self._resort_timer = QTimer(self)
        self._resort_timer.setSingleShot(True)
        self._resort_timer.timeout.connect(self._resort_pending)

    # -- configuration -------------------------------------------------------------
    def set_lister(self, lister: Lister | None) -> None:
        """Point the model at another account (or none) and start over."""
        self.lister = lister
        self.reset()

    def reset(self) -> None:
        self._cancel_tree(self.root)
        self.beginResetModel()
        self.root = Node("dir", "/", None, "/")
        self._unsorted.clear()
        self.endResetModel()

    # -- sorting -------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order every loaded folder by ``column``; folders always before files."""
        if not 0 <= column < len(HEADERS):
            return
        self.sort_column, self.sort_order = column, order
        nodes: list[Node] = []
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node.children:
                nodes.append(node)
            stack.extend(c for c in node.children if c.kind == "dir")
        self._apply_sort(nodes)

    def _ordered(self, children: list[Node]) -> list[Node]:
        col = self.sort_column
        descending = self.sort_order == Qt.SortOrder.DescendingOrder

        def key(n: Node) -> tuple[Any, str]:
            return (self._sort_key(n, col), n.name)

        dirs = sorted((c for c in children if c.kind == "dir"), key=key, reverse=descending)
        files = sorted((c for c in children if c.kind != "dir"), key=key, reverse=descending)
        return dirs + files

    def _apply_sort(self, nodes: Iterable[Node]) -> None:
        """Reorder the children of ``nodes`` in one layout change, moving persistent
        indexes (selection, current, expanded) along with their rows."""
        nodes = [n for n in nodes if n.children]
        if not nodes:
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        for node in nodes:
            node.children = self._ordered(node.children)
            for row, child in enumerate(node.children):
                child.row = row
            self._unsorted.discard(node)
        new = []
        for index in old:
            target = index.internalPointer()
            if isinstance(target, Node) and target.kind == "loading" and target.parent:
                target.row = len(target.parent.children)
            new.append(
                self.createIndex(target.row, index.column(), target)
                if isinstance(target, Node)
                else QModelIndex()
            )
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def _schedule_resort(self, node: Node) -> None:
        self._unsorted.add(node)
        if not self._resort_timer.isActive():
            # big folders re-sort less often, so sorting stays a small share of the time
            size = max(len(n.children) for n in self._unsorted)
            self._resort_timer.start(50 if size < 5_000 else 250 if size < 50_000 else 1000)

    @Slot()
    def _resort_pending(self) -> None:
        self._apply_sort([n for n in self._unsorted if self._alive(n)])
        self._unsorted.clear()

    def _cancel_tree(self, node: Node) -> None:
        stack = [node]
        while stack:
            n = stack.pop()
            if n.task is not None:
                n.task.cancel.set()
                n.task = None
            stack.extend(c for c in n.children if c.kind == "dir")

    # -- index plumbing ------------------------------------------------------------
    def node(self, index: AnyIndex) -> Node:
        if not index.isValid():
            return self.root
        node = index.internalPointer()
        assert isinstance(node, Node)
        return node

    def index_of(self, node: Node, column: int = 0) -> QModelIndex:
        if node is self.root or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.row, column, node)

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(HEADERS) or row < 0:
            return QModelIndex()
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        pnode = self.node(parent)
        if row < len(pnode.children):
            return self.createIndex(row, column, pnode.children[row])
        if row == len(pnode.children) and pnode.state == "loading" and pnode.loading_row:
            pnode.loading_row.row = row
            return self.createIndex(row, column, pnode.loading_row)
        return QModelIndex()

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node = self.node(index)
        if node.parent is None or node.parent is self.root:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self.node(parent)
        if not node.is_dir:
            return 0
        return len(node.children) + (1 if node.state == "loading" else 0)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return False
        node = self.node(parent)
        if not node.is_dir:
            return False
        if node.state in ("unloaded", "queued"):
            return True
        return self.rowCount(parent) > 0

    def canFetchMore(self, parent: AnyIndex) -> bool:
        if parent.isValid() and parent.column() != 0:
            return False
        node = self.node(parent)
        return node.is_dir and node.state == "unloaded" and self.lister is not None

    def fetchMore(self, parent: AnyIndex) -> None:
        """Start listing the folder on the next event-loop turn.

        Deferred on purpose: views and the model tester call ``fetchMore`` from inside
        other change notifications, where a nested ``beginInsertRows`` is not allowed.
        """
        if not self.canFetchMore(parent):
            return
        node = self.node(parent)
        node.state = "queued"
        QTimer.singleShot(0, self, lambda: self._start_fetch(node))

    def _start_fetch(self, node: Node) -> None:
        if node.state != "queued" or not self._alive(node) or self.lister is None:
            if node.state == "queued":
                node.state = "unloaded"
            return
        parent_index = self.index_of(node)
        self.beginInsertRows(parent_index, len(node.children), len(node.children))
        node.state = "loading"
        self.endInsertRows()
        if node.stash_complete and node.stash is not None:
            stash, node.stash = node.stash, None
            self._drain_stash(node, stash, 0)
            return
        node.stash = None
        node.virtual = False
        path = node.sds_path
        lister = self.lister
        assert lister is not None

        def work(task: Task) -> int:
            pages = 0
            iterator: Iterator[list[SDSFile]] = iter(lister(path))
            for page in iterator:
                if task.cancel.is_set():
                    break
                task.emit(page)
                pages += 1
            return pages

        task = self.runner.submit(
            work,
            on_message=lambda page: self._on_page(node, task, page),
            on_success=lambda _n: self._on_done(node, task),
            on_failure=lambda exc: self._on_failed(node, task, exc),
        )
        node.task = task

    # -- loading -------------------------------------------------------------------
    def _alive(self, node: Node) -> bool:
        """Whether ``node`` is still attached to the current tree (not refreshed away)."""
        n = node
        while n.parent is not None:
            p = n.parent
            if not (0 <= n.row < len(p.children) and p.children[n.row] is n):
                return False
            n = p
        return n is self.root

    def _drain_stash(self, node: Node, stash: list[SDSFile], start: int) -> None:
        if not self._alive(node) or node.state != "loading":
            return
        self._add_files(node, stash[start : start + _STASH_CHUNK])
        if start + _STASH_CHUNK < len(stash):
            nxt = start + _STASH_CHUNK
            QTimer.singleShot(0, self, lambda: self._drain_stash(node, stash, nxt))
        else:
            self._finish(node)

    def _on_page(self, node: Node, task: Task, page: object) -> None:
        if node.task is not task or not isinstance(page, list):
            return
        self._add_files(node, page)

    def _on_done(self, node: Node, task: Task) -> None:
        if node.task is not task:
            return
        node.task = None
        for child in node.child_dirs.values():
            if child.state == "unloaded" and child.stash is not None:
                child.stash_complete = True
        self._finish(node)

    def _on_failed(self, node: Node, task: Task, exc: BaseException) -> None:
        if node.task is not task:
            return
        node.task = None
        self._stop_loading(node)
        node.state = "error"
        node.error = str(exc)
        log.warning("listing %s failed: %s", node.sds_path, exc)
        self.loadFailed.emit(node.sds_path, str(exc))

    def _stop_loading(self, node: Node) -> None:
        if node.state == "loading":
            row = len(node.children)
            self.beginRemoveRows(self.index_of(node), row, row)
            node.state = "loaded"
            self.endRemoveRows()

    def _finish(self, node: Node) -> None:
        self._stop_loading(node)
        if node in self._unsorted:
            self._apply_sort([node])  # a finished folder is shown in order at once
        node.state = "loaded"
        self.folderLoaded.emit(node.sds_path)

    def _add_files(self, node: Node, files: Iterable[SDSFile]) -> None:
        new: list[Node] = []
        touched_dirs: set[Node] = set()
        replaced: list[Node] = []
        base = node.sds_path
        for f in files:
            parts = _relative_parts(base, f.directory)
            if parts is None:
                continue
            if not parts:
                existing = node.child_files.get(f.name)
                if existing is not None:
                    existing.file = f
                    replaced.append(existing)
                    continue
                child = Node("file", f.name, node, f.sds_path, f)
                node.child_files[f.name] = child
                new.append(child)
                continue
            sub = node.child_dirs.get(parts[0])
            if sub is not None and sub.virtual:
                sub.virtual = False
                touched_dirs.add(sub)
            if sub is None:
                sub_path = base.rstrip("/") + "/" + parts[0]
                sub = Node("dir", parts[0], node, sub_path)
                node.child_dirs[parts[0]] = sub
                new.append(sub)
            if sub.stash is not None and sub.state == "unloaded":
                sub.stash.append(f)
            sub.file_count += 1
            sub.total_bytes += f.size
            touched_dirs.add(sub)
        if new:
            first = len(node.children)
            parent_index = self.index_of(node)
            self.beginInsertRows(parent_index, first, first + len(new) - 1)
            for offset, child in enumerate(new):
                child.row = first + offset
                node.children.append(child)
            self.endInsertRows()
            self._schedule_resort(node)
        for changed in [*replaced, *(d for d in touched_dirs if d not in new)]:
            self.dataChanged.emit(
                self.index_of(changed, 0), self.index_of(changed, len(HEADERS) - 1)
            )

    # -- mutation from the app -----------------------------------------------------
    def refresh(self, index: AnyIndex | None = None) -> None:
        """Forget a folder's children (the root when ``index`` is None) and list it again."""
        node = self.node(index) if index is not None and index.isValid() else self.root
        if not node.is_dir:
            node = node.parent or self.root
        if node is self.root:
            self.reset()
            return
        self._cancel_tree(node)
        idx = self.index_of(node)
        count = self.rowCount(idx)
        if count:
            self.beginRemoveRows(idx, 0, count - 1)
            node.children.clear()
            node.child_dirs.clear()
            node.child_files.clear()
            node.state = "unloaded"
            self.endRemoveRows()
        node.state = "unloaded"
        node.stash = []
        node.stash_complete = False
        node.error = ""
        self.dataChanged.emit(idx, self.index_of(node, len(HEADERS) - 1))

    def update_path(self, sds_path: str) -> None:
        """Bring new files under ``sds_path`` into view without collapsing anything.

        The deepest loaded folder on the way to ``sds_path`` is listed again and the pages
        are merged into its rows (new files and folders appear, known ones are updated).
        """
        node = self.root
        for part in [p for p in sds_path.split("/") if p]:
            nxt = node.child_dirs.get(part)
            if nxt is None or nxt.state != "loaded":
                break
            node = nxt
        if node.state != "loaded" or self.lister is None:
            return
        for child in node.child_dirs.values():
            if child.state in ("unloaded", "queued"):
                child.stash = []
                child.stash_complete = False
            child.file_count = 0
            child.total_bytes = 0
        node.state = "queued"
        self._start_fetch(node)

    def remove_node(self, node: Node) -> None:
        """Drop one row (after a delete), keeping the other rows' cached positions right."""
        parent = node.parent
        if parent is None or not _children_view(node):
            return
        row = node.row
        self.beginRemoveRows(self.index_of(parent), row, row)
        del parent.children[row]
        for later in parent.children[row:]:
            later.row -= 1
        if node.kind == "file":
            parent.child_files.pop(node.name, None)
        else:
            parent.child_dirs.pop(node.name, None)
        self._cancel_tree(node)
        self.endRemoveRows()

    def add_virtual_folder(self, parent_index: AnyIndex, name: str) -> QModelIndex:
        """A folder that exists only here until the first upload into it."""
        parent = self.node(parent_index)
        if not parent.is_dir:
            parent = parent.parent or self.root
        existing = parent.child_dirs.get(name)
        if existing is not None:
            return self.index_of(existing)
        child = Node("dir", name, parent, parent.sds_path.rstrip("/") + "/" + name)
        child.virtual = True
        child.state = "loaded"
        child.stash = None
        row = len(parent.children)
        self.beginInsertRows(self.index_of(parent), row, row)
        child.row = row
        parent.children.append(child)
        parent.child_dirs[name] = child
        self.endInsertRows()
        self._apply_sort([parent])
        return self.index_of(child)

    def find(self, sds_path: str) -> QModelIndex:
        """The index of a loaded node at ``sds_path`` (invalid if not loaded)."""
        node = self.root
        for part in [p for p in sds_path.split("/") if p]:
            nxt = node.child_dirs.get(part) or node.child_files.get(part)
            if nxt is None:
                return QModelIndex()
            node = nxt
        return self.index_of(node)

    # -- data ----------------------------------------------------------------------
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section == COL_SIZE:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self.node(index)
        col = index.column()
        if node.kind == "loading":
            if role == Qt.ItemDataRole.DisplayRole and col == COL_NAME:
                return "loading…"
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor("#808080"))
            if role == Qt.ItemDataRole.FontRole:
                return self._bold
            if role == SORT_ROLE:
                return None
            if role == KIND_ROLE:
                return "loading"
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(node, col)
        if role == Qt.ItemDataRole.DecorationRole and col == COL_NAME:
            return self._dir_icon if node.is_dir else self._file_icon
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(node, col)
        if role == Qt.ItemDataRole.ForegroundRole and node.file is not None and not node.file.safe:
            return QBrush(QColor("#b00020"))
        if role == Qt.ItemDataRole.FontRole and node.virtual:
            return self._bold
        if role == SORT_ROLE:
            return self._sort_key(node, col)
        if role == KIND_ROLE:
            return node.kind
        if role == PATH_ROLE:
            return node.sds_path
        return None

    def _display(self, node: Node, col: int) -> str:
        f = node.file
        if col == COL_NAME:
            return node.name
        if node.is_dir:
            if col == COL_SIZE and node.file_count:
                return human_bytes(node.total_bytes)
            if col == COL_MODIFIED and node.file_count:
                n = node.file_count
                return f"{n} file" if n == 1 else f"{n} files"
            return ""
        assert f is not None
        if col == COL_SIZE:
            return human_bytes(f.size)
        if col == COL_MODIFIED:
            return local_time(f.modified)
        if col == COL_BLAKE3:
            return f.sum_blake3[:12]
        if col == COL_EXPIRES:
            return local_time(f.expires)[:10]
        return ""

    def _tooltip(self, node: Node, col: int) -> str | None:
        f = node.file
        if node.is_dir:
            if node.virtual:
                return f"{node.sds_path}\nNew folder: it is created on the SDS by the first upload."
            if node.error:
                return f"{node.sds_path}\nListing failed: {node.error}"
            return node.sds_path
        assert f is not None
        if not f.safe:
            return f"{f.sds_path}\nUnsafe name from the server: {f.unsafe_reason}"
        if col == COL_BLAKE3:
            return f.sum_blake3
        return f"{f.sds_path}\n{f.size:,} bytes\nowner {f.owner_email or '?'}"

    def _sort_key(self, node: Node, col: int) -> Any:
        f = node.file
        if col == COL_NAME:
            return node.name.lower()
        if col == COL_SIZE:
            return node.total_bytes if f is None else f.size
        if col == COL_MODIFIED:
            return 0.0 if f is None or f.modified is None else f.modified.timestamp()
        if col == COL_BLAKE3:
            return "" if f is None else f.sum_blake3
        if col == COL_EXPIRES:
            return 0.0 if f is None or f.expires is None else f.expires.timestamp()
        return ""

    # -- drag and drop -------------------------------------------------------------
    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        # The tree view asks for every row of an expanded folder on each layout: the
        # flags are constants (Python enum arithmetic per call cost seconds at 100k rows).
        return _FLAGS[index.internalPointer().kind]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:
        return [REMOTE_MIME, "text/uri-list"]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # type: ignore[override]
        entries: list[dict[str, str]] = []
        seen: set[int] = set()
        for index in indexes:
            if not index.isValid():
                continue
            node = self.node(index)
            if node.kind == "loading" or id(node) in seen:
                continue
            seen.add(id(node))
            entries.append(
                {
                    "kind": node.kind,
                    "sds_path": node.sds_path,
                    "uuid": node.file.uuid if node.file is not None else "",
                }
            )
        mime = QMimeData()
        mime.setData(REMOTE_MIME, json.dumps(entries).encode("utf-8"))
        return mime

    def target_dir(self, parent: AnyIndex) -> Node:
        """The folder a drop lands in (a drop onto a file lands in the file's folder)."""
        node = self.node(parent)
        if not node.is_dir:
            node = node.parent or self.root
        return node

    def canDropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: AnyIndex,
    ) -> bool:
        if data.hasFormat(REMOTE_MIME):
            return False  # no working move/rename on the SDS (sds-api.md)
        return data.hasUrls() and any(u.isLocalFile() for u in data.urls())

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: AnyIndex,
    ) -> bool:
        if action == Qt.DropAction.IgnoreAction:
            return True
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        paths = [Path(u.toLocalFile()) for u in data.urls() if u.isLocalFile()]
        target = self.target_dir(parent)
        self.uploadRequested.emit(paths, target.sds_path)
        return True


def _children_view(node: Node) -> list[Node]:
    parent = node.parent
    if parent is None:
        return []
    row = node.row
    if 0 <= row < len(parent.children) and parent.children[row] is node:
        return [node]
    return []


def decode_remote_mime(data: QMimeData) -> list[dict[str, str]]:
    if not data.hasFormat(REMOTE_MIME):
        return []
    try:
        entries = json.loads(bytes(data.data(REMOTE_MIME).data()).decode("utf-8"))
    except ValueError:
        return []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def local_urls_mime(paths: Iterable[Path]) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


class RemoteSortProxy(QSortFilterProxyModel):
    """Filters the tree by name; sorting is forwarded to :class:`RemoteModel`, which
    orders its folders in Python (folders first, the "loading…" row last)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setDynamicSortFilter(True)
        self.setRecursiveFilteringEnabled(True)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if isinstance(source, RemoteModel):
            source.sort(column, order)  # the proxy itself keeps the source's order
