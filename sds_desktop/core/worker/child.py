"""The transfer process: runs queue items' transfers for the window's process.

Started by ``core.worker.host`` as ``python -m sds_desktop.core.worker.child`` (frozen:
``sds-desktop --transfer-process``), with the pipe on its stdin and stdout. Each ``run``
message becomes a job on a thread of this process (``core.worker.job.run_job``: HTTP,
hashing, disk), so none of that holds the window's interpreter lock. Reports go back in
frames at most every ``FLUSH_S`` (progress summed, phases coalesced); a finished job
wakes the writer at once. One speed limit covers all jobs, as in the window.

When the pipe closes (the window quit or was killed) every job is stopped as a pause:
downloads keep their temp files, which the queue finds and goes on from next time.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

from sds_desktop.core.gateway_base import GatewayArgs, GatewayBase
from sds_desktop.core.listing import ParallelLister
from sds_desktop.core.throttle import TokenBucket
from sds_desktop.core.worker.job import JobHooks, JobSpec, run_job
from sds_desktop.core.worker.wire import PipeClosedError, portable, read_frame, write_frame

FLUSH_S = 0.05
"""Progress and phases are sent at most this often (a finished job is sent at once)."""
STOP_WAIT_S = 10.0
"""On exit, how long running jobs get to stop before the process ends anyway."""
MAX_JOBS = 128


def _no_progress(_nbytes: int) -> None:
    return None


class Outbox:
    """Everything for the window, sent by one writer thread in frames."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._cond = threading.Condition()
        self._progress: dict[int, int] = {}
        self._phases: dict[int, tuple[str, int, int]] = {}
        self._messages: list[tuple[Any, ...]] = []
        self._urgent = False
        self._closed = False
        self.broken = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox", daemon=True)
        self._thread.start()

    def progress(self, token: int, nbytes: int) -> None:
        with self._cond:
            self._progress[token] = self._progress.get(token, 0) + nbytes

    def phase(self, token: int, phase: str, done: int, total: int) -> None:
        with self._cond:
            self._phases[token] = (phase, done, total)

    def put(self, message: tuple[Any, ...], *, urgent: bool = True) -> None:
        """Send ``message`` now (``urgent``) or with the next frame (rows of a listing)."""
        with self._cond:
            self._messages.append(message)
            if urgent:
                self._urgent = True
                self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(STOP_WAIT_S)

    def _loop(self) -> None:
        while True:
            with self._cond:
                if not self._urgent and not self._closed:
                    self._cond.wait(FLUSH_S)  # an urgent message ends the wait
                self._urgent = False
                progress, self._progress = self._progress, {}
                phases, self._phases = self._phases, {}
                messages, self._messages = self._messages, []
                closed = self._closed
            frame: list[Any] = []
            if progress:
                frame.append(("p", progress))
            if phases:
                frame.append(("ph", phases))
            frame.extend(messages)
            if frame:
                try:
                    write_frame(self._out, frame)
                except (OSError, ValueError):
                    self.broken.set()  # the window is gone: nobody to tell
                    return
            if closed:
                return


class _ToWindow(logging.Handler):
    """The core's log records of this process go to the window's log (and its filters)."""

    def __init__(self, outbox: Outbox) -> None:
        super().__init__()
        self.outbox = outbox

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if record.exc_info:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
        except Exception:  # noqa: BLE001 - a bad format string must not stop a transfer
            text = str(record.msg)
        self.outbox.put(("log", record.levelno, record.name, text))


