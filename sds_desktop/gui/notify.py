"""Finishing well: a desktop notification when a job ends or fails, and the machine
kept awake while transfers run. Both best-effort: silent when unavailable.

Notifications go through the Qt tray icon where a system tray exists, else through
``desktop-notifier`` (its synchronous API, on a background thread: D-Bus, Notification
Center, WinRT). Keep-awake is ``wakepy``'s "keep running" mode, entered and left on a
background thread of its own (some back-ends block briefly).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSystemTrayIcon

from sds_desktop.gui import about

log = logging.getLogger("sds_desktop.gui.notify")

Sender = Callable[[str, str], None]


def _no_notification_service() -> bool:
    """On Linux and the BSDs, notifications go over the D-Bus session bus: without one
    there is nobody to show them (desktop-notifier would only log a traceback)."""
    return sys.platform not in {"darwin", "win32"} and not os.environ.get(
        "DBUS_SESSION_BUS_ADDRESS"
    )


def _desktop_notifier(title: str, message: str) -> None:
    if _no_notification_service():
        log.debug("desktop notification not shown: no D-Bus session bus")
        return
    # the library logs its own failures with a traceback: best-effort means silent
    logging.getLogger("desktop_notifier").setLevel(logging.CRITICAL)
    try:
        from desktop_notifier import DesktopNotifierSync  # noqa: PLC0415 - optional

        DesktopNotifierSync(app_name="SDS Desktop").send(title=title, message=message)
    except Exception as exc:  # noqa: BLE001 - best-effort: never disturb the user
        log.debug("desktop notification not shown: %s", exc)


class _KeepAwake:
    """wakepy's keep.running, held on its own thread between ``start`` and ``stop``."""

    def __init__(self) -> None:
        self._release: threading.Event | None = None

    def start(self) -> None:
        if self._release is not None:
            return
        release = threading.Event()
        self._release = release

        def hold() -> None:
            try:
                from wakepy import keep  # noqa: PLC0415 - optional

                with keep.running(on_fail="pass"):
                    release.wait()
            except Exception as exc:  # noqa: BLE001 - best-effort
                log.debug("keep-awake unavailable: %s", exc)

        threading.Thread(target=hold, name="sds-keep-awake", daemon=True).start()

    def stop(self) -> None:
        if self._release is not None:
            self._release.set()
            self._release = None


class _Nothing:
    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None


class Finisher(QObject):
    """Hooks: ``job_done(label, failed)`` when a job settles, ``busy(bool)`` from the
    controller's busy periods. ``enabled`` follows the Preferences check box."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        send: Sender | None = None,
        keep_awake: Any = None,
        enabled: bool = True,
    ) -> None:
        super().__init__(parent)
        self.enabled = enabled
        self._tray: QSystemTrayIcon | None = None
        headless = QGuiApplication.platformName() in {"offscreen", "minimal"}
        if headless:
            # no desktop to notify or keep awake (tests, CI, --self-test): stay silent
            send = send or (lambda _t, _m: None)
            keep_awake = keep_awake or _Nothing()
        if send is None:
            if QSystemTrayIcon.isSystemTrayAvailable():
                self._tray = QSystemTrayIcon(about.app_icon(), self)
                send = self._tray_send
            else:
                send = self._thread_send
        self.send = send
        self.awake = keep_awake if keep_awake is not None else _KeepAwake()
        self.sent: list[tuple[str, str]] = []

    def _tray_send(self, title: str, message: str) -> None:
        assert self._tray is not None  # noqa: S101 - set with this sender
        self._tray.show()
        self._tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information, 8000)

    @staticmethod
    def _thread_send(title: str, message: str) -> None:
        threading.Thread(
            target=_desktop_notifier, args=(title, message), name="sds-notify", daemon=True
        ).start()

    def job_done(self, label: str, total: int, failed: int) -> None:
        if not self.enabled:
            return
        if failed:
            title = "Transfer finished with failures"
            message = f"{label}: {failed} of {total} file(s) failed; see the Failed tab."
        else:
            title = "Transfer finished"
            message = f"{label}: {total} file(s) done and verified."
        self.sent.append((title, message))
        try:
            self.send(title, message)
        except Exception as exc:  # noqa: BLE001 - best-effort
            log.debug("notification not shown: %s", exc)

    @Slot(bool)
    def busy(self, running: bool) -> None:
        (self.awake.start if running else self.awake.stop)()
