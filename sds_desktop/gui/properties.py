"""Properties of one SDS file: every field, its captures and datasets, the raw record."""

from __future__ import annotations

import json

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sds_desktop.core.models import SDSFile, parse_server_time
from sds_desktop.gui.fmt import human_bytes, local_time


class PropertiesDialog(QDialog):
    """Every field of one SDS file, with the captures and datasets it belongs to."""

    def __init__(self, file: SDSFile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Properties — {file.name}")
        self.resize(640, 520)
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
        layout.addWidget(self.tree)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def _describe(entry: object) -> str:
    if isinstance(entry, dict):
        name = entry.get("name") or entry.get("channel") or ""
        kind = entry.get("capture_type") or ""
        ident = entry.get("uuid") or entry.get("id") or ""
        return " · ".join(str(p) for p in (name, kind, ident) if p) or json.dumps(entry)
    return str(entry)
