"""Cancel a blocked request without a thread per request (standard library only).

A call that may need interrupting runs inside :func:`interruptible`, which notes the
cancel event for the calling thread; the HTTP connection class of ``connection`` records
itself there (:func:`note`) when it starts a request. One watcher thread for the whole
process looks at the noted events ten times a second and, once one is set, shuts the
socket of that request down: the blocked send or receive returns at once, and the caller
raises ``CancelledError``. The watcher sleeps while nothing is noted.

Kept apart from ``connection`` so that code which only marks work as interruptible (the
GUI's background tasks) does not load ``requests`` at start-up.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

from sds_desktop.core.errors import CancelledError

CANCEL_POLL_SECONDS = 0.1
"""How often the watcher looks at the cancel events of running requests."""

_current = threading.local()


class _Watch:
    """One interruptible call: its cancel event and the connection it is using."""

    __slots__ = ("cancel", "conn")

    def __init__(self, cancel: threading.Event) -> None:
        self.cancel = cancel
        self.conn: object = None

    def interrupt(self) -> None:
        sock = getattr(self.conn, "sock", None)
        if isinstance(sock, socket.socket):
            # The plain socket's shutdown, also under TLS: SSLSocket's own would drop its
            # TLS state under the thread that is reading it.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watcher:
    """The process's one thread that interrupts the requests whose cancel is set."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._watches: set[_Watch] = set()
        self._thread: threading.Thread | None = None

    def add(self, watch: _Watch) -> None:
        with self._cond:
            self._watches.add(watch)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sds-cancel", daemon=True)
                self._thread.start()
            self._cond.notify()

    def remove(self, watch: _Watch) -> None:
        with self._cond:
            self._watches.discard(watch)

    def _run(self) -> None:
        with self._cond:
            while True:
                while not self._watches:
                    self._cond.wait()
                # Under the lock: a block that has just ended (``remove``) is never
                # interrupted, so a later request on the same kept-alive connection is safe.
                for w in [w for w in self._watches if w.cancel.is_set()]:
                    self._watches.discard(w)
                    w.interrupt()
                self._cond.wait(CANCEL_POLL_SECONDS)


_WATCHER = _Watcher()


@contextlib.contextmanager
def interruptible(cancel: threading.Event | None, what: str) -> Iterator[None]:
    """Requests started by this thread inside the block end promptly once ``cancel`` is
    set: their socket is shut down, and any error that follows becomes ``CancelledError``.
    The connection recorded is the one the last request used (a download's body is read
    on it later, perhaps by another thread: it is interrupted all the same)."""
    if cancel is None:
        yield
        return
    if cancel.is_set():
        raise CancelledError(f"{what} cancelled")
    watch = _Watch(cancel)
    outer = getattr(_current, "watch", None)
    _current.watch = watch
    _WATCHER.add(watch)
    try:
        yield
    except Exception as exc:
        if cancel.is_set() and not isinstance(exc, CancelledError):
            raise CancelledError(f"{what} cancelled") from exc
        raise
    finally:
        _WATCHER.remove(watch)
        _current.watch = outer


def note(conn: object) -> None:
    """Called by a connection as it starts a request on this thread: the one to shut down
    should this thread's current ``interruptible`` block be cancelled."""
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.conn = conn


__all__ = ["CANCEL_POLL_SECONDS", "interruptible", "note"]
