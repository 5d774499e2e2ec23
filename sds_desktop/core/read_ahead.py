"""A large download's body read straight into reused buffers, a few ahead of the writer.

``requests``' ``iter_content`` hands out a new 1 MiB ``bytes`` per chunk, built through
urllib3's buffers: two to three copies of every byte, and a fresh allocation (page faults
and all) per MiB, on a receive path that was the download's CPU limit. Here the
response's own ``http.client`` body is read with ``readinto`` into a small ring of
buffers on a helper thread (one copy, from the socket), and the writer gets a
``memoryview`` of each. A buffer goes back to the ring when the writer asks for the next
chunk, so the writer must be done with a chunk by then (hash it, write it; keep no
reference). Used only for plain bodies of known length (no content or transfer coding);
anything else takes ``iter_content``.
"""

from __future__ import annotations

import http.client
import queue
import threading
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sds_desktop.core.errors import CancelledError, NetworkError

if TYPE_CHECKING:
    import requests

CHUNK = 1024 * 1024
RING = 6
"""Buffers in the ring: four read ahead, one being read into, one with the writer."""
POLL_S = 0.1
"""How often the writer, waiting for data, looks at its cancel event."""


def plain_body(resp: requests.Response) -> Any | None:
    """The ``http.client`` response under ``resp`` when its body can be read as is:
    known length, no content or transfer coding, nothing read yet; else None."""
    headers = resp.headers
    if headers.get("Content-Encoding", "identity").strip().lower() not in {"", "identity"}:
        return None
    if "chunked" in headers.get("Transfer-Encoding", "").lower():
        return None
    if headers.get("Content-Length") is None:
        return None
    raw = getattr(resp, "raw", None)
    fp = getattr(raw, "_fp", None)  # urllib3's HTTPResponse keeps the http.client one
    if not isinstance(fp, http.client.HTTPResponse):
        return None
    if getattr(raw, "_fp_bytes_read", None):  # urllib3 read some already: not ours to take
        return None
    return fp


def read_ahead_into(
    fp: http.client.HTTPResponse, length: int, cancel: threading.Event, what: str
) -> Generator[memoryview, None, None]:
    """The ``length`` bytes of ``fp``'s body, a chunk at a time, read by a helper thread.

    Stops short if the server does (the caller compares the size it got); a broken
    connection raises ``NetworkError``; the cancel event raises ``CancelledError``
    within ``POLL_S`` even while the helper is stuck in a read.
    """
    free: queue.SimpleQueue[bytearray | None] = queue.SimpleQueue()
    for _ in range(RING):
        free.put(bytearray(CHUNK))
    ready: queue.SimpleQueue[tuple[str, Any, int]] = queue.SimpleQueue()
    stop = threading.Event()

    def produce() -> None:
        left = length
        try:
            while left > 0:
                buf = free.get()
                if buf is None or stop.is_set():
                    return
                view = memoryview(buf)[: min(CHUNK, left)]
                got = 0
                while got < len(view):
                    n = fp.readinto(view[got:])
                    if not n:
                        break
                    got += n
                if got:
                    ready.put(("data", buf, got))
                    left -= got
                if got < len(view):
                    break  # the server ended early
        except (OSError, http.client.HTTPException, ValueError) as exc:
            ready.put(("error", exc, 0))
            return
        ready.put(("end", None, 0))

    threading.Thread(target=produce, name="sds-download", daemon=True).start()
    held: bytearray | None = None
    try:
        while True:
            try:
                kind, value, n = ready.get(timeout=POLL_S)
            except queue.Empty:
                if cancel.is_set():
                    raise CancelledError(f"{what} cancelled") from None
                continue
            if held is not None:
                free.put(held)  # the writer is done with the last chunk
                held = None
            if kind == "data":
                held = value
                yield memoryview(value)[:n]
            elif kind == "end":
                return
            else:
                if cancel.is_set():
                    raise CancelledError(f"{what} cancelled") from value
                raise NetworkError(f"the connection broke ({what}): {value}") from value
    finally:
        stop.set()
        free.put(None)  # a helper waiting for a buffer ends
