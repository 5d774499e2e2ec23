"""Datasets: open by a pasted SDS web link, properties, download with production's
filters (one capture; artifacts only) through the queue; models under the tester."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from sds_desktop.gui.rf.capture_step import CREATED
from sds_desktop.gui.rf.datasets_view import DatasetsModel
from sds_desktop.gui.rf.dialogs import DatasetDownloadDialog, OpenDatasetDialog, UploadCaptureDialog
from sds_desktop.gui.rf.info import DatasetInfo
from sds_desktop.gui.rf.props import DatasetPropertiesDialog
from tests.gui.conftest import sign_in
from tests.gui.rf_data import make_drf, make_rh, settle

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _as_capture(qtbot, window, rec: Path) -> None:
    n = len(window.rf.steps.steps)
    window.rf.upload_as_capture([rec], "/")
    qtbot.waitUntil(lambda: isinstance(window.rf.dialog, UploadCaptureDialog), timeout=10_000)
    window.rf.dialog.accept()
    qtbot.waitUntil(
        lambda: (
            len(window.rf.steps.steps) > n
            and all(s.state == CREATED for s in window.rf.steps.steps[n:])
        ),
        timeout=30_000,
    )


def _downloads_done(qtbot, window, n: int) -> None:
    def done() -> bool:
        downs = [i for i in window.queue.items() if i.direction.value == "download"]
        return len(downs) >= n and window.controller.is_idle()

    qtbot.waitUntil(done, timeout=20_000)


def test_open_properties_and_filtered_downloads(
    qtbot, window, sandbox, user_key, local_dir
) -> None:
    sign_in(qtbot, window, sandbox, user_key)
    _as_capture(qtbot, window, make_drf(local_dir / "westford", ("ch0",), seconds=2))
    _as_capture(qtbot, window, make_rh(local_dir / "rooftop", {str(uuid.uuid4()): 2}))
    notes = local_dir / "notes"
    notes.mkdir()
    (notes / "README.txt").write_text("campaign notes")
    window.upload([notes], "/")
    qtbot.waitUntil(window.controller.is_idle, timeout=20_000)
    artifact = window.gateway.list_files("/notes")[0]
    caps = {c.capture_type: c for page in window.gateway.iter_capture_pages({}) for c in page}
    ds = sandbox.create_dataset(
        window.account.email,
        "Campaign 2024",
        file_uuids=[artifact.uuid],
        capture_uuids=[caps["drf"].uuid, caps["rh"].uuid],
    )

    window.rf.open_dataset()
    dialog = window.rf.dialog
    assert isinstance(dialog, OpenDatasetDialog)
    dialog.edit.setText("not a link")
    assert dialog.error.text() == "No UUID in this text"
    dialog.edit.setText(f"{sandbox.url}/users/dataset-details/?dataset_uuid={uuid.UUID(ds)}")
    dialog._accept()
    view = window.rf.datasets
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    info = view.model.info(0)
    assert info.name == "Campaign 2024"
    assert len(info.captures) == 2
    assert view.selected() == [info]  # the opened dataset is selected

    view.action("properties").trigger()
    qtbot.waitUntil(lambda: isinstance(window.rf.dialog, DatasetPropertiesDialog), timeout=10_000)
    tree = window.rf.dialog.tree
    sections = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert "Captures (2)" in sections
    window.rf.dialog.reject()

    # only the RadioHound capture
    out = local_dir / "out"
    out.mkdir()
    view.action("download").trigger()
    qtbot.waitUntil(lambda: isinstance(window.rf.dialog, DatasetDownloadDialog), timeout=10_000)
    dl = window.rf.dialog
    dl.folder_edit.setText(str(out))
    dl.tick("capture", next(str(c["uuid"]) for c in info.captures if c.get("capture_type") == "rh"))
    assert "captures" in dl.filters()
    dl.accept()
    _downloads_done(qtbot, window, 2)
    got = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert got == ["scan-000.rh.json", "scan-001.rh.json"]
    assert all(p.is_relative_to(out / "Campaign 2024") for p in out.rglob("*.json"))

    # artifacts only
    art = local_dir / "art"
    art.mkdir()
    view.action("download").trigger()
    qtbot.waitUntil(lambda: isinstance(window.rf.dialog, DatasetDownloadDialog), timeout=10_000)
    dl = window.rf.dialog
    dl.folder_edit.setText(str(art))
    dl.artifacts_radio.setChecked(True)
    dl.accept()
    _downloads_done(qtbot, window, 3)
    assert sorted(p.name for p in art.rglob("*") if p.is_file()) == ["README.txt"]
    settle(qtbot, window)


def test_datasets_met_through_files_and_models(qtbot, qtmodeltester, window, sandbox) -> None:
    model = DatasetsModel()
    for i in range(5):
        stub = DatasetInfo.stub({"uuid": str(uuid.UUID(int=i + 1)), "name": f"d{i}"}, "file /x")
        assert stub is not None
        model.add([stub])
    model.add(
        [DatasetInfo.stub({"uuid": str(uuid.UUID(int=1)), "name": "again"}, "x")], only_new=True
    )  # type: ignore[list-item]
    assert model.rowCount() == 5
    assert model.info(0).name == "d0"
    qtmodeltester.check(model)
    qtmodeltester.check(window.rf.steps)
    window.rf.datasets.met_through_file("/a/b", [{"uuid": str(uuid.UUID(int=9)), "name": "seen"}])
    assert window.rf.datasets.model.info(0).source == "file /a/b"


def test_dataset_met_through_its_capture(qtbot, window, sandbox, user_key, local_dir) -> None:
    """Production has no dataset list: a dataset shows in the tab once a capture listed
    in Captures says it belongs to it."""
    sign_in(qtbot, window, sandbox, user_key)
    _as_capture(qtbot, window, make_drf(local_dir / "westford", ("ch0",), seconds=2))
    cap = next(c for page in window.gateway.iter_capture_pages({}) for c in page)
    ds = sandbox.create_dataset(
        window.account.email, "Met through a capture", file_uuids=[], capture_uuids=[cap.uuid]
    )
    assert window.rf.datasets.model.rowCount() == 0
    window.remote_tabs.setCurrentWidget(window.rf.captures)
    qtbot.waitUntil(lambda: not window.rf.is_listing, timeout=10_000)
    window.rf.captures.action("refresh").trigger()
    qtbot.waitUntil(lambda: window.rf.datasets.model.rowCount() == 1, timeout=10_000)
    info = window.rf.datasets.model.info(0)
    assert info.uuid == uuid.UUID(ds).hex
    assert info.name == "Met through a capture"
    assert info.source.startswith("capture ")
    settle(qtbot, window)
