"""Find the local files an upload should send, and say why the others are left out.

Rules (as the SDK, plus safety):
- glob patterns of ``default.sds-ignore`` (the SDK's list) and of an optional
  ``.sds-ignore`` at the top of the uploaded folder, matched from the right against the
  path relative to that folder (``PurePath.match``; ``#`` comments; no ``**``, no ``!``);
- empty files, Windows executables (``.exe``/``.com``/``.msi``, the SDK's MIME check),
  anything that is not a regular file;
- Digital RF files still being written (``tmp.*``, in the default list);
- symlinks that resolve outside the uploaded folder, and symlinked directories (not
  followed: no loops, no escape);
- names the SDS cannot store (control characters, backslashes).
"""

from __future__ import annotations

import fnmatch
import logging
import mimetypes
import os
import re
import stat
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath

from sds_desktop.core.errors import FileError, PathError
from sds_desktop.core.paths import validate_file_name

log = logging.getLogger(__name__)

IGNORE_FILE_NAME = ".sds-ignore"
_DEFAULT_IGNORE = Path(__file__).with_name("default.sds-ignore")
_EXECUTABLE_SUFFIXES = frozenset({".exe", ".com", ".msi"})
_EXECUTABLE_MIMES = frozenset(
    {"application/x-msdownload", "application/x-msdos-program", "application/x-msi"}
)


@dataclass(frozen=True)
class LocalFile:
    """A file to upload; ``rel_dir`` is its folder relative to the uploaded folder."""

    path: Path
    rel_dir: PurePosixPath
    size: int


@dataclass
class DiscoveryResult:
    files: list[LocalFile] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


def parse_ignore_text(text: str) -> list[str]:
    """One glob per line; ``#`` starts a comment anywhere; blank lines skipped."""
    patterns = []
    for line in text.splitlines():
        pattern = line.split("#", 1)[0].strip()
        if pattern:
            patterns.append(pattern)
    return patterns


@cache
def default_ignore_patterns() -> tuple[str, ...]:
    return tuple(parse_ignore_text(_DEFAULT_IGNORE.read_text(encoding="utf-8")))


class _Rules:
    """Ignore globs compiled once, with ``PurePath.match`` semantics (the SDK's).

    A relative pattern matches the last components of the path; an absolute one only a
    whole absolute path (never the relative paths discovery produces). Components match
    by ``fnmatch``, case-sensitively. Single-component patterns (nearly all) are joined
    into one regex over the file name, so a file that matches none costs one regex search
    instead of one ``PurePath.match`` per pattern.
    """

    def __init__(self, patterns: tuple[str, ...]) -> None:
        single: list[str] = []
        self.multi: list[tuple[str, bool, list[re.Pattern[str]]]] = []
        self.single_patterns: list[tuple[str, re.Pattern[str]]] = []
        for pattern in patterns:
            parts = PurePosixPath(pattern).parts
            absolute = pattern.startswith("/")
            if absolute:
                parts = parts[1:]
            if not parts:
                continue  # PurePath.match refuses an empty pattern
            compiled = [re.compile(fnmatch.translate(part)) for part in parts]
            if len(parts) == 1 and not absolute:
                single.append(fnmatch.translate(parts[0]))
                self.single_patterns.append((pattern, compiled[0]))
            else:
                self.multi.append((pattern, absolute, compiled))
        self.any_single = re.compile("|".join(single)) if single else None

    def first_match(self, rel: PurePosixPath) -> str | None:
        parts = rel.parts
        name = parts[-1] if parts else ""
        if self.any_single is not None and self.any_single.match(name):
            return next(p for p, rx in self.single_patterns if rx.match(name))
        for pattern, absolute, compiled in self.multi:
            if absolute:  # an absolute pattern matches only a whole absolute path
                if not rel.is_absolute() or len(parts) - 1 != len(compiled):
                    continue
            elif len(parts) < len(compiled):
                continue
            tail = parts[len(parts) - len(compiled) :]
            if all(rx.match(part) for rx, part in zip(compiled, tail, strict=True)):
                return pattern
        return None


@cache
def _rules(patterns: tuple[str, ...]) -> _Rules:
    return _Rules(patterns)


def _matches(rel: PurePosixPath, patterns: tuple[str, ...]) -> str | None:
    return _rules(patterns).first_match(rel)


