"""Job details: what a job moves, how far it got, and the files it left out on purpose
(empty files, ignore rules, symlinked folders), which are otherwise only in the log."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sds_desktop.core.queue import TransferQueue
from sds_desktop.gui.fmt import human_bytes

MAX_LISTED = 5000
"""Left-out files listed at most (a 100k-file folder of ignored files stays quick)."""


class JobDetails(QDialog):
    def __init__(self, queue: TransferQueue, job_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobDetails")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        job = queue.job(job_id)
        progress = queue.job_progress(job_id)
        left_out = queue.left_out(job_id)
        arrow = "Upload" if job.direction.value == "upload" else "Download"
        self.setWindowTitle(f"Job details: {job.label}")
        layout = QVBoxLayout(self)
        self.summary = QLabel(
            f"<b>{arrow} · {job.label}</b><br>"
            f"{progress.finished_items} of {progress.total_items} files finished, "
            f"{progress.failed_items} failed · "
            f"{human_bytes(progress.bytes_done)} of {human_bytes(progress.total_bytes)}",
            self,
        )
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.summary)
        if left_out:
            shown = left_out[:MAX_LISTED]
            more = f" (the first {MAX_LISTED:,} are listed)" if len(left_out) > MAX_LISTED else ""
            heading = f"Left out on purpose: {len(left_out):,} file(s){more}"
        else:
            shown = []
            heading = "This job left no file out."
        self.left_out_label = QLabel(heading, self)
        layout.addWidget(self.left_out_label)
        self.left_out = QTreeWidget(self)
        self.left_out.setRootIsDecorated(False)
        self.left_out.setHeaderLabels(["File", "Why it was left out"])
        self.left_out.setUniformRowHeights(True)
        self.left_out.addTopLevelItems([QTreeWidgetItem([p, r]) for p, r in shown])
        header = self.left_out.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.left_out.setVisible(bool(shown))
        layout.addWidget(self.left_out, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 360 if shown else 160)
