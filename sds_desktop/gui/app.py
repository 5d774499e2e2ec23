"""Application start-up: config dir, logging, optional in-process sandbox, main window."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from sds_desktop.gui.about import app_icon
from sds_desktop.gui.logs import LoggingSetup, route_qt_messages
from sds_desktop.gui.main_window import MainWindow
from sds_desktop.gui.settings import Settings, default_config_dir

log = logging.getLogger("sds_desktop.gui.app")
SANDBOX_EMAIL = "demo@sandbox.sds"
DESKTOP_ID = "edu.nd.crc.sdsdesktop"


def start_sandbox(data_dir: Path) -> tuple[Any, str]:
    """Start the sandbox gateway on a free loopback port with demo data: (server, key)."""
    from sds_desktop.sandbox.server import SandboxServer  # noqa: PLC0415 - only with --sandbox

    server = SandboxServer(data_dir, host="127.0.0.1", port=0)
    server.start()
    key = server.seed_demo(SANDBOX_EMAIL)
    return server, key


def get_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    QCoreApplication.setOrganizationName("SpectrumX")
    QCoreApplication.setApplicationName("SDS Desktop")
    app = QApplication(argv if argv is not None else sys.argv[:1])
    # Wayland docks match windows to the installed .desktop entry by this id.
    app.setDesktopFileName(DESKTOP_ID)
    app.setWindowIcon(app_icon())  # dialogs too, not only the main window
    return app


def quit_on_signals(window: MainWindow, app: QApplication) -> QTimer:
    """Ctrl+C in the terminal or SIGTERM (logout, ``kill``) quit cleanly, without asking:
    transfers are cancelled and go back to the queue journal, as on any quit.

    Python runs signal handlers only while the interpreter runs, so a light timer lets it
    in between Qt events. Returns the timer (keep a reference).
    """

    def quit_now() -> None:
        window.shutdown()
        window.close()
        app.quit()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %d received: quitting", signum)
        QTimer.singleShot(0, quit_now)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    wake = QTimer(app)
    wake.timeout.connect(lambda: None)
    wake.start(200)
    return wake


class _AfterFirstPaint(QObject):
    """Calls ``fn`` from the event loop once ``widget`` has painted (or after
    ``fallback_ms``, should no paint come: a window started minimised)."""

    def __init__(self, widget: QWidget, fn: Callable[[], object], fallback_ms: int) -> None:
        super().__init__(widget)
        self._fn: Callable[[], object] | None = fn
        self._widget = widget
        widget.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self._fire)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self._widget and event.type() == QEvent.Type.Paint and self._fn is not None:
            QTimer.singleShot(0, self._fire)
        return False

    def _fire(self) -> None:
        fn, self._fn = self._fn, None
        if fn is not None:
            self._widget.removeEventFilter(self)
            fn()


def after_first_paint(widget: QWidget, fn: Callable[[], object], fallback_ms: int = 500) -> QObject:
    """Run ``fn`` right after ``widget``'s first paint; returns the helper (parented)."""
    return _AfterFirstPaint(widget, fn, fallback_ms)


def freeze_start_up_heap() -> None:
    """Put every object alive now out of the cyclic GC's reach (``gc.freeze``), once the
    window is up and gui.rf imported: the modules, classes and Qt wrappers of start-up
    (~66,000 objects) were walked by every full collection, which a 20,000-item job or
    batch action triggers several times; bench/gui_stalls saw them take 49-86 ms on the
    GUI thread, 14-50 ms once frozen. Garbage is collected first; frozen objects are
    still freed when their last reference goes, only cycles among them are not."""
    gc.collect()
    gc.freeze()


def run(args: argparse.Namespace) -> int:
    """Run the GUI until the main window closes; returns the exit code."""
    app = get_app()
    config_dir = Path(args.config_dir) if args.config_dir else default_config_dir()
    settings = Settings(config_dir)
    logging_setup = LoggingSetup(settings.log_dir, level=logging.DEBUG if args.debug else 20)
    route_qt_messages()
    server = None
    try:
        # gui.rf (Captures/Datasets tabs, RF menu, recordings marked in the local pane)
        # is installed once the window has painted: its imports need not delay it.
        window = MainWindow(settings, logging_setup=logging_setup, defer_rf=True)
        window.show()
        _wake = quit_on_signals(window, app)
        if args.sandbox:
            data_dir = settings.sandbox_dir
            try:
                server, key = start_sandbox(data_dir)
            except OSError:
                data_dir = Path(tempfile.mkdtemp(prefix="sds-sandbox-"))
                server, key = start_sandbox(data_dir)
            window.sandbox_server, window.sandbox_key = server, key  # Sites… reuses it
            window.sign_in_with(server.url, key, stored="sandbox", sandbox=True)

            def settle() -> None:
                window.install_rf()
                freeze_start_up_heap()

            _first = after_first_paint(window, settle)
        else:
            # Once the window has painted: the sign-in dialog loads the keyring
            # (0.15-0.2 s), which should not hold back the first paint.
            def after_paint() -> None:
                window.install_rf()
                freeze_start_up_heap()
                window.start_session()

            _first = after_first_paint(window, after_paint)
        return int(app.exec())
    finally:
        if server is not None:
            server.stop()
        logging_setup.close()
