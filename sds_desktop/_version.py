"""The application's version, from the package metadata (single source: pyproject.toml).

Run from a checkout or an installed wheel, ``importlib.metadata`` answers. The frozen
builds bundle the ``sds_desktop-*.dist-info`` metadata (pyinstaller.spec), so the same
lookup works there; if it ever does not, the version falls back to reading
``pyproject.toml`` next to the package (source tree) and finally to ``0+unknown``.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

DIST_NAME = "sds-desktop"
APP_NAME = "SDS Desktop"
APP_ID = "edu.nd.crc.sdsdesktop"

_PYPROJECT_VERSION = re.compile(r'^version\s*=\s*"([^"]+)"', re.MULTILINE)


def _from_pyproject() -> str | None:
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return None
    match = _PYPROJECT_VERSION.search(text)
    return match.group(1) if match else None


def get_version() -> str:
    """Return the version string, e.g. ``0.1.0``."""
    try:
        return version(DIST_NAME)
    except PackageNotFoundError:
        return _from_pyproject() or "0+unknown"


__version__ = get_version()
