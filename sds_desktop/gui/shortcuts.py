"""The window's actions: one ``QAction`` per command, its shortcut valid wherever the focus
is in the window, the same action in the menus, and Help → Keyboard shortcuts."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

# key, text, shortcuts, tooltip, icon
SPECS: tuple[tuple[str, str, tuple[str, ...], str, QStyle.StandardPixmap | None], ...] = (
    (
        "upload",
        "Upload to SDS",
        ("Ctrl+U",),
        "Upload the local selection into the SDS folder shown",
        QStyle.StandardPixmap.SP_ArrowUp,
    ),
    (
        "download",
        "Download",
        ("Ctrl+D",),
        "Download the SDS selection into the local folder shown",
        QStyle.StandardPixmap.SP_ArrowDown,
    ),
    (
        "download_to",
        "Download to…",
        ("Ctrl+Shift+D",),
        "Choose a local folder, then download the SDS selection into it",
        None,
    ),
    (
        "refresh",
        "Refresh both sides",
        ("F5",),
        "List both folders again",
        QStyle.StandardPixmap.SP_BrowserReload,
    ),
    (
        "new_folder",
        "New folder…",
        ("Ctrl+Shift+N",),
        "Create a folder in the active side's folder",
        QStyle.StandardPixmap.SP_FileDialogNewFolder,
    ),
    ("rename", "Rename…", ("F2",), "Rename the selected local item", None),
    (
        "delete",
        "Delete…",
        ("Del",),
        "Local: move to the trash. SDS: delete for good (asks first)",
        QStyle.StandardPixmap.SP_TrashIcon,
    ),
    (
        "properties",
        "Properties",
        ("Alt+Return",),
        "Every field of the selected SDS file, and its versions",
        QStyle.StandardPixmap.SP_FileDialogInfoView,
    ),
    (
        "copy_path",
        "Copy path",
        ("Ctrl+Shift+C",),
        "Copy the selected paths of the active side",
        None,
    ),
    (
        "up",
        "Up one level",
        ("Backspace", "Alt+Up"),
        "The active side's parent folder",
        QStyle.StandardPixmap.SP_FileDialogToParent,
    ),
    (
        "back",
        "Back",
        ("Alt+Left",),
        "The active side's previous folder",
        QStyle.StandardPixmap.SP_ArrowBack,
    ),
    (
        "forward",
        "Forward",
        ("Alt+Right",),
        "The active side's next folder",
        QStyle.StandardPixmap.SP_ArrowForward,
    ),
    ("path", "Go to path…", ("Ctrl+L",), "Type a folder path for the active side", None),
    ("switch", "Switch side", ("F6",), "Move the focus to the other side's file list", None),
    ("search", "Search SDS by name", ("Ctrl+F",), "Find names anywhere in your SDS space", None),
    (
        "compare",
        "Compare folders…",
        ("Ctrl+Shift+K",),
        "Compare the local folder shown with the SDS folder shown, file by file, by BLAKE3",
        None,
    ),
    (
        "sites",
        "Sites…",
        (),
        "The gateways you use (production, dev, sandbox, your own); sign in to one",
        None,
    ),
    ("sign_in", "Sign in…", (), "Sign in to an SDS gateway", None),
    ("sign_out", "Sign out", (), "Forget the key and disconnect", None),
    ("quit", "Quit", ("Ctrl+Q",), "Close SDS Desktop", None),
    ("shortcuts", "Keyboard shortcuts", ("F1",), "All keyboard shortcuts", None),
)


def build_actions(window: QWidget, handlers: dict[str, Callable[[], object]]) -> dict[str, QAction]:
    """Actions on ``window`` with WindowShortcut context, wired to ``handlers``."""
    actions: dict[str, QAction] = {}
    for key, text, keys, tip, icon in SPECS:
        action = QAction(text, window)
        if icon is not None:
            action.setIcon(window.style().standardIcon(icon))
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip} ({', '.join(keys)})" if keys else tip)
        action.setStatusTip(tip)
        handler = handlers.get(key)
        if handler is not None:
            action.triggered.connect(lambda _checked=False, h=handler: h())
        window.addAction(action)
        actions[key] = action
    return actions


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts: every action with its keys, straight from the actions."""

    def __init__(self, actions: dict[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(560, 520)
        layout = QVBoxLayout(self)
        rows = [(a, a.shortcuts()) for a in actions.values() if a.shortcuts()]
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Keys", "Command", "What it does"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for n, (action, keys) in enumerate(rows):
            text = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
            self.table.setItem(n, 0, QTableWidgetItem(text))
            self.table.setItem(n, 1, QTableWidgetItem(action.text().replace("&", "")))
            self.table.setItem(n, 2, QTableWidgetItem(action.statusTip()))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
