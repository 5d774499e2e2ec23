"""Screenshots of the RF views (offscreen, sandbox): Captures, the upload-as-capture plan,
Datasets, recordings in the local pane, and the quick look.

Run: ``QT_QPA_PLATFORM=offscreen uv run python docs/make_rf_screenshots.py [--out DIR]
[--size 1280x800]``; ``QT_SCALE_FACTOR=2`` for the 2x check.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication, QWidget

from docs import make_screenshots as shots
from sds_desktop.gui.main_window import MainWindow
from sds_desktop.gui.rf.capture_step import CREATED, LINKED
from sds_desktop.gui.rf.dialogs import UploadCaptureDialog
from sds_desktop.gui.rf.quicklook_view import QuickLookWindow
from sds_desktop.gui.settings import Settings
from sds_desktop.sandbox.server import SandboxServer
from tests.gui.rf_data import make_drf, make_rh, make_sigmf

DOCS = Path(__file__).resolve().parent


def wait_for(cond, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    shots.wait_for(cond, timeout)  # uploads and capture steps take longer than a listing


def grab(widget: QWidget, path: Path) -> None:
    shots.pump(0.4)
    widget.grab().save(str(path))
    print("wrote", path)  # noqa: T201 - a script


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=DOCS)
    parser.add_argument("--size", default="1280x800")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    suffix = "" if args.size == "1280x800" else f"-{args.size}"
    app = QApplication.instance() or QApplication(sys.argv)
    tmp = Path(tempfile.mkdtemp(prefix="sds-rf-shots-"))
    server = SandboxServer(tmp / "sandbox")
    server.start()
    key = server.seed_demo("demo@sandbox.sds")
    local = tmp / "fieldwork"
    local.mkdir()
    make_drf(local / "westford-2024-06-27", ("ch0-vpol", "ch1-hpol"), seconds=4)
    make_rh(local / "rooftop-sweeps", {str(uuid.uuid4()): 6, str(uuid.uuid4()): 4})
    make_sigmf(local / "wifi-beacon", "beacon-2412MHz")
    (local / "notes.txt").write_text("campaign notes\n")
    win = MainWindow(Settings(tmp / "config"), local_dir=local)
    win.resize(width, height)
    win.show()
    win.remote_tabs.setCurrentWidget(win.rf.captures)  # type: ignore[attr-defined]
    win.sign_in_with(server.url, key, sandbox=True)
    wait_for(lambda: win.account is not None)
    rf = win.rf  # type: ignore[attr-defined]
    wait_for(lambda: rf.captures.model.rowCount() >= 2)  # the demo: Digital RF and RadioHound

    # upload the two recordings as captures: the plan dialog, then the captures
    for name in ("westford-2024-06-27", "rooftop-sweeps"):
        rf.upload_as_capture([local / name], "/campaign-2024")
        wait_for(lambda: isinstance(rf.dialog, UploadCaptureDialog))
        if name == "westford-2024-06-27":
            grab(rf.dialog, args.out / f"screenshot-upload-capture{suffix}.png")
        rf.dialog.accept()
        shots.pump(0.3)
    wait_for(lambda: rf.steps.steps and all(s.state in (CREATED, LINKED) for s in rf.steps.steps))
    wait_for(lambda: rf.captures.model.rowCount() >= 6)  # 2 demo + 2 channels + 2 scan groups
    rf.steps_dock.raise_()
    win.remote_tabs.setCurrentWidget(rf.captures)
    rf.captures.fmin_edit.setText("900")
    rf.captures.fmax_edit.setText("2500")
    rf.captures.view.selectRow(0)
    grab(win, args.out / f"screenshot-captures{suffix}.png")

    # the local pane marks the recordings
    wait_for(lambda: len(rf.recording_proxy.cache) >= 3)
    pane = win.local_pane
    pane.select_name("westford-2024-06-27")
    win.queue_dock.raise_()
    grab(win, args.out / f"screenshot-recordings{suffix}.png")

    # a dataset, opened by its link
    caps = [i.uuid for i in rf.captures.model.infos() if "campaign" in i.top_level_dir]
    ds = server.create_dataset("demo@sandbox.sds", "Westford campaign 2024", capture_uuids=caps)
    rf.load_dataset(ds, "opened")
    wait_for(lambda: rf.datasets.model.rowCount() >= 1)
    win.remote_tabs.setCurrentWidget(rf.datasets)
    rf.datasets.select_uuid(uuid.UUID(ds).hex)
    grab(win, args.out / f"screenshot-datasets{suffix}.png")

    # quick look at a channel of the recording
    look = QuickLookWindow.for_local(win.tasks, local / "westford-2024-06-27" / "ch0-vpol", win)
    look.resize(width, height)
    look.show()
    wait_for(lambda: look.result is not None or bool(look.error))
    grab(look, args.out / f"screenshot-quicklook{suffix}.png")
    remote = next(
        i
        for i in rf.captures.model.infos()
        if i.capture_type == "rh" and i.top_level_dir.startswith("/campaign")
    )
    look2 = QuickLookWindow.for_capture(win.tasks, win.gateway, remote, win)
    look2.resize(width, height)
    look2.show()
    wait_for(lambda: look2.result is not None or bool(look2.error))
    grab(look2, args.out / f"screenshot-quicklook-rh{suffix}.png")

    win.shutdown()
    server.stop()
    shutil.rmtree(tmp, ignore_errors=True)  # the sandbox, the recordings, the config
    del app


if __name__ == "__main__":
    main()
