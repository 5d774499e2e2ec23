# ruff: noqa: S101 - asserts narrow types
"""What the window's commands do: transfers with explicit targets, and file operations.

Every target is a folder the user can see: uploads go into the SDS folder shown on the
right, downloads into the local folder shown on the left (or one picked with
"Download to…"). The commands that act on "the active side" use the side that last had
the focus.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QInputDialog

from sds_desktop.core.conflicts import ConflictAction
from sds_desktop.core.errors import PathError
from sds_desktop.core.listing import FileRow, to_sds_file
from sds_desktop.core.models import SDSFile
from sds_desktop.core.paths import validate_file_name
from sds_desktop.gui.properties import PropertiesDialog
from sds_desktop.gui.remote_list import R_DIR, R_FILE
from sds_desktop.gui.tasks import Task

if TYPE_CHECKING:
    from sds_desktop.gui.main_window import MainWindow

log = logging.getLogger("sds_desktop.gui")
NO_RENAME = (
    "The SDS cannot rename or move files: production does not keep such a change.\n\n"
    "To give a file another name or folder, download it, upload it under the new name "
    "or into the new folder, then delete the old one."
)


def _home(path: Path) -> str:
    """``~/data`` for a folder under the home folder (shorter, and what people say)."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix() if path != Path.home() else "~"
    except ValueError:
        return str(path)


def _items(n: int) -> str:
    return "1 item" if n == 1 else f"{n} items"


