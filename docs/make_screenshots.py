"""Regenerate docs/screenshot-main.png and docs/screenshot-transfer.png (offscreen, sandbox).

Run: ``QT_QPA_PLATFORM=offscreen uv run python docs/make_screenshots.py``
"""

from __future__ import annotations

import os
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
    """A researcher's folder: a couple of recordings to upload."""
    rec = root / "recordings"
    for sub, files in {
        "sigmf": {"sweep-0001.sigmf-data": 6_000_000, "sweep-0001.sigmf-meta": 2_000},
        "westford-2024-06-27": {
            "rf@1719496800.000.h5": 9_000_000,
            "rf@1719496801.000.h5": 9_000_000,
            "rf@1719496802.000.h5": 9_000_000,
            "drf_properties.h5": 4_096,
        },
        "radiohound": {"scan-001.rh.json": 300_000, "scan-002.rh.json": 300_000},
    }.items():
        d = rec / sub
        d.mkdir(parents=True, exist_ok=True)
        for name, size in files.items():
            (d / name).write_bytes(os.urandom(size))
    (rec / "notes.txt").write_text("Field campaign notes\n")
    return rec


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
    model = window.remote_model
    wait_for(lambda: model.root.state == "loaded")
    view = window.remote_pane.view
    proxy = window.remote_pane.proxy
    # expand the first folders so the tree shows some depth
    for row in range(min(2, proxy.rowCount())):
        idx = proxy.index(row, 0)
        view.expand(idx)
    pump(1.5)
    first = proxy.index(0, 0)
    if proxy.rowCount(first):
        view.expand(proxy.index(0, 0, first))
    pump(1.0)
    window.local_pane.view.expand(window.local_pane.index_of(local / "westford-2024-06-27"))
    pump(0.5)
    window.grab().save(str(DOCS / "screenshot-main.png"))

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
    window.shutdown()
    window.close()
    server.stop()
    QTimer.singleShot(0, app.quit)
    app.processEvents()
    sys.stdout.write(f"screenshots written to {DOCS}\n")
    return 0


if __name__ == "__main__":
    _ = Qt
    sys.exit(main())
