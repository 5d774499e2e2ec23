# ruff: noqa: RUF001 - en dashes in ranges
"""Properties dialogs of a capture and of a dataset: every field, readable."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sds_desktop.gui.fmt import human_bytes, human_duration
from sds_desktop.gui.rf.captures_model import human_hz, human_rate_sps, span_text, utc_text
from sds_desktop.gui.rf.info import CaptureInfo, DatasetInfo, people_text, user_relative

_MAX_TEXT = 200
_HZ_KEYS = ("frequency", "center_freq", "fmin", "fmax", "bandwidth")
_RATE_KEYS = ("sample_rate", "samples_per_second")
_EPOCH_KEYS = ("start_bound", "end_bound", "epoch")


def readable(key: str, value: object) -> str:
    """One value as a person reads it: units for frequencies and rates, UTC for epoch
    seconds, sizes for big base64 blobs (the RH ``data`` field) instead of the bytes."""
    lowered = key.lower()
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "—"}[value]
    if isinstance(value, int | float):
        if any(k in lowered for k in _RATE_KEYS):
            return f"{human_rate_sps(float(value))} ({value:g})"
        if any(k in lowered for k in _HZ_KEYS):
            return f"{human_hz(float(value))} ({value:g})"
        if lowered in _EPOCH_KEYS and value > 1e8:
            return f"{utc_text(datetime.fromtimestamp(float(value), UTC))} UTC ({value:g})"
        return f"{value:,}" if isinstance(value, int) else f"{value:g}"
    if isinstance(value, str):
        if lowered == "data" and len(value) > _MAX_TEXT:
            try:
                n = len(base64.b64decode(value, validate=True))
            except ValueError:
                n = len(value)
            return f"(base64 samples, {human_bytes(n)}, {n // 4:,} float32 values)"
        return value if len(value) <= _MAX_TEXT else value[:_MAX_TEXT] + " …"
    if isinstance(value, Sequence) and all(isinstance(v, int | float) for v in value):
        if any(k in lowered for k in _HZ_KEYS):
            return ", ".join(human_hz(float(v)) for v in value)
        text = ", ".join(f"{v:g}" for v in value[:20])
        return text + (f" … ({len(value)} values)" if len(value) > 20 else "")
    text = json.dumps(value, default=str)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + " …"


def _add(parent: QTreeWidget | QTreeWidgetItem, key: str, value: object) -> QTreeWidgetItem:
    if isinstance(value, Mapping) and value:
        item = QTreeWidgetItem([key, f"{len(value)} fields"])
        for k, v in value.items():
            _add(item, str(k), v)
    elif (
        isinstance(value, list)
        and value
        and not all(isinstance(v, int | float | str) for v in value)
    ):
        item = QTreeWidgetItem([key, f"{len(value)} entries"])
        for i, v in enumerate(value[:500]):
            _add(item, str(i + 1), v)
    else:
        text = readable(key, value)
        item = QTreeWidgetItem([key, text])
        item.setToolTip(1, text)
    if isinstance(parent, QTreeWidget):
        parent.addTopLevelItem(item)
    else:
        parent.addChild(item)
    return item


class _FieldsDialog(QDialog):
    def __init__(self, title: str, copy_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(720, 600)
        layout = QVBoxLayout(self)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Field", "Value"])
        self.tree.setColumnWidth(0, 220)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        layout.addWidget(self.tree)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = QPushButton("Copy UUID", self)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(copy_text))
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def section(self, title: str, rows: Sequence[tuple[str, object]]) -> QTreeWidgetItem:
        group = QTreeWidgetItem([title, ""])
        font = group.font(0)
        font.setBold(True)
        group.setFont(0, font)
        self.tree.addTopLevelItem(group)
        for key, value in rows:
            _add(group, key, value)
        group.setExpanded(True)
        return group


class CapturePropertiesDialog(_FieldsDialog):
    """The capture's summary, every ``capture_props`` field, its files and the record."""

    def __init__(self, info: CaptureInfo, parent: QWidget | None = None) -> None:
        super().__init__(f"Capture — {info.name}", info.uuid, parent)
        raw = dict(info.raw)
        self.section(
            "Capture",
            [
                ("Name", info.name),
                ("Type", info.type_name),
                ("UUID", info.uuid),
                ("Top-level folder", info.top_level_dir),
                ("Channel" if info.capture_type == "drf" else "Scan group", info.group or "—"),
                ("Centre frequency", human_hz(info.center_hz) or "—"),
                ("Sample rate", human_rate_sps(info.sample_rate) or "—"),
                ("Start – end (UTC)", span_text(info)),
                ("Duration", human_duration(info.duration_s) or "—"),
                ("Files", "—" if info.file_count is None else f"{info.file_count:,}"),
                ("Size", "—" if info.size is None else human_bytes(info.size)),
                ("Owner", info.owner or "—"),
                ("Shared", info.shared or "no"),
                ("Index", raw.get("index_name") or "—"),
                ("Created", raw.get("created_at") or "—"),
            ],
        )
        props = self.section("Capture properties (capture_props)", list(info.props.items()))
        if not info.props:
            props.addChild(QTreeWidgetItem(["", "none (the SDS indexed no properties)"]))
        files = raw.get("files") or []
        group = self.section(f"Files ({len(files)})", [])
        for entry in files[:1000]:
            if isinstance(entry, Mapping):
                path = f"{user_relative(str(entry.get('directory', '')))}/{entry.get('name', '')}"
                size = entry.get("size")
                text = human_bytes(size) if isinstance(size, int) else ""
                group.addChild(QTreeWidgetItem([path, text]))
        group.setExpanded(len(files) <= 20)
        datasets = raw.get("datasets") or []
        self.section(
            f"Datasets ({len(datasets)})",
            [
                (str(d.get("name") or d.get("uuid")), d.get("uuid"))
                for d in datasets
                if isinstance(d, Mapping)
            ],
        )
        record = self.section("Server record", sorted(raw.items()))
        record.setExpanded(False)


