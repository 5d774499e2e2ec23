"""``sds-desktop --self-test``: a non-interactive end-to-end check of the installed app.

It is what CI runs on the frozen bundle and on the installed .deb, and what a user can run
to check an installation. Steps: start Qt offscreen, open the real main window (and its
Help > About dialog), start the sandbox gateway on a loopback port, sign in with a
session-only key, upload a random file through the transfer queue, download it again
through the queue, compare the bytes, check that the bundled resources, the tz database
and Qt plugins (SVG) load, write a tiny Digital RF and SigMF recording with the bundled RF
libraries and scan them (``_check_recordings``), and report the keyring backend.

Nothing touches the user's settings or keychain: everything lives in a temporary
directory (or ``--config-dir``), the key is kept in memory, and the keyring is swapped for
an in-memory backend after its real backend has been reported. Progress goes to stderr only
on failure; stdout gets one summary line::

    SELF-TEST OK: SDS Desktop 0.1.0 (frozen, Qt 6.x, offscreen) ... keyring=...

Exit status 0 on success, 1 on failure.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UPLOAD_SIZE = 1024 * 1024 + 123  # not a multiple of any chunk size
TIMEOUT_S = 60.0
REMOTE_DIR = "/selftest"
log = logging.getLogger("sds_desktop.selftest")


class SelfTestError(Exception):
    """A step of the self-test failed."""


def _memory_keyring() -> Any:
    """A keyring backend that keeps secrets in a dict (so nothing reaches the real one)."""
    from keyring.backend import KeyringBackend  # noqa: PLC0415

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self._store: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self._store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self._store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self._store.pop((service, username), None)

    return MemoryKeyring()


def keyring_report() -> str:
    """Which keyring backend the app would use, and which backends were discovered.

    Discovery goes through the ``keyring.backends`` entry points, which only works in
    the frozen app if keyring's dist-info metadata was bundled: an empty list means the
    bundle is broken even on a machine without a keyring daemon.
    """
    import keyring  # noqa: PLC0415

    try:
        backend = keyring.get_keyring()
        name = f"{type(backend).__module__}.{type(backend).__name__}"
        name = name.removeprefix("keyring.backends.")
    except Exception as exc:  # noqa: BLE001 - any backend failure is reported, not fatal
        name = f"error ({exc})"
    discovered = sorted(ep.name for ep in entry_points(group="keyring.backends"))
    if not discovered:
        raise SelfTestError("no keyring backends discovered (keyring metadata not bundled?)")
    note = ""
    if sys.platform.startswith("linux"):
        note = _secret_service_note()
    return f"{name}{note} [plugins: {','.join(discovered)}]"


def _secret_service_note() -> str:
    """Linux: SecretService must be importable; say why it is not usable, if it is not.

    A missing module means a broken bundle (fail); a missing D-Bus session or keyring
    daemon is a property of the machine (reported only).
    """
    try:
        import secretstorage  # noqa: F401, PLC0415 - the backend's dependency
        from keyring.backends import SecretService  # noqa: PLC0415
    except ImportError as exc:
        raise SelfTestError(f"the SecretService keyring backend cannot load: {exc}") from exc
    try:
        SecretService.Keyring.priority  # noqa: B018 - raises with the reason when unusable
    except Exception as exc:  # noqa: BLE001 - keyring raises RuntimeError and friends
        reason = str(exc).removeprefix("Unable to initialize SecretService: ")
        return f" (SecretService unavailable: {reason})"
    return ""


def _wait(app: Any, what: str, predicate: Callable[[], bool], timeout: float) -> None:
    from PySide6.QtCore import QEventLoop  # noqa: PLC0415

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SelfTestError(f"timed out after {timeout:.0f} s waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _transfer_items(window: Any, direction: str) -> list[Any]:
    return [i for i in window.queue.items() if i.direction.value == direction]


def _wait_for_items(
    app: Any, window: Any, direction: str, timeout: float, plan_errors: list[str]
) -> list[Any]:
    from sds_desktop.core.queue import FAILED_STATES, FINISHED_STATES  # noqa: PLC0415

    def finished() -> bool:
        if plan_errors:
            raise SelfTestError(f"the {direction} could not be planned: {plan_errors[0]}")
        items = _transfer_items(window, direction)
        return bool(items) and all(
            i.state in FINISHED_STATES or i.state in FAILED_STATES for i in items
        )

    try:
        _wait(app, f"the {direction} to finish", finished, timeout)
    except SelfTestError as exc:
        states = "; ".join(
            f"{i.name}: {i.state} {i.error}".strip() for i in _transfer_items(window, direction)
        )
        raise SelfTestError(f"{exc} (queue: {states or 'empty'})") from None
    _wait(app, "the transfer queue to go idle", window.controller.is_idle, timeout)
    items = _transfer_items(window, direction)
    bad = [i for i in items if i.state not in FINISHED_STATES]
    if bad:
        raise SelfTestError(
            f"{direction} failed: " + "; ".join(f"{i.name}: {i.state} {i.error}" for i in bad)
        )
    return items


def _check_resources(app: Any, qpa: str) -> str:
    from PySide6.QtGui import QImageReader  # noqa: PLC0415

    from sds_desktop.gui.about import AboutDialog, app_icon  # noqa: PLC0415

    if app.platformName() != qpa:
        raise SelfTestError(f"Qt started platform {app.platformName()!r}, not {qpa!r}")

    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    if "svg" not in formats:
        raise SelfTestError("the Qt SVG image-format plugin is missing")
    try:
        ZoneInfo("America/New_York")  # the gateway's listing times are New York time
    except ZoneInfoNotFoundError as exc:
        raise SelfTestError("no time-zone database (tzdata) for zoneinfo") from exc
    if app_icon().isNull():
        raise SelfTestError("the application icon was not found in resources/")
    dialog = AboutDialog(None)
    text = dialog.text_label.text()
    dialog.deleteLater()
    app.processEvents()
    if "Licence: MIT" not in text:
        raise SelfTestError("the About dialog is incomplete")
    return app.style().name()


def _check_about_menu(app: Any, window: Any) -> None:
    """Help > About opens our About dialog (closed again as soon as it is up)."""
    from PySide6.QtCore import QTimer  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication, QMenu  # noqa: PLC0415

    from sds_desktop.gui.about import AboutDialog  # noqa: PLC0415

    actions = [
        action
        for menu in window.menuBar().findChildren(QMenu)
        for action in menu.actions()
        if action.text().replace("&", "").startswith("About")
    ]
    if not actions:
        raise SelfTestError("no Help > About action in the main window")
    seen: list[str] = []

    def close_modal() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            return
        if isinstance(modal, AboutDialog):
            seen.append(modal.windowTitle())
        modal.close()
        closer.stop()

    # poll until the (modal) dialog is up, close it; exec() then returns
    closer = QTimer()
    closer.setInterval(20)
    closer.timeout.connect(close_modal)
    closer.start()
    try:
        actions[0].trigger()
        app.processEvents()
    finally:
        closer.stop()
    if not seen:
        raise SelfTestError("Help > About did not open the About dialog")


def _round_trip(app: Any, work: Path, config_dir: Path, timings: dict[str, float]) -> str:
    from sds_desktop.gui.logs import LoggingSetup  # noqa: PLC0415
    from sds_desktop.gui.main_window import MainWindow  # noqa: PLC0415
    from sds_desktop.gui.settings import Settings  # noqa: PLC0415
    from sds_desktop.sandbox.server import SandboxServer  # noqa: PLC0415

    settings = Settings(config_dir)
    logging_setup = LoggingSetup(settings.log_dir, level=logging.INFO)
    local = work / "local"
    (local / "download").mkdir(parents=True)
    server = SandboxServer(work / "sandbox", port=0)
    window = None
    try:
        window = MainWindow(settings, logging_setup=logging_setup, local_dir=local)
        window.show()
        _wait(app, "the main window", window.isVisible, 10)
        _check_about_menu(app, window)
        plan_errors: list[str] = []
        window.controller.planFailed.connect(plan_errors.append)

        t = time.monotonic()
        server.start()
        key = server.add_user("selftest@sandbox.sds")
        window.sign_in_with(server.url, key, stored="session", sandbox=True)
        _wait(app, "sign-in to the sandbox", lambda: window.account is not None, TIMEOUT_S)
        timings["sign-in"] = time.monotonic() - t

        source = local / "selftest.bin"
        source.write_bytes(secrets.token_bytes(UPLOAD_SIZE))
        want = _sha256(source)

        t = time.monotonic()
        window.upload([source], REMOTE_DIR)
        _wait_for_items(app, window, "upload", TIMEOUT_S, plan_errors)
        timings["upload"] = time.monotonic() - t

        t = time.monotonic()
        window.controller.enqueue_download([REMOTE_DIR], local / "download")
        _wait_for_items(app, window, "download", TIMEOUT_S, plan_errors)
        timings["download"] = time.monotonic() - t

        process = window.controller.process
        if process is not None and process.broken:  # the frozen app must be its own child
            raise SelfTestError(f"the worker process did not work: {process.broken}")
        copies = [p for p in (local / "download").rglob("selftest.bin") if p.is_file()]
        if len(copies) != 1:
            raise SelfTestError(f"expected one downloaded copy, found {len(copies)}")
        if copies[0].stat().st_size != UPLOAD_SIZE or _sha256(copies[0]) != want:
            raise SelfTestError("the downloaded file differs from the uploaded one")
        return want
    finally:
        if window is not None:
            window.shutdown(10_000)
            window.close()
            window.deleteLater()
            app.processEvents()
        server.stop()
        logging_setup.close()


# -- RF recordings: the bundled RF libraries write, read and scan a recording -----------


def _check_recordings(work: Path) -> str:
    """Write a tiny Digital RF channel and a SigMF pair with the bundled libraries, scan
    them with the core (properties, bounds, metadata, schema), and draw a pyqtgraph plot
    (the quick look): a bundle missing any RF library or its data files fails here."""
    import numpy as np  # noqa: PLC0415 - the self-test imports what it checks
    import pyqtgraph  # noqa: PLC0415
    import sigmf  # noqa: PLC0415

    from sds_desktop.core.recordings import preflight, scan  # noqa: PLC0415
    from sds_desktop.core.recordings.drf import import_digital_rf  # noqa: PLC0415

    drf = import_digital_rf()
    top = work / "recordings" / "drf"
    chan = top / "ch0"
    chan.mkdir(parents=True)
    rate, start = 100, 1719496800
    writer = drf.DigitalRFWriter(
        str(chan), np.complex64, 3600, 1000, start * rate, rate, 1,
        uuid_str="0" * 32, is_complex=True, num_subchannels=1, is_continuous=True,
        marching_periods=False,  # it prints a dot per file otherwise
    )  # fmt: skip
    writer.rf_write(np.ones(2 * rate, dtype=np.complex64))
    writer.close()
    (chan / "metadata").mkdir()
    meta = drf.DigitalMetadataWriter(str(chan / "metadata"), 3600, 1, rate, 1, "metadata")
    meta.write(start * rate, {"center_frequencies": np.array([915e6]), "gain": 1.0})
    sig = work / "recordings" / "sigmf"
    sig.mkdir()
    np.zeros(64, dtype=np.complex64).tofile(sig / "x.sigmf-data")
    sfile = sigmf.SigMFFile(
        data_file=str(sig / "x.sigmf-data"),
        global_info={sigmf.DATATYPE_KEY: "cf32_le", sigmf.SAMPLE_RATE_KEY: 1e6},
    )
    sfile.add_capture(0, {sigmf.FREQUENCY_KEY: 2.4e9})
    sfile.tofile(str(sig / "x.sigmf-meta"))  # validates against the bundled schema

    found = {r.kind: r for r in scan(work / "recordings", deep=True)}
    rec = found.get("drf")
    if rec is None or rec.channels != ("ch0",) or rec.center_frequencies != (915e6,):
        raise SelfTestError(f"the Digital RF scan is wrong: {rec.summary() if rec else None}")
    if rec.duration != 2.0 or rec.problems:
        raise SelfTestError(f"the Digital RF scan is wrong: {rec.summary()}")
    if "sigmf" not in found or found["sigmf"].problems:
        raise SelfTestError(f"the SigMF scan is wrong: {found.get('sigmf')}")
    if preflight(top, kind="drf"):
        raise SelfTestError("the preflight of a valid Digital RF recording found problems")
    # the quick look's drawing: a curve and an image in a pyqtgraph plot, rendered
    plot = pyqtgraph.PlotWidget()
    plot.plot(np.linspace(0.0, 1.0, 64))
    plot.addItem(pyqtgraph.ImageItem(np.outer(np.arange(16.0), np.arange(16.0))))
    plot.resize(320, 200)
    shot = plot.grab()
    plot.deleteLater()
    if shot.isNull() or shot.width() != 320:
        raise SelfTestError("pyqtgraph could not draw a plot")
    return (
        f"digital_rf {drf.__version__}, sigmf {sigmf.__version__}, "
        f"pyqtgraph {pyqtgraph.__version__}"
    )


def _dump_log(config_dir: Path, lines: int = 40) -> None:
    """On failure: the tail of the app's log, so CI output says what went wrong."""
    if sys.stderr is None:
        return
    for path in sorted((config_dir / "logs").glob("*.jsonl")):
        with contextlib.suppress(OSError):
            tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            sys.stderr.write(f"--- last {len(tail)} lines of {path.name} ---\n")
            sys.stderr.write("\n".join(tail) + "\n")


