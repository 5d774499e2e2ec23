"""Recordings recognised in the local pane: icon, summary, preflight marks, details."""

from __future__ import annotations

from pathlib import Path

import digital_rf
import numpy as np
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QIcon, QStandardItem, QStandardItemModel

from sds_desktop.gui.rf.local_decor import RecordingProxy
from tests.gui.rf_data import RATE, START_SEC, make_drf, make_sigmf, settle

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _one_field_metadata(chan: Path) -> None:
    """Production fails (HTTP 500) on digital metadata with a single field."""
    meta = chan / "metadata"
    for p in sorted(meta.rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()
    w = digital_rf.DigitalMetadataWriter(str(meta), 3600, 1, RATE, 1, "metadata")
    w.write(START_SEC * RATE, {"center_frequencies": np.array([915e6])})


def _row(window, path: Path):
    pane = window.local_pane
    for n, row in enumerate(pane.model.rows):
        if pane.model.path_of(row) == path:
            return pane.view.from_source(n)
    return QModelIndex()


def test_recordings_are_marked_in_the_background(qtbot, qtmodeltester, window, local_dir) -> None:
    good = make_drf(local_dir / "good", ("ch0", "ch1"))
    bad = make_drf(local_dir / "bad", ("ch0",))
    _one_field_metadata(bad / "ch0")
    (local_dir / "plain").mkdir()
    window.local_pane.set_directory(local_dir / "plain")
    window.local_pane.set_directory(local_dir)
    proxy = window.rf.recording_proxy
    assert window.local_pane.view.model() is proxy
    qtbot.waitUntil(
        lambda: _row(window, good).isValid() and _row(window, bad).isValid(), timeout=5000
    )
    for path in (good, bad, local_dir / "plain"):
        window.local_pane.view.model().data(_row(window, path), Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(
        lambda: all(str(p) in proxy.cache for p in (good, bad, local_dir / "plain")), timeout=20_000
    )
    assert proxy.cache[str(local_dir / "plain")] == ()
    index = _row(window, good)
    assert isinstance(proxy.data(index, Qt.ItemDataRole.DecorationRole), QIcon)
    type_text = proxy.data(index.siblingAtColumn(2), Qt.ItemDataRole.DisplayRole)
    assert type_text == "Digital RF · 2 ch · 1 kS/s · 915 MHz"
    tip = proxy.data(index, Qt.ItemDataRole.ToolTipRole)
    assert "2 channels" in tip
    assert "2024-06-27 14:00:00" in tip
    bad_index = _row(window, bad)
    assert "problems" in proxy.data(bad_index.siblingAtColumn(2), Qt.ItemDataRole.DisplayRole)
    assert proxy.data(bad_index.siblingAtColumn(2), Qt.ItemDataRole.ForegroundRole) is not None
    assert "⛔" in proxy.data(bad_index, Qt.ItemDataRole.ToolTipRole)
    # the details panel follows the selection
    window.local_pane.view.setCurrentIndex(bad_index)
    details = window.rf.recording_details
    assert details.isVisible()
    assert "⛔" in details.text()
    window.local_pane.view.setCurrentIndex(_row(window, local_dir / "plain"))
    assert not details.isVisible()
    settle(qtbot, window)


class _Paths(QStandardItemModel):
    """A stand-in for the local list model: ``rows`` and ``path_of`` (the model tester
    must not walk a real folder being watched)."""

    def __init__(self, folder: Path, names: list[str]) -> None:
        super().__init__()
        self.folder = folder
        self.rows = [(name, False, 1, 0.0, "") for name in names]
        for name in names:
            self.appendRow([QStandardItem(name), QStandardItem("1 KB"), QStandardItem("")])

    def path_of(self, row) -> Path:
        return self.folder / row[0]


def test_recording_proxy_passes_the_model_tester(qtbot, qtmodeltester, window, tmp_path) -> None:
    make_sigmf(tmp_path, "rec")
    source = _Paths(tmp_path, ["rec.sigmf-meta", "rec.sigmf-data", "scan.rh.json", "notes.txt"])
    proxy = RecordingProxy(window.tasks)
    proxy.setSourceModel(source)
    proxy.data(proxy.index(0, 0), Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(lambda: str(tmp_path / "rec.sigmf-meta") in proxy.cache, timeout=10_000)
    assert proxy.cache[str(tmp_path / "rec.sigmf-meta")][0].kind == "sigmf"
    assert isinstance(proxy.data(proxy.index(2, 0), Qt.ItemDataRole.DecorationRole), QIcon)
    qtmodeltester.check(proxy)


def test_rf_installs_after_the_first_paint(qtbot, tmp_path, local_dir) -> None:
    """As the app starts it: no RF tabs or menu until the window has painted, then the
    Captures/Datasets tabs, the RF menu and the recording marks of the local pane."""
    from sds_desktop.gui.app import after_first_paint
    from sds_desktop.gui.main_window import MainWindow
    from sds_desktop.gui.settings import Settings

    make_sigmf(local_dir, "rec")
    win = MainWindow(Settings(tmp_path / "config"), local_dir=local_dir, defer_rf=True)
    qtbot.addWidget(win)
    tabs = win.remote_tabs

    def titles() -> list[str]:
        return [tabs.tabText(i) for i in range(tabs.count())]

    def menus() -> list[str]:
        return [a.text() for a in win.menuBar().actions()]

    assert win.rf is None
    assert titles() == ["Files"]
    assert "&RF" not in menus()
    _first = after_first_paint(win, win.install_rf, fallback_ms=5_000)
    win.show()
    qtbot.waitUntil(lambda: win.rf is not None, timeout=5_000)
    assert titles() == ["Files", "Captures", "Datasets"]
    assert "&RF" in menus()
    rf = win.rf
    win.install_rf()  # once only
    assert win.rf is rf
    assert titles().count("Captures") == 1

    def tip() -> str:
        row = _row(win, local_dir / "rec.sigmf-meta")
        return str(win.local_pane.view.model().data(row, Qt.ItemDataRole.ToolTipRole) or "")

    qtbot.waitUntil(lambda: "SigMF" in tip(), timeout=10_000)
    settle(qtbot, win)
    win.shutdown(timeout_ms=10_000)
