"""The queue's healing, mixed into ``TransferController``: retries with backoff, waiting
for an unreachable SDS, one pause for a refused key, conflict answers.

The one retry layer of the app (``core.retry.QueueRetryPolicy``): per-request retries
are off for transfers. Verdicts come from ``core.retry.classify``:

- retry: this file had trouble (a drop, a stall) → ``waiting to retry`` with a backoff,
  bounded by attempts and a deadline; the row counts down.
- wait for server: SDS is unreachable or failing → the item goes back to queued without
  using up an attempt, and the whole queue waits, probing with ``authenticate``.
- needs key: 401 → the item goes back to queued, the queue pauses, ``keyNeeded`` fires
  once; a new gateway (``set_gateway``) lets it go on.

And after a restart, the temp files a quit or a crash left: a download whose item is
still in the queue goes on from its own (``core.download.find_partial``) when SDS
answers a ranged request with 206, else restarts from 0; the orphans are removed.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from sds_desktop.core.conflicts import ConflictAction
from sds_desktop.core.download import leftover_partials, partial_prefix, sweep_partials
from sds_desktop.core.errors import DiskFullError, SDSError
from sds_desktop.core.queue import ACTIVE_STATES, Direction, ItemState, QueueItem
from sds_desktop.core.retry import Verdict, classify

log = logging.getLogger("sds_desktop.gui.transfers")

RESUME_NOTE = "goes on from its temp file if SDS allows, else from 0"
UPLOAD_NOTE = "uploads cannot resume on SDS: restarts from 0"


class HealingMixin:
    """Methods of ``TransferController`` (state lives there: see its ``__init__``)."""

    # the controller's attributes and signals, for readers and type checkers
    queue: Any
    retry_policy: Any
    conflicts: Any
    gateway: Any
    _work_gateway: Any
    planner: Any
    _batch: Any
    _partials: dict[int, Path]
    _conflict_info: dict[int, object]
    _one_off: dict[int, ConflictAction]
    _server_wait_until: float | None
    _server_waits: int
    _server_error: str
    _probing: bool
    _key_needed: bool
    healthChanged: Any  # noqa: N815 - the controller's Qt signal
    keyNeeded: Any  # noqa: N815
    _pump: Any
    _set_busy: Any
    pause: Any

    # -- healing: retries, waiting for SDS, a refused key ----------------------------
    @property
    def waiting_for_server(self) -> bool:
        return self._server_wait_until is not None

    @property
    def key_needed(self) -> bool:
        return self._key_needed

    def health_text(self) -> str:
        """What the queue waits for, in words ("" when it waits for nothing)."""
        if self._key_needed:
            return "paused: SDS refused the API key; sign in again to go on"
        if self._server_wait_until is not None:
            if self._probing:
                return "waiting for SDS, trying now…"
            left = max(0, round(self._server_wait_until - time.monotonic()))
            return f"waiting for SDS, next try in {left} s"
        return ""

    def retry_text(self, item: QueueItem) -> str:
        """The state column of a waiting item: "retrying in 12 s (attempt 3/8)"."""
        if item.state is ItemState.WAITING and item.retry_at is not None:
            left = max(0, round(item.retry_at - time.monotonic()))
            return (
                f"retrying in {left} s (attempt {item.attempts + 1}/{self.retry_policy.attempts})"
            )
        if item.state is ItemState.QUEUED and self._server_wait_until is not None:
            return self.health_text()
        return ""

    def _wait_for_server(self, exc: BaseException) -> None:
        self._server_waits += 1
        delay = self.retry_policy.server_delay(self._server_waits, exc)
        self._server_wait_until = time.monotonic() + delay
        self._server_error = str(exc)
        log.warning("SDS is not answering (%s): waiting %.0f s", exc, delay)
        self.healthChanged.emit(self.health_text())
        self._set_busy(busy=True)

    def _probe_server(self) -> None:
        gateway = self._work_gateway or self.gateway
        if gateway is None or self._probing:
            return
        self._probing = True
        self.healthChanged.emit(self.health_text())

        def back(_result: object) -> None:
            self._probing = False
            log.info("SDS answers again: the queue goes on")
            self._server_wait_until = None
            self._server_waits = 0
            self.healthChanged.emit("")
            self._pump()

        def still_down(exc: BaseException) -> None:
            self._probing = False
            if classify(exc) is Verdict.NEEDS_KEY:
                self._server_wait_until = None
                self._ask_for_key(exc)
            else:
                self._wait_for_server(exc)

        self.planner.call(gateway.authenticate, back, still_down)

    def _ask_for_key(self, exc: BaseException) -> None:
        if self._key_needed:
            return
        self._key_needed = True
        log.warning("SDS refused the API key mid-queue (%s): paused", exc)
        self.healthChanged.emit(self.health_text())
        self.keyNeeded.emit(
            "SDS refused the API key while transfers were running (revoked or expired). "
            "Sign in again: the queue goes on where it stopped."
        )

    def resolve_conflict(self, item_id: int, action: ConflictAction, *, rest_of_job: bool) -> None:
        """The user's answer to a conflict; with ``rest_of_job``, it also answers the other
        items of the same job (those waiting now and those still to come)."""
        try:
            item = self.queue.get(item_id)
        except KeyError:
            return
        ids = [item_id]
        if rest_of_job:
            self.conflicts.remember(item.job_id, action)
            ids = [i.id for i in self.queue.items([ItemState.CONFLICT]) if i.job_id == item.job_id]
        for one in ids:
            self._conflict_info.pop(one, None)
            if not rest_of_job:
                self._one_off[one] = action
            if self.queue.decided(one):
                self._batch.add(one)
        self._pump()

    def pending_conflicts(self) -> list[tuple[int, object]]:
        """Conflicts waiting for an answer: (item id, Conflict)."""
        return list(self._conflict_info.items())

    def _heal(self, item: QueueItem, exc: SDSError) -> None:
        """The queue's one retry layer: retry this file, wait for SDS, ask for the key,
        or fail the item with its typed error's text."""
        verdict = classify(exc)
        message = str(exc)
        if verdict is Verdict.NEEDS_KEY:
            self.queue.requeue(item.id, f"waiting for a new API key ({message})")
            self._refund_attempt(item.id)
            self._ask_for_key(exc)
            return
        if verdict is Verdict.WAIT_FOR_SERVER:
            self.queue.requeue(item.id, f"waiting for SDS ({message})")
            self._refund_attempt(item.id)
            if self._server_wait_until is None:
                self._wait_for_server(exc)
            return
        if verdict is Verdict.RETRY:
            first = item.first_try_at if item.first_try_at is not None else time.monotonic()
            delay = self.retry_policy.retry_delay(item.attempts, first, time.monotonic())
            if delay is not None:
                log.info("%s: %s; retry in %.0f s", item.name, message, delay)
                self.queue.wait_to_retry(item.id, delay, message)
                return
            message = f"{message} (gave up after {item.attempts} attempts)"
        log.warning("%s failed: %s", item.name, message)
        self.queue.mark_failed(item.id, message)
        if isinstance(exc, DiskFullError):
            self._pause_downloads(item.id)

    def _refund_attempt(self, item_id: int) -> None:
        """A try that SDS or the key stopped does not use up the file's attempts."""
        with contextlib.suppress(KeyError):
            live = self.queue.peek(item_id)
            live.attempts = max(0, live.attempts - 1)

    def _pause_downloads(self, failed_id: int) -> None:
        """Disk full: the other downloads would fail the same way; pause them."""
        others = [
            i.id
            for i in self.queue.items([ItemState.QUEUED, ItemState.RUNNING, ItemState.WAITING])
            if i.direction is Direction.DOWNLOAD and i.id != failed_id
        ]
        if others:
            log.warning("disk full: %d other download(s) paused", len(others))
            self.pause(others)

    # -- after a restart ---------------------------------------------------------------
    def _resume_leftovers(self) -> list[Path]:
        """Temp files found beside queued downloads at start: each download whose item
        survived keeps its own, to go on from it; the others are removed (returned).

        One listing per folder (not one per item): a 20,000-item queue starts quickly."""
        by_folder: dict[Path, list[QueueItem]] = {}
        for item in self.queue.items(ACTIVE_STATES):
            if item.direction is Direction.UPLOAD and item.error == "interrupted by quit":
                self.queue.set_note(item.id, UPLOAD_NOTE)
            elif item.direction is Direction.DOWNLOAD and item.local_path:
                by_folder.setdefault(Path(item.local_path).parent, []).append(item)
        keep: list[Path] = []
        for folder, items in by_folder.items():
            found = leftover_partials(folder)
            if not found:
                continue
            for item in items:
                target = Path(item.local_path)
                partial = found.pop(partial_prefix(target), None)
                if partial is not None and not target.exists():
                    self._partials[item.id] = partial
                    keep.append(partial)
                    self.queue.set_note(item.id, RESUME_NOTE)
                    log.info("%s: resuming from its temp file %s", item.name, partial.name)
        removed = sweep_partials(by_folder, keep=keep)
        for path in removed:
            log.info("removed the leftover temp file %s", path)
        return removed
