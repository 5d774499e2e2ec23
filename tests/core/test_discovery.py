from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest

from sds_desktop.core.discovery import default_ignore_patterns, discover, parse_ignore_text
from sds_desktop.core.errors import FileError


def write(path: Path, data: bytes = b"data") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_default_list_has_sdk_patterns() -> None:
    patterns = default_ignore_patterns()
    for p in ["*.*secret", "*.env", "*.tmp", "*.tmp.*", "tmp.*", "*.log", "*.py[cod]", ".env"]:
        assert p in patterns


def test_parse_ignore_text() -> None:
    text = "# comment\n\n  *.bak  \nfoo # trailing comment\n"
    assert parse_ignore_text(text) == ["*.bak", "foo"]


def test_discovery_rules(tmp_path: Path) -> None:
    root = tmp_path / "up"
    write(root / "keep.h5")
    write(root / "sub" / "deep" / "keep2.bin")
    write(root / "sub" / "tmp.rf@123.h5")
    write(root / "notes.log")
    write(root / "my.env")
    write(root / "api.secret")
    write(root / "x.tmp")
    write(root / "mod.pyc")
    write(root / "setup.exe")
    write(root / "empty.dat", b"")
    write(root / "custom.skipme")
    write(root / ".sds-ignore", b"*.skipme\n")
    res = discover(root)
    got = {(str(f.rel_dir), f.path.name) for f in res.files}
    assert got == {(".", "keep.h5"), ("sub/deep", "keep2.bin")}
    reasons = {p.name: r for p, r in res.skipped}
    assert set(reasons) == {
        "tmp.rf@123.h5",
        "notes.log",
        "my.env",
        "api.secret",
        "x.tmp",
        "mod.pyc",
        "setup.exe",
        "empty.dat",
        "custom.skipme",
        ".sds-ignore",
    }
    assert reasons["empty.dat"] == "empty file"
    assert reasons["setup.exe"] == "executable file"
    assert "*.skipme" in reasons["custom.skipme"]
    assert res.total_bytes == 8
    assert next(f for f in res.files if f.path.name == "keep2.bin").rel_dir == PurePosixPath(
        "sub/deep"
    )


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_symlinks(tmp_path: Path) -> None:
    outside = write(tmp_path / "secret.txt")
    root = tmp_path / "up"
    inside = write(root / "real.txt")
    (root / "link_in.txt").symlink_to(inside)
    (root / "link_out.txt").symlink_to(outside)
    (root / "dirlink").symlink_to(tmp_path, target_is_directory=True)
    res = discover(root)
    names = sorted(f.path.name for f in res.files)
    assert names == ["link_in.txt", "real.txt"]
    reasons = {p.name: r for p, r in res.skipped}
    assert "outside" in reasons["link_out.txt"]
    assert "symlinked folder" in reasons["dirlink"]


@pytest.mark.skipif(os.name != "posix", reason="backslash is a separator on Windows")
def test_names_the_sds_cannot_store(tmp_path: Path) -> None:
    root = tmp_path / "up"
    write(root / "back\\slash.txt")
    write(root / "ok.txt")
    res = discover(root)
    assert [f.path.name for f in res.files] == ["ok.txt"]


def test_single_file(tmp_path: Path) -> None:
    f = write(tmp_path / "one.bin")
    res = discover(f)
    assert [(x.path, x.rel_dir, x.size) for x in res.files] == [(f, PurePosixPath(), 4)]
    empty = write(tmp_path / "e.bin", b"")
    assert discover(empty).files == []
    with pytest.raises(FileError):
        discover(tmp_path / "missing")


def test_compiled_rules_decide_exactly_as_pathlib_match() -> None:
    from pathlib import PurePosixPath

    from sds_desktop.core.discovery import _rules, default_ignore_patterns

    patterns = (*default_ignore_patterns(), "data/*.tmp", "/abs/only.txt", "deep/er/x?.bin")
    names = [
        "a.log",
        "A.LOG",
        "x.py",
        "x.pyc",
        "tmp.rf@1.h5",
        "rf@1.h5",
        "keys.env",
        ".env",
        "db.sqlite3",
        "my.secret",
        "a.tmp",
        "a.tmp.1",
        "notes.txt",
        ".DS_Store",
        "build",
        "x1.bin",
        "only.txt",
        "file.h5.tmp",
        "tmpfile",
        "__pycache__",
        "z.spec",
    ]
    dirs = ["", "data", "deep/er", "abs", "nested/data", "x/deep/er", "/abs", "/data"]
    rules = _rules(patterns)
    for d in dirs:
        for name in names:
            rel = PurePosixPath(d) / name if d else PurePosixPath(name)
            expected = any(rel.match(p) for p in patterns)
            assert (rules.first_match(rel) is not None) == expected, rel
    assert rules.first_match(PurePosixPath("/abs/only.txt")) == "/abs/only.txt"
    assert rules.first_match(PurePosixPath("abs/only.txt")) is None  # absolute: whole path
