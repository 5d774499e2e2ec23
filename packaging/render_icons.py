"""Render resources/icons/sds-desktop.svg to the PNG sizes the packages need.

Run from the repository root:  ``uv run python packaging/render_icons.py``
The PNGs are committed (resources/icons/hicolor/<size>x<size>/apps/sds-desktop.png, plus
the SVG copied to hicolor/scalable), so builds do not need to re-render them. Windows
and macOS icons (.ico / .icns) are produced from the same PNGs by build.py when needed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
SVG = ICONS / "sds-desktop.svg"
# Hand-hinted variants for sizes where the full drawing would blur (one unit = one pixel).
HINTED = {16: ICONS / "sds-desktop-16.svg"}
SIZES = (16, 32, 48, 64, 128, 256)


def render(svg: Path, size: int) -> QImage:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"invalid SVG: {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for size in SIZES:
        image = render(HINTED.get(size, SVG), size)
        hicolor = ICONS / "hicolor" / f"{size}x{size}" / "apps" / "sds-desktop.png"
        hicolor.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(hicolor), "PNG"):
            raise SystemExit(f"could not write {hicolor}")
        print(f"wrote {size}x{size}")
    scalable = ICONS / "hicolor" / "scalable" / "apps" / "sds-desktop.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    scalable.write_bytes(SVG.read_bytes())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
