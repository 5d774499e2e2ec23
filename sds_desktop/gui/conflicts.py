"""The conflict dialog: the target of a transfer already exists; the user decides.

Both sides are shown (size, date, BLAKE3; the local file's BLAKE3 on demand, hashed in
the background), with one button per action and "apply to the rest of this job". The
decision itself is ``core.conflicts``; this module only asks. ``ConflictPrompter`` asks
one conflict at a time, in the order they came, and skips those that an "apply to the
rest" answer settled meanwhile.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sds_desktop.core.checksum import blake3_file
from sds_desktop.core.conflicts import Conflict, ConflictAction, Side
from sds_desktop.core.queue import ItemState
from sds_desktop.gui.fmt import human_bytes
from sds_desktop.gui.tasks import TaskRunner
from sds_desktop.gui.transfers import TransferController

_ACTIONS = (
    ConflictAction.OVERWRITE,
    ConflictAction.OVERWRITE_IF_DIFFERENT,
    ConflictAction.OVERWRITE_IF_NEWER,
    ConflictAction.SKIP,
    ConflictAction.KEEP_BOTH,
)
_TIPS = {
    ConflictAction.OVERWRITE: "Replace what is there with the file being copied.",
    ConflictAction.OVERWRITE_IF_DIFFERENT: (
        "Replace it only when the contents differ (BLAKE3 checksum); identical files are skipped."
    ),
    ConflictAction.OVERWRITE_IF_NEWER: (
        "Replace it only when the file being copied was modified later."
    ),
    ConflictAction.SKIP: "Leave what is there; do not copy this file.",
    ConflictAction.KEEP_BOTH: 'Copy it under a new name, such as "name (1).ext".',
}


def _when(value: datetime | None) -> str:
    if value is None:
        return "unknown"
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


class ConflictDialog(QDialog):
    """One conflict; ``decided(action, apply_to_rest)`` when the user picks."""

    decided = Signal(object, bool)  # ConflictAction, apply to the rest of the job

    def __init__(
        self,
        conflict: Conflict,
        *,
        job_label: str = "",
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.conflict = conflict
        self.runner = runner
        upload = conflict.direction == "upload"
        self.setWindowTitle("File already exists")
        self.setObjectName("conflictDialog")
        layout = QVBoxLayout(self)
        where = "on SDS" if upload else "in the local folder"
        name = Path(conflict.existing.path).name
        head = QLabel(f"<b>{name}</b> already exists {where}.")
        head.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(head)
        if job_label:
            layout.addWidget(QLabel(f"Job: {job_label}"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        source_title = "Local file (being uploaded)" if upload else "On SDS (being downloaded)"
        existing_title = "On SDS now" if upload else "Local file now"
        grid.addWidget(QLabel(""), 0, 0)
        for col, title in enumerate((source_title, existing_title), start=1):
            label = QLabel(f"<b>{title}</b>")
            label.setTextFormat(Qt.TextFormat.RichText)
            grid.addWidget(label, 0, col)
        self.hash_labels: dict[str, QLabel] = {}
        self.hash_button: QPushButton | None = None
        for row, key in enumerate(("Path", "Size", "Modified", "BLAKE3"), start=1):
            grid.addWidget(QLabel(key), row, 0, Qt.AlignmentFlag.AlignTop)
            for col, (side_key, side) in enumerate(
                (("source", conflict.source), ("existing", conflict.existing)), start=1
            ):
                grid.addWidget(self._cell(key, side_key, side), row, col)
        layout.addLayout(grid)
        self.rest = QCheckBox("Apply to the rest of this job")
        self.rest.setToolTip("Answer every other conflict of this job the same way.")
        layout.addWidget(self.rest)
        buttons = QHBoxLayout()
        self.buttons: dict[ConflictAction, QPushButton] = {}
        for action in _ACTIONS:
            button = QPushButton(action.label)
            button.setToolTip(_TIPS[action])
            button.clicked.connect(lambda _=False, a=action: self._pick(a))
            buttons.addWidget(button)
            self.buttons[action] = button
        self.buttons[ConflictAction.SKIP].setDefault(True)
        layout.addLayout(buttons)
        self.chosen: ConflictAction | None = None

    def _cell(self, key: str, side_key: str, side: Side) -> QWidget:
        if key == "Path":
            label = QLabel(side.path)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setMaximumWidth(360)
            return label
        if key == "Size":
            return QLabel(f"{human_bytes(side.size)} ({side.size:,} bytes)")
        if key == "Modified":
            return QLabel(_when(side.modified))
        if side.blake3:
            label = QLabel(side.blake3[:16] + "…")
            label.setToolTip(side.blake3)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.hash_labels[side_key] = label
            return label
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        label = QLabel("not computed")
        self.hash_labels[side_key] = label
        row.addWidget(label)
        button = QPushButton("Compute")
        button.setToolTip("Read the local file and compute its BLAKE3 checksum.")
        button.setEnabled(self.runner is not None)
        button.clicked.connect(lambda: self._compute(side_key, Path(side.path)))
        self.hash_button = button
        row.addWidget(button)
        row.addStretch(1)
        return box

    def _compute(self, side_key: str, path: Path) -> None:
        if self.runner is None or self.hash_button is None:
            return
        self.hash_button.setEnabled(False)
        label = self.hash_labels[side_key]
        label.setText("computing…")

        def done(digest: object) -> None:
            if self.hash_button is not None:
                self.hash_button.hide()
            text = str(digest)
            label.setText(text[:16] + "…")
            label.setToolTip(text)
            other = self.conflict.source if side_key == "existing" else self.conflict.existing
            if other.blake3:
                same = "identical contents" if other.blake3 == text else "contents differ"
                label.setText(f"{text[:16]}… ({same})")

        def failed(exc: BaseException) -> None:
            label.setText(f"cannot read: {exc}")

        self.runner.call(lambda: blake3_file(path), done, failed)

    def _pick(self, action: ConflictAction) -> None:
        self.chosen = action
        self.decided.emit(action, self.rest.isChecked())
        self.accept()

    def reject(self) -> None:
        """Closing without an answer skips this file (it stays as it is)."""
        super().reject()


class ConflictPrompter:
    """Asks the controller's conflicts one at a time (hook: ``conflictFound``)."""

    def __init__(
        self,
        controller: TransferController,
        parent: QWidget,
        runner: TaskRunner | None = None,
        *,
        open_dialog: Callable[[ConflictDialog], None] | None = None,
    ) -> None:
        self.controller = controller
        self.parent = parent
        self.runner = runner
        self.open_dialog = open_dialog or (lambda d: d.open())
        self.pending: collections.deque[tuple[int, Conflict]] = collections.deque()
        self.dialog: ConflictDialog | None = None

    @Slot(int, object)
    def ask(self, item_id: int, conflict: object) -> None:
        if isinstance(conflict, Conflict):
            self.pending.append((item_id, conflict))
        self._next()

    def _next(self) -> None:
        queue = self.controller.queue
        while self.dialog is None and self.pending:
            item_id, conflict = self.pending.popleft()
            if item_id not in queue or queue.get(item_id).state is not ItemState.CONFLICT:
                continue  # settled by an "apply to the rest" answer meanwhile
            try:
                label = queue.job(queue.get(item_id).job_id).label
            except KeyError:
                label = ""
            dialog = ConflictDialog(
                conflict, job_label=label, runner=self.runner, parent=self.parent
            )
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.decided.connect(
                lambda action, rest, i=item_id: self.controller.resolve_conflict(
                    i, action, rest_of_job=rest
                )
            )
            dialog.rejected.connect(
                lambda i=item_id: self.controller.resolve_conflict(
                    i, ConflictAction.SKIP, rest_of_job=False
                )
            )
            dialog.finished.connect(self._closed)
            self.dialog = dialog
            self.open_dialog(dialog)

    def _closed(self, _result: int = 0) -> None:
        self.dialog = None
        self._next()
