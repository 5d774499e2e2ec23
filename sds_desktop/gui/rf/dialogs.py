# ruff: noqa: RUF001 - en dashes in ranges, the information sign in notices
"""The RF dialogs: upload-as-capture plan, capture download, open and download a dataset,
and the drop question (capture or files)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QDateTime, Qt, QTimeZone
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sds_desktop.gui.fmt import human_bytes, human_duration
from sds_desktop.gui.rf.capture_step import CapturePlan
from sds_desktop.gui.rf.captures_model import human_hz, human_rate_sps, span_text, utc_text
from sds_desktop.gui.rf.info import TYPE_NAMES, CaptureInfo, DatasetInfo, parse_dataset_ref

_UTC = QTimeZone.utc()


def _bold(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def recording_summary(plan: CapturePlan) -> str:
    rec = plan.recording
    parts = [TYPE_NAMES.get(rec.kind, rec.kind)]
    if rec.channels:
        parts.append(f"{len(rec.channels)} channel(s): {', '.join(rec.channels)}")
    if rec.scan_groups:
        parts.append(f"{len(rec.scan_groups)} scan group(s)")
    if rec.sample_rate:
        parts.append(human_rate_sps(rec.sample_rate))
    if rec.center_frequencies:
        parts.append(", ".join(human_hz(f) for f in rec.center_frequencies[:4]))
    if rec.start is not None:
        end = f" – {utc_text(rec.end)}" if rec.end and rec.end != rec.start else ""
        duration = human_duration(rec.duration_s)
        parts.append(f"{utc_text(rec.start)}{end} UTC" + (f" ({duration})" if duration else ""))
    return " · ".join(parts)


class UploadCaptureDialog(QDialog):
    """The plan of "Upload as capture": files, bytes, captures, what is left out and why,
    the preflight's problems, and the SDS destination."""

    def __init__(self, plan: CapturePlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        rec = plan.recording
        self.setWindowTitle(f"Upload as capture — {rec.root.name}")
        self.resize(680, 520)
        layout = QVBoxLayout(self)
        layout.addWidget(_bold(str(rec.root), self))
        summary = QLabel(rec.summary or recording_summary(plan), self)
        summary.setWordWrap(True)
        layout.addWidget(summary)
        form = QFormLayout()
        form.addRow("SDS folder:", QLabel(plan.sds_dir, self))
        form.addRow(
            "Files:",
            QLabel(f"{len(plan.items):,} file(s), {human_bytes(plan.total_bytes)}", self),
        )
        caps = ", ".join(f"{c.capture_type} {c.label}" for c in plan.captures) or "none"
        caps_label = QLabel(f"{len(plan.captures)} — {caps}" if plan.captures else "none", self)
        caps_label.setWordWrap(True)
        form.addRow("Captures to create:", caps_label)
        layout.addLayout(form)
        for notice in plan.notices + rec.notes:
            label = QLabel(f"ℹ {notice}", self)
            label.setWordWrap(True)
            layout.addWidget(label)
        self.details = QTreeWidget(self)
        self.details.setHeaderLabels(["What", "Why"])
        self.details.setColumnWidth(0, 300)
        self.details.setRootIsDecorated(True)
        if rec.problems:
            group = QTreeWidgetItem([f"Preflight problems ({len(rec.problems)})", ""])
            for p in rec.problems:
                mark = "⛔ " if p.blocking else "⚠ "
                where = p.path.name if p.path is not None else rec.root.name
                item = QTreeWidgetItem([mark + where, p.message])
                item.setToolTip(0, str(p.path or rec.root))
                item.setToolTip(1, p.message)
                group.addChild(item)
            self.details.addTopLevelItem(group)
            group.setExpanded(True)
        if plan.skipped:
            group = QTreeWidgetItem([f"Left out ({len(plan.skipped)})", ""])
            for path, reason in plan.skipped[:500]:
                item = QTreeWidgetItem([str(path.name), reason])
                item.setToolTip(0, str(path))
                group.addChild(item)
            self.details.addTopLevelItem(group)
            group.setExpanded(len(plan.skipped) <= 10)
        layout.addWidget(self.details, 1)
        self.details.setVisible(self.details.topLevelItemCount() > 0)
        if plan.blocking:
            warn = QLabel(
                "The SDS will refuse to create a capture from this recording (⛔ above). "
                "You can still upload the files; the capture step will then fail with the "
                "server's reason.",
                self,
            )
            warn.setWordWrap(True)
            warn.setStyleSheet("QLabel { color: #b3261e; }")
            layout.addWidget(warn)
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton(
            "Upload and create captures" if plan.captures else "Upload files",
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.ok_button.setEnabled(bool(plan.items or plan.captures))
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)


class CaptureDownloadDialog(QDialog):
    """Where to download a capture's files, and (Digital RF) an optional time window."""

    def __init__(self, infos: list[CaptureInfo], folder: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.infos = infos
        one = infos[0] if len(infos) == 1 else None
        title = one.name if one else f"{len(infos)} captures"
        self.setWindowTitle(f"Download — {title}")
        self.resize(560, 260)
        layout = QVBoxLayout(self)
        if one is not None:
            layout.addWidget(_bold(f"{one.type_name} · {one.name}", self))
            detail = QLabel(
                f"{one.top_level_dir}  ·  {span_text(one)}  ·  "
                f"{one.file_count or '?'} file(s), {human_bytes(one.size or 0)}",
                self,
            )
            detail.setWordWrap(True)
            layout.addWidget(detail)
        else:
            layout.addWidget(QLabel(", ".join(i.name for i in infos[:8]), self))
        row = QHBoxLayout()
        self.folder_edit = QLineEdit(str(folder), self)
        self.folder_edit.setToolTip("The capture's folder is created inside this folder")
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self._browse)
        row.addWidget(QLabel("Into:", self))
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        self.window_check = QCheckBox("Only a time window (UTC):", self)
        self.start_edit = QDateTimeEdit(self)
        self.end_edit = QDateTimeEdit(self)
        drf = one is not None and one.capture_type == "drf" and one.start is not None
        for edit in (self.start_edit, self.end_edit):
            edit.setTimeZone(_UTC)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
            edit.setCalendarPopup(True)
            edit.setEnabled(False)
        if drf and one is not None and one.start is not None:
            start = QDateTime.fromSecsSinceEpoch(int(one.start.timestamp()), _UTC)
            end_ts = one.end.timestamp() if one.end else one.start.timestamp()
            end = QDateTime.fromSecsSinceEpoch(int(end_ts) + 1, _UTC)
            for edit in (self.start_edit, self.end_edit):
                edit.setDateTimeRange(start, end)
            self.start_edit.setDateTime(start)
            self.end_edit.setDateTime(end)
        window = QHBoxLayout()
        window.addWidget(self.window_check)
        window.addWidget(self.start_edit)
        window.addWidget(QLabel("–", self))
        window.addWidget(self.end_edit)
        window.addStretch(1)
        layout.addLayout(window)
        self.window_check.setEnabled(drf)
        self.window_check.setToolTip(
            "Digital RF only: the data files overlapping the window, plus the channel's "
            "properties and metadata"
            if drf
            else "Only Digital RF captures with a known time span can be cut by time"
        )
        self.window_check.toggled.connect(self.start_edit.setEnabled)
        self.window_check.toggled.connect(self.end_edit.setEnabled)
        layout.addStretch(1)
        buttons = QDialogButtonBox(self)
        buttons.addButton("Download", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Download into", self.folder_edit.text())
        if chosen:
            self.folder_edit.setText(chosen)

    def folder(self) -> Path:
        return Path(self.folder_edit.text().strip()).expanduser()

    def set_window(self, start: datetime, end: datetime) -> None:
        self.window_check.setChecked(True)
        self.start_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(start.timestamp()), _UTC))
        self.end_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(end.timestamp()), _UTC))

    def window(self) -> tuple[float, float] | None:
        if not (self.window_check.isEnabled() and self.window_check.isChecked()):
            return None
        start = float(self.start_edit.dateTime().toSecsSinceEpoch())
        end = float(self.end_edit.dateTime().toSecsSinceEpoch())
        return (min(start, end), max(start, end))


