"""Dark theme (style sheet + palette) and icon lookup from t2v_desktop/resources."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtGui import QColor, QIcon, QPalette

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    path = RESOURCES / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


def apply_theme(app) -> None:
    """Fusion style + dark palette (for the bits QSS does not reach) + the style sheet."""
    app.setStyle("Fusion")
    pal = QPalette()
    for role, color in (
        (QPalette.Window, "#1f2226"), (QPalette.WindowText, "#d8dde6"), (QPalette.Base, "#15171a"),
        (QPalette.AlternateBase, "#23262b"), (QPalette.Text, "#d8dde6"), (QPalette.Button, "#353a42"),
        (QPalette.ButtonText, "#d8dde6"), (QPalette.Highlight, "#2a6df4"),
        (QPalette.HighlightedText, "#ffffff"), (QPalette.ToolTipBase, "#2a2e34"),
        (QPalette.ToolTipText, "#d8dde6"), (QPalette.PlaceholderText, "#6b717b"),
    ):
        pal.setColor(role, QColor(color))
    pal.setColor(QPalette.Disabled, QPalette.Text, QColor("#6b717b"))
    pal.setColor(QPalette.Disabled, QPalette.ButtonText, QColor("#6b717b"))
    app.setPalette(pal)
    app.setStyleSheet(style_sheet())


def style_sheet() -> str:
    """style.qss with ``@ICONS@`` made absolute: QSS ``url()`` is relative to the working directory,
    which is anything for an installed or frozen app."""
    qss = RESOURCES / "style.qss"
    if not qss.exists():
        return ""
    return qss.read_text(encoding="utf-8").replace("@ICONS@", (RESOURCES / "icons").as_posix())