def _summary_out(line: str, config_arg: str | None) -> None:
    """Print the summary; with --config-dir also keep it in ``<dir>/self-test.txt``.

    The Windows build is a GUI-subsystem program without a console (``sys.stdout`` is
    None): there the file and the exit status are how a script reads the result.
    """
    if config_arg:
        with contextlib.suppress(OSError):
            target = Path(config_arg) / "self-test.txt"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(line + "\n", encoding="utf-8")
    stream = sys.stdout
    if stream is None:
        return
    stream.write(line + "\n")
    stream.flush()


def run(args: argparse.Namespace | None = None) -> int:
    """Run the self-test; print one summary line; return 0 (pass) or 1 (fail)."""
    started = time.monotonic()
    # The self-test never needs a display: offscreen, whatever QT_QPA_PLATFORM says.
    # SDS_SELFTEST_QPA picks another platform plugin on purpose (CI runs it once with
    # "xcb" under Xvfb, so the bundled xcb plugin and its libraries are exercised too).
    qpa = os.environ.get("SDS_SELFTEST_QPA") or "offscreen"
    os.environ["QT_QPA_PLATFORM"] = qpa
    config_arg = getattr(args, "config_dir", None)
    work = Path(tempfile.mkdtemp(prefix="sds-selftest-"))
    config_dir = Path(config_arg) if config_arg else work / "config"

    from sds_desktop._version import APP_NAME, get_version  # noqa: PLC0415

    frozen = "frozen" if getattr(sys, "frozen", False) else "source"
    head = f"{APP_NAME} {get_version()} ({frozen}, Python {platform.python_version()}"
    timings: dict[str, float] = {}
    try:
        import keyring  # noqa: PLC0415
        from PySide6 import __version__ as pyside_version  # noqa: PLC0415

        from sds_desktop.gui.app import get_app  # noqa: PLC0415
        from sds_desktop.gui.logs import route_qt_messages  # noqa: PLC0415

        head += f", PySide6 {pyside_version}, {qpa})"
        kr = keyring_report()
        keyring.set_keyring(_memory_keyring())  # nothing below can reach the real keyring

        app = get_app([sys.argv[0] if sys.argv else "sds-desktop"])
        route_qt_messages()
        style = _check_resources(app, qpa)
        t = time.monotonic()
        rf = _check_recordings(work)
        timings["recordings"] = time.monotonic() - t
        digest = _round_trip(app, work, config_dir, timings)
    except Exception as exc:  # noqa: BLE001 - every failure becomes exit 1 + one line
        if not isinstance(exc, SelfTestError):
            traceback.print_exc(file=sys.stderr)
        _dump_log(config_dir)
        total = time.monotonic() - started
        _summary_out(f"SELF-TEST FAILED: {head}: {exc} ({total:.1f} s)", config_arg)
        return 1
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(work)
    total = time.monotonic() - started
    steps = ", ".join(f"{k} {v:.2f}s" for k, v in timings.items())
    _summary_out(
        f"SELF-TEST OK: {head}: main window, Help>About, sandbox sign-in, upload+download of "
        f"{UPLOAD_SIZE} bytes through the queue and the worker process verified "
        f"(sha256 {digest[:12]}), "
        f"recordings written and scanned ({rf}), "
        f"style={style}, keyring={kr}; {steps}; total {total:.1f} s",
        config_arg,
    )
    return 0


if __name__ == "__main__":
    sys.exit(run(argparse.Namespace(config_dir=None)))
