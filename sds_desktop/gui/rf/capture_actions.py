# ruff: noqa: S101 - asserts narrow types
"""The Captures tab's SDS work, mixed into ``RFController``: the paged capture listing
(and the captures created by uploads joining it), and the actions on the selected
captures: copy UUID, properties, re-index, delete.

Every gateway call runs on the window's TaskRunner; results come back to the views.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Slot

from sds_desktop.gui.rf.info import CaptureInfo
from sds_desktop.gui.rf.props import CapturePropertiesDialog

if TYPE_CHECKING:
    from sds_desktop.gui.main_window import MainWindow
    from sds_desktop.gui.rf.captures_view import CapturesView
    from sds_desktop.gui.rf.datasets_view import DatasetsView

log = logging.getLogger("sds_desktop.gui.rf")


class CaptureActionsMixin:
    """Methods of ``RFController`` (state lives there: see its ``__init__``)."""

    # the controller's attributes and methods, for readers and type checkers
    window: MainWindow
    captures: CapturesView
    datasets: DatasetsView
    captures_stale: bool
    _listing: Any
    _gateway: Any
    _status: Any
    _error: Any
    _open: Any
    _one_capture: Any
    _copy_uuids: Any

    # -- captures: listing ---------------------------------------------------------
    @Slot()
    def refresh_captures(self) -> None:
        gateway = self._gateway()
        if gateway is None:
            return
        if self._listing is not None:
            self._listing.cancel.set()
        self.captures_stale = False
        self.captures.model.clear()
        self.captures.show_status("Listing captures…")

        def work(task: Any) -> int:
            n = 0
            for page in gateway.iter_capture_pages({}):
                if task.cancel.is_set():
                    break
                infos = [CaptureInfo.from_capture(c) for c in page]
                n += len(infos)
                task.emit(infos)
            return n

        self._listing = self.window.tasks.submit(
            work,
            on_message=self._captures_page,
            on_success=self._captures_listed,
            on_failure=self._captures_failed,
        )

    def _captures_page(self, infos: object) -> None:
        assert isinstance(infos, list)
        self.captures.model.add(infos)
        for info in infos:  # the datasets these captures belong to join the Datasets tab
            capture = getattr(info, "capture", None)
            if capture is not None and capture.datasets:
                self.datasets.met_through_capture(info.name, capture.datasets)

    def _captures_listed(self, n: object) -> None:
        self._listing = None
        self.captures.show_status("" if n else "No captures yet: upload a recording as capture.")

    def _captures_failed(self, exc: BaseException) -> None:
        self._listing = None
        self.captures.show_status(f"Could not list the captures: {exc}")
        log.warning("capture listing failed: %s", exc)

    def _captures_created(self, uuids: list[str]) -> None:
        gateway = self._gateway()
        if gateway is None:
            return
        for uuid in uuids:
            if not uuid:
                continue
            self.window.tasks.call(
                lambda u=uuid: CaptureInfo.from_capture(gateway.get_capture(u)),
                lambda info: self.captures.model.add([info]),  # type: ignore[list-item]
                lambda exc: log.warning("could not read the new capture: %s", exc),
            )

    # -- captures: actions ---------------------------------------------------------
    @Slot()
    def copy_capture_uuids(self) -> None:
        self._copy_uuids(self.captures.selected(), "Capture")

    @Slot()
    def capture_properties(self) -> None:
        one = self._one_capture()
        if one is None:
            return
        info, gateway = one
        self.window.tasks.call(
            lambda: CaptureInfo.from_capture(gateway.get_capture(info.uuid)),
            self._show_capture_properties,
            lambda exc: self._error("Capture properties", f"Could not read {info.name}: {exc}"),
        )

    def _show_capture_properties(self, info: object) -> None:
        assert isinstance(info, CaptureInfo)
        self.captures.model.add([info])
        self._open(CapturePropertiesDialog(info, self.window))

    @Slot()
    def reindex_capture(self) -> None:
        one = self._one_capture()
        if one is None:
            return
        info, gateway = one
        self._status(f"Re-indexing {info.name}…")

        def work() -> CaptureInfo:
            gateway.update_capture(info.uuid)
            return CaptureInfo.from_capture(gateway.get_capture(info.uuid))

        self.window.tasks.call(
            work,
            lambda new: (self.captures.model.add([new]), self._status(f"{info.name} re-indexed")),  # type: ignore[list-item]
            lambda exc: self._error("Reindex refused", f"{info.name}: {exc}"),
        )

    @Slot()
    def delete_captures(self) -> None:
        infos = self.captures.selected()
        gateway = self._gateway()
        if not infos or gateway is None:
            return
        names = ", ".join(i.name for i in infos[:5]) + (" …" if len(infos) > 5 else "")
        if not self.window.ask(
            "Delete captures",
            f"Delete {len(infos)} capture(s) from the SDS?\n\n{names}\n\n"
            "Their files stay on the SDS; only the capture (its index entry) is removed.",
        ):
            return

        def work() -> tuple[list[str], list[tuple[str, str]]]:
            deleted: list[str] = []
            refused: list[tuple[str, str]] = []
            for info in infos:
                try:
                    gateway.delete_capture(info.uuid)
                except Exception as exc:  # noqa: BLE001 - each refusal is shown with its reason
                    refused.append((info.name, str(exc)))
                else:
                    deleted.append(info.uuid)
            return deleted, refused

        self.window.tasks.call(
            work,
            self._captures_deleted,
            lambda exc: self._error("Delete failed", str(exc)),
        )

    def _captures_deleted(self, result: object) -> None:
        assert isinstance(result, tuple)
        deleted, refused = result
        for uuid in deleted:
            self.captures.model.remove(uuid)
        self._status(f"Deleted {len(deleted)} capture(s)")
        if refused:
            lines = "\n".join(f"• {name}: {reason}" for name, reason in refused[:20])
            self._error("Some captures were not deleted", f"The SDS refused:\n{lines}")


__all__ = ["CaptureActionsMixin"]
