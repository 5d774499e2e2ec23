"""Download temp files that outlive a restart: found again by their target, orphans swept."""

from __future__ import annotations

import os
from pathlib import Path

from sds_desktop.core.download import (
    find_partial,
    leftover_partials,
    partial_prefix,
    sweep_partials,
)


def test_a_temp_file_is_found_by_its_target_and_kept_by_the_sweep(tmp_path: Path) -> None:
    target = tmp_path / ("x" * 250 + ".bin")  # a name near the limit still fits
    prefix = partial_prefix(target)
    assert len(prefix) < 30
    older = tmp_path / f"{prefix}aaaa.partial"
    newer = tmp_path / f"{prefix}bbbb.partial"
    older.write_bytes(b"old")
    newer.write_bytes(b"new")
    os.utime(older, ns=(1, 1))
    orphan = tmp_path / ".sds-abc.partial"  # an old-style name: nobody's
    orphan.write_bytes(b"?")
    other = tmp_path / f"{partial_prefix(tmp_path / 'other.bin')}cccc.partial"
    other.write_bytes(b"other")
    assert find_partial(target) == newer
    assert find_partial(tmp_path / "missing.bin") is None
    assert set(leftover_partials(tmp_path).values()) == {newer, other}
    removed = sweep_partials([tmp_path], keep=[newer])
    assert sorted(removed) == sorted([older, orphan, other])
    assert [p.name for p in tmp_path.iterdir()] == [newer.name]


def test_targets_differing_only_in_name_get_different_prefixes(tmp_path: Path) -> None:
    assert partial_prefix(tmp_path / "a.bin") != partial_prefix(tmp_path / "b.bin")
    assert partial_prefix(tmp_path / "a.bin") == partial_prefix(tmp_path / "sub" / "a.bin")
