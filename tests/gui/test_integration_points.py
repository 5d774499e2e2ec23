"""The hooks gui/rf builds on: the SDS tabs, the local decorator, the folders shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QIdentityProxyModel, QModelIndex, QPersistentModelIndex, Qt

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


class Tagger(QIdentityProxyModel):
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0:
            return "recording: " + str(super().data(index, Qt.ItemDataRole.DisplayRole))
        return super().data(index, role)


def test_remote_tabs_and_current_dirs(window, local_dir: Path):
    assert window.remote_tabs.count() >= 1
    assert window.remote_tabs.tabText(0) == "Files"
    assert window.remote_tabs.widget(0) is window.remote_pane
    assert window.local_pane.current_dir() == local_dir
    assert window.remote_pane.current_dir() == "/"
    assert window.tasks is not None


def test_decorator_sits_between_filter_and_view(qtbot, window, local_dir: Path):
    (local_dir / "a.sigmf-data").write_bytes(b"x")
    sub = local_dir / "sub"
    sub.mkdir()
    pane = window.local_pane
    pane.set_decorator(Tagger(pane))
    view = pane.view

    def tip() -> str | None:
        model = view.model()
        root = view.rootIndex()
        for row in range(model.rowCount(root)):
            index = model.index(row, 0, root)
            if index.data() == "a.sigmf-data":
                return index.data(Qt.ItemDataRole.ToolTipRole)
        return None

    qtbot.waitUntil(lambda: tip() == "recording: a.sigmf-data", timeout=5000)
    # selection and navigation still work through the decorator
    with qtbot.waitSignal(pane.directoryChanged, timeout=5000):
        pane.set_directory(sub)
    assert pane.current_dir() == sub
