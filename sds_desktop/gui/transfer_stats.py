"""Counters and receipts, mixed into ``TransferController``: the ~4 Hz tick that turns
byte counters into speeds, the status bar's numbers, and a job's receipt rows.

Each tick costs O(running workers) however long the queue: byte totals come from
``BatchTotals`` and per-item speeds only for the items that run.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Slot

from sds_desktop.core.queue import Direction
from sds_desktop.core.receipts import ReceiptRow
from sds_desktop.gui.transfer_worker import Stats

TICK_MS = 250
_WINDOW_S = 3.0


class StatsMixin:
    """Methods of ``TransferController`` (state lives there: see its ``__init__``)."""

    # the controller's attributes and signals, for readers and type checkers
    queue: Any
    receipt_info: dict[int, tuple[str, str]]
    _workers: dict[int, Any]
    _batch: Any
    _busy: bool
    _busy_since: float
    _finished_count: int
    _samples: collections.deque[tuple[float, int, int]]
    _item_last: dict[int, tuple[float, int]]
    item_speed: dict[int, float]
    _server_wait_until: float | None
    tick: Any
    _pump: Any
    _probe_server: Any

    def receipt_rows(self, job_ids: Iterable[int]) -> list[ReceiptRow]:
        """One receipt row per item of the jobs ``job_ids`` (what a receipt holds)."""
        wanted = set(job_ids)
        rows = []
        for item in self.queue.items():
            if item.job_id not in wanted:
                continue
            digest, uuid = self.receipt_info.get(item.id, ("", ""))
            if not uuid and item.direction is Direction.DOWNLOAD:
                uuid = item.file_uuid
            result = item.state.value + (f": {item.checksum}" if item.checksum else "")
            rows.append(
                ReceiptRow(
                    item.direction.value,
                    item.local_path,
                    item.sds_path,
                    item.size,
                    digest,
                    uuid,
                    result,
                    item.error,
                    ReceiptRow.when(item.finished_at),
                )
            )
        return rows

    @Slot()
    def _on_tick(self) -> None:
        now = time.monotonic()
        if self.queue.due(now):
            self._pump()
        if self._server_wait_until is not None and now >= self._server_wait_until:
            self._probe_server()
        for item_id in list(self._workers):
            try:
                done = self.queue.peek(item_id).bytes_done
            except KeyError:
                continue
            last_t, last_b = self._item_last.get(item_id, (now, done))
            dt = now - last_t
            if dt >= 0.2:
                inst = max(0, done - last_b) / dt
                prev = self.item_speed.get(item_id)
                self.item_speed[item_id] = inst if prev is None else 0.6 * prev + 0.4 * inst
                self._item_last[item_id] = (now, done)
        stats = self._totals()
        self._samples.append((now, stats[0], 0))
        while self._samples and now - self._samples[0][0] > _WINDOW_S:
            self._samples.popleft()
        self.tick.emit()

    def _totals(self) -> tuple[int, int]:
        return self._batch.totals(self._workers)

    def stats(self) -> Stats:
        done, total = self._totals()
        speed = files_per_s = 0.0
        if len(self._samples) >= 2:
            t0, b0, _ = self._samples[0]
            t1, b1, _ = self._samples[-1]
            if t1 > t0:
                speed = max(0, b1 - b0) / (t1 - t0)
        elapsed = time.monotonic() - self._busy_since
        if self._busy and elapsed > 0.5:
            files_per_s = self._finished_count / elapsed  # over the whole busy period
        eta = (total - done) / speed if speed > 0 else None
        counts = self.queue.counts()
        return Stats(done, total, speed, eta, files_per_s, len(self._workers), counts["active"])
