"""The queue dock's actions, as a user meets them: enabled only where they apply, move
to top/up/down/bottom with keys, sortable columns, and the job details dialog."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QTreeWidget, QWidget

from sds_desktop.core.queue import Direction, ItemSpec, TransferQueue
from sds_desktop.gui.job_details import JobDetails
from sds_desktop.gui.queue_model import C_NAME, C_SIZE
from sds_desktop.gui.queue_view import QueueDock
from sds_desktop.gui.transfers import TransferController

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen windows


def specs(n: int) -> list[ItemSpec]:
    return [
        ItemSpec(Direction.UPLOAD, f"f{i}.bin", f"/tmp/f{i}.bin", f"/x/f{i}.bin", 100 * (n - i))
        for i in range(n)
    ]


def make_dock(qtbot) -> tuple[TransferQueue, TransferController, QueueDock]:
    queue = TransferQueue()
    controller = TransferController(queue)  # no gateway: items stay where we put them
    host = QMainWindow()  # a floating dock warns about size hints under offscreen
    dock = QueueDock(queue, controller, host)
    host.setCentralWidget(QWidget(host))
    host.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    qtbot.addWidget(host)
    host.resize(1000, 400)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is host)
    dock.host = host  # type: ignore[attr-defined]  # keep the window alive with the dock
    return queue, controller, dock


def select_rows(view, rows: list[int]) -> None:
    view.model().flush()  # the rows the user sees (within 100 ms)
    view.clearSelection()
    model = view.model()
    for row in rows:
        view.selectionModel().select(
            model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )


def shown_names(view) -> list[str]:
    view.model().flush()
    model = view.model()
    return [model.index(r, C_NAME).data() for r in range(model.rowCount())]


def settle(dock: QueueDock) -> None:
    dock.model.flush()  # what the model's timer does within 100 ms
    dock.update_actions()  # what the coalescing timer does 150 ms later


def test_buttons_apply_only_to_what_is_selected(qtbot):
    queue, controller, dock = make_dock(qtbot)
    _, items = queue.add_job("job", Direction.UPLOAD, specs(3))
    view = dock.views[0]
    settle(dock)
    assert not dock.buttons["pause"].isEnabled()  # nothing selected
    assert dock.buttons["cancel_all"].isEnabled()
    assert not dock.buttons["clear"].isEnabled()
    select_rows(view, [0])
    settle(dock)
    assert dock.buttons["pause"].isEnabled()
    assert dock.buttons["cancel"].isEnabled()
    assert not dock.buttons["resume"].isEnabled()
    assert not dock.buttons["retry"].isEnabled()
    qtbot.mouseClick(dock.buttons["pause"], Qt.MouseButton.LeftButton)
    settle(dock)
    assert queue.peek(items[0].id).state.value == "paused"
    assert dock.buttons["resume"].isEnabled()
    assert not dock.buttons["pause"].isEnabled()
    queue.cancel(items[1].id)
    dock.tabs.setCurrentIndex(1)  # Failed / cancelled
    select_rows(dock.views[1], [0])
    settle(dock)
    assert dock.buttons["retry"].isEnabled()
    assert not dock.buttons["top"].isEnabled()  # only queued rows move
    assert controller.shutdown(1000)
    dock.model.detach()


def test_move_selected_to_top_and_down_with_the_keyboard(qtbot):
    queue, controller, dock = make_dock(qtbot)
    queue.add_job("job", Direction.UPLOAD, specs(4))
    view = dock.views[0]
    view.setFocus()
    select_rows(view, [2, 3])
    settle(dock)
    qtbot.keyClick(
        view,
        Qt.Key.Key_Home,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert shown_names(view) == ["f2.bin", "f3.bin", "f0.bin", "f1.bin"]
    # the moved rows stay selected: one more step down
    qtbot.keyClick(
        view,
        Qt.Key.Key_Down,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert shown_names(view) == ["f0.bin", "f2.bin", "f3.bin", "f1.bin"]
    assert queue.next_queued().name == "f0.bin"
    select_rows(view, [0])
    settle(dock)
    dock.actions["bottom"].trigger()
    assert shown_names(view) == ["f2.bin", "f3.bin", "f1.bin", "f0.bin"]
    assert queue.next_queued().name == "f2.bin"
    assert controller.shutdown(1000)
    dock.model.detach()


def test_columns_sort_by_click_and_back_to_queue_order(qtbot):
    queue, controller, dock = make_dock(qtbot)
    queue.add_job("job", Direction.UPLOAD, specs(3))  # sizes 300, 200, 100
    view = dock.views[0]
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(C_SIZE) + header.sectionSize(C_SIZE) // 2
    click = lambda: qtbot.mouseClick(  # noqa: E731
        header.viewport(), Qt.MouseButton.LeftButton, pos=header.rect().center().__class__(x, 5)
    )
    click()
    assert shown_names(view) == ["f2.bin", "f1.bin", "f0.bin"]  # smallest first
    click()
    assert shown_names(view) == ["f0.bin", "f1.bin", "f2.bin"]
    select_rows(view, [0])
    settle(dock)
    assert not dock.actions["top"].isEnabled()  # moving means nothing in a sorted view
    click()  # third click: queue order again
    assert header.sortIndicatorSection() == -1
    assert shown_names(view) == ["f0.bin", "f1.bin", "f2.bin"]
    settle(dock)
    assert dock.actions["top"].isEnabled()
    assert controller.shutdown(1000)
    dock.model.detach()


def test_job_details_list_the_files_left_out(qtbot, tmp_path: Path):
    queue, controller, dock = make_dock(qtbot)
    folder = tmp_path / "rec"
    folder.mkdir()
    (folder / "iq.bin").write_bytes(b"x" * 10)
    (folder / "empty.bin").write_bytes(b"")
    (folder / "scratch.tmp").write_bytes(b"t" * 5)
    with qtbot.waitSignal(controller.jobAdded):
        controller.enqueue_upload([folder], "/dest")
    assert [i.name for i in queue.items()] == ["iq.bin"]
    select_rows(dock.views[0], [0])
    settle(dock)
    assert dock.actions["details"].isEnabled()
    dock.actions["details"].trigger()
    dialog = dock.findChild(JobDetails)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    tree = dialog.findChild(QTreeWidget)
    rows = {
        Path(tree.topLevelItem(i).text(0)).name: tree.topLevelItem(i).text(1)
        for i in range(tree.topLevelItemCount())
    }
    assert set(rows) == {"empty.bin", "scratch.tmp"}
    assert rows["empty.bin"].startswith("empty file")
    assert "2 file(s)" in dialog.left_out_label.text()
    dialog.close()
    QApplication.processEvents()
    assert controller.shutdown(1000)
    dock.model.detach()
