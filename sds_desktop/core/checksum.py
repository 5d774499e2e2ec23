"""BLAKE3 checksums of files and streams, read in bounded chunks (constant memory)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from blake3 import blake3

from sds_desktop.core.errors import CancelledError, FileError

CHUNK_SIZE = 1024 * 1024
"""Bytes read per step: large enough for throughput, small enough for prompt cancel."""

ProgressCallback = Callable[[int], None]
"""Called with the number of *new* bytes processed since the previous call."""


def blake3_file(
    path: Path,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> str:
    """Return the lowercase hex BLAKE3 of a whole file, as the gateway computes it."""
    # All cores on each block (BLAKE3 hashes a block's chunks in parallel), read into one
    # reused buffer: 1 GiB hashed in 0.7-0.9 s instead of 1.8-2.1 s (2 cores, loaded).
    hasher = blake3(max_threads=blake3.AUTO)
    buffer = bytearray(CHUNK_SIZE)
    view = memoryview(buffer)
    try:
        with path.open("rb", buffering=0) as fh:
            while True:
                if cancel is not None and cancel.is_set():
                    raise CancelledError(f"cancelled while hashing {path.name}")
                n = fh.readinto(buffer)
                if not n:
                    break
                hasher.update(view[:n])
                if progress is not None:
                    progress(n)
    except OSError as exc:
        raise FileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return hasher.hexdigest()


def blake3_bytes(data: bytes) -> str:
    """Return the lowercase hex BLAKE3 of a byte string."""
    return blake3(data).hexdigest()


def is_blake3_hex(value: object) -> bool:
    """True when ``value`` looks like a BLAKE3 hex digest (64 lowercase hex characters)."""
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )
