"""One pass over the folder: every directory's files (with sizes) and sub-folders.

``os.scandir`` only (one ``stat`` per file, which scandir answers from the directory read
on Windows), symlinked folders not followed (no loops, no escape), unreadable folders
skipped. Classification into recordings happens on this in-memory tree.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

DRF_PROPERTIES = "drf_properties.h5"
DMD_PROPERTIES = "dmd_properties.h5"
TMP_PREFIX = "tmp."
# Digital RF sub-directories: one per subdir cadence, named by their UTC start time
DRF_SUBDIR_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}$")
DRF_DATA_RE = re.compile(r"^rf@\d+\.\d{3}\.h5$")


@dataclass
class Folder:
    path: Path
    files: dict[str, int] = field(default_factory=dict)  # name -> size in bytes
    subdirs: list[str] = field(default_factory=list)


@dataclass
class Tree:
    """Folders by path, as found under ``top``."""

    top: Path
    folders: dict[Path, Folder] = field(default_factory=dict)

    def under(self, path: Path) -> list[Folder]:
        """``path``'s folder and every folder below it (in walk order)."""
        out = []
        stack = [path]
        while stack:
            current = self.folders.get(stack.pop())
            if current is None:
                continue
            out.append(current)
            stack.extend(current.path / name for name in reversed(current.subdirs))
        return out


def walk(top: Path) -> Tree:
    """Read the folder tree under ``top`` (a folder)."""
    tree = Tree(top)
    stack = [top]
    while stack:
        path = stack.pop()
        folder = Folder(path)
        try:
            with os.scandir(path) as it:
                entries = list(it)
        except OSError as exc:
            log.info("cannot read %s: %s", path, exc)
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    folder.subdirs.append(entry.name)
                elif entry.is_file():
                    folder.files[entry.name] = entry.stat().st_size
            except OSError as exc:  # vanished or unreadable meanwhile
                log.info("cannot stat %s: %s", entry.path, exc)
        folder.subdirs.sort()
        tree.folders[path] = folder
        stack.extend(path / name for name in reversed(folder.subdirs))
    return tree


def is_tmp(name: str) -> bool:
    """Digital RF (and other recorders') files still being written."""
    return name.startswith(TMP_PREFIX)


def has_drf_data(tree: Tree, folder: Folder) -> bool:
    """Whether ``folder`` looks like a Digital RF channel: time-named sub-folders of rf@ files."""
    for name in folder.subdirs:
        if DRF_SUBDIR_RE.match(name):
            sub = tree.folders.get(folder.path / name)
            if sub is not None and any(DRF_DATA_RE.match(f) for f in sub.files):
                return True
    return False
