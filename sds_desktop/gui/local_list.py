# ruff: noqa: N815, ARG002 - Qt naming and signatures
"""The local side's flat list: the folder shown, scanned in the background and kept live.

A ``QFileSystemWatcher`` on the folder (and on up to :data:`WATCH_FILES` of its files, so
a file still being written shows its growing size) triggers a rescan; rescans are
coalesced and replace the rows in place, so the selection and scroll position stay.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QFileSystemWatcher,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import QApplication, QStyle

from sds_desktop.gui.file_list import (
    PATH_ROLE,
    REMOTE_MIME,
    Column,
    FlatListModel,
    Row,
    decode_remote_mime,
    local_urls_mime,
    name_key,
)
from sds_desktop.gui.fmt import human_bytes
from sds_desktop.gui.tasks import Task, TaskRunner

AnyIndex = QModelIndex | QPersistentModelIndex
WATCH_FILES = 200
RESCAN_MS = 300
# row layout: name, is_dir, size, mtime, type
L_NAME, L_DIR, L_SIZE, L_MTIME, L_TYPE = range(5)


def _kind(name: str, is_dir: bool) -> str:
    if is_dir:
        return "Folder"
    suffix = name.rpartition(".")[2] if "." in name.strip(".") else ""
    return f"{suffix.upper()} file" if suffix and len(suffix) <= 12 else "File"


def _mtime(row: Row) -> str:
    if not row[L_MTIME]:
        return ""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(row[L_MTIME]))


COLUMNS = (
    Column("Name", name_key, itemgetter(L_NAME), width=200),
    Column(
        "Size",
        itemgetter(L_SIZE),
        lambda r: "" if r[L_DIR] else human_bytes(r[L_SIZE]),
        width=78,
        right=True,
        priority=1,
    ),
    Column("Type", itemgetter(L_TYPE), itemgetter(L_TYPE), width=90, priority=3),
    Column("Modified", itemgetter(L_MTIME), _mtime, width=136, priority=2),
)


def _folder_mtime(folder: Path) -> int | None:
    try:
        return folder.stat().st_mtime_ns
    except OSError:
        return None


def scan(folder: Path, *, hidden: bool) -> list[Row]:
    """The rows of ``folder`` (blocking: run it in the background)."""
    rows: list[Row] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if not hidden and name.startswith("."):
                continue
            try:
                st = entry.stat()
            except OSError:  # a dangling link: show the link itself
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
            if not hidden and getattr(st, "st_file_attributes", 0) & 2:  # Windows hidden
                continue
            is_dir = stat.S_ISDIR(st.st_mode)
            rows.append(
                (name, is_dir, 0 if is_dir else st.st_size, st.st_mtime, _kind(name, is_dir))
            )
    return rows


class LocalListModel(FlatListModel):
    """The rows of one local folder."""

    columns = COLUMNS
    downloadRequested = Signal(list, str)  # remote mime entries, local folder
    scanned = Signal(str)  # folder
    scanFailed = Signal(str, str)  # folder, message

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.folder = Path.home()
        self.hidden = False
        self._task: Task | None = None
        self._again = False
        self._closed = False
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self._changed)
        self.watcher.fileChanged.connect(self._changed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RESCAN_MS)
        self._timer.timeout.connect(self.rescan)
        style = QApplication.style()
        self._dir_icon = style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self._file_icon = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)

    def open(self, folder: Path) -> None:
        if self._task is not None:
            self._task.cancel.set()
            self._task = None
        self.folder = folder
        self.clear("")
        self._watch([])
        self.rescan()

    def set_hidden(self, hidden: bool) -> None:
        self.hidden = hidden
        self.rescan()

    def _changed(self, _path: str) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def shutdown(self) -> None:
        """No more scans (the window is closing): the watcher and its timer stop."""
        self._closed = True
        self._timer.stop()
        self.watcher.directoryChanged.disconnect(self._changed)
        self.watcher.fileChanged.disconnect(self._changed)
        if self._task is not None:
            self._task.cancel.set()
            self._task = None

    def rescan(self) -> None:
        """Scan the folder again in the background; the rows are replaced in place."""
        if self._closed:
            return
        if self._task is not None:
            self._again = True
            return
        folder, hidden = self.folder, self.hidden

        def work(_t: Task) -> tuple[int | None, list[Row]]:
            mtime = _folder_mtime(folder)  # taken before the listing
            return mtime, scan(folder, hidden=hidden)

        task = self.runner.submit(
            work,
            on_success=lambda result: self._scanned(task, folder, result),
            on_failure=lambda exc: self._failed(task, folder, exc),
        )
        self._task = task

    def _scanned(self, task: Task, folder: Path, result: object) -> None:
        if task is not self._task:
            return
        self._task = None
        mtime, rows = result if isinstance(result, tuple) else (None, None)
        if folder == self.folder and isinstance(rows, list):
            self.replace(rows)
            self.placeholder = "This folder is empty." if not rows else ""
            self._watch(rows)
            self.scanned.emit(str(folder))
            if _folder_mtime(folder) != mtime:
                self._again = True  # changed while it was listed: the watcher may have missed it
        if self._again:
            self._again = False
            self.rescan()

    def _failed(self, task: Task, folder: Path, exc: BaseException) -> None:
        if task is not self._task:
            return
        self._task = None
        self.set_placeholder(f"Could not read {folder}:\n{exc}")
        self.scanFailed.emit(str(folder), str(exc))

    def _watch(self, rows: Sequence[Row]) -> None:
        # only what changed is unwatched and watched again: a folder watch removed and
        # added back would miss what happens in between
        wanted: set[str] = set()
        if rows or self.folder.is_dir():
            files = [str(self.folder / r[L_NAME]) for r in rows if not r[L_DIR]][:WATCH_FILES]
            wanted = {str(self.folder), *files}
        watched = set(self.watcher.files()) | set(self.watcher.directories())
        stale = sorted(watched - wanted)
        if stale:
            self.watcher.removePaths(stale)
        new = sorted(wanted - watched)
        if new:
            self.watcher.addPaths(new)

    def path_of(self, row: Row) -> Path:
        return self.folder / row[L_NAME]

    # -- data and drops -------------------------------------------------------------
    def extra_data(self, row: Row, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return self._dir_icon if row[L_DIR] else self._file_icon
        if role == PATH_ROLE:
            return str(self.path_of(row))
        if role == Qt.ItemDataRole.ToolTipRole:
            path = self.path_of(row)
            return str(path) if row[L_DIR] else f"{path}\n{row[L_SIZE]:,} bytes"
        return None

    def mimeTypes(self) -> list[str]:
        return [REMOTE_MIME, "text/uri-list"]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # type: ignore[override]
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return local_urls_mime(self.path_of(self.rows[n]) for n in rows)

    def target_dir(self, parent: AnyIndex) -> Path:
        if parent.isValid() and self.rows[parent.row()][L_DIR]:
            return self.path_of(self.rows[parent.row()])
        return self.folder

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        return data.hasFormat(REMOTE_MIME)  # local→local drops would move user files: no

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


class LocalFilter(QSortFilterProxyModel):
    """Filters names (Qt's own matching); sorting stays in the list model."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(0)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)


__all__ = ["COLUMNS", "L_DIR", "L_NAME", "LocalFilter", "LocalListModel", "scan"]
