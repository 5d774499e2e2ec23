"""Quick look rendered for each kind: local Digital RF, SigMF and RadioHound; remote
captures of each kind (the sandbox demo); a selected SDS data file."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from sds_desktop.gui.rf.quicklook_view import QuickLookWindow
from tests.gui.conftest import sign_in
from tests.gui.rf_data import make_drf, make_rh, make_sigmf, settle

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _rendered(qtbot, win: QuickLookWindow) -> None:
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.result is not None or bool(win.error), timeout=20_000)
    assert not win.error, win.error
    assert win.result is not None
    image = win.image.image
    assert image is not None
    assert image.shape == win.result.spectrogram_db.shape
    x, y = win.curve.getData()
    assert x is not None
    assert len(x) == win.result.freqs_hz.size
    assert np.isfinite(y).any()
    assert win.result.title in win.header.text()


def test_local_kinds(qtbot, window, local_dir: Path) -> None:
    drf = make_drf(local_dir / "drf", ("ch0",), seconds=2, tone_hz=200.0)
    win = QuickLookWindow.for_local(window.tasks, drf / "ch0", window)
    _rendered(qtbot, win)
    r = win.result
    peak = r.freqs_hz[int(np.argmax(r.spectrum_db))]
    assert abs(peak - (915e6 + 200.0)) < 5
    assert r.time_is_utc
    # a single data file: the window starts at that file
    data_file = sorted(drf.rglob("rf@*.h5"))[1]
    win = QuickLookWindow.for_local(window.tasks, data_file, window)
    _rendered(qtbot, win)
    assert win.result.times[0] == pytest.approx(1719496801)

    sig = make_sigmf(local_dir / "sig", "beacon")
    win = QuickLookWindow.for_local(window.tasks, sig / "beacon.sigmf-meta", window)
    _rendered(qtbot, win)
    peak = win.result.freqs_hz[int(np.argmax(win.result.spectrum_db))]
    assert abs(peak - (2.412e9 + 50e3)) < 2e3

    rh = make_rh(local_dir / "rh", {str(uuid.uuid4()): 3})
    win = QuickLookWindow.for_local(window.tasks, rh, window)
    _rendered(qtbot, win)
    assert win.result.spectrogram_db.shape[0] == 3

    # the RF menu's Quick look takes the local selection
    qtbot.waitUntil(lambda: window.local_pane.select_name("rh"), timeout=10_000)
    window.active_side = "local"
    action = next(a for a in window.rf.menu.actions() if a.text() == "Quick look")
    action.trigger()
    _rendered(qtbot, window.rf.quicklook_windows[-1])
    assert window.rf.quicklook_windows[-1].result.kind == "rh"
    settle(qtbot, window)


def test_not_a_recording_says_so(qtbot, window, local_dir: Path) -> None:
    (local_dir / "notes.txt").write_text("hello")
    win = QuickLookWindow.for_local(window.tasks, local_dir / "notes.txt", window)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: bool(win.error), timeout=10_000)
    assert "not a recording" in win.header.text()
    settle(qtbot, window)


def test_remote_captures_and_file(qtbot, window, sandbox) -> None:
    sign_in(qtbot, window, sandbox, sandbox.demo_key)
    window.remote_tabs.setCurrentWidget(window.rf.captures)  # lists on first view
    model = window.rf.captures.model
    # the demo's captures: Digital RF and RadioHound (SDS cannot index SigMF)
    qtbot.waitUntil(lambda: model.rowCount() >= 2, timeout=10_000)
    kinds = {}
    for info in model.infos():
        win = QuickLookWindow.for_capture(window.tasks, window.gateway, info, window)
        _rendered(qtbot, win)
        kinds[info.capture_type] = win.result
    assert set(kinds) == {"drf", "rh"}
    drf = kinds["drf"]
    peak = drf.freqs_hz[int(np.argmax(drf.spectrum_db))]
    assert abs(peak - (2.412e9 + 1000)) < 20  # the demo's 1 kHz tone
    assert drf.bytes_read < 1_000_000
    assert kinds["rh"].spectrogram_db.shape[0] == 3

    rf_file = next(
        f for f in window.gateway.list_files("/demo/westford-vpol") if f.name.startswith("rf@")
    )
    win = QuickLookWindow.for_remote_file(window.tasks, window.gateway, rf_file, window)
    _rendered(qtbot, win)
    # the selection-driven action opens one for the selected capture
    view = window.rf.captures
    window.remote_tabs.setCurrentWidget(view)
    view.select_uuid(next(i.uuid for i in model.infos() if i.capture_type == "rh"))
    view.action("quicklook").trigger()
    assert window.rf.quicklook_windows
    _rendered(qtbot, window.rf.quicklook_windows[-1])
