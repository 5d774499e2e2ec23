# ruff: noqa: N815, ARG002, S101 - Qt naming and signatures, asserts narrow types
"""The SDS side's flat list: the files and folders directly in the SDS folder shown.

A folder is listed in the background (``core.listing``: several pages in flight, rows
parsed compactly in the worker). The first page shows at once, further rows arrive in
batches of about a quarter second, and the worker hands back the whole list sorted at the
end, so the GUI thread never sorts or walks 100,000 rows while they load. Folder rows
carry the exact number of files and bytes below them. ``reload`` lists again while the
rows stay in view and replaces them in place (after an upload or a delete).
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QApplication, QStyle

from sds_desktop.core.listing import FileRow, FolderSummary, ParallelLister, to_sds_file
from sds_desktop.core.models import SDSFile, parse_server_time
from sds_desktop.gui.file_list import (
    DECORATION,
    FONT,
    FOREGROUND,
    PATH_ROLE,
    REMOTE_MIME,
    TOOLTIP,
    Column,
    FlatListModel,
    Row,
    name_key,
    remote_mime,
)
from sds_desktop.gui.fmt import human_bytes, local_time
from sds_desktop.gui.tasks import Task, TaskRunner

log = logging.getLogger("sds_desktop.gui.remote")
AnyIndex = QModelIndex | QPersistentModelIndex

# row layout: name, is_dir, size, modified, blake3, expires, files, virtual, FileRow|None,
# versions (how many versions of the path the SDS holds; 1 when only the current one)
R_NAME, R_DIR, R_SIZE, R_MOD, R_B3, R_EXP, R_COUNT, R_VIRTUAL, R_FILE, R_VERSIONS = range(10)
BATCH_SECONDS = 0.25
LATE_BATCH_SECONDS = 1.0
"""Once a folder's first screens and live-sorted rows are shown, batches come at most once
a second: each one repaints the list, and while listing threads run Python a repaint waits
for the GIL once per painted cell (the longest stalls of a 100k-file listing)."""
LIVE_SORT_LIMIT = 5_000
RELOAD_COST_FACTOR = 4
RELOAD_MAX_WAIT_S = 10.0
"""While uploads land, the folder shown is listed again at most once per 4 times what its
last listing took (at most 10 s apart): a large account's root listing (100,000 files
take seconds) is not repeated back to back for as long as the uploads run."""
FREEZE_ROWS = 10_000
"""While loading, batches are re-sorted on the GUI thread only below this many rows."""


@lru_cache(maxsize=8192)
def _when(text: str) -> str:
    return local_time(parse_server_time(text)) if text else ""


def _name(row: Row) -> str:
    n = row[R_VERSIONS]
    return row[R_NAME] if n <= 1 else f"{row[R_NAME]}  ({n} versions)"


def _count(row: Row) -> str:
    if not row[R_DIR]:
        return ""
    if row[R_VIRTUAL]:
        return "new"
    n = row[R_COUNT]
    return f"{n:,} file" if n == 1 else f"{n:,} files"


COLUMNS = (
    Column("Name", name_key, _name, width=200),
    Column(
        "Size",
        itemgetter(R_SIZE),
        lambda r: human_bytes(r[R_SIZE]) if r[R_SIZE] or not r[R_DIR] else "",
        width=78,
        right=True,
        priority=1,
        tip="Size; for a folder, everything below it",
    ),
    Column(
        "Modified / files",
        lambda r: (r[R_COUNT] if r[R_DIR] else 0, r[R_MOD]),
        lambda r: _count(r) if r[R_DIR] else _when(r[R_MOD]),
        width=136,
        priority=2,
        tip="When the file last changed on the SDS; for a folder, how many files it holds",
    ),
    Column(
        "BLAKE3",
        itemgetter(R_B3),
        lambda r: r[R_B3][:12],
        width=100,
        priority=4,
        tip="The server's BLAKE3 checksum (hover a cell for all of it)",
    ),
    Column(
        "Expires",
        itemgetter(R_EXP),
        lambda r: _when(r[R_EXP])[:10],
        width=98,
        priority=3,
        tip="When the SDS deletes the file (two years after upload by default)",
    ),
)


def file_row(f: FileRow, versions: int = 1) -> Row:
    return (f.name, False, f.size, f.modified, f.sum_blake3, f.expires, 1, False, f, versions)


def dir_row(name: str, count: int, size: int, *, virtual: bool = False) -> Row:
    return (name, True, size, "", "", "", count, virtual, None, 0)


def join(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name


class RemoteListModel(FlatListModel):
    """The rows of one SDS folder; ``lister`` is set while signed in."""

    columns = COLUMNS
    rows_carry_datasets = False
    """Listing rows (``FileRow``) hold no dataset links: ``file_of`` gives an ``SDSFile``
    whose ``datasets`` is always empty, so watchers need not turn every row into one."""
    loaded = Signal(str, object)  # path, {folder path: [files, bytes]} of its subtree
    loadFailed = Signal(str, str)  # path, message
    uploadRequested = Signal(list, str)  # local paths, target SDS folder

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.lister: ParallelLister | None = None
        self.path = "/"
        self.state = "idle"  # idle | loading | loaded | error
        self.searching = ""  # the search text while search results are shown
        self.virtual: dict[str, set[str]] = {}  # folder -> names of new (empty) folders
        self.versions: dict[tuple[str, str], int] = {}
        """(folder, name) → versions on the SDS, from the last root listing (only the
        root listing shows older versions: sds-api-reference 4.3)."""
        self._task: Task | None = None
        self._reload_again = False
        self._started = self._done_at = self.last_cost = 0.0
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.timeout.connect(self.reload)
        self._dirs_shown: set[str] = set()
        self._frozen = False
        style = QApplication.style()
        self._dir_icon = style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self._file_icon = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        self._italic = QFont()
        self._italic.setItalic(True)
        self._unsafe = QBrush(QColor("#b00020"))
        self._resort = QTimer(self)
        self._resort.setSingleShot(True)
        self._resort.setInterval(100)
        self._resort.timeout.connect(self._resort_now)
        self.placeholder = "Sign in to see your SDS files (File → Sign in…)"

    # -- loading --------------------------------------------------------------------
    def set_lister(self, lister: ParallelLister | None) -> None:
        self._cancel()
        self.lister = lister
        self.virtual.clear()
        self.path = "/"
        if lister is None:
            self.state = "idle"
            self.clear("Sign in to see your SDS files (File → Sign in…)")

    def _thaw(self) -> None:
        """The big folder's rows go: what was frozen with them is collectable again."""
        if self._frozen:
            self.clear(self.placeholder)
            gc.unfreeze()
            self._frozen = False

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel.set()
            self._task = None

    def open(self, path: str) -> None:
        """Show ``path``: rows go, then the listing streams in."""
        self._cancel()
        self.path = path
        self.searching = ""
        self._thaw()
        if self.lister is None:
            self.clear("Sign in to see your SDS files (File → Sign in…)")
            return
        self.clear("Loading…")
        self._dirs_shown = set()
        self.state = "loading"
        self._run(live=True)

    def reload(self) -> None:
        """List the folder again, keeping its rows in view until the new list is in."""
        if self.lister is None:
            return  # signed out, or the window is closing
        if self._task is not None:  # a listing runs: list again once it is done
            self._reload_again = True
            return
        self._run(live=False)

    def reload_soon(self) -> None:
        """``reload``, but no sooner than ``RELOAD_COST_FACTOR`` times the last listing's
        time after it ended (calls in between are one reload)."""
        wait = min(RELOAD_COST_FACTOR * self.last_cost, RELOAD_MAX_WAIT_S)
        left = self._done_at + wait - time.monotonic()
        if left <= 0 and not self._soon.isActive():
            self.reload()
        elif not self._soon.isActive():
            self._soon.start(max(1, int(left * 1000)))

    def _run(self, *, live: bool) -> None:
        self._soon.stop()
        self._started = time.monotonic()
        lister = self.lister
        assert lister is not None
        path = self.path
        sort_key = self.columns[self.sort_column].key
        descending = self.sort_order == Qt.SortOrder.DescendingOrder
        sorted_as = (self.sort_column, self.sort_order)
        known_versions = self.versions

        def work(task: Task) -> tuple[list[Row], dict[str, list[int]], Any, Any]:
            summary = FolderSummary(path)
            files: list[Row] = []
            dirs: set[str] = set()
            last, sent = 0.0, 0
            for page in lister.iter_rows(path, task.cancel):
                new, touched = summary.add(page)
                files.extend(file_row(f) for f in new)
                dirs |= touched
                now = time.monotonic()
                every = BATCH_SECONDS if sent <= LIVE_SORT_LIMIT else LATE_BATCH_SECONDS
                if live and (now - last >= every or not last):
                    sent += len(files) + len(dirs)
                    task.emit(_batch(files, dirs, summary))
                    files, dirs, last = [], set(), now
            if live and (files or dirs):  # the view holds every row before the sorted list
                task.emit(_batch(files, dirs, summary))
            counts = summary.version_counts() if path == "/" else known_versions
            rows = [file_row(f, counts.get((f.directory, f.name), 1)) for f in summary.files]
            rows += [dir_row(n, c, b) for n, (c, b) in summary.subdirs.items()]
            rows.sort(key=name_key)
            if sorted_as[0] != 0 or descending:
                rows.sort(key=sort_key, reverse=descending)
            rows.sort(key=itemgetter(R_DIR), reverse=True)
            return rows, summary.tree, sorted_as, counts if path == "/" else None

        task = self.runner.submit(
            work,
            on_message=lambda batch: self._on_batch(task, batch),
            on_success=lambda result: self._on_done(task, path, result),
            on_failure=lambda exc: self._on_failed(task, path, exc),
        )
        self._task = task

    def _on_batch(self, task: Task, batch: object) -> None:
        if task is not self._task:
            return
        assert isinstance(batch, tuple)
        files, dirs = batch
        # folder rows appear once; their final counts come with the sorted list at the end
        # (never walk the rows already shown: that made a 100k listing quadratic)
        fresh = [d for d in dirs if d[R_NAME] not in self._dirs_shown]
        self._dirs_shown.update(d[R_NAME] for d in fresh)
        self.append(fresh + files)
        if len(self.rows) >= FREEZE_ROWS:
            # listing rows are named tuples, which the cyclic collector never untracks:
            # without this every full collection walked all of them with the GIL held
            # (up to 0.5 s per pass at 100k rows, a frozen window). Thawed in open().
            gc.freeze()
            self._frozen = True
        if len(self.rows) <= LIVE_SORT_LIMIT and not self._resort.isActive():
            self._resort.start()

    def _resort_now(self) -> None:
        if self.state == "loading" and len(self.rows) <= LIVE_SORT_LIMIT:
            self.resort()

    def _on_done(self, task: Task, path: str, result: object) -> None:
        if task is not self._task:
            return
        self._task = None
        self._done_at = time.monotonic()
        self.last_cost = self._done_at - self._started
        assert isinstance(result, tuple)
        rows, tree, sorted_as, versions = result
        if versions is not None:
            self.versions = versions
        rows = self._with_virtual(path, rows, tree)
        if self.state == "loading" and sorted_as == (self.sort_column, self.sort_order):
            self._show_sorted(rows)
        else:
            self.replace(rows)
        self.state = "loaded"
        if len(rows) >= FREEZE_ROWS:
            gc.freeze()  # (see _on_batch)
            self._frozen = True
        self.placeholder = (
            f"{path} is empty.\nDrop files here, or press Ctrl+U, to upload them into it."
        )
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 0)
        self.loaded.emit(path, tree)
        if self._reload_again:
            self._reload_again = False
            self._run(live=False)

    def _with_virtual(self, path: str, rows: list[Row], tree: dict[str, list[int]]) -> list[Row]:
        names = self.virtual.get(path)
        if not names:
            return rows
        real = {r[R_NAME] for r in rows if r[R_DIR]}
        names -= real  # a new folder that received files is a real one now
        return rows + [dir_row(n, 0, 0, virtual=True) for n in sorted(names)]

    def _show_sorted(self, rows: list[Row]) -> None:
        """The worker's sorted list replaces the streamed rows (same set) in one layout
        change, keeping the selection on its rows."""
        if len(rows) != len(self.rows):
            self.replace(rows)
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        keys = [(self.rows[i.row()][1], self.rows[i.row()][0]) for i in old]
        self.rows = rows
        if old:
            wanted = set(keys)
            names = {k[1] for k in wanted}  # a str test per row, no tuple per row
            where = {(r[1], r[0]): n for n, r in enumerate(rows) if r[0] in names}
            self.changePersistentIndexList(
                old,
                [
                    self.index(where[k], i.column()) if k in where else QModelIndex()
                    for i, k in zip(old, keys, strict=True)
                ],
            )
        self.layoutChanged.emit()

    def _on_failed(self, task: Task, path: str, exc: BaseException) -> None:
        if task is not self._task:
            return
        self._task = None
        self.state = "error"
        log.warning("listing %s failed: %s", path, exc)
        if not self.rows:
            self.set_placeholder(f"Could not list {path}:\n{exc}\n\nPress F5 to try again.")
        self.loadFailed.emit(path, str(exc))

    def shutdown(self) -> None:
        """No more listings (the window is closing)."""
        self._soon.stop()
        self._cancel()
        self._thaw()
        self.lister = None
        self._resort.stop()

    # -- the app's changes ----------------------------------------------------------
    def add_virtual_folder(self, name: str) -> int:
        """A folder that exists only here until the first upload into it; its row."""
        self.virtual.setdefault(self.path, set()).add(name)
        for n, r in enumerate(self.rows):
            if r[R_DIR] and r[R_NAME] == name:
                return n
        self.append([dir_row(name, 0, 0, virtual=True)])
        self.resort()
        return next(n for n, r in enumerate(self.rows) if r[R_DIR] and r[R_NAME] == name)

    def remove_files(self, uuids: set[str]) -> None:
        """Drop deleted files at once (a reload then brings the folder counts)."""
        rows = [r for r in self.rows if r[R_FILE] is None or r[R_FILE].uuid not in uuids]
        if len(rows) != len(self.rows):
            self.replace(rows)

    # -- access ---------------------------------------------------------------------
    def path_of(self, row: Row) -> str:
        if self.searching:  # results carry their whole path as their name
            return str(row[R_NAME])
        return join(self.path, row[R_NAME])

    def begin_search(self, text: str) -> None:
        self._cancel()
        self.searching = text
        self.state = "searching"
        self.clear(f"Searching all of SDS for “{text}”…")

    def end_search(self, text: str, rows: object) -> None:
        if self.searching != text or not isinstance(rows, list):
            return
        self.state = "loaded"
        self.beginResetModel()
        self.rows = self._sorted(rows)
        self.placeholder = f"No file or folder name on the SDS contains “{text}”."
        self.endResetModel()

    def file_of(self, row: Row) -> SDSFile | None:
        f = row[R_FILE]
        return None if f is None else to_sds_file(f)

    def row_at(self, n: int) -> Row:
        return self.rows[n]

    def find(self, name: str) -> int:
        for n, r in enumerate(self.rows):
            if r[R_NAME] == name:
                return n
        return -1

    # -- data -----------------------------------------------------------------------
    def extra_data(self, row: Row, col: int, role: int) -> Any:
        if role == DECORATION:
            if col == 0:
                return self._dir_icon if row[R_DIR] else self._file_icon
            return None
        if role == FONT:
            return self._italic if row[R_VIRTUAL] else None
        if role == FOREGROUND:
            f = row[R_FILE]
            return self._unsafe if f is not None and f.unsafe else None
        if role == TOOLTIP:
            return self._tooltip(row, col)
        if role == PATH_ROLE:
            return self.path_of(row)
        return None

    def _tooltip(self, row: Row, col: int) -> str:
        path = self.path_of(row)
        if row[R_DIR]:
            if row[R_VIRTUAL]:
                return f"{path}\nNew folder: the SDS creates it with the first upload into it."
            return f"{path}\n{row[R_COUNT]:,} files, {human_bytes(row[R_SIZE])} below it"
        f: FileRow = row[R_FILE]
        if f.unsafe:
            return f"{path}\nUnsafe name from the server: {f.unsafe}"
        if col == 3:
            return f.sum_blake3
        more = ""
        if row[R_VERSIONS] > 1:
            more = f"\n{row[R_VERSIONS]} versions on the SDS: Properties (Alt+Enter) lists them"
        return f"{path}\n{f.size:,} bytes\nowner {f.owner or '?'}{more}"

    # -- drag and drop --------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [REMOTE_MIME, "text/uri-list"]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # type: ignore[override]
        entries = []
        seen: set[int] = set()
        for index in indexes:
            if not index.isValid() or index.row() in seen:
                continue
            seen.add(index.row())
            row = self.rows[index.row()]
            if row[R_VIRTUAL]:
                continue
            f = row[R_FILE]
            entries.append(
                {
                    "kind": "dir" if row[R_DIR] else "file",
                    "sds_path": self.path_of(row),
                    "uuid": f.uuid if f is not None else "",
                }
            )
        return remote_mime(entries)

    def target_dir(self, parent: AnyIndex) -> str:
        if parent.isValid() and self.rows[parent.row()][R_DIR]:
            return self.path_of(self.rows[parent.row()])
        return self.path

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        if data.hasFormat(REMOTE_MIME) or self.lister is None:
            return False  # no working move or rename on the SDS (sds-api.md)
        return data.hasUrls() and any(u.isLocalFile() for u in data.urls())

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        if action == Qt.DropAction.IgnoreAction:
            return True
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        paths = [Path(u.toLocalFile()) for u in data.urls() if u.isLocalFile()]
        self.uploadRequested.emit(paths, self.target_dir(parent))
        return True


def _batch(files: list[Row], dirs: set[str], summary: FolderSummary) -> tuple[list[Row], list[Row]]:
    return files, [dir_row(d, *summary.subdirs[d]) for d in dirs]


OpenCallback = Callable[[str], None]
__all__ = ["COLUMNS", "R_DIR", "R_FILE", "R_NAME", "R_VIRTUAL", "RemoteListModel", "join"]
