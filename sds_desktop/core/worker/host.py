"""The worker process seen from the window's process: start it, hand it jobs.

:meth:`WorkerProcess.submit` sends a job down the pipe and returns at once (the GUI
thread calls it: a pickle and a pipe write); the job's end is told to its callback, on
the one reader thread, which also feeds progress, phases and notes to the job's hooks,
a frame (up to every 50 ms, all jobs) at a time. A cancel or pause set on the job's
:class:`WatchedEvent` is forwarded at once. :meth:`run` is the same, waiting (lanes,
scripts); :meth:`iter_rows` streams a folder listing.

Robustness: the child starts on first use (on a thread of its own: nobody waits for it
but the jobs), from the same code as this process. If it dies, the jobs it ran fail as a
dropped connection would (``NetworkError``: the queue retries them) and the next job
starts a new child. If it cannot start, or dies three times within a minute,
:attr:`WorkerProcess.broken` says why, its jobs end with ``WorkerUnavailableError``
and callers run them on their own threads instead (``run_job``), with a warning in the
log. A child with nothing to do for a minute ends.
"""

from __future__ import annotations

import collections
import itertools
import logging
import queue
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sds_desktop.core.errors import NetworkError
from sds_desktop.core.gateway_base import GatewayArgs
from sds_desktop.core.worker.job import JobHooks, JobResult, JobSpec
from sds_desktop.core.worker.pipe import (
    ChildHandle,
    Done,
    Pending,
    WatchedEvent,
    child_command,
    transfers_in_process,
)
from sds_desktop.core.worker.wire import PipeClosedError, read_frame

if TYPE_CHECKING:
    from sds_desktop.core.listing import FileRow

__all__ = ["WatchedEvent", "WorkerProcess", "WorkerUnavailableError", "transfers_in_process"]

log = logging.getLogger("sds_desktop.core.worker")

START_TIMEOUT_S = 20.0
"""A child that has not said hello by then is not going to."""
DEATHS_ALLOWED = 3
DEATH_WINDOW_S = 60.0
EXIT_WAIT_S = 5.0
LIST_POLL_S = 0.1
"""A listing's reader looks at its caller's cancel this often while pages come."""
IDLE_S = 60.0
"""A child with no job for this long is ended (the next job starts another)."""


class WorkerUnavailableError(RuntimeError):
    """The worker process cannot be used (``WorkerProcess.broken`` says why): run here."""


