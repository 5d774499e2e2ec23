"""The window's end of one worker process: starting it, and the pipe to it.

``ChildHandle`` is one started child (its ``Popen``, its jobs by token, the lock its
pipe is written under); ``Pending`` is one job or listing waiting for its answer;
``WatchedEvent`` is the cancel event whose ``set`` is forwarded down the pipe.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sds_desktop.core.worker.job import JobHooks
from sds_desktop.core.worker.wire import CHILD_FLAG, write_frame

if TYPE_CHECKING:
    from sds_desktop.core.gateway_base import GatewayArgs
    from sds_desktop.core.listing import FileRow

ENV_VAR = "SDS_DESKTOP_TRANSFERS"

Done = Callable[[bool, Any], None]
"""``done(ok, result or exception)``: how a submitted job's end is told."""


def transfers_in_process() -> bool:
    """Whether files move (and folders are listed) in the worker process, the default,
    rather than on the window's threads (``SDS_DESKTOP_TRANSFERS=threads``: for tests
    that patch the core in this process, and a way out should the child misbehave)."""
    return os.environ.get(ENV_VAR, "process").strip().lower() != "threads"


def child_command() -> list[str]:
    """How to start the worker process with the code this process runs."""
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
        self.on_set: Callable[[], None] | None = None

    def set(self) -> None:
        super().set()
        callback = self.on_set
        if callback is not None:
            callback()


class Pending:
    """A job (``hooks``, told through ``callback``) or a listing (``pages``) in the child."""

    __slots__ = ("callback", "done", "hooks", "ok", "pages", "value")

    def __init__(self, hooks: JobHooks | None, callback: Done | None = None) -> None:
        self.hooks = hooks
        self.callback = callback
        self.done = threading.Event()
        self.ok = False
        self.value: Any = None
        self.pages: queue.SimpleQueue[list[FileRow] | None] | None = None


class ChildHandle:
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
        self.pending: dict[int, Pending] = {}
        self.send_lock = threading.Lock()
        self.gone = False
        self.retired = False
        """Ended on purpose (idle, or closed): its end is no death."""
        self.reaped = threading.Event()
        self._gateways: dict[GatewayArgs, int] = {}

    def retire(self) -> None:
        """Ask the child to end; its reader reaps it."""
        self.retired = True
        self.send(("exit",))
        with self.send_lock:
            self.gone = True
            if self.proc.stdin is not None:
                with contextlib.suppress(OSError):
                    self.proc.stdin.close()

    def send(self, message: tuple[Any, ...], args: GatewayArgs | None = None) -> bool:
        """Write ``message``; with ``args``, the message's last field becomes the number
        that stands for them in the child (sent once: a gateway's arguments pickle to
        ~4 KB, the rest of a job to ~300 bytes)."""
        stdin = self.proc.stdin
        with self.send_lock:
            if self.gone or stdin is None:
                return False
            frame = [message]
            if args is not None:
                number = self._gateways.get(args)
                if number is None:
                    number = self._gateways[args] = len(self._gateways) + 1
                    frame.insert(0, ("gw", number, args))
                frame[-1] = (*message, number)
            try:
                write_frame(stdin, frame)
            except (OSError, ValueError):
                return False
        return True

    def close_pipes(self) -> None:
        for pipe in (self.proc.stdout, self.proc.stdin):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
