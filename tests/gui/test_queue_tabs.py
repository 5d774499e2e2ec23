"""The queue dock's three tabs through batch changes, as a user sees them: rows move
between tabs in one go, the titles count them, a sorted tab stays sorted, the selection
stays on its items, and reordering still works.

Set ``SDS_SCREENSHOTS=dir`` to save a picture of the dock with a mixed queue.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from sds_desktop.core.queue import STOPPED_STATES, Direction, ItemSpec, ItemState
from sds_desktop.gui.queue_model import C_ERROR, C_NAME, C_PROGRESS, C_SIZE, C_STATE
from sds_desktop.gui.queue_tabs import MAX_RUNS
from tests.gui.test_queue_actions import make_dock, select_rows, shown_names

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen windows


def specs(n: int) -> list[ItemSpec]:
    """Names out of queue order; sizes repeat (ties keep queue order when sorted)."""
    return [
        ItemSpec(
            Direction.UPLOAD,
            f"scan-{(i * 37) % n:04d}.h5",
            f"/data/scan-{i:04d}.h5",
            f"/lab/scan-{i:04d}.h5",
            1000 * (1 + i % 7),
        )
        for i in range(n)
    ]


class Signals:
    """How many row and layout signals a tab model sends."""

    def __init__(self, model) -> None:
        self.counts = {"inserted": 0, "removed": 0, "layout": 0}
        model.rowsInserted.connect(lambda *_: self._add("inserted"))
        model.rowsRemoved.connect(lambda *_: self._add("removed"))
        model.layoutChanged.connect(lambda *_: self._add("layout"))

    def _add(self, key: str) -> None:
        self.counts[key] += 1

    def take(self) -> dict[str, int]:
        counts, self.counts = self.counts, dict.fromkeys(self.counts, 0)
        return counts


def selected_ids(view) -> list[int]:
    return sorted(view.selected_ids())


def test_a_batch_moves_rows_between_tabs_at_once_and_titles_count_them(qtbot, qtmodeltester):
    queue, controller, dock = make_dock(qtbot)
    _, items = queue.add_job("job", Direction.UPLOAD, specs(1000))
    for item in items[:20]:
        queue.mark_running(item.id)
        queue.mark_done(item.id, checksum="verified")
    failed = items[20::10]  # scattered among the others
    for item in failed:
        queue.mark_failed(item.id, "HTTP 500: boom")
    dock.model.flush()
    active, stopped, done = dock.model.tabs
    for tab in dock.model.tabs:
        qtmodeltester.check(tab)
    signals = [Signals(tab) for tab in dock.model.tabs]
    assert done.ids() == [i.id for i in items[:20]]
    assert [dock.tabs.tabText(i) for i in range(3)] == [
        "Queued / Active (882)",
        "Failed (98)",
        "Done (20)",
    ]

    controller.cancel_all()
    dock.model.flush()  # what its timer does within 100 ms: one flush for all of them
    assert active.rowCount() == 0
    assert stopped.ids() == [i.id for i in items[20:]]  # failed and cancelled, queue order
    assert [dock.tabs.tabText(i) for i in range(3)] == [
        "Queued / Active",
        "Failed (98) · cancelled (882)",
        "Done (20)",
    ]
    assert signals[0].take() == {"inserted": 0, "removed": 1, "layout": 0}
    # 882 rows land among 98 others: one layout change, not a signal per run of rows
    assert signals[1].take() == {"inserted": 0, "removed": 0, "layout": 1}
    assert signals[2].take() == {"inserted": 0, "removed": 0, "layout": 0}

    controller.retry([i.id for i in queue.items(STOPPED_STATES)])
    dock.model.flush()
    assert active.ids() == [i.id for i in items[20:]]
    assert stopped.rowCount() == 0
    assert dock.tabs.tabText(0) == "Queued / Active (980)"
    assert dock.tabs.tabText(1) == "Failed"
    assert signals[0].take() == {"inserted": 1, "removed": 0, "layout": 0}
    assert signals[1].take() == {"inserted": 0, "removed": 1, "layout": 0}

    controller.pause([i.id for i in items[20:]])
    dock.model.flush()  # paused items stay in the first tab: they only repaint
    assert active.ids() == [i.id for i in items[20:]]
    assert all(s.take() == {"inserted": 0, "removed": 0, "layout": 0} for s in signals)
    assert active.index(0, C_STATE).data() == "paused"
    for tab in dock.model.tabs:
        qtmodeltester.check(tab)

    # a few rows move: row signals, one per run of rows
    controller.resume([i.id for i in items[20:]])
    controller.cancel([items[30].id, items[31].id, items[500].id])
    dock.model.flush()
    assert signals[0].take() == {"inserted": 0, "removed": 2, "layout": 0}
    assert signals[1].take() == {"inserted": 1, "removed": 0, "layout": 0}
    controller.cancel([items[25].id, items[400].id, items[900].id])
    dock.model.flush()
    assert signals[1].take() == {"inserted": 3, "removed": 0, "layout": 0}  # 25, 400, 900
    assert shown_names(dock.views[1]) == [items[k].name for k in (25, 30, 31, 400, 500, 900)]
    dock.tabs.setCurrentIndex(1)
    dock.host.resize(1280, 800)
    dock.host.grab()  # paints every visible cell, the progress delegate too
    if os.environ.get("SDS_SCREENSHOTS"):
        folder = Path(os.environ["SDS_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        dock.tabs.setCurrentIndex(0)
        dock.host.grab().save(str(folder / "queue-tabs.png"))
    assert controller.shutdown(1000)
    dock.model.detach()


def click_header(qtbot, view, column: int) -> None:
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=header.rect().center().__class__(x, 5)
    )


def test_a_sorted_tab_stays_sorted_through_state_changes(qtbot):
    queue, controller, dock = make_dock(qtbot)
    _, items = queue.add_job("job", Direction.UPLOAD, specs(300))
    controller.cancel([i.id for i in items[::3]])
    dock.tabs.setCurrentIndex(1)
    view = dock.views[1]
    click_header(qtbot, view, C_SIZE)
    click_header(qtbot, view, C_SIZE)  # largest first
    assert view.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder

    def expected() -> list[str]:
        # by size, largest first; equal sizes in queue order
        stopped = queue.items(STOPPED_STATES)
        return [i.name for i in sorted(stopped, key=lambda i: (-i.size, i.rank, i.id))]

    assert shown_names(view) == expected()
    controller.cancel([i.id for i in items[1::3]])  # 100 more land in their places
    assert shown_names(view) == expected()
    controller.retry([i.id for i in items[:150:2]])
    assert shown_names(view) == expected()
    assert not dock.actions["top"].isEnabled()

    # a sort by a column that changes with the state: pausing regroups the rows
    dock.tabs.setCurrentIndex(0)
    active = dock.views[0]
    click_header(qtbot, active, C_STATE)
    controller.pause([i.id for i in items[2::5]])
    names = shown_names(active)
    by_state = {i.name: i.state.value for i in queue.items()}
    assert [by_state[n] for n in names] == sorted(by_state[n] for n in names)
    paused = [n for n in names if by_state[n] == ItemState.PAUSED.value]
    rank = {i.name: i.rank for i in queue.items()}
    assert paused == sorted(paused, key=rank.__getitem__)  # queue order among equals
    assert controller.shutdown(1000)
    dock.model.detach()


def test_selection_stays_on_its_items_through_changes(qtbot):
    queue, controller, dock = make_dock(qtbot)
    _, items = queue.add_job("job", Direction.UPLOAD, specs(600))
    view = dock.views[0]
    select_rows(view, [3, 4, 5, 100, 250, 599])
    chosen = sorted(items[r].id for r in (3, 4, 5, 100, 250, 599))
    view.selectionModel().setCurrentIndex(
        view.model().index(100, 0), QItemSelectionModel.SelectionFlag.NoUpdate
    )
    controller.cancel([items[1].id, items[50].id, items[51].id])  # a few runs of rows
    dock.model.flush()
    assert selected_ids(view) == chosen
    # many scattered rows leave at once: the tab changes in one layout change
    others = [i.id for i in items[7:240:2]]  # none of the chosen
    assert len(others) > MAX_RUNS
    controller.cancel(others)
    dock.model.flush()
    assert selected_ids(view) == chosen
    assert view.tab_model.item_id(view.currentIndex().row()) == items[100].id
    assert len(view.selectionModel().selectedRows()) == len(chosen)  # whole rows
    click_header(qtbot, view, C_NAME)
    assert selected_ids(view) == chosen
    names = shown_names(view)
    assert names == sorted(names)
    controller.pause(chosen)  # changes their state, not their place (sorted by name)
    dock.model.flush()
    assert selected_ids(view) == chosen
    dock.update_actions()
    assert dock.actions["resume"].isEnabled()
    assert not dock.actions["top"].isEnabled()  # a sorted view cannot be reordered
    # the Failed tab keeps its columns through a layout change too
    failed = dock.views[1]
    width = failed.columnWidth(C_NAME)
    controller.retry(others[::3])
    dock.model.flush()
    assert failed.isColumnHidden(C_SIZE) is False
    assert not failed.isColumnHidden(C_ERROR)
    assert failed.columnWidth(C_NAME) == width
    assert controller.shutdown(1000)
    dock.model.detach()


def test_reordering_a_big_tab_keeps_the_moved_rows_selected(qtbot):
    queue, controller, dock = make_dock(qtbot)
    _, items = queue.add_job("job", Direction.UPLOAD, specs(400))
    controller.cancel([i.id for i in items[100:110]])  # not movable: in the Failed tab
    view = dock.views[0]
    view.setFocus()
    rows = [0, 7, 150, 151, 389]
    select_rows(view, rows)
    chosen = view.selected_ids()
    dock.update_actions()
    assert dock.actions["bottom"].isEnabled()
    dock.actions["bottom"].trigger()
    ids = view.tab_model.ids()
    assert ids[-len(chosen) :] == chosen  # at the bottom, in their order
    queued = [i for i in queue.ids() if queue.peek(i).state is ItemState.QUEUED]
    assert queued[-len(chosen) :] == chosen  # the queue's order, not only the view's
    assert view.selected_ids() == chosen
    dock.actions["up"].trigger()
    ids = view.tab_model.ids()
    assert ids[-len(chosen) - 1 : -1] == chosen
    assert view.selected_ids() == chosen
    bar = view.verticalScrollBar()
    assert bar.value() > 0  # scrolled to the moved rows
    dock.actions["top"].trigger()
    assert view.tab_model.ids()[: len(chosen)] == chosen
    assert queue.next_queued().id == chosen[0]
    assert controller.shutdown(1000)
    dock.model.detach()


def test_sorted_by_progress_running_rows_move_on_with_the_tick(qtbot):
    queue, controller, dock = make_dock(qtbot)
    _, items = queue.add_job("job", Direction.UPLOAD, specs(50))
    running = items[10:13]
    for item in running:
        queue.mark_running(item.id)
        controller._workers[item.id] = SimpleNamespace()  # as _pump makes them
    view = dock.views[0]
    click_header(qtbot, view, C_PROGRESS)
    click_header(qtbot, view, C_PROGRESS)  # furthest first
    queue.add_progress(running[2].id, 3000)  # no queue event: the tick shows it
    controller.tick.emit()
    assert view.tab_model.ids()[0] == running[2].id
    queue.add_progress(running[0].id, 1000)  # a quarter: behind the half, before the rest
    controller.tick.emit()
    assert view.tab_model.ids()[:2] == [running[2].id, running[0].id]
    controller._workers.clear()
    assert controller.shutdown(1000)
    dock.model.detach()