class WorkerProcess:
    """Runs :class:`JobSpec` s and listings in a child process; one per controller."""

    def __init__(self, command: list[str] | None = None) -> None:
        self.command = command or child_command()
        self.broken = ""
        """Why the child cannot be used (then run jobs on threads); "" while it can."""
        self._lock = threading.Condition()  # state below; never held while starting
        self._start_lock = threading.Lock()  # one start at a time
        self._child: ChildHandle | None = None
        self._tokens = itertools.count(1)
        self._deaths: collections.deque[float] = collections.deque()
        self._rate = 0.0
        self._closed = False
        self._active = 0  # jobs, listings and starts under way
        self._jobs = 0  # submitted jobs not yet told
        self._idle_since = time.monotonic()
        self._queued: list[tuple[GatewayArgs, JobSpec, JobHooks, Done]] = []
        self._starting = False

    @property
    def pid(self) -> int | None:
        child = self._child
        return child.proc.pid if child is not None and not child.gone else None

    # -- any thread ----------------------------------------------------------------
    def set_rate(self, bytes_per_s: float) -> None:
        """The speed limit of all the child's jobs together (0: none)."""
        self._rate = max(0.0, float(bytes_per_s))
        child = self._child
        if child is not None:
            child.send(("rate", self._rate))

    def submit(self, args: GatewayArgs, spec: JobSpec, hooks: JobHooks, done: Done) -> None:
        """Start ``spec`` in the child without waiting; ``done(ok, result or error)`` is
        called once, from another thread. ``hooks.cancel`` should be a
        :class:`WatchedEvent` (its ``on_set`` is taken over while the job runs).
        Raises :class:`WorkerUnavailableError` at once when the child cannot be used;
        ``done`` gets one when it turns out so while the child starts."""
        with self._lock:
            if self.broken or self._closed:
                raise WorkerUnavailableError(self.broken or "the worker process was closed")
            self._active += 1
            self._jobs += 1
            child = self._child
            if child is None or child.gone:
                self._queued.append((args, spec, hooks, done))
                if not self._starting:
                    self._starting = True
                    threading.Thread(
                        target=self._start_queued, name="worker-process-start", daemon=True
                    ).start()
                return
        self._send_job(child, args, spec, hooks, done)

    def run(self, args: GatewayArgs, spec: JobSpec, hooks: JobHooks) -> JobResult:
        """:meth:`submit`, waiting: the job's result, or its error raised."""
        ended = threading.Event()
        answer: list[tuple[bool, Any]] = []

        def done(ok: bool, value: Any) -> None:
            answer.append((ok, value))
            ended.set()

        self.submit(args, spec, hooks, done)
        ended.wait()
        ok, value = answer[0]
        if ok:
            result: JobResult = value
            return result
        raise value

    def warm(self) -> None:
        """Start the child in the background (at sign-in: the first listing need not wait)."""

        def start() -> None:
            try:
                self._ensure()
            except WorkerUnavailableError:
                return  # said in the log; the work is done here then
            self._release()

        threading.Thread(target=start, name="worker-process-start", daemon=True).start()

    def iter_rows(
        self, args: GatewayArgs, path: str, cancel: threading.Event | None = None
    ) -> Iterator[list[FileRow]]:
        """``ParallelLister.iter_rows`` run in the child: the rows at or below ``path``,
        a page or more at a time. Raises :class:`WorkerUnavailableError` when the child
        cannot be used (blocks while it starts: call it from a listing thread)."""
        child = self._ensure()
        token = next(self._tokens)
        pending = Pending(None)
        pages = pending.pages = queue.SimpleQueue()
        try:
            with child.send_lock:
                child.pending[token] = pending
            if not child.send(("list", token, path), args):
                raise NetworkError("the worker process stopped before the listing started")
            while not (cancel is not None and cancel.is_set()):
                try:
                    page = pages.get(timeout=LIST_POLL_S)
                except queue.Empty:
                    continue  # look at the cancel again
                if page is None:  # the end, after the last page
                    if not pending.ok:
                        raise pending.value
                    return
                yield page
        finally:
            if not pending.done.is_set():
                child.send(("cancel", token, False))  # stopped early: the child stops too
            with child.send_lock:
                child.pending.pop(token, None)
            self._release()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no submitted job runs (after cancelling them: quit); True if so."""
        with self._lock:
            return self._lock.wait_for(lambda: self._jobs == 0, timeout)

    def close(self) -> None:
        """End the child; jobs still in it end as dropped (their callbacks are told)."""
        with self._lock:
            self._closed = True
            child, self._child = self._child, None
        if child is None:
            return
        child.retire()
        try:
            child.proc.wait(EXIT_WAIT_S)
        except subprocess.TimeoutExpired:
            child.proc.kill()
            child.proc.wait()
        child.reaped.wait(EXIT_WAIT_S)

    # -- jobs ----------------------------------------------------------------------
    def _send_job(
        self, child: ChildHandle, args: GatewayArgs, spec: JobSpec, hooks: JobHooks, done: Done
    ) -> None:
        token = next(self._tokens)
        pending = Pending(hooks, done)
        with child.send_lock:
            child.pending[token] = pending
        if not child.send(("run", token, spec), args):
            with child.send_lock:
                lost = child.pending.pop(token, None)
            if lost is not None:  # else the reader already told it
                error = NetworkError("the worker process stopped before the file started")
                self._finish(lost, error, ok=False)
            return
        cancel = hooks.cancel

        def forward() -> None:
            child.send(("cancel", token, hooks.pausing.is_set()))

        if isinstance(cancel, WatchedEvent):
            cancel.on_set = forward
        if cancel.is_set():
            forward()

    def _finish(self, pending: Pending, value: Any, *, ok: bool) -> None:
        pending.ok, pending.value = ok, value
        pending.done.set()
        callback = pending.callback
        if callback is None:
            if pending.pages is not None:
                pending.pages.put(None)  # a listing: its reader ends on this
            return
        hooks = pending.hooks
        if hooks is not None and isinstance(hooks.cancel, WatchedEvent):
            hooks.cancel.on_set = None
        self._release(job=True)
        callback(ok, value)

    def _release(self, *, job: bool = False) -> None:
        with self._lock:
            self._active -= 1
            self._idle_since = time.monotonic()
            if job:
                self._jobs -= 1
                if not self._jobs:
                    self._lock.notify_all()

    # -- starting and watching -----------------------------------------------------
    def _start_queued(self) -> None:
        """Start the child, then send it the jobs submitted meanwhile."""
        child: ChildHandle | None = None
        error: WorkerUnavailableError | None = None
        try:
            child = self._ensure()
        except WorkerUnavailableError as exc:
            error = exc
        with self._lock:
            queued, self._queued = self._queued, []
            self._starting = False
        for args, spec, hooks, done in queued:
            if child is not None:
                self._send_job(child, args, spec, hooks, done)
            else:
                self._release(job=True)
                done(False, error)  # noqa: FBT003 - Done's shape
        if child is not None:
            self._release()

    def _ensure(self) -> ChildHandle:
        """The running child (started if need be), counted as in use once more."""
        with self._start_lock:
            with self._lock:
                if self.broken or self._closed:
                    raise WorkerUnavailableError(self.broken or "the worker process was closed")
                child = self._child
                if child is not None and not child.gone:
                    self._active += 1
                    return child
            child = self._spawn()
            with self._lock:
                self._child = child
                self._active += 1
            return child

    def _spawn(self) -> ChildHandle:
        level = logging.getLogger("sds_desktop").getEffectiveLevel()
        try:
            child = ChildHandle(self.command, level)
        except OSError as exc:
            raise self._give_up(f"the worker process could not start: {exc}") from exc
        threading.Thread(
            target=self._read, args=(child,), name="worker-process-reader", daemon=True
        ).start()
        if not child.hello.wait(START_TIMEOUT_S):
            child.proc.kill()
            raise self._give_up(f"the worker process did not start within {START_TIMEOUT_S:g} s")
        if child.gone:
            code = child.proc.poll()
            raise self._give_up(f"the worker process ended at start (exit code {code})")
        if self._rate:
            child.send(("rate", self._rate))
        threading.Thread(
            target=self._watch_idle, args=(child,), name="worker-process-idle", daemon=True
        ).start()
        log.debug("worker process %d started", child.proc.pid)
        return child

    def _give_up(self, why: str) -> WorkerUnavailableError:
        self.broken = why
        log.warning("%s; transfers run in the window's process instead", why)
        return WorkerUnavailableError(why)

    def _watch_idle(self, child: ChildHandle) -> None:
        """End ``child`` once it has had no job for ``IDLE_S`` (one thread per child)."""
        while not child.reaped.wait(IDLE_S / 4):
            with self._lock:
                idle = time.monotonic() - self._idle_since
                if self._active or self._child is not child or idle < IDLE_S:
                    continue
                self._child = None
            log.debug("worker process %d idle: ended", child.proc.pid)
            child.retire()
            return

    def _read(self, child: ChildHandle) -> None:
        stdout = child.proc.stdout
        assert stdout is not None  # noqa: S101 - Popen(stdout=PIPE)
        try:
            while True:
                for message in read_frame(stdout):
                    self._dispatch(child, message)
        except PipeClosedError:
            pass
        finally:
            try:
                self._lost(child)
            finally:
                child.close_pipes()
                child.reaped.set()

    def _dispatch(self, child: ChildHandle, message: tuple[Any, ...]) -> None:
        kind = message[0]
        pending = child.pending
        if kind == "rows":
            job = pending.get(message[1])
            if job is not None and job.pages is not None:
                job.pages.put(message[2])
        elif kind == "p":
            for token, nbytes in message[1].items():
                job = pending.get(token)
                if job is not None and job.hooks is not None:
                    job.hooks.progress(nbytes)
        elif kind == "ph":
            for token, (phase, done, total) in message[1].items():
                job = pending.get(token)
                if job is not None and job.hooks is not None:
                    job.hooks.phase(phase, done, total)
        elif kind == "n":
            job = pending.get(message[1])
            if job is not None and job.hooks is not None:
                job.hooks.note(message[2])
        elif kind == "r":
            _, token, ok, value = message
            with child.send_lock:
                job = pending.pop(token, None)
            if job is not None:
                self._finish(job, value, ok=ok)
        elif kind == "log":
            _, level, name, text = message
            logging.getLogger(name).log(level, "%s", text)
        elif kind == "hello":
            child.hello.set()

    def _lost(self, child: ChildHandle) -> None:
        """The child's pipe closed: fail its jobs as a dropped connection (retried)."""
        with child.send_lock:
            child.gone = True
            jobs, child.pending = list(child.pending.values()), {}
        code = child.proc.poll()
        if code is None:
            try:
                code = child.proc.wait(EXIT_WAIT_S)
            except subprocess.TimeoutExpired:
                child.proc.kill()
                code = child.proc.wait()
        child.hello.set()  # a start that waits for it learns that it ended
        if child.retired and not jobs:
            return
        now = time.monotonic()
        self._deaths.append(now)
        while self._deaths and now - self._deaths[0] > DEATH_WINDOW_S:
            self._deaths.popleft()
        if jobs or not child.retired:
            log.warning("the worker process ended (exit code %s); its files are tried again", code)
        if len(self._deaths) >= DEATHS_ALLOWED and not self.broken:
            self._give_up(f"the worker process ended {len(self._deaths)} times within a minute")
        error = NetworkError(
            f"the worker process ended (exit code {code}); the file is tried again"
        )
        for job in jobs:
            self._finish(job, error, ok=False)