class OpenDatasetDialog(QDialog):
    """A dataset UUID, or a link copied from the SDS web UI."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open dataset")
        self.resize(560, 150)
        layout = QVBoxLayout(self)
        hint = QLabel(
            "The SDS has no dataset list: paste a dataset UUID, or a link to the dataset "
            "copied from the SDS web UI.",
            self,
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("UUID or https://sds.crc.nd.edu/…?dataset_uuid=…")
        self.edit.setClearButtonEnabled(True)
        layout.addWidget(self.edit)
        self.error = QLabel(self)
        self.error.setStyleSheet("QLabel { color: #b3261e; }")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(self._check)
        self._check()

    def uuid(self) -> str | None:
        return parse_dataset_ref(self.edit.text())

    def _check(self) -> None:
        ok = self.uuid() is not None
        self.buttons.button(QDialogButtonBox.StandardButton.Open).setEnabled(ok)
        self.error.setText("" if ok or not self.edit.text().strip() else "No UUID in this text")

    def _accept(self) -> None:
        if self.uuid() is not None:
            self.accept()


class DatasetDownloadDialog(QDialog):
    """Production's dataset filters: captures, top-level folders, artifacts only."""

    def __init__(self, info: DatasetInfo, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.setWindowTitle(f"Download dataset — {info.name}")
        self.resize(620, 520)
        layout = QVBoxLayout(self)
        layout.addWidget(_bold(info.name, self))
        row = QHBoxLayout()
        self.folder_edit = QLineEdit(str(folder), self)
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self._browse)
        row.addWidget(QLabel("Into:", self))
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        self.all_radio = QRadioButton("Everything (every capture's files and every artifact)", self)
        self.some_radio = QRadioButton("Only the captures and folders ticked below", self)
        self.artifacts_radio = QRadioButton("Artifacts only (files outside the captures)", self)
        group = QButtonGroup(self)
        for radio in (self.all_radio, self.some_radio, self.artifacts_radio):
            group.addButton(radio)
            layout.addWidget(radio)
        self.all_radio.setChecked(True)
        self.captures = QListWidget(self)
        for cap in info.captures:
            ident = str(cap.get("uuid") or "")
            name = cap.get("name") or cap.get("top_level_dir") or ident
            item = QListWidgetItem(f"capture: {name}  ({cap.get('capture_type', '')})")
            item.setData(Qt.ItemDataRole.UserRole, ("capture", ident))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.captures.addItem(item)
        folders = sorted({str(c.get("top_level_dir") or "") for c in info.captures} - {""})
        for f in folders:
            item = QListWidgetItem(f"folder: {f}")
            item.setData(Qt.ItemDataRole.UserRole, ("folder", f))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.captures.addItem(item)
        self.captures.setEnabled(False)
        self.some_radio.toggled.connect(self.captures.setEnabled)
        self.some_radio.setEnabled(self.captures.count() > 0)
        layout.addWidget(self.captures, 1)
        note = QLabel(
            "Downloads go through the transfer queue: no size cap, verified checksums, "
            "resumable after a restart.",
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(self)
        buttons.addButton("Download", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Download into", self.folder_edit.text())
        if chosen:
            self.folder_edit.setText(chosen)

    def folder(self) -> Path:
        return Path(self.folder_edit.text().strip()).expanduser()

    def tick(self, kind: str, value: str) -> None:
        self.some_radio.setChecked(True)
        for i in range(self.captures.count()):
            item = self.captures.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == (kind, value):
                item.setCheckState(Qt.CheckState.Checked)

    def filters(self) -> dict[str, object]:
        """Keyword arguments for ``DatasetAPI.files``."""
        if self.artifacts_radio.isChecked():
            return {"captures": [], "artifacts_only": True}
        if not self.some_radio.isChecked():
            return {}
        captures: list[str] = []
        folders: list[str] = []
        for i in range(self.captures.count()):
            item = self.captures.item(i)
            if item.checkState() != Qt.CheckState.Checked:
                continue
            kind, value = item.data(Qt.ItemDataRole.UserRole)
            (captures if kind == "capture" else folders).append(value)
        out: dict[str, object] = {}
        if captures:
            out["captures"] = captures
        if folders:
            out["top_level_dirs"] = folders
        if not out:
            out["captures"] = []
        return out


class DropQuestion(QDialog):
    """Asked once when a recognised recording is dropped on the SDS pane."""

    def __init__(self, names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Upload a recording")
        layout = QVBoxLayout(self)
        what = "is an RF recording" if len(names) == 1 else "are RF recordings"
        text = QLabel(
            f"{', '.join(names[:4])} {what}.\n"
            "Upload as a capture (the SDS indexes it: find it by frequency and time), "
            "or as plain files?",
            self,
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.remember = QCheckBox("Remember my answer", self)
        layout.addWidget(self.remember)
        buttons = QDialogButtonBox(self)
        self.capture_button = buttons.addButton(
            "As capture…", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.files_button = buttons.addButton("Files only", QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.answer = ""
        self.capture_button.clicked.connect(lambda: self._done("capture"))
        self.files_button.clicked.connect(lambda: self._done("files"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _done(self, answer: str) -> None:
        self.answer = answer
        self.accept()


def utc_from_secs(secs: float) -> datetime:
    return datetime.fromtimestamp(secs, UTC)


__all__ = [
    "CaptureDownloadDialog",
    "DatasetDownloadDialog",
    "DropQuestion",
    "OpenDatasetDialog",
    "UploadCaptureDialog",
]
