"""Blob files: an upload is written to a temp file while it is hashed, then renamed to
its content address (``blobs/ab/cd/<blake3>``)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from blake3 import blake3

# Blobs from this size up are fsynced before they are renamed to their address. Smaller
# ones are not: fsync costs milliseconds per small upload, and a sandbox only needs to
# survive an application crash (the page cache has the data), not a power loss.
FSYNC_MIN_BYTES = 1024 * 1024


class HashingWriter:
    """A temp file in the blob dir that BLAKE3-hashes everything written to it.

    Werkzeug's form parser writes the ``file`` part here chunk by chunk, so an upload
    of any size costs constant memory; ``commit`` renames it to its content address.
    """

    def __init__(self, tmp_dir: Path) -> None:
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-", suffix=".part")
        self._fh = os.fdopen(fd, "w+b")
        self.path = Path(name)
        self._hasher = blake3()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._hasher.update(data)
        self.size += len(data)
        return self._fh.write(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._fh.seek(offset, whence)

    def tell(self) -> int:
        return self._fh.tell()

    def read(self, n: int = -1) -> bytes:
        return self._fh.read(n)

    def flush(self) -> None:
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()

    def fsync(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    @property
    def closed(self) -> bool:
        return self._fh.closed

    def hexdigest(self) -> str:
        return self._hasher.hexdigest()

    def discard(self) -> None:
        self._fh.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
