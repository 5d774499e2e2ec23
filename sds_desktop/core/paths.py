"""SDS paths: validation, normalisation, and safe mapping onto the local disk.

An SDS path is a POSIX path relative to the user's root (``/`` is the root). Directories
are virtual. The gateway's list/retrieve responses use the absolute form
``/files/<owner email>/a/b``; this module converts that at the boundary. Anything a
server sends is treated as hostile until checked: a download never lands outside the
folder the user chose.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from sds_desktop.core.errors import FileError, PathError

_FILES_PREFIX = "/files/"
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)


def _check_component(part: str, *, what: str, original: str) -> None:
    if part in {"", ".", ".."}:
        raise PathError(f"invalid {what} {original!r}: component {part!r} is not allowed")
    if any(ord(c) < 32 or c == "\x7f" for c in part):
        raise PathError(f"invalid {what} {original!r}: control characters are not allowed")
    if "\\" in part or "/" in part:
        raise PathError(f"invalid {what} {original!r}: separators inside a name")


def normalize_sds_path(path: str | PurePosixPath) -> str:
    """Return the canonical user-relative form ``/a/b`` (root is ``/``).

    Repeated slashes and ``.`` components are collapsed as the gateway does; ``..``,
    NUL and other control characters are refused before anything is sent (the real
    gateway answers such input with a 500 page).
    """
    text = str(path)
    if "\x00" in text:
        raise PathError(f"invalid SDS path {text!r}: NUL character")
    parts = [p for p in text.split("/") if p not in {"", "."}]
    for part in parts:
        _check_component(part, what="SDS path", original=text)
    return "/" + "/".join(parts)


def join_sds(base: str | PurePosixPath, *parts: str) -> str:
    """Join SDS path pieces and normalise the result."""
    return normalize_sds_path("/".join([str(base), *parts]))


def sds_parent_and_name(path: str) -> tuple[str, str]:
    """Split ``/a/b/c.bin`` into (``/a/b``, ``c.bin``)."""
    norm = normalize_sds_path(path)
    if norm == "/":
        raise PathError("the SDS root has no file name")
    parent, _, name = norm.rpartition("/")
    return (parent or "/", name)


def split_owner_prefix(directory: str) -> tuple[str | None, str]:
    """Split a server ``directory`` into (owner email or None, user-relative path).

    ``/files/alice@x.org/a/b`` → (``alice@x.org``, ``/a/b``); ``/a/b`` → (None, ``/a/b``).
    """
    if directory.startswith(_FILES_PREFIX):
        rest = directory[len(_FILES_PREFIX) :]
        owner, _, tail = rest.partition("/")
        if owner and "@" in owner:
            return owner, normalize_sds_path("/" + tail)
    return None, normalize_sds_path(directory)


def validate_file_name(name: str) -> str:
    """Return ``name`` if it is a single safe file-name component, else raise PathError."""
    if not isinstance(name, str):
        raise PathError(f"invalid file name {name!r}")
    _check_component(name, what="file name", original=name)
    if _DRIVE_RE.match(name):
        raise PathError(f"invalid file name {name!r}: drive letters are not allowed")
    return name


def safe_local_path(root: Path, sds_directory: str, name: str) -> Path:
    """Map a remote file onto ``root`` and prove the result stays inside ``root``.

    ``sds_directory`` is user-relative (already stripped of ``/files/<email>``). Every
    component is checked: no ``..``, no NUL or control characters, no backslashes, no
    drive letters, no Windows device names; the resolved result must lie under the
    resolved ``root``.
    """
    if "\x00" in sds_directory:
        raise PathError(f"refusing remote directory {sds_directory!r}: NUL character")
    parts = [p for p in sds_directory.split("/") if p not in {""}]
    for part in [*parts, name]:
        _check_component(part, what="remote path", original=f"{sds_directory}/{name}")
        if _DRIVE_RE.match(part):
            raise PathError(f"refusing remote path {sds_directory}/{name!r}: drive letter")
        if part.split(".")[0].upper() in _WINDOWS_RESERVED:
            raise PathError(f"refusing remote path {sds_directory}/{name!r}: reserved name")
    root_resolved = root.resolve()
    candidate = root_resolved.joinpath(*parts, name)
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root_resolved):
        raise PathError(f"refusing remote path {sds_directory}/{name!r}: escapes {root}")
    return candidate


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed and make it private to the user (0700)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(path, 0o700)  # noqa: PTH101 - no follow needed: a directory we own
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` if missing as a private file (0600), never through a symlink;
    an existing file is made private. ``FileError`` when ``path`` is a symlink."""
    path = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        raise FileError(f"cannot create {path} privately: {exc.strerror or exc}") from exc
    try:
        if os.name == "posix":
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return path
