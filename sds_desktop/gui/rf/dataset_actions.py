# ruff: noqa: S101 - asserts narrow types
"""The Datasets tab's SDS work, mixed into ``RFController``: open a dataset by UUID
(read in the background, then shown and selected), its properties, copy UUID, and the
dataset list in the SDS web UI. Downloading a dataset lives in ``downloads``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Slot

from sds_desktop.core.datasets import DatasetAPI
from sds_desktop.gui.rf.dialogs import OpenDatasetDialog
from sds_desktop.gui.rf.info import DatasetInfo
from sds_desktop.gui.rf.props import DatasetPropertiesDialog

if TYPE_CHECKING:
    from sds_desktop.gui.main_window import MainWindow
    from sds_desktop.gui.rf.datasets_view import DatasetsView


class DatasetActionsMixin:
    """Methods of ``RFController`` (state lives there: see its ``__init__``)."""

    # the controller's attributes and methods, for readers and type checkers
    window: MainWindow
    datasets: DatasetsView
    _gateway: Any
    _status: Any
    _copy_uuids: Any
    _error: Any
    _open: Any
    open_web: Any

    # -- datasets ------------------------------------------------------------------
    @Slot()
    def open_dataset(self) -> None:
        dialog = OpenDatasetDialog(self.window)
        dialog.accepted.connect(lambda: self.load_dataset(dialog.uuid() or "", "opened"))
        self._open(dialog)

    def load_dataset(self, uuid: str, source: str = "opened", then: Any = None) -> None:
        gateway = self._gateway()
        if gateway is None or not uuid:
            return
        api = DatasetAPI(gateway, lambda: False)

        def work() -> DatasetInfo:
            return DatasetInfo.from_dataset(api.get(uuid), source)

        def ok(info: object) -> None:
            assert isinstance(info, DatasetInfo)
            self.datasets.model.add([info])
            self.datasets.select_uuid(info.uuid)
            if then is not None:
                then(info)

        self.window.tasks.call(
            work, ok, lambda exc: self._error("Open dataset", f"Could not open {uuid}: {exc}")
        )

    @Slot()
    def dataset_properties(self) -> None:
        infos = self.datasets.selected()
        if len(infos) == 1:
            self.load_dataset(
                infos[0].uuid,
                infos[0].source,
                lambda info: self._open(DatasetPropertiesDialog(info, self.window)),
            )

    @Slot()
    def copy_dataset_uuids(self) -> None:
        self._copy_uuids(self.datasets.selected(), "Dataset")

    @Slot()
    def open_dataset_web(self) -> None:
        infos = self.datasets.selected()
        self.open_web(
            "/users/dataset-list/" if not infos else f"/users/dataset-list/?q={infos[0].uuid}"
        )


__all__ = ["DatasetActionsMixin"]
