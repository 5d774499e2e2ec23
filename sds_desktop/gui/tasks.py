# ruff: noqa: S101 - Qt naming (camelCase signals), Qt's positional bools, asserts narrow types
"""Background chores (login check, listing, delete, properties) off the GUI thread.

Shape from superqt/napari: a QRunnable owns its own signals QObject; results reach the
GUI thread as queued signals into a bound slot of :class:`TaskRunner`, which then calls
the caller's callbacks there. The runner keeps a strong reference to every task until it
finished, and :meth:`TaskRunner.shutdown` waits with a timeout.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from sds_desktop.core.interrupt import interruptible

log = logging.getLogger("sds_desktop.gui.tasks")

_OUTLIVING: list[QObject | QRunnable] = []
"""Work that did not finish by shutdown, and its pool: referenced here until the process
exits. Dropping the runnables would delete their signals under them; destroying the pool
would block in its destructor until they end (a stuck request: the HTTP timeout)."""


def keep_until_exit(pool: QThreadPool, runnables: Iterable[QRunnable]) -> None:
    """Let go of a pool whose runnables outlived their shutdown, without waiting on it."""
    pool.setParent(None)
    _OUTLIVING.append(pool)
    _OUTLIVING.extend(runnables)


def safe_emit(signal: Any, *args: object) -> bool:
    """Emit from a worker thread; False when the receiving side is already gone (quit)."""
    try:
        signal.emit(*args)
    except RuntimeError:
        return False
    return True


SuccessCallback = Callable[[Any], None]
FailureCallback = Callable[[BaseException], None]


class _TaskSignals(QObject):
    succeeded = Signal(int, object)
    failed = Signal(int, object)
    message = Signal(int, object)


class Task(QRunnable):
    """Runs ``fn(task)`` in the pool; ``fn`` may call :meth:`emit` and check :attr:`cancel`."""

    def __init__(self, task_id: int, fn: Callable[[Task], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.task_id = task_id
        self.fn = fn
        self.cancel = threading.Event()
        self.signals = _TaskSignals()

    def emit(self, payload: object) -> None:
        """Send an intermediate result (e.g. one page of a listing) to the GUI thread."""
        if not self.cancel.is_set():
            self._send(self.signals.message, payload)

    def _send(self, signal: Any, payload: object) -> None:
        if not safe_emit(signal, self.task_id, payload):  # quitting: nobody listens
            self.cancel.set()

    def run(self) -> None:
        # Requests this task makes are interrupted once it is cancelled (shutdown, a
        # newer listing): a silent or throttled server no longer holds the pool.
        watch = (
            contextlib.nullcontext()  # cancelled before it ran: it still runs, as before
            if self.cancel.is_set()
            else interruptible(self.cancel, "background task")
        )
        try:
            with watch:
                result = self.fn(self)
        except BaseException as exc:  # noqa: BLE001 - every failure is reported, never lost
            self._send(self.signals.failed, exc)
        else:
            self._send(self.signals.succeeded, result)


class _Callbacks:
    __slots__ = ("on_failure", "on_message", "on_success", "task")

    def __init__(
        self,
        task: Task,
        on_success: SuccessCallback | None,
        on_failure: FailureCallback | None,
        on_message: SuccessCallback | None,
    ) -> None:
        self.task = task
        self.on_success = on_success
        self.on_failure = on_failure
        self.on_message = on_message


class TaskRunner(QObject):
    """A small dedicated pool for short background chores."""

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._ids = itertools.count(1)
        self._tasks: dict[int, _Callbacks] = {}

    def submit(
        self,
        fn: Callable[[Task], Any],
        *,
        on_success: SuccessCallback | None = None,
        on_failure: FailureCallback | None = None,
        on_message: SuccessCallback | None = None,
    ) -> Task:
        task = Task(next(self._ids), fn)
        task.signals.succeeded.connect(self._succeeded)
        task.signals.failed.connect(self._failed)
        task.signals.message.connect(self._message)
        self._tasks[task.task_id] = _Callbacks(task, on_success, on_failure, on_message)
        self.pool.start(task)
        return task

    def call(
        self,
        fn: Callable[[], Any],
        on_success: SuccessCallback | None = None,
        on_failure: FailureCallback | None = None,
    ) -> Task:
        """Run a plain callable in the background."""
        return self.submit(lambda _task: fn(), on_success=on_success, on_failure=on_failure)

    @property
    def active(self) -> int:
        return len(self._tasks)

    def cancel_all(self) -> None:
        for cb in self._tasks.values():
            cb.task.cancel.set()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel every task and wait for the pool; True when all finished in time.

        A task still blocked (a request to a silent server) after the timeout is kept
        alive until the process ends: dropping it would delete its signals under it.
        """
        self.cancel_all()
        done = bool(self.pool.waitForDone(timeout_ms))
        if not done:
            keep_until_exit(self.pool, (cb.task for cb in self._tasks.values()))
        self._tasks.clear()
        return done

    @Slot(int, object)
    def _message(self, task_id: int, payload: object) -> None:
        cb = self._tasks.get(task_id)
        if cb is not None and cb.on_message is not None and not cb.task.cancel.is_set():
            cb.on_message(payload)

    @Slot(int, object)
    def _succeeded(self, task_id: int, result: object) -> None:
        cb = self._tasks.pop(task_id, None)
        if cb is not None and cb.on_success is not None and not cb.task.cancel.is_set():
            cb.on_success(result)

    @Slot(int, object)
    def _failed(self, task_id: int, exc: object) -> None:
        cb = self._tasks.pop(task_id, None)
        if cb is None or cb.task.cancel.is_set():
            return
        assert isinstance(exc, BaseException)
        if cb.on_failure is not None:
            cb.on_failure(exc)
        else:
            log.error("background task failed: %s", exc, exc_info=exc)
