"""Quick-look remote reads: the first bytes of a file on SDS, cached and bounded.

Production SDS ignores ``Range``: :func:`fetch_head` reads the stream and closes it as
soon as it has enough; :class:`HeadCache` keeps what was read, bounded in bytes, so that
a second look at the same file does not fetch it again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sds_desktop.core.gateway import Gateway

__all__ = [
    "CACHE_BYTES",
    "DEFAULT_CACHE",
    "REMOTE_FILE_CAP",
    "REMOTE_HEAD_BYTES",
    "HeadCache",
    "fetch_head",
]

REMOTE_HEAD_BYTES = 8 * 1024 * 1024
REMOTE_FILE_CAP = 64 * 1024 * 1024
"""A remote Digital RF data file larger than this is not fetched for a quick look."""
CACHE_BYTES = 128 * 1024 * 1024


@dataclass
class HeadCache:
    """The first bytes of remote files, bounded in total bytes (least recently used
    entries go first). Thread-safe: quick looks run in workers."""

    max_bytes: int = CACHE_BYTES
    _entries: OrderedDict[str, tuple[bytes, bool]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def size(self) -> int:
        with self._lock:
            return sum(len(v[0]) for v in self._entries.values())

    def get(self, uuid: str, limit: int) -> tuple[bytes, bool] | None:
        with self._lock:
            entry = self._entries.get(uuid)
            if entry is None:
                return None
            data, complete = entry
            if not complete and len(data) < limit:
                return None
            self._entries.move_to_end(uuid)
            return (data[:limit], complete and len(data) <= limit)

    def put(self, uuid: str, data: bytes, complete: bool) -> None:
        if len(data) > self.max_bytes:
            return
        with self._lock:
            self._entries[uuid] = (data, complete)
            self._entries.move_to_end(uuid)
            total = sum(len(v[0]) for v in self._entries.values())
            while total > self.max_bytes and len(self._entries) > 1:
                _key, (old, _c) = self._entries.popitem(last=False)
                total -= len(old)


DEFAULT_CACHE = HeadCache()


def fetch_head(
    gateway: Gateway,
    uuid: str,
    limit: int,
    *,
    cache: HeadCache | None = DEFAULT_CACHE,
    cancel: threading.Event | None = None,
) -> tuple[bytes, bool]:
    """At most ``limit`` bytes from the start of a remote file, and whether that is the
    whole file. The stream is closed as soon as enough is read (production ignores
    ``Range``: asking for a range would still send everything)."""
    if cache is not None:
        hit = cache.get(uuid, limit)
        if hit is not None:
            return hit
    parts: list[bytes] = []
    got = 0
    complete = True
    with gateway.download_stream(uuid, cancel=cancel) as stream:
        for chunk in stream.chunks:
            parts.append(bytes(chunk))  # a chunk is ours only until the next one
            got += len(chunk)
            if got >= limit:
                length = stream.content_length
                complete = length is not None and got >= length
                break
    data = b"".join(parts)
    if len(data) > limit:
        data, complete = data[:limit], False
    if cache is not None:
        cache.put(uuid, data, complete)
    return data, complete
