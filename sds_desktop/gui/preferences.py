"""Preferences: transfers (parallel, conflicts, retries, stalls, speed), units, notices.

``apply_preferences`` hands the stored values to the transfer controller; the dialog
writes them back and applies them at once (running transfers keep their knobs until
their next try, except the speed limit, which all running transfers share and which
applies within a tenth of a second).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from sds_desktop.core.conflicts import ConflictAction
from sds_desktop.core.retry import QueueRetryPolicy
from sds_desktop.gui.settings import Settings
from sds_desktop.gui.transfers import TransferController


def _action(value: str) -> ConflictAction:
    try:
        return ConflictAction(value)
    except ValueError:
        return ConflictAction.ASK


def apply_preferences(settings: Settings, controller: TransferController) -> None:
    """Give ``controller`` the stored transfer preferences."""
    base = controller.retry_policy
    controller.retry_policy = QueueRetryPolicy(
        attempts=settings.retry_attempts,
        deadline=settings.retry_deadline_minutes * 60,
        base_delay=base.base_delay,
        max_delay=base.max_delay,
        server_base_delay=base.server_base_delay,
        max_server_delay=base.max_server_delay,
        stall_seconds=settings.stall_seconds,
    )
    for direction in ("upload", "download"):
        controller.conflicts.set_default(direction, _action(settings.conflict_default(direction)))
    controller.set_parallel(settings.parallel_transfers)
    controller.set_speed_limit(settings.speed_limit_kib * 1024)


class PreferencesDialog(QDialog):
    def __init__(
        self, settings: Settings, controller: TransferController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.controller = controller
        self.setWindowTitle("Preferences")
        self.setObjectName("preferencesDialog")
        layout = QVBoxLayout(self)

        transfers = QGroupBox("Transfers")
        form = QFormLayout(transfers)
        self.parallel = QSpinBox()
        self.parallel.setRange(1, 32)
        self.parallel.setValue(settings.parallel_transfers)
        self.parallel.setToolTip("Large files moved at the same time (small files run beside).")
        form.addRow("Parallel transfers:", self.parallel)
        self.conflict: dict[str, QComboBox] = {}
        for direction, label in (
            ("download", "When a downloaded file exists locally:"),
            ("upload", "When an uploaded file exists on SDS:"),
        ):
            box = QComboBox()
            for action in ConflictAction:
                box.addItem(action.label, action.value)
            box.setCurrentIndex(max(0, box.findData(settings.conflict_default(direction))))
            box.setToolTip('What to do without asking; "Ask me" shows a dialog per job.')
            self.conflict[direction] = box
            form.addRow(label, box)
        self.speed = QSpinBox()
        self.speed.setRange(0, 10**6)
        self.speed.setSuffix(" KiB/s")
        self.speed.setSpecialValueText("no limit")
        self.speed.setValue(settings.speed_limit_kib)
        self.speed.setSingleStep(100)
        self.speed.setToolTip(
            "One limit for all running transfers together, uploads and downloads "
            "(0: no limit). Applies at once, also to transfers already running; the "
            "status bar shows it while it is set."
        )
        form.addRow("Speed limit:", self.speed)
        layout.addWidget(transfers)

        healing = QGroupBox("When something goes wrong")
        form2 = QFormLayout(healing)
        self.attempts = QSpinBox()
        self.attempts.setRange(1, 100)
        self.attempts.setValue(settings.retry_attempts)
        self.attempts.setToolTip(
            "Tries per file before it fails. Waiting for an unreachable SDS or for a new "
            "API key does not use them up."
        )
        form2.addRow("Tries per file:", self.attempts)
        self.deadline = QDoubleSpinBox()
        self.deadline.setRange(1, 7 * 24 * 60)
        self.deadline.setDecimals(0)
        self.deadline.setSuffix(" min")
        self.deadline.setValue(settings.retry_deadline_minutes)
        self.deadline.setToolTip("A file stops being retried this long after its first try.")
        form2.addRow("Retry for at most:", self.deadline)
        self.stall = QDoubleSpinBox()
        self.stall.setRange(5, 3600)
        self.stall.setDecimals(0)
        self.stall.setSuffix(" s")
        self.stall.setValue(settings.stall_seconds)
        self.stall.setToolTip("A transfer that moves no data this long is stopped and retried.")
        form2.addRow("Stalled after:", self.stall)
        layout.addWidget(healing)

        other = QGroupBox("Display")
        form3 = QFormLayout(other)
        self.units = QComboBox()
        self.units.addItem("Binary (KiB, MiB, GiB)", "binary")
        self.units.addItem("Decimal (kB, MB, GB)", "decimal")
        self.units.setCurrentIndex(max(0, self.units.findData(settings.units)))
        form3.addRow("Sizes in:", self.units)
        self.notify = QCheckBox("Notify me when a transfer job ends or fails")
        self.notify.setChecked(settings.notifications)
        form3.addRow(self.notify)
        layout.addWidget(other)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self) -> None:
        s = self.settings
        s.parallel_transfers = self.parallel.value()
        for direction, box in self.conflict.items():
            s.set_conflict_default(direction, str(box.currentData()))
        s.retry_attempts = self.attempts.value()
        s.retry_deadline_minutes = self.deadline.value()
        s.stall_seconds = self.stall.value()
        s.speed_limit_kib = self.speed.value()
        s.units = str(self.units.currentData())
        s.notifications = self.notify.isChecked()
        s.sync()
        apply_preferences(s, self.controller)
        super().accept()
