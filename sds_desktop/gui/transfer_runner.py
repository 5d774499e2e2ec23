"""Long-lived lane threads that run transfer workers, and the mailbox back to the GUI.

The controller used to start one QRunnable (with its own signals object) per file: on
the GUI thread that is ``QThreadPool.start``, two ``connect`` calls and one queued
signal per finished file, each a GIL hand-over that 16 busy worker threads make slow.
Here a lane (a QRunnable that lives as long as there is work) takes workers from a
shared list; what they return goes into one mailbox, and the GUI thread is woken once
for everything that finished since it last looked. A lane that finds no work for
``IDLE_S`` seconds ends, so an idle app keeps no threads.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from sds_desktop.gui.tasks import safe_emit

IDLE_S = 2.0
"""A lane with nothing to do for this long ends (the next work starts a new one)."""

Outcome = tuple[int, bool, object]
"""(item id, finished?, result tuple or the exception)."""


class Work(Protocol):
    def run(self) -> Outcome: ...


class _Mailbox(QObject):
    """Lives on the GUI thread: ``ready`` emitted by a lane is queued to ``drain``."""

    ready = Signal()

    def __init__(self, parent: QObject, drain: Callable[[], None]) -> None:
        super().__init__(parent)
        self._drain = drain
        self.ready.connect(self.drain, Qt.ConnectionType.QueuedConnection)

    @Slot()
    def drain(self) -> None:
        self._drain()


class _Lane(QRunnable):
    def __init__(self, runner: LaneRunner) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.runner = runner

    def run(self) -> None:
        runner = self.runner
        while True:
            work = runner.take(self)
            if work is None:
                return
            try:
                outcome = work.run()
            except BaseException as exc:  # noqa: BLE001 - a worker bug: reported, never lost
                outcome = (getattr(work, "item_id", -1), False, exc)
            runner.post(outcome)


class LaneRunner:
    """Runs works on up to ``pool.maxThreadCount()`` lanes; delivers their outcomes in
    batches to ``deliver`` on the GUI thread (the thread that created the runner)."""

    def __init__(
        self, pool: QThreadPool, parent: QObject, deliver: Callable[[list[Outcome]], None]
    ) -> None:
        self.pool = pool
        self._deliver = deliver
        self._cond = threading.Condition()
        self._todo: collections.deque[Work] = collections.deque()
        self._lanes: list[_Lane] = []  # alive (kept referenced: autoDelete is off)
        self._waiting = 0  # lanes blocked waiting for work
        self._stopping = False
        self._done: list[Outcome] = []
        self._done_lock = threading.Lock()
        self._mailbox = _Mailbox(parent, self._drain)

    # -- GUI thread ----------------------------------------------------------------
    def submit(self, work: Work) -> None:
        """Hand ``work`` to an idle lane, or start a lane when none is free."""
        start: _Lane | None = None
        with self._cond:
            self._todo.append(work)
            if self._waiting >= len(self._todo) or len(self._lanes) >= self.pool.maxThreadCount():
                self._cond.notify()
            else:
                start = _Lane(self)
                self._lanes.append(start)
        if start is not None:
            self.pool.start(start)

    def withdraw(self, work: Work) -> bool:
        """Take back a work no lane has started yet; True if it was still waiting."""
        with self._cond:
            try:
                self._todo.remove(work)
            except ValueError:
                return False
            return True

    def stop(self) -> list[Work]:
        """Let every lane end after its current work; the works never started."""
        with self._cond:
            self._stopping = True
            left = list(self._todo)
            self._todo.clear()
            self._cond.notify_all()
        return left

    def restart(self) -> None:
        with self._cond:
            self._stopping = False

    @property
    def lanes(self) -> list[_Lane]:
        return list(self._lanes)

    def _drain(self) -> None:
        with self._done_lock:
            batch, self._done = self._done, []
        if batch:
            self._deliver(batch)

    # -- lane threads --------------------------------------------------------------
    def take(self, lane: _Lane) -> Work | None:
        """The next work for ``lane``, or None when the lane should end."""
        with self._cond:
            while not self._todo and not self._stopping:
                self._waiting += 1
                woke = self._cond.wait(IDLE_S)
                self._waiting -= 1
                if not woke and not self._todo:
                    break
            if self._todo and not self._stopping:
                return self._todo.popleft()
            if lane in self._lanes:
                self._lanes.remove(lane)  # its run() holds it until it returns
        return None

    def post(self, outcome: Outcome) -> None:
        with self._done_lock:
            first = not self._done
            self._done.append(outcome)
        if first:
            safe_emit(self._mailbox.ready)  # one wake-up for all that finish meanwhile
