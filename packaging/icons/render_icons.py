"""Render the app icon SVG to PNG sizes (and .ico on any OS) with Qt's SVG renderer."""

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

svg, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
app = QGuiApplication([])
renderer = QSvgRenderer(str(svg))
for size in (16, 32, 48, 64, 128, 256, 512):
    img = QImage(size, size, QImage.Format_ARGB32)
    img.fill(Qt.transparent)
    p = QPainter(img)
    renderer.render(p)
    p.end()
    img.save(str(out / f"{svg.stem}-{size}.png"))
    if size == 256:
        img.save(str(out / f"{svg.stem}.ico"))
print(f"icons written to {out}")
