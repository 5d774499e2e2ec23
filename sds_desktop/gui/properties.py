"""Properties of one SDS file: every field, its captures and datasets, the raw record,
and every version the SDS holds of its path (each downloadable and deletable)."""

from __future__ import annotations

import json

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sds_desktop.core.listing import FileRow
from sds_desktop.core.models import SDSFile, parse_server_time
from sds_desktop.gui.fmt import human_bytes, local_time


class PropertiesDialog(QDialog):
    """Every field of one SDS file, with the captures and datasets it belongs to."""

    def __init__(self, file: SDSFile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Properties — {file.name}")
        self.resize(680, 640)
        layout = QVBoxLayout(self)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Field", "Value"])
        self.tree.setColumnWidth(0, 170)
        self.tree.setAlternatingRowColors(True)
        rows: list[tuple[str, object]] = [
            ("Name", file.name),
            ("SDS path", file.sds_path),
            ("Directory", file.directory),
            ("UUID", file.uuid),
            ("Owner", file.owner_email or ""),
            ("Size", f"{human_bytes(file.size)} ({file.size:,} bytes)"),
            ("BLAKE3 checksum", file.sum_blake3),
            ("Media type", file.media_type),
            ("Permissions", file.permissions),
            ("Created", local_time(parse_server_time(file.created_at), with_zone=True)),
            ("Updated", local_time(file.modified, with_zone=True)),
            ("Expires", local_time(file.expires, with_zone=True)),
            ("Public", "yes" if file.is_public else "no"),
        ]
        if not file.safe:
            rows.append(("Unsafe path", file.unsafe_reason or ""))
        for key, value in rows:
            item = QTreeWidgetItem([key, str(value)])
            item.setToolTip(1, str(value))
            self.tree.addTopLevelItem(item)
        for title, entries in (("Captures", file.captures), ("Datasets", file.datasets)):
            group = QTreeWidgetItem([title, str(len(entries)) if entries else "none"])
            self.tree.addTopLevelItem(group)
            for entry in entries:
                group.addChild(QTreeWidgetItem(["", _describe(entry)]))
            group.setExpanded(True)
        raw = QTreeWidgetItem(["Server record", "(JSON)"])
        for key, value in sorted(file.raw.items()):
            raw.addChild(QTreeWidgetItem([key, json.dumps(value, default=str)]))
        self.tree.addTopLevelItem(raw)
        layout.addWidget(self.tree, 2)
        self.versions_label = QLabel("Versions on the SDS: looking…", self)
        layout.addWidget(self.versions_label)
        self.versions = QTableWidget(0, 4, self)
        self.versions.setHorizontalHeaderLabels(["Uploaded", "Size", "BLAKE3", "UUID"])
        self.versions.verticalHeader().hide()
        self.versions.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.versions.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.versions.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.versions.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.versions, 1)
        row = QHBoxLayout()
        self.download_version = QPushButton("Download this version", self)
        self.delete_version = QPushButton("Delete this version…", self)
        for b in (self.download_version, self.delete_version):
            b.setEnabled(False)
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        self.version_rows: list[FileRow] = []
        self.versions.itemSelectionChanged.connect(self._version_picked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def set_versions(self, rows: list[FileRow]) -> None:
        """Every version of this path, newest first (from the root listing)."""
        rows = sorted(rows, key=lambda r: (r.created_at, r.uuid), reverse=True)
        self.version_rows = rows
        self.versions.setRowCount(len(rows))
        for n, r in enumerate(rows):
            when = local_time(parse_server_time(r.created_at)) or r.created_at
            current = "  (current)" if n == 0 else ""
            for col, text in enumerate(
                (when + current, human_bytes(r.size), r.sum_blake3[:16], r.uuid)
            ):
                item = QTableWidgetItem(text)
                item.setToolTip(r.sum_blake3 if col == 2 else text)
                self.versions.setItem(n, col, item)
        self.versions.resizeColumnsToContents()
        many = len(rows) > 1
        self.versions_label.setText(
            f"Versions on the SDS: {len(rows)} (uploading other content to the same path "
            "keeps the old one)"
            if many
            else "Versions on the SDS: only this one"
        )
        self._version_picked()

    def selected_version(self) -> FileRow | None:
        picked = self.versions.selectionModel().selectedRows()
        return self.version_rows[picked[0].row()] if picked else None

    def _version_picked(self) -> None:
        chosen = self.selected_version() is not None
        self.download_version.setEnabled(chosen)
        self.delete_version.setEnabled(chosen)


def _describe(entry: object) -> str:
    if isinstance(entry, dict):
        name = entry.get("name") or entry.get("channel") or ""
        kind = entry.get("capture_type") or ""
        ident = entry.get("uuid") or entry.get("id") or ""
        return " · ".join(str(p) for p in (name, kind, ident) if p) or json.dumps(entry)
    return str(entry)
