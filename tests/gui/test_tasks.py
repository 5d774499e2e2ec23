"""Background chores outlive a timed-out shutdown without crashing or printing tracebacks."""

from __future__ import annotations

import gc
import threading
import time

from sds_desktop.gui.tasks import TaskRunner


def test_task_blocked_past_shutdown_ends_quietly(qtbot, capfd):
    release = threading.Event()
    finished = threading.Event()
    runner = TaskRunner()

    def blocked(task):
        release.wait(10)  # e.g. a request to a server that went silent
        task.emit("late page")  # the GUI side is gone by now
        finished.set()
        return "late result"

    runner.submit(blocked, on_message=lambda _p: None, on_success=lambda _r: None)
    assert runner.shutdown(timeout_ms=50) is False  # it did not finish in time
    runner.deleteLater()
    del runner
    qtbot.wait(50)  # let the deferred delete run: the runner and its slots are gone
    gc.collect()
    # deleting the runner did not wait for the blocked task (its pool was let go)
    assert not release.is_set()
    assert not finished.is_set()  # a blocking delete would have waited out release.wait
    release.set()
    assert finished.wait(10)
    time.sleep(0.3)  # the task's last emit (its result) follows right after
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert "Signal source has been deleted" not in err