class DatasetPropertiesDialog(_FieldsDialog):
    """Authors, DOI, keywords, licence, captures, artifacts and the full record."""

    def __init__(self, info: DatasetInfo, parent: QWidget | None = None) -> None:
        super().__init__(f"Dataset — {info.name}", info.uuid, parent)
        raw: dict[str, Any] = dict(info.raw)
        self.section(
            "Dataset",
            [
                ("Name", info.name),
                ("UUID", info.uuid),
                ("Status", info.status or "—"),
                ("Owner", info.owner or "—"),
                ("Authors", info.authors or "—"),
                ("DOI", info.doi or "—"),
                ("Keywords", info.keywords or "—"),
                ("Licence", info.licence or "—"),
                ("Institutions", people_text(raw.get("institutions")) or "—"),
                ("Version", raw.get("version")),
                ("Release date", raw.get("release_date") or "—"),
                ("Website", raw.get("website") or "—"),
                ("Abstract", raw.get("abstract") or "—"),
                ("Description", raw.get("description") or "—"),
                ("Citation", raw.get("citation") or "—"),
                ("Public", bool(raw.get("is_public"))),
            ],
        )
        caps = self.section(f"Captures ({len(info.captures)})", [])
        for cap in info.captures:
            name = cap.get("name") or user_relative(str(cap.get("top_level_dir") or ""))
            caps.addChild(
                QTreeWidgetItem(
                    [str(name), f"{cap.get('capture_type', '')} · {cap.get('uuid', '')}"]
                )
            )
        arts = self.section(f"Files and artifacts ({len(info.files)})", [])
        for f in info.files[:1000]:
            path = f"{user_relative(str(f.get('directory', '')))}/{f.get('name', '')}"
            size = f.get("size")
            arts.addChild(
                QTreeWidgetItem([path, human_bytes(size) if isinstance(size, int) else ""])
            )
        record = self.section("Server record", sorted(raw.items()))
        record.setExpanded(False)


__all__ = ["CapturePropertiesDialog", "DatasetPropertiesDialog", "readable"]