class Child:
    def __init__(self, out: IO[bytes]) -> None:
        self.outbox = Outbox(out)
        self.throttle = TokenBucket()
        self._jobs: dict[int, JobHooks] = {}
        self._lock = threading.Lock()
        self._gateways: dict[GatewayArgs, GatewayBase] = {}
        self._listers: dict[GatewayArgs, ParallelLister] = {}
        self._args: dict[int, GatewayArgs] = {}  # the numbers the window gave them
        self._pool = ThreadPoolExecutor(MAX_JOBS, thread_name_prefix="transfer")

    def serve(self, inp: IO[bytes]) -> None:
        self.outbox.put(("hello", os.getpid()))
        try:
            while not self.outbox.broken.is_set():
                for message in read_frame(inp):
                    if not self._handle(message):
                        return
        except PipeClosedError:
            pass  # the window closed its end: stop
        finally:
            self._stop_all()

    def _handle(self, message: tuple[Any, ...]) -> bool:
        kind = message[0]
        if kind == "gw":
            _, number, args = message
            self._args[number] = args
        elif kind == "run":
            _, token, spec, number = message
            self._start(token, spec, self._args[number])
        elif kind == "list":
            _, token, path, number = message
            args = self._args[number]
            hooks = JobHooks(progress=_no_progress)
            with self._lock:
                self._jobs[token] = hooks
            self._pool.submit(self._list, token, path, args, hooks)
        elif kind == "cancel":
            _, token, pausing = message
            with self._lock:
                running = self._jobs.get(token)
            if running is not None:
                if pausing:
                    running.pausing.set()
                running.cancel.set()
        elif kind == "rate":
            self.throttle.set_rate(float(message[1]))
        elif kind == "exit":
            return False
        return True

    def _start(self, token: int, spec: JobSpec, args: GatewayArgs) -> None:
        outbox = self.outbox
        hooks = JobHooks(
            progress=lambda n: outbox.progress(token, n),
            phase=lambda phase, done, total: outbox.phase(token, phase, done, total),
            note=lambda text: outbox.put(("n", token, text)),
            throttle=self.throttle,
        )
        with self._lock:
            self._jobs[token] = hooks
        self._pool.submit(self._run, token, spec, args, hooks)

    def _gateway(self, args: GatewayArgs) -> GatewayBase:
        with self._lock:
            gateway = self._gateways.get(args)
            if gateway is None:
                gateway = self._gateways[args] = args.build()
            return gateway

    def _lister(self, args: GatewayArgs) -> ParallelLister:
        with self._lock:
            lister = self._listers.get(args)
        if lister is None:
            lister = ParallelLister(self._gateway(args))  # type: ignore[arg-type]
            with self._lock:
                lister = self._listers.setdefault(args, lister)
        return lister

    def _list(self, token: int, path: str, args: GatewayArgs, hooks: JobHooks) -> None:
        try:
            first = True
            for page in self._lister(args).iter_rows(path, hooks.cancel):
                if hooks.cancel.is_set():
                    break
                self.outbox.put(("rows", token, page), urgent=first)  # first rows at once
                first = False
            message: tuple[Any, ...] = ("r", token, True, None)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back, typed
            message = ("r", token, False, portable(exc))
        with self._lock:
            self._jobs.pop(token, None)
        self.outbox.put(message)

    def _run(self, token: int, spec: JobSpec, args: GatewayArgs, hooks: JobHooks) -> None:
        try:
            result = run_job(self._gateway(args), spec, hooks)  # type: ignore[arg-type]
            message: tuple[Any, ...] = ("r", token, True, result)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back, typed
            message = ("r", token, False, portable(exc))
        with self._lock:
            self._jobs.pop(token, None)
        self.outbox.put(message)

    def _stop_all(self) -> None:
        """Stop every job as a pause (downloads keep their temp files), then end."""
        with self._lock:
            running = list(self._jobs.values())
        for hooks in running:
            hooks.pausing.set()
            hooks.cancel.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        done = threading.Event()

        def drain() -> None:
            self._pool.shutdown(wait=True)
            done.set()

        threading.Thread(target=drain, daemon=True).start()
        done.wait(STOP_WAIT_S)
        self.outbox.close()
        for lister in self._listers.values():
            lister.close()
        for gateway in self._gateways.values():
            gateway.close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    level = logging.INFO
    if "--log-level" in args:
        level = int(args[args.index("--log-level") + 1])
    # the pipe is our stdout: keep a handle on it, and send stray prints to stderr
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    inp = os.fdopen(os.dup(0), "rb")
    child = Child(out)
    root = logging.getLogger("sds_desktop")
    root.setLevel(level)
    root.addHandler(_ToWindow(child.outbox))
    root.propagate = False
    child.serve(inp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
