"""Regenerate the screenshots in docs/ (offscreen, sandbox): main window at 1280x800,
800x600 and 2x scaling, and a transfer in progress.

Run: ``QT_QPA_PLATFORM=offscreen uv run python docs/make_screenshots.py``
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

from sds_desktop.gui.app import start_sandbox
from sds_desktop.gui.main_window import MainWindow
from sds_desktop.gui.settings import Settings

DOCS = Path(__file__).resolve().parent


def pump(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def wait_for(cond, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("condition not met")
        pump(0.05)


def make_local_tree(root: Path) -> Path:
    """A researcher's folder: a SigMF recording (valid metadata) and a few other files."""
    rec = root / "recordings"
    sigmf = rec / "sigmf"
    sigmf.mkdir(parents=True, exist_ok=True)
    (sigmf / "sweep-0001.sigmf-data").write_bytes(os.urandom(8 * 750_000))
    meta = {
        "global": {
            "core:datatype": "cf32_le",
            "core:sample_rate": 1_000_000,
            "core:version": "1.0.0",
            "core:description": "FM band sweep",
        },
        "captures": [{"core:sample_start": 0, "core:frequency": 98_100_000}],
        "annotations": [],
    }
    (sigmf / "sweep-0001.sigmf-meta").write_text(json.dumps(meta, indent=1))
    logs = rec / "field-logs"
    logs.mkdir(exist_ok=True)
    for day in ("2024-06-27", "2024-06-28"):
        (logs / f"{day}.csv").write_text("time,gain_db,temp_c\n" + "0,30,21.5\n" * 2000)
    (rec / "antenna-photo.jpg").write_bytes(os.urandom(2_400_000))
    (rec / "notes.txt").write_text("Field campaign notes\n")
    return rec


def shoot(window: MainWindow, name: str, size: tuple[int, int]) -> None:
    window.resize(*size)
    pump(0.8)
    window.grab().save(str(DOCS / name))


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    tmp = Path(tempfile.mkdtemp(prefix="sds-shots-"))
    server, key = start_sandbox(tmp / "sandbox")
    local = make_local_tree(tmp / "home")
    window = MainWindow(Settings(tmp / "config"), local_dir=local)
    window.ask = lambda *_a: True  # type: ignore[method-assign]
    window.resize(1280, 800)
    window.show()
    window.sign_in_with(server.url, key, stored="sandbox", sandbox=True)
    wait_for(lambda: window.account is not None)
    pane = window.remote_pane
    wait_for(lambda: pane.model.state == "loaded")
    top = pane.tree_model.index_of(pane.tree_model.root)
    pane.tree.expand(top)
    pump(0.3)
    pane.set_dir("/demo")
    wait_for(lambda: pane.model.state == "loaded")
    window.local_pane.view.selectRow(0)
    window.local_pane.view.setFocus()
    pump(0.5)
    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    if scale != "1":
        shoot(window, "screenshot-2x.png", (1280, 800))
        window.shutdown()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        return 0
    shoot(window, "screenshot-main.png", (1280, 800))
    shoot(window, "screenshot-800x600.png", (800, 600))
    window.resize(1280, 800)

    # the question asked before a key goes to a host never signed in to (issue 10)
    box = window.confirm_unseen_host(
        "gateway.example.org", "SDS_HOST in /home/ana/campaign/.env", lambda: None
    )
    pump(0.5)
    box.grab().save(str(DOCS / "screenshots" / "unseen-host.png"))
    box.reject()
    pump(0.3)
    if window.login_dialog is not None:
        window.login_dialog.reject()

    server.faults.throttle(2_000_000)  # bytes/s per request: slow enough to see progress
    window.queue_dock.parallel.setValue(3)
    window.upload([local], "/campaigns")
    wait_for(lambda: window.controller.running >= 3, 20)
    wait_for(lambda: window.queue.counts()["finished"] >= 3, 30)
    pump(1.5)
    window.queue_dock.raise_()
    window.queue_dock.views[0].setFocus()
    window.grab().save(str(DOCS / "screenshot-transfer.png"))
    window.controller.cancel_all()
    wait_for(window.controller.is_idle, 30)  # no upload left in the server's hands
    window.shutdown()
    window.close()
    server.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    QTimer.singleShot(0, app.quit)
    app.processEvents()
    # the 2x shot needs its own process (the scale factor is read at start)
    env = {**os.environ, "QT_SCALE_FACTOR": "2"}
    subprocess.run([sys.executable, __file__], env=env, check=True)  # noqa: S603
    sys.stdout.write(f"screenshots written to {DOCS}\n")
    return 0


if __name__ == "__main__":
    _ = Qt
    sys.exit(main())
