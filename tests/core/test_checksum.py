"""BLAKE3 of files: what the gateway computes, at and around block edges, and progress
for every byte."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from blake3 import blake3

from sds_desktop.core.checksum import CHUNK_SIZE, blake3_file


@pytest.mark.parametrize(
    "size", [1, CHUNK_SIZE - 1, CHUNK_SIZE + 1, 4 * CHUNK_SIZE + CHUNK_SIZE // 3]
)
def test_file_digest_matches_blake3_of_the_bytes(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    seen: list[int] = []
    assert blake3_file(path, progress=seen.append) == blake3(data).hexdigest()
    assert sum(seen) == size
