"""Icons, the .desktop file and the AppStream metadata are present and valid."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[2]
ICONS = ROOT / "resources" / "icons"
LINUX = ROOT / "packaging" / "linux"
APP_ID = "edu.nd.crc.sdsdesktop"
SIZES = (16, 32, 48, 64, 128, 256)


def test_svg_icon_is_valid() -> None:
    for svg in (ICONS / "sds-desktop.svg", ICONS / "sds-desktop-16.svg"):
        renderer = QSvgRenderer(str(svg))
        assert renderer.isValid(), svg
    scalable = ICONS / "hicolor" / "scalable" / "apps" / "sds-desktop.svg"
    assert scalable.read_bytes() == (ICONS / "sds-desktop.svg").read_bytes()


@pytest.mark.parametrize("size", SIZES)
def test_png_icon_sizes(size: int) -> None:
    png = ICONS / "hicolor" / f"{size}x{size}" / "apps" / "sds-desktop.png"
    image = QImage(str(png))
    assert not image.isNull(), png
    assert (image.width(), image.height()) == (size, size)
    assert image.hasAlphaChannel()
    # something is drawn, and the corners stay transparent
    assert image.pixelColor(size // 2, size * 3 // 4).alpha() > 200
    assert image.pixelColor(0, 0).alpha() == 0


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(LINUX / f"{APP_ID}.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_fields() -> None:
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "SDS Desktop"
    assert entry["Exec"].split()[0] == "sds-desktop"
    assert entry["Icon"] == "sds-desktop"
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="desktop-file-utils")
def test_desktop_file_validates() -> None:
    result = subprocess.run(
        ["desktop-file-validate", str(LINUX / f"{APP_ID}.desktop")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower()


def _metainfo_text() -> str:
    return (
        (LINUX / f"{APP_ID}.metainfo.xml")
        .read_text(encoding="utf-8")
        .replace("@VERSION@", "0.1.0")
        .replace("@DATE@", "2025-01-01")
    )


def test_metainfo_fields() -> None:
    root = ET.fromstring(_metainfo_text())  # noqa: S314 - our own file
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("name") == "SDS Desktop"
    assert root.findtext("project_license") == "MIT"
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    assert root.findtext("icon") == "sds-desktop"
    assert root.find("releases/release") is not None


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="appstream not installed")
def test_metainfo_validates(tmp_path: Path) -> None:
    target = tmp_path / f"{APP_ID}.metainfo.xml"
    target.write_text(_metainfo_text(), encoding="utf-8")
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
