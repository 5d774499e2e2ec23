"""Folder listings in the worker process, behind ``ParallelLister``'s face.

A 100,000-file folder is 1,000 pages of JSON to parse; on threads of the window's
process that parsing held the interpreter lock while the list tried to paint (the worst
pauses of a large listing). :class:`ProcessLister` has the child list (``ParallelLister``
there, several pages in flight) and receives compact rows, several pages a frame. When
the child cannot be used it lists here, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sds_desktop.core.listing import FileRow, ParallelLister

if TYPE_CHECKING:
    from sds_desktop.core.gateway import Gateway
    from sds_desktop.core.worker.host import WorkerProcess


class ProcessLister:
    """``iter_rows`` and ``close`` as ``ParallelLister`` has them, run by ``process``."""

    def __init__(self, process: WorkerProcess, gateway: Gateway) -> None:
        self.process = process
        self.gateway = gateway
        self._here: ParallelLister | None = None
        self._lock = threading.Lock()

    def iter_rows(
        self, path: str, cancel: threading.Event | None = None
    ) -> Iterator[list[FileRow]]:
        if not self.process.broken:
            try:
                rows = self.process.iter_rows(self.gateway.handover(), path, cancel)
                first = next(rows, None)
            except RuntimeError:
                if not self.process.broken:
                    raise
            else:
                if first is not None:
                    yield first
                    yield from rows
                return
        yield from self._fallback().iter_rows(path, cancel)

    def _fallback(self) -> ParallelLister:
        with self._lock:
            if self._here is None:
                self._here = ParallelLister(self.gateway)
            return self._here

    def close(self) -> None:
        with self._lock:
            here, self._here = self._here, None
        if here is not None:
            here.close()
