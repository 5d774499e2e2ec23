"""Quick look, mixed into ``RFController``: opens a ``QuickLookWindow`` on a capture, a
local recording or data file, or an SDS data file, and keeps the open ones alive.

``quicklook_view`` (and its plotting) is imported on first use, not at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from sds_desktop.core.models import SDSFile

if TYPE_CHECKING:
    from sds_desktop.gui.main_window import MainWindow
    from sds_desktop.gui.rf.captures_view import CapturesView


class QuickLookMixin:
    """Methods of ``RFController`` (state lives there: see its ``__init__``)."""

    # the controller's attributes and methods, for readers and type checkers
    window: MainWindow
    captures: CapturesView
    quicklook_windows: list[QWidget]
    _gateway: Any
    _one_capture: Any

    # -- quick look ----------------------------------------------------------------
    def quicklook_capture(self) -> None:
        one = self._one_capture()
        if one is None:
            return
        info, gateway = one
        from sds_desktop.gui.rf.quicklook_view import QuickLookWindow  # noqa: PLC0415

        win = QuickLookWindow.for_capture(self.window.tasks, gateway, info, self.window)
        self._keep(win)

    def quicklook_local(self, path: Path) -> None:
        from sds_desktop.gui.rf.quicklook_view import QuickLookWindow  # noqa: PLC0415

        self._keep(QuickLookWindow.for_local(self.window.tasks, path, self.window))

    def quicklook_file(self, file: SDSFile) -> None:
        gateway = self._gateway()
        if gateway is None:
            return
        from sds_desktop.gui.rf.quicklook_view import QuickLookWindow  # noqa: PLC0415

        self._keep(QuickLookWindow.for_remote_file(self.window.tasks, gateway, file, self.window))

    def _keep(self, win: QWidget) -> None:
        self.quicklook_windows = [w for w in self.quicklook_windows if w.isVisible()]
        self.quicklook_windows.append(win)
        win.show()


__all__ = ["QuickLookMixin"]