class WindowActions:
    """Mixed into :class:`MainWindow`."""

    # -- labels that say where things go --------------------------------------------
    def update_actions(self: MainWindow) -> None:
        signed_in = self.account is not None
        local = self.local_pane.selected_paths()
        remote = self.remote_pane.selected_rows()
        real = [r for r in remote if not r[7]]  # not a new (virtual) folder
        target = self.remote_pane.current_dir()
        up = self.actions["upload"]
        up.setText(f"Upload {_items(len(local))} to {target}" if local else f"Upload to {target}")
        up.setEnabled(signed_in and bool(local))
        down = self.actions["download"]
        here = self.local_pane.current_dir()
        shown = _home(here)
        down.setText(f"Download {_items(len(real))} to {shown}" if real else f"Download to {shown}")
        down.setEnabled(signed_in and bool(real))
        self.actions["download_to"].setEnabled(signed_in and bool(real))
        remote_side = self.active_side == "remote"
        self.actions["properties"].setEnabled(
            remote_side and len(real) == 1 and not real[0][R_DIR] and signed_in
        )
        self.actions["delete"].setEnabled(bool(real) and signed_in if remote_side else bool(local))
        self.actions["rename"].setEnabled(remote_side or len(local) == 1)
        self.actions["new_folder"].setEnabled(signed_in or not remote_side)
        self.actions["copy_path"].setEnabled(bool(remote if remote_side else local))
        self.actions["search"].setEnabled(signed_in)
        self.actions["sign_out"].setEnabled(signed_in)
        self.actions["compare"].setEnabled(signed_in)

    # -- transfers -----------------------------------------------------------------
    def upload(self: MainWindow, paths: list[Path], sds_dir: str) -> None:
        if self.account is None:
            self.show_error("Not signed in", "Sign in before uploading.")
            return
        if not paths:
            return
        self.controller.enqueue_upload(paths, sds_dir)
        self.statusBar().showMessage(f"Uploading {_items(len(paths))} to {sds_dir}…", 4000)

    def upload_selected(self: MainWindow) -> None:
        self.upload(self.local_pane.selected_paths(), self.remote_pane.current_dir())

    def download_into(self: MainWindow, items: list[SDSFile | str], target: Path) -> None:
        if self.account is None or not items:
            return
        self.controller.enqueue_download(items, target)
        self.statusBar().showMessage(f"Downloading {_items(len(items))} to {target}…", 4000)

    def download_selected(self: MainWindow) -> None:
        self.download_into(self.remote_pane.selected_items(), self.local_pane.current_dir())

    def download_to(self: MainWindow) -> None:
        items = self.remote_pane.selected_items()
        if not items:
            return
        folder = self.choose_folder("Download to", self.local_pane.current_dir())
        if folder is not None:
            self.download_into(items, folder)

    def choose_folder(self: MainWindow, title: str, start: Path) -> Path | None:
        """A folder chooser (overridable in tests)."""
        chosen = QFileDialog.getExistingDirectory(self, title, str(start))
        return Path(chosen) if chosen else None

    def download_entries(self: MainWindow, entries: list[dict[str, str]], local_dir: str) -> None:
        """Remote drag entries dropped on the local side → downloads into ``local_dir``."""
        by_path = {}
        model = self.remote_pane.model
        for row in model.rows:
            if row[R_FILE] is not None:
                by_path[model.path_of(row)] = row
        items: list[SDSFile | str] = []
        for entry in entries:
            path = entry.get("sds_path", "")
            if entry.get("kind") == "dir":
                items.append(path)
            elif path in by_path:
                f = model.file_of(by_path[path])
                if f is not None:
                    items.append(f)
        self.download_into(items, Path(local_dir))

    def uploaded_into(self: MainWindow, sds_dir: str) -> None:
        """Files landed in ``sds_dir``: counts and rows become exact, nothing collapses."""
        shown = self.remote_pane.current_dir()
        inside = shown in ("/", sds_dir) or sds_dir.startswith(shown.rstrip("/") + "/")
        if inside or shown.startswith(sds_dir.rstrip("/") + "/"):
            model = self.remote_pane.model  # its listing updates the tree too
            if self.controller.is_idle():
                model.reload()  # the last files landed: exact counts now
            else:
                model.reload_soon()  # paced by what the last listing cost
            return
        # the deepest folder the tree knows on the way: its subtree is listed again
        tree = self.remote_pane.tree_model
        node, known = tree.root, tree.root
        for part in [p for p in sds_dir.split("/") if p]:
            nxt = node.child(part)
            if nxt is None:
                break
            node = nxt
            if node.known and not node.virtual:
                known = node
        self.remote_pane.load_subtree(known.path)

    def expect_sync_jobs(self: MainWindow, n: int) -> None:
        """The next ``n`` jobs are a sync's: their conflicts (a changed file exists at the
        target) are answered "overwrite" - that is what the user confirmed in the preview.
        Forgotten when the queue goes idle (a job with nothing to send is never added)."""
        self._sync_jobs += n

    def _job_added(self: MainWindow, job_id: int, _count: int) -> None:
        if self._sync_jobs > 0:
            self._sync_jobs -= 1
            self.controller.conflicts.remember(job_id, ConflictAction.OVERWRITE)

    # -- the active side -----------------------------------------------------------
    def _focus_changed(self: MainWindow, _old: object, new: object) -> None:
        widget = new
        while widget is not None:
            if widget is self.local_pane:
                self.active_side = "local"
                break
            if widget is self.remote_tabs:
                self.active_side = "remote"
                break
            widget = widget.parentWidget()  # type: ignore[attr-defined]
        else:
            return
        self.update_actions()

    def _side(self: MainWindow):
        return self.remote_pane if self.active_side == "remote" else self.local_pane

    def go_up(self: MainWindow) -> None:
        self._side().go_up()

    def go_back(self: MainWindow) -> None:
        self._side().go_back()

    def go_forward(self: MainWindow) -> None:
        self._side().go_forward()

    def focus_path(self: MainWindow) -> None:
        self._side().path_bar.focus_path()

    def switch_side(self: MainWindow) -> None:
        other = self.local_pane if self.active_side == "remote" else self.remote_pane
        other.view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_search(self: MainWindow) -> None:
        self.remote_tabs.setCurrentWidget(self.remote_pane)
        self.remote_pane.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.remote_pane.search_edit.selectAll()

    def refresh_both(self: MainWindow) -> None:
        self.local_pane.refresh()
        if self.account is not None:
            self.remote_pane.refresh()

    # -- file operations -----------------------------------------------------------
    def new_folder(self: MainWindow) -> None:
        if self.active_side == "remote":
            parent = self.remote_pane.current_dir()
            name, ok = self.get_text(
                "New SDS folder",
                f"Folder name inside {parent}\n"
                "(SDS folders are virtual: the first upload into it creates it)",
            )
            if ok and name.strip():
                self.create_folder(name.strip())
            return
        here = self.local_pane.current_dir()
        name, ok = self.get_text("New folder", f"Folder name inside {here}")
        if ok and name.strip():
            try:
                validate_file_name(name.strip())
            except PathError as exc:
                self.show_error("Invalid folder name", str(exc))
                return
            self.local_pane.make_folder(name.strip(), lambda m: self.show_error("New folder", m))

    def create_folder(self: MainWindow, name: str) -> int:
        """A new (virtual) SDS folder in the folder shown; its row, or -1."""
        try:
            validate_file_name(name)
        except PathError as exc:
            self.show_error("Invalid folder name", str(exc))
            return -1
        pane = self.remote_pane
        row = pane.model.add_virtual_folder(name)
        pane.tree_model.add_virtual(pane.current_dir().rstrip("/") + "/" + name)
        pane.view.select_row(row)
        return row

    def rename(self: MainWindow) -> None:
        if self.active_side == "remote":
            self.show_error("Rename on the SDS", NO_RENAME)
            return
        paths = self.local_pane.selected_paths()
        if len(paths) != 1:
            return
        path = paths[0]
        name, ok = self.get_text("Rename", f"New name for {path.name}", path.name)
        name = name.strip()
        if not ok or not name or name == path.name:
            return
        try:
            validate_file_name(name)
        except PathError as exc:
            self.show_error("Invalid name", str(exc))
            return
        self.local_pane.rename(path, name, lambda m: self.show_error("Rename", m))

    def delete(self: MainWindow) -> None:
        if self.active_side == "remote":
            self.delete_remote()
            return
        paths = self.local_pane.selected_paths()
        if not paths:
            return
        names = ", ".join(p.name for p in paths[:5]) + (" …" if len(paths) > 5 else "")
        if self.ask("Move to the trash", f"Move {_items(len(paths))} to the trash?\n\n{names}"):
            self.local_pane.trash(paths, lambda m: self.show_error("Delete", m))

    def delete_remote(self: MainWindow) -> None:
        pane = self.remote_pane
        rows = [r for r in pane.selected_rows() if not r[7]]
        gateway = self.gateway
        if not rows or gateway is None:
            return
        paths = [pane.model.path_of(r) for r in rows]
        folders = [p for p, r in zip(paths, rows, strict=True) if r[R_DIR]]
        what = ", ".join(paths[:5]) + (" …" if len(paths) > 5 else "")
        detail = " and everything inside the selected folders" if folders else ""
        if not self.ask(
            "Delete from SDS",
            f"Delete {_items(len(rows))}{detail} from the SDS?\n\n{what}\n\nThis cannot be undone.",
        ):
            return
        files = [(pane.model.path_of(r), r[R_FILE].uuid) for r in rows if r[R_FILE] is not None]

        def work() -> tuple[list[str], list[tuple[str, str]]]:
            targets = list(files)
            for path in folders:
                targets.extend((f.sds_path, f.uuid) for f in gateway.list_files(path))
            deleted: list[str] = []
            refused: list[tuple[str, str]] = []
            for path, uuid in targets:
                try:
                    gateway.delete_file(uuid)
                except Exception as exc:  # noqa: BLE001 - each refusal is shown with its reason
                    refused.append((path, str(exc)))
                else:
                    deleted.append(uuid)
            return deleted, refused

        self.statusBar().showMessage("Deleting…")
        self.tasks.call(
            work,
            self._deleted,
            lambda exc: self.show_error("Delete failed", str(exc)),
        )

    def _deleted(self: MainWindow, result: object) -> None:
        assert isinstance(result, tuple)
        deleted, refused = result
        log.info("deleted %d file(s) from the SDS", len(deleted))
        self.statusBar().showMessage(f"Deleted {len(deleted)} file(s)", 4000)
        self.remote_pane.model.remove_files(set(deleted))
        self.remote_pane.model.reload()
        if refused:
            lines = "\n".join(f"• {path}: {reason}" for path, reason in refused[:20])
            for path, reason in refused:
                log.warning("the SDS refused to delete %s: %s", path, reason)
            self.show_error(
                "Some files were not deleted", f"The SDS refused {len(refused)} file(s):\n{lines}"
            )

    def copy_path(self: MainWindow) -> None:
        if self.active_side == "remote":
            paths = self.remote_pane.selected_paths()
        else:
            paths = [str(p) for p in self.local_pane.selected_paths()]
        if paths:
            QGuiApplication.clipboard().setText("\n".join(paths))
            self.statusBar().showMessage("Path copied", 2000)

    def show_properties(self: MainWindow) -> None:
        rows = [r for r in self.remote_pane.selected_rows() if r[R_FILE] is not None]
        gateway = self.gateway
        if not rows or gateway is None:
            return
        file = rows[0][R_FILE]
        self.tasks.call(
            lambda: gateway.get_file(file.uuid),
            self._open_properties,
            lambda exc: self.show_error("Properties", f"Could not read {file.sds_path}: {exc}"),
        )

    def _open_properties(self: MainWindow, file: object) -> None:
        assert isinstance(file, SDSFile)
        dialog = PropertiesDialog(file, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.download_version.clicked.connect(lambda: self._download_version(dialog))
        dialog.delete_version.clicked.connect(lambda: self._delete_version(dialog))
        self.properties_dialog = dialog
        dialog.open()
        self._find_versions(dialog, file.directory, file.name)

    def _find_versions(
        self: MainWindow, dialog: PropertiesDialog, directory: str, name: str
    ) -> None:
        """Older versions show only in the root listing (it is not deduplicated)."""
        lister = self.lister
        if lister is None:
            return

        def work(task: Task) -> list[FileRow]:
            return [
                r
                for page in lister.iter_rows("/", task.cancel)
                for r in page
                if r.name == name and r.directory == directory
            ]

        task = self.tasks.submit(work, on_success=dialog.set_versions)
        dialog.finished.connect(task.cancel.set)

    def _download_version(self: MainWindow, dialog: PropertiesDialog) -> None:
        row = dialog.selected_version()
        if row is not None:
            self.download_into([to_sds_file(row)], self.local_pane.current_dir())

    def _delete_version(self: MainWindow, dialog: PropertiesDialog) -> None:
        row = dialog.selected_version()
        gateway = self.gateway
        if row is None or gateway is None:
            return
        when = row.created_at or row.uuid
        if not self.ask(
            "Delete this version",
            f"Delete the version of {row.sds_path} uploaded {when} from the SDS?\n\n"
            "This cannot be undone.",
        ):
            return

        def done(_r: object) -> None:
            self.statusBar().showMessage(f"Deleted a version of {row.sds_path}", 4000)
            self._find_versions(dialog, row.directory, row.name)
            self.remote_pane.model.reload()

        self.tasks.call(
            lambda: gateway.delete_file(row.uuid),
            done,
            lambda exc: self.show_error("Delete failed", f"The SDS refused: {exc}"),
        )

    def get_text(self: MainWindow, title: str, label: str, text: str = "") -> tuple[str, bool]:
        """A one-line question (overridable in tests)."""
        return QInputDialog.getText(self, title, label, text=text)
