"""Fonts shipped inside the frozen application (a CJK font on Linux), registered with Qt at start-up."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QFontDatabase

FONT_SUFFIXES = (".ttf", ".otf", ".ttc")


def bundled_font_dir() -> Path | None:
    """``<app dir>/fonts`` of a PyInstaller build (its data folder is sys._MEIPASS); None from source."""
    base = getattr(sys, "_MEIPASS", None)
    if not getattr(sys, "frozen", False) or base is None:
        return None
    return Path(base) / "fonts"


def register_bundled_fonts(folder: Path | None = None) -> list[str]:
    """Add the font files of ``folder`` (default: the bundled ones) to Qt; returns their families.

    Needs a QGuiApplication. A file Qt cannot read is skipped: the window then falls back to the
    system's fonts, as it does when running from source.
    """
    folder = folder if folder is not None else bundled_font_dir()
    if folder is None or not folder.is_dir():
        return []
    families: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in FONT_SUFFIXES:
            continue
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0:
            families += [f for f in QFontDatabase.applicationFontFamilies(font_id) if f not in families]
    return families
