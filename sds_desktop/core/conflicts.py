"""What to do when a transfer's target already exists: the decision, without Qt.

Downloads conflict with a local file at the target path; uploads with an SDS file of
the same path and other content (SDS would keep both versions and show only the newest,
so the older one could no longer be seen or deleted from the app).

A :class:`ConflictPolicy` holds the user's defaults per direction and the answers given
with "apply to the rest of this job"; :func:`decide` turns an action and the two sides
into what the transfer does (write, skip, or write under another name).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import PurePosixPath

__all__ = [
    "Conflict",
    "ConflictAction",
    "ConflictPolicy",
    "Resolution",
    "Side",
    "decide",
    "keep_both_name",
]


class ConflictAction(StrEnum):
    ASK = "ask"
    OVERWRITE = "overwrite"
    OVERWRITE_IF_DIFFERENT = "overwrite if different"
    OVERWRITE_IF_NEWER = "overwrite if newer"
    SKIP = "skip"
    KEEP_BOTH = "keep both"

    @property
    def label(self) -> str:
        return {
            ConflictAction.ASK: "Ask me",
            ConflictAction.OVERWRITE: "Overwrite",
            ConflictAction.OVERWRITE_IF_DIFFERENT: "Overwrite if different (checksum)",
            ConflictAction.OVERWRITE_IF_NEWER: "Overwrite if newer",
            ConflictAction.SKIP: "Skip",
            ConflictAction.KEEP_BOTH: "Keep both (rename)",
        }[self]


class Resolution(StrEnum):
    WRITE = "write"
    """Replace the existing target."""
    SKIP = "skip"
    IDENTICAL = "identical"
    """Skipped because both sides have the same checksum."""
    RENAME = "rename"
    """Write under a new name beside the existing one."""
    ASK = "ask"


@dataclass(frozen=True)
class Side:
    """One side of a conflict: what is known of it."""

    path: str
    size: int
    modified: datetime | None
    blake3: str | None = None
    """None for a local file until it is hashed (on demand: it costs a read)."""


@dataclass(frozen=True)
class Conflict:
    direction: str
    """``upload`` or ``download``."""
    source: Side
    """What would be written."""
    existing: Side
    """What is there now."""


def decide(
    action: ConflictAction,
    conflict: Conflict,
    *,
    hash_local: Callable[[], str] | None = None,
) -> Resolution:
    """The resolution of ``conflict`` under ``action``.

    ``hash_local`` computes the BLAKE3 of whichever side is local when it is not known
    yet (only "overwrite if different" needs it).
    """
    if action is ConflictAction.ASK:
        return Resolution.ASK
    if action is ConflictAction.SKIP:
        return Resolution.SKIP
    if action is ConflictAction.KEEP_BOTH:
        return Resolution.RENAME
    if action is ConflictAction.OVERWRITE:
        return Resolution.WRITE
    if action is ConflictAction.OVERWRITE_IF_DIFFERENT:
        if conflict.source.size != conflict.existing.size:
            return Resolution.WRITE
        a, b = conflict.source.blake3, conflict.existing.blake3
        if (a is None or b is None) and hash_local is not None:
            local = hash_local()
            a, b = (a or local), (b or local)
        if a is None or b is None:
            return Resolution.WRITE
        return Resolution.IDENTICAL if a == b else Resolution.WRITE
    # overwrite if newer: the source must be strictly newer; unknown dates do not write
    new, old = conflict.source.modified, conflict.existing.modified
    if new is None or old is None:
        return Resolution.SKIP
    return Resolution.WRITE if new > old else Resolution.SKIP


def keep_both_name(name: str, taken: Callable[[str], bool], *, limit: int = 10_000) -> str:
    """``name (1).ext``, ``name (2).ext``, … : the first one ``taken`` says is free."""
    path = PurePosixPath(name)
    suffix = "".join(path.suffixes[-1:])
    stem = name[: len(name) - len(suffix)] if suffix else name
    for n in range(1, limit):
        candidate = f"{stem} ({n}){suffix}"
        if not taken(candidate):
            return candidate
    raise ValueError(f"no free name for {name!r}")


class ConflictPolicy:
    """Defaults per direction, plus "apply to the rest of this job" answers (thread-safe:
    workers read it, the GUI thread writes it)."""

    def __init__(
        self,
        *,
        upload: ConflictAction = ConflictAction.ASK,
        download: ConflictAction = ConflictAction.ASK,
    ) -> None:
        self._lock = threading.Lock()
        self.defaults = {"upload": upload, "download": download}
        self._jobs: dict[int, ConflictAction] = {}

    def set_default(self, direction: str, action: ConflictAction) -> None:
        with self._lock:
            self.defaults[direction] = action

    def remember(self, job_id: int, action: ConflictAction) -> None:
        """The user's answer applies to the rest of job ``job_id``."""
        with self._lock:
            self._jobs[job_id] = action

    def action_for(self, job_id: int, direction: str) -> ConflictAction:
        with self._lock:
            return self._jobs.get(job_id, self.defaults.get(direction, ConflictAction.ASK))

    def forget(self, job_id: int) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)
