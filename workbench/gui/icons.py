"""Icons: our own line-art SVGs in resources/icons/, tinted to the palette's text colour."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

ICON_DIR = Path(__file__).resolve().parents[2] / "resources" / "icons"
_SIZES = (16, 20, 24, 32, 48)


def _text_colour(disabled: bool = False) -> str:
    palette = QApplication.palette()
    group = QPalette.ColorGroup.Disabled if disabled else QPalette.ColorGroup.Active
    return palette.color(group, QPalette.ColorRole.WindowText).name()


def _render(svg: str, size: int, colour: str) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(svg.replace("currentColor", colour).encode("utf-8")))
    ratio = QApplication.instance().devicePixelRatio() if QApplication.instance() else 1.0  # type: ignore[attr-defined]
    pix = QPixmap(int(size * ratio), int(size * ratio))
    pix.setDevicePixelRatio(ratio)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pix


@lru_cache(maxsize=256)
def _icon(name: str, colour: str, disabled_colour: str) -> QIcon:
    path = ICON_DIR / f"{name}.svg"
    if not path.is_file():
        return QIcon()  # an installed copy without resources/ still works, without pictures
    svg = path.read_text(encoding="utf-8")
    icon = QIcon()
    for size in _SIZES:
        icon.addPixmap(_render(svg, size, colour), QIcon.Mode.Normal)
        icon.addPixmap(_render(svg, size, disabled_colour), QIcon.Mode.Disabled)
    return icon


def icon(name: str) -> QIcon:
    """The named icon in the current palette's colours (empty icon when the file is missing)."""
    if not name:
        return QIcon()
    return _icon(name, _text_colour(), _text_colour(disabled=True))


def clear_cache() -> None:
    """Forget tinted icons (after the palette changed)."""
    _icon.cache_clear()
