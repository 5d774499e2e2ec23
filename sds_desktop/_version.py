"""The application's version, from the package metadata (single source: pyproject.toml).

Run from a checkout or an installed wheel, ``importlib.metadata`` answers. The frozen
builds bundle the ``sds_desktop-*.dist-info`` metadata (pyinstaller.spec), so the same
lookup works there; if it ever does not, the version falls back to reading
``pyproject.toml`` next to the package (source tree) and finally to ``0+unknown``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

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


@cache
def get_version() -> str:
    """Return the version string, e.g. ``0.1.0`` (looked up once, when first asked:
    ``importlib.metadata`` costs tens of milliseconds that start-up need not pay)."""
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version(DIST_NAME)
    except PackageNotFoundError:
        return _from_pyproject() or "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        return get_version()
    raise AttributeError(name)
