"""The transfer process seen from the window's process: start it, hand it jobs, wait.

:meth:`WorkerProcess.run` is called on a transfer lane thread (``gui.transfer_runner``)
and blocks, without holding the interpreter lock, until the child has run the job:
progress, phases and notes arrive meanwhile through the job's hooks, on one reader
thread, a frame (up to every 50 ms, all jobs) at a time. A cancel or pause set on the
job's :class:`WatchedEvent` is forwarded at once.

Robustness: the child starts on first use, from the same code as this process. If it
dies, the jobs it ran fail as a dropped connection would (``NetworkError``: the queue
retries them) and the next job starts a new child. If it cannot start, or dies three
times within a minute, :attr:`WorkerProcess.broken` says why and callers run jobs on
their own threads instead (``run_job``), with a warning in the log.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sds_desktop.core.errors import NetworkError
from sds_desktop.core.gateway_base import GatewayArgs
from sds_desktop.core.worker.job import JobHooks, JobResult, JobSpec

if TYPE_CHECKING:
    from sds_desktop.core.listing import FileRow

from sds_desktop.core.worker.wire import CHILD_FLAG, PipeClosedError, read_frame, write_frame

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


ENV_VAR = "SDS_DESKTOP_TRANSFERS"


def transfers_in_process() -> bool:
    """Whether transfers run in the transfer process (the default) rather than on the
    window's threads (``SDS_DESKTOP_TRANSFERS=threads``: tests that patch the core in
    this process, and a way out should the child misbehave somewhere)."""
    return os.environ.get(ENV_VAR, "process").strip().lower() != "threads"


def child_command() -> list[str]:
    """How to start the transfer process with the code this process runs."""
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_FLAG]
    return [sys.executable, "-m", "sds_desktop.core.worker.child"]


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    if getattr(sys, "frozen", False):
        return env  # the bundle holds its own modules
    # the child imports the very package this process imported (a checkout, a test tree)
    root = str(Path(__file__).resolve().parents[3])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


class WatchedEvent(threading.Event):
    """A ``threading.Event`` that also calls ``on_set`` when set (forwards a cancel)."""

    def __init__(self) -> None:
        super().__init__()
        self.on_set: Any = None

    def set(self) -> None:
        super().set()
        callback = self.on_set
        if callback is not None:
            callback()


class _Pending:
    __slots__ = ("done", "hooks", "ok", "pages", "value")

    def __init__(self, hooks: JobHooks | None) -> None:
        self.hooks = hooks
        self.done = threading.Event()
        self.ok = False
        self.value: Any = None
        self.pages: queue.SimpleQueue[list[FileRow]] | None = None


class _Child:
    """One started child process and its pipe."""

    def __init__(self, command: list[str], level: int) -> None:
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)
        self.proc = subprocess.Popen(  # noqa: S603 - our own executable
            [*command, "--log-level", str(level)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_child_env(),
            creationflags=flags,
        )
        self.hello = threading.Event()
        self.pending: dict[int, _Pending] = {}
        self.send_lock = threading.Lock()
        self.gone = False
        self.retired = False
        self.reaped = threading.Event()
        """Ended on purpose (idle, or closed): its end is no death."""

    def retire(self) -> None:
        """Ask the child to end; its reader reaps it."""
        self.retired = True
        self.send(("exit",))
        with self.send_lock:
            self.gone = True
            if self.proc.stdin is not None:
                with contextlib.suppress(OSError):
                    self.proc.stdin.close()

    def send(self, message: tuple[Any, ...]) -> bool:
        stdin = self.proc.stdin
        with self.send_lock:
            if self.gone or stdin is None:
                return False
            try:
                write_frame(stdin, [message])
            except (OSError, ValueError):
                return False
        return True


class WorkerProcess:
    """Runs :class:`JobSpec` s in a child process; one per transfer controller."""

    def __init__(self, command: list[str] | None = None) -> None:
        self.command = command or child_command()
        self.broken = ""
        """Why the child cannot be used (then run jobs on threads); "" while it can."""
        self._lock = threading.Lock()
        self._child: _Child | None = None
        self._tokens = itertools.count(1)
        self._deaths: collections.deque[float] = collections.deque()
        self._rate = 0.0
        self._closed = False
        self._active = 0
        self._idle_since = time.monotonic()

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

    def run(self, args: GatewayArgs, spec: JobSpec, hooks: JobHooks) -> JobResult:
        """Run ``spec`` in the child and return its result or raise its error; blocks.

        ``hooks.cancel`` must be a :class:`WatchedEvent` (its ``on_set`` is taken over
        for the run). Raises ``RuntimeError`` when the child cannot be used (``broken``).
        """
        child = self._ensure()
        try:
            return self._run_on(child, args, spec, hooks)
        finally:
            self._release()

    def warm(self) -> None:
        """Start the child in the background (at sign-in: the first listing need not wait)."""

        def start() -> None:
            try:
                self._ensure()
            except RuntimeError:
                return  # said in the log; the work is done here then
            self._release()

        threading.Thread(target=start, name="worker-process-start", daemon=True).start()

    def _release(self) -> None:
        with self._lock:
            self._active -= 1
            self._idle_since = time.monotonic()

    def iter_rows(
        self, args: GatewayArgs, path: str, cancel: threading.Event | None = None
    ) -> Iterator[list[FileRow]]:
        """``ParallelLister.iter_rows`` run in the child: the rows at or below ``path``,
        a page or more at a time. Raises ``RuntimeError`` when the child cannot be used."""
        child = self._ensure()
        token = next(self._tokens)
        pending = _Pending(None)
        pages = pending.pages = queue.SimpleQueue()
        try:
            with child.send_lock:
                child.pending[token] = pending
            if not child.send(("list", token, path, args)):
                raise NetworkError("the worker process stopped before the listing started")
            while True:
                try:
                    page = pages.get(timeout=LIST_POLL_S)
                except queue.Empty:
                    if cancel is not None and cancel.is_set():
                        return
                    if pending.done.is_set() and pages.empty():
                        break
                    continue
                yield page
            if not pending.ok:
                raise pending.value
        finally:
            if not pending.done.is_set():
                child.send(("cancel", token, False))  # stopped early: the child stops too
            with child.send_lock:
                child.pending.pop(token, None)
            self._release()

    def _watch_idle(self, child: _Child) -> None:
        """End ``child`` once it has had no job for ``IDLE_S`` (one thread per child)."""
        while not child.reaped.wait(IDLE_S / 4):
            with self._lock:
                idle = time.monotonic() - self._idle_since
                if self._active or self._child is not child or idle < IDLE_S:
                    continue
                self._child = None
            log.debug("transfer process %d idle: ended", child.proc.pid)
            child.retire()
            return

    def _run_on(
        self, child: _Child, args: GatewayArgs, spec: JobSpec, hooks: JobHooks
    ) -> JobResult:
        token = next(self._tokens)
        pending = _Pending(hooks)
        cancel = hooks.cancel
        with child.send_lock:
            child.pending[token] = pending
        if not child.send(("run", token, spec, args)):
            with child.send_lock:
                child.pending.pop(token, None)
            raise NetworkError("the transfer process stopped before the file started")

        def forward() -> None:
            child.send(("cancel", token, hooks.pausing.is_set()))

        if isinstance(cancel, WatchedEvent):
            cancel.on_set = forward
        if cancel.is_set():
            forward()
        try:
            pending.done.wait()
        finally:
            if isinstance(cancel, WatchedEvent):
                cancel.on_set = None
        if pending.ok:
            result: JobResult = pending.value
            return result
        raise pending.value

    def close(self) -> None:
        """End the child (after its jobs: call when no lane runs any more)."""
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

    # -- starting and watching -----------------------------------------------------
    def _ensure(self) -> _Child:
        """The running child (started if need be), counted as in use by one more job."""
        with self._lock:
            child = self._started()
            self._active += 1
            return child

    def _started(self) -> _Child:
        if self.broken:
            raise RuntimeError(self.broken)
        if self._closed:
            raise RuntimeError("the transfer process was closed")
        child = self._child
        if child is not None and not child.gone:
            return child
        try:
            child = _Child(self.command, logging.getLogger("sds_desktop").getEffectiveLevel())
        except OSError as exc:
            self._give_up(f"the transfer process could not start: {exc}")
            raise RuntimeError(self.broken) from exc
        threading.Thread(
            target=self._read, args=(child,), name="transfer-process-reader", daemon=True
        ).start()
        if not child.hello.wait(START_TIMEOUT_S):
            child.proc.kill()
            self._give_up(f"the transfer process did not start within {START_TIMEOUT_S:g} s")
            raise RuntimeError(self.broken)
        if child.gone:
            self._give_up(f"the transfer process ended at start (exit code {child.proc.poll()})")
            raise RuntimeError(self.broken)
        if self._rate:
            child.send(("rate", self._rate))
        self._child = child
        threading.Thread(
            target=self._watch_idle, args=(child,), name="transfer-process-idle", daemon=True
        ).start()
        log.debug("transfer process %d started", child.proc.pid)
        return child

    def _give_up(self, why: str) -> None:
        self.broken = why
        log.warning("%s; transfers run in the window's process instead", why)

    def _read(self, child: _Child) -> None:
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
                for pipe in (child.proc.stdout, child.proc.stdin):
                    if pipe is not None:
                        with contextlib.suppress(OSError):
                            pipe.close()
                child.reaped.set()

    def _dispatch(self, child: _Child, message: tuple[Any, ...]) -> None:
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
                job.ok, job.value = ok, value
                job.done.set()
        elif kind == "log":
            _, level, name, text = message
            logging.getLogger(name).log(level, "%s", text)
        elif kind == "hello":
            child.hello.set()

    def _lost(self, child: _Child) -> None:
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
            log.warning(
                "the transfer process ended (exit code %s); its files are tried again", code
            )
        if len(self._deaths) >= DEATHS_ALLOWED and not self.broken:
            self._give_up(f"the transfer process ended {len(self._deaths)} times within a minute")
        error = NetworkError(
            f"the transfer process ended (exit code {code}); the file is tried again"
        )
        for job in jobs:
            job.ok, job.value = False, error
            job.done.set()
