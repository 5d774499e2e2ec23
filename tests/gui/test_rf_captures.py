# ruff: noqa: RUF001 - en dashes in column titles
"""The Captures tab: every capture, the instant filters, download (with a Digital RF time
window), properties, delete refused with the server's reason, drag to the local pane."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from sds_desktop.core.capture_models import Capture
from sds_desktop.gui.rf.capture_step import CREATED
from sds_desktop.gui.rf.captures_model import COL_FREQ, COL_SPAN, CaptureFilter, CapturesModel
from sds_desktop.gui.rf.controller import web_base
from sds_desktop.gui.rf.dialogs import CaptureDownloadDialog, UploadCaptureDialog
from sds_desktop.gui.rf.info import CaptureInfo, parse_dataset_ref, time_window
from sds_desktop.gui.rf.props import CapturePropertiesDialog
from tests.gui.conftest import sign_in
from tests.gui.rf_data import START_SEC, make_drf, settle

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen dialogs


def cap_json(i: int, ctype: str, center: float | None, start: float | None, secs: float = 60):
    end = None if start is None else start + secs

    def iso(t: float | None) -> str | None:
        return None if t is None else datetime.fromtimestamp(t, UTC).isoformat()

    return {
        "uuid": str(uuid.UUID(int=i + 1)),
        "name": f"{ctype}-{i:04d}",
        "capture_type": ctype,
        "top_level_dir": f"/files/owner@x.org/site{i % 7}/rec{i}",
        "channel": f"ch{i % 3}" if ctype == "drf" else "",
        "scan_group": str(uuid.UUID(int=10_000 + i)) if ctype == "rh" else None,
        "capture_props": {"samples_per_second": 1e6} if ctype == "drf" else {"sample_rate": 2e6},
        "center_frequency_ghz": None if center is None else center / 1e9,
        "sample_rate_mhz": 1.0,
        "capture_start_iso_utc": iso(start),
        "capture_end_iso_utc": iso(end),
        "total_file_count": 10 + i,
        "total_file_size": 1000 * i,
        "owner": {"id": 1, "email": "owner@x.org", "name": ""},
        "is_shared": i % 5 == 0,
        "shared_with": [2] if i % 5 == 0 else [],
        "files": [],
    }


def infos(n: int) -> list[CaptureInfo]:
    out = []
    for i in range(n):
        ctype = ("drf", "rh", "sigmf")[i % 3]
        start = None if ctype == "rh" else 1.7e9 + i * 3600
        out.append(
            CaptureInfo.from_capture(Capture.from_json(cap_json(i, ctype, 1e8 + i * 1e6, start)))
        )
    return out


def test_models_pass_the_model_tester(qtmodeltester) -> None:
    model = CapturesModel()
    model.add(infos(30))
    qtmodeltester.check(model)
    proxy = CaptureFilter()
    proxy.setSourceModel(model)
    proxy.set_filters(capture_type="drf", freq_range=(1.05e8, None))
    qtmodeltester.check(proxy)
    proxy.sort(COL_FREQ, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy)


def test_filters_sort_and_count(qtbot) -> None:
    from sds_desktop.gui.rf.captures_view import CapturesView

    view = CapturesView()
    qtbot.addWidget(view)
    view.set_signed_in(True)
    view.model.add(infos(1000))
    assert view.count_label.text() == "1,000 captures"
    view.type_combo.setCurrentIndex(view.type_combo.findData("drf"))
    assert view.proxy.rowCount() == 334
    view.fmin_edit.setText("500")
    view.fmax_edit.setText("600")  # centre 100 MHz + i MHz: i in 400..500, drf only
    shown = [view.proxy.info(view.proxy.index(r, 0)) for r in range(view.proxy.rowCount())]
    assert shown
    assert all(i.capture_type == "drf" and 5e8 <= i.center_hz <= 6e8 for i in shown)
    assert view.count_label.text() == f"{len(shown)} of 1,000 captures"
    # time: overlapping the range, RH (no span) never passes a time filter
    view.clear_filters()
    start = datetime.fromtimestamp(1.7e9 + 10 * 3600, UTC)
    end = datetime.fromtimestamp(1.7e9 + 12 * 3600 + 30, UTC)
    view.set_time_range(start, end)
    names = sorted(
        view.proxy.info(view.proxy.index(r, 0)).name for r in range(view.proxy.rowCount())
    )
    assert names == ["drf-0012", "sigmf-0011"]
    view.clear_filters()
    view.text_edit.setText("site3 drf")
    shown = [view.proxy.info(view.proxy.index(r, 0)) for r in range(view.proxy.rowCount())]
    assert shown
    assert all("/site3/" in i.top_level_dir and i.capture_type == "drf" for i in shown)
    view.text_edit.setText(str(uuid.UUID(int=43)))  # dashed UUID of capture 42
    assert [view.proxy.info(view.proxy.index(0, 0)).name] == ["drf-0042"]
    view.clear_filters()
    assert view.proxy.rowCount() == 1000
    # sorting on typed keys: frequency numerically, captures without a span last
    view.view.sortByColumn(COL_FREQ, Qt.SortOrder.AscendingOrder)
    freqs = [view.proxy.info(view.proxy.index(r, 0)).center_hz for r in range(5)]
    assert freqs == sorted(freqs)
    assert freqs[0] == 1e8
    view.view.sortByColumn(COL_SPAN, Qt.SortOrder.AscendingOrder)
    last = view.proxy.info(view.proxy.index(999, 0))
    assert last.start is None


def test_helpers() -> None:
    ident = uuid.uuid4()
    assert (
        parse_dataset_ref(f"https://sds.crc.nd.edu/users/dataset-details/?dataset_uuid={ident}")
        == ident.hex
    )
    assert parse_dataset_ref(ident.hex.upper()) == ident.hex
    assert parse_dataset_ref("not a uuid") is None
    assert web_base("https://sds.crc.nd.edu/api/v1") == "https://sds.crc.nd.edu"


def _wait_downloads(qtbot, window, n: int = 1) -> None:
    def done() -> bool:
        downs = [i for i in window.queue.items() if i.direction.value == "download"]
        return len(downs) >= n and window.controller.is_idle()

    qtbot.waitUntil(done, timeout=20_000)
    failed = [(i.name, i.error) for i in window.queue.items() if i.error]
    assert not failed


def _upload_drf(qtbot, window, local_dir: Path, seconds: int = 3) -> CaptureInfo:
    window.remote_tabs.setCurrentWidget(window.rf.captures)  # lists (nothing yet)
    qtbot.waitUntil(lambda: not window.rf.is_listing, timeout=10_000)
    rec = make_drf(local_dir / "westford", ("ch0",), seconds=seconds)
    window.rf.upload_as_capture([rec], "/")
    qtbot.waitUntil(lambda: isinstance(window.rf.dialog, UploadCaptureDialog), timeout=10_000)
    window.rf.dialog.accept()
    qtbot.waitUntil(
        lambda: window.rf.steps.steps and window.rf.steps.steps[-1].state == CREATED,
        timeout=30_000,
    )
    qtbot.waitUntil(lambda: window.rf.captures.model.rowCount() == 1, timeout=10_000)
    return window.rf.captures.model.info(0)


def test_download_one_second_of_a_channel(qtbot, window, sandbox, user_key, local_dir) -> None:
    sign_in(qtbot, window, sandbox, user_key)
    info = _upload_drf(qtbot, window, local_dir)
    # production's listing carries no file cadence: data files are picked by their start
    assert info.cadence_ms is None
    view = window.rf.captures
    window.remote_tabs.setCurrentWidget(view)
    assert view.select_uuid(info.uuid)
    out = local_dir / "out"
    out.mkdir()
    view.action("download").trigger()
    qtbot.waitUntil(lambda: isinstance(window.rf.dialog, CaptureDownloadDialog), timeout=5000)
    dialog = window.rf.dialog
    assert dialog.window_check.isEnabled()
    dialog.folder_edit.setText(str(out))
    second = datetime.fromtimestamp(START_SEC + 1, UTC)
    dialog.set_window(second, second)
    dialog.accept()
    _wait_downloads(qtbot, window)
    got = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    data = [g for g in got if "/rf@" in g]
    assert data == ["westford/ch0/2024-06-27T14-00-00/rf@1719496801.000.h5"]
    assert "westford/ch0/drf_properties.h5" in got
    assert any(g.startswith("westford/ch0/metadata/") for g in got)
    settle(qtbot, window)


def test_time_window_keeps_overlapping_data_files() -> None:
    from sds_desktop.core.models import SDSFile

    def f(name: str) -> SDSFile:
        return SDSFile.from_json(
            {
                "uuid": str(uuid.uuid4()),
                "name": name,
                "directory": "/a",
                "size": 1,
                "sum_blake3": "0" * 64,
            }
        )

    files = [f("rf@100.000.h5"), f("rf@101.000.h5"), f("rf@102.000.h5"), f("drf_properties.h5")]
    kept = [x.name for x in time_window(files, 101.5, 101.7, cadence_s=1.0)]
    assert kept == ["rf@101.000.h5", "drf_properties.h5"]
    kept = [x.name for x in time_window(files, 100.5, 102.0, cadence_s=1.0)]
    assert kept == ["rf@100.000.h5", "rf@101.000.h5", "rf@102.000.h5", "drf_properties.h5"]


def test_properties_delete_refused_and_drag(qtbot, window, sandbox, user_key, local_dir) -> None:
    sign_in(qtbot, window, sandbox, user_key)
    info = _upload_drf(qtbot, window, local_dir, seconds=2)
    view = window.rf.captures
    window.remote_tabs.setCurrentWidget(view)
    view.select_uuid(info.uuid)
    view.action("properties").trigger()
    qtbot.waitUntil(lambda: isinstance(window.rf.dialog, CapturePropertiesDialog), timeout=5000)
    tree = window.rf.dialog.tree
    sections = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert "Capture properties (capture_props)" in sections
    props = tree.topLevelItem(sections.index("Capture properties (capture_props)"))
    fields = {props.child(i).text(0): props.child(i).text(1) for i in range(props.childCount())}
    assert fields["samples_per_second"].startswith("1 kS/s")
    assert "UTC" in fields["start_bound"]
    window.rf.dialog.reject()
    view.action("copy_uuid").trigger()  # Copy UUID puts the selected capture's on the clipboard
    assert QApplication.clipboard().text() == info.uuid

    # in a dataset: the SDS refuses the delete, the window says why
    sandbox.create_dataset(window.account.email, "keep", capture_uuids=[info.uuid])
    view.select_uuid(info.uuid)
    view.action("delete").trigger()
    qtbot.waitUntil(lambda: getattr(window, "last_error", None) is not None, timeout=10_000)
    text = window.last_error.text()
    assert "The SDS refused" in text
    assert info.name in text
    assert view.model.rowCount() == 1
    window.last_error.close()

    # dragging the capture onto the local pane downloads it there
    target = local_dir / "dragged"
    target.mkdir()
    window.local_pane.set_directory(target)
    mime = view.model.mimeData([view.model.index(0, 0)])
    viewport = window.local_pane.view.viewport()
    drop = QDropEvent(
        QPoint(5, 5).toPointF(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(viewport, drop)
    _wait_downloads(qtbot, window)
    assert (target / "westford" / "ch0" / "drf_properties.h5").is_file()
    settle(qtbot, window)


def test_signed_out_views_are_empty(qtbot, window, sandbox) -> None:
    sign_in(qtbot, window, sandbox, sandbox.demo_key)
    assert window.rf.captures.model.rowCount() == 0  # nothing listed before the tab is seen
    window.remote_tabs.setCurrentWidget(window.rf.captures)
    qtbot.waitUntil(lambda: window.rf.captures.model.rowCount() >= 2, timeout=10_000)
    window.sign_out()
    assert window.rf.captures.model.rowCount() == 0
    assert not window.rf.captures.action("refresh").isEnabled()
    assert window.rf.captures.status_label.text() == "Sign in to list your captures."
    assert window.rf.captures.proxy.mapToSource(QModelIndex()) == QModelIndex()


@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise", "grabbing the keyboard")
def test_columns_fit_and_the_header_menu_shows_more(qtbot) -> None:
    """At half of a 1280-pixel window the table does not scroll sideways: the name
    stretches, Rate/Files/Owner/Shared wait in the header's menu; narrower, the least
    important defaults make room for the name; a column shown from the menu stays."""
    from PySide6.QtGui import QContextMenuEvent

    from sds_desktop.gui.rf.captures_model import COL_NAME, COL_OWNER, COL_RATE, COL_TYPE
    from sds_desktop.gui.rf.captures_view import CapturesView
    from sds_desktop.gui.rf.table_columns import NAME_MIN

    view = CapturesView()
    qtbot.addWidget(view)
    view.set_signed_in(True)
    view.model.add(infos(50))
    table = view.view
    header = table.horizontalHeader()

    def shown() -> list[str]:
        model = table.model()
        return [
            str(model.headerData(c, Qt.Orientation.Horizontal))
            for c in range(header.count())
            if not table.isColumnHidden(c)
        ]

    def fits() -> bool:
        QApplication.processEvents()
        return (
            table.horizontalScrollBar().maximum() == 0 and header.sectionSize(COL_NAME) >= NAME_MIN
        )

    view.resize(630, 500)
    view.show()
    qtbot.waitExposed(view)
    assert fits()
    assert shown()[:5] == ["Name", "Type", "Channel / group", "Centre freq", "Start – end (UTC)"]
    assert "Rate" not in shown()
    assert "Owner" not in shown()
    view.resize(380, 500)
    qtbot.waitUntil(fits, timeout=2000)
    assert "Type" in shown()
    assert "Start – end (UTC)" not in shown()
    # the header's context menu, as a right-click opens it
    pos = header.sectionViewportPosition(COL_NAME) + 5
    local = QPoint(pos, 5)
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, local, header.viewport().mapToGlobal(local)
    )
    QApplication.sendEvent(header.viewport(), event)
    menu = view.columns.popup
    assert menu is not None
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    actions = {a.text().split(" (")[0]: a for a in menu.actions() if a.isCheckable()}
    assert "Name" not in actions  # the name always shows
    assert actions["Type"].isChecked()
    assert not actions["Rate"].isChecked()
    assert "no room" in next(a.text() for a in menu.actions() if a.text().startswith("Start"))
    actions["Owner"].trigger()
    menu.close()
    assert not table.isColumnHidden(COL_OWNER)  # stays, even when the window is narrow
    actions["Type"].trigger()
    assert table.isColumnHidden(COL_TYPE)
    view.resize(630, 500)
    QApplication.processEvents()
    assert not table.isColumnHidden(COL_OWNER)
    assert table.isColumnHidden(COL_TYPE)
    assert table.isColumnHidden(COL_RATE)
    # Default columns
    menu = view.columns.menu()
    reset = next(a for a in menu.actions() if a.text() == "Default columns")
    assert reset.isEnabled()
    reset.trigger()
    qtbot.waitUntil(fits, timeout=2000)
    assert "Owner" not in shown()
    assert "Type" in shown()