def is_executable_name(name: str) -> bool:
    """Windows executables, which the SDK (and the gateway) refuse."""
    if Path(name).suffix.lower() in _EXECUTABLE_SUFFIXES:
        return True
    mime, _ = mimetypes.guess_type(name)
    return mime in _EXECUTABLE_MIMES


def _check_file(
    path: Path, rel: PurePosixPath, root: Path, patterns: tuple[str, ...]
) -> tuple[int | None, str]:
    """Return (size, "") for an accepted file, or (None, reason)."""
    pattern = _matches(rel, patterns)
    if pattern is not None:
        return None, f"matches ignore pattern {pattern!r}"
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return None, "the name is not valid UTF-8 (SDS names are text): rename it"
    try:
        validate_file_name(path.name)
    except PathError as exc:
        return None, f"name not allowed on the SDS: {exc}"
    if is_executable_name(path.name):
        return None, "executable file"
    try:
        if path.is_symlink():
            target = path.resolve(strict=True)
            if not target.is_relative_to(root):
                return None, "symlink points outside the uploaded folder"
        st = path.stat()
    except (OSError, RuntimeError) as exc:
        return None, f"cannot read: {exc}"
    if not stat.S_ISREG(st.st_mode):
        return None, "not a regular file"
    if st.st_size == 0:
        return None, "empty file"
    if not os.access(path, os.R_OK):
        return None, "not readable"
    return st.st_size, ""


QUIET_SKIP_PREFIXES = ("matches ignore pattern", "empty file", "ignore rules file", "symlinked")
"""Skip reasons that are the user's intent (ignore rules, empty files): not failures."""


def is_quiet_skip(reason: str) -> bool:
    """Whether a skipped entry was left out on purpose (else it is a failed row)."""
    return reason.startswith(QUIET_SKIP_PREFIXES)


def display_path(path: Path | str) -> str:
    """``path`` as text that can be stored and shown (undecodable bytes escaped)."""
    return os.fsencode(str(path)).decode("utf-8", "backslashreplace")


def discover(local_path: Path) -> DiscoveryResult:
    """Walk ``local_path`` (a folder, recursively, or a single file)."""
    result = DiscoveryResult()
    local_path = Path(local_path)
    if not local_path.exists():
        raise FileError(f"no such file or folder: {local_path}")
    if not local_path.is_dir():
        root = local_path.parent.resolve()
        size, reason = _check_file(
            local_path, PurePosixPath(local_path.name), root, default_ignore_patterns()
        )
        if size is None:
            result.skipped.append((local_path, reason))
        else:
            result.files.append(LocalFile(local_path, PurePosixPath(), size))
        return result

    root = local_path.resolve()
    patterns = default_ignore_patterns()
    user_ignore = local_path / IGNORE_FILE_NAME
    if user_ignore.is_file():
        try:
            patterns = patterns + tuple(parse_ignore_text(user_ignore.read_text("utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("cannot read %s: %s", user_ignore, exc)

    def on_error(exc: OSError) -> None:
        result.skipped.append((Path(exc.filename or local_path), f"cannot read: {exc.strerror}"))

    for dirpath, dirnames, filenames in os.walk(local_path, onerror=on_error):
        current = Path(dirpath)
        rel_dir = PurePosixPath(*current.relative_to(local_path).parts)
        kept_dirs = []
        for name in sorted(dirnames):
            sub = current / name
            if sub.is_symlink():
                result.skipped.append((sub, "symlinked folder (not followed)"))
                continue
            try:
                validate_file_name(name)
            except PathError as exc:
                result.skipped.append((sub, f"folder name not allowed on the SDS: {exc}"))
                continue
            kept_dirs.append(name)
        dirnames[:] = kept_dirs
        for name in sorted(filenames):
            path = current / name
            if rel_dir == PurePosixPath() and name == IGNORE_FILE_NAME:
                result.skipped.append((path, "ignore rules file"))
                continue
            size, reason = _check_file(path, rel_dir / name, root, patterns)
            if size is None:
                result.skipped.append((path, reason))
            else:
                result.files.append(LocalFile(path, rel_dir, size))
    return result


__all__ = [
    "IGNORE_FILE_NAME",
    "DiscoveryResult",
    "LocalFile",
    "default_ignore_patterns",
    "discover",
    "display_path",
    "is_executable_name",
    "is_quiet_skip",
    "parse_ignore_text",
]
