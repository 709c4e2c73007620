"""Render resources/icons/app.svg to the PNG sizes the app and desktops use.

Run after editing the SVG (from the repository root):

    QT_QPA_PLATFORM=offscreen python packaging/render_icons.py

The app sets its window icon from the PNGs, not the SVG, so the bundle needs neither
QtSvg nor the SVG image plugins.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(svg: Path, size: int) -> QImage:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"error: {svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (fonts)
    svg = ICONS / "app.svg"
    for size in SIZES:
        target = ICONS / f"app-{size}.png"
        if not render(svg, size).save(str(target), "PNG"):
            raise SystemExit(f"error: {target}: could not be written")
        print(target.relative_to(ICONS.parent.parent.parent))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
