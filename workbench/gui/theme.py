"""Look and feel: Fusion style with a light or dark palette that follows the system."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from workbench.gui import icons

ACCENT = "#2F6FEB"
# Spacing and shapes only; colours come from the palette so both themes stay readable.
_STYLE = """
QToolBar { spacing: 4px; padding: 3px; border: none; }
QToolButton { padding: 4px; border-radius: 4px; }
QToolButton:checked { background: palette(highlight); color: palette(highlighted-text); }
QPushButton { padding: 5px 14px; border-radius: 4px; }
QLineEdit, QComboBox, QSpinBox, QDoubleSpinBox { padding: 3px 6px; }
QGroupBox { font-weight: 600; margin-top: 14px; padding-top: 6px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; }
QListWidget#navigation { border: none; padding-top: 8px; font-size: 10pt; }
QListWidget#navigation::item { padding: 10px 6px; margin: 2px 6px; border-radius: 6px; }
QListWidget#navigation::item:selected { background: palette(highlight); color: palette(highlighted-text); }
QLabel#pageTitle { font-size: 17pt; font-weight: 600; }
QLabel#sectionTitle { font-size: 11pt; font-weight: 600; }
QLabel#muted { color: palette(placeholder-text); }
QFrame#card { border: 1px solid palette(mid); border-radius: 8px; background: palette(base); }
QStatusBar QLabel { padding: 0 8px; }
"""


def _dark_palette() -> QPalette:
    p = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#202225",
        QPalette.ColorRole.WindowText: "#E6E6E6",
        QPalette.ColorRole.Base: "#17181A",
        QPalette.ColorRole.AlternateBase: "#25272B",
        QPalette.ColorRole.ToolTipBase: "#2B2D31",
        QPalette.ColorRole.ToolTipText: "#E6E6E6",
        QPalette.ColorRole.Text: "#E6E6E6",
        QPalette.ColorRole.Button: "#2B2D31",
        QPalette.ColorRole.ButtonText: "#E6E6E6",
        QPalette.ColorRole.BrightText: "#FF6B6B",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#FFFFFF",
        QPalette.ColorRole.Link: "#6EA8FE",
        QPalette.ColorRole.PlaceholderText: "#9A9DA3",
        QPalette.ColorRole.Mid: "#3A3D42",
        QPalette.ColorRole.Midlight: "#34373C",
        QPalette.ColorRole.Dark: "#141516",
        QPalette.ColorRole.Light: "#3F4247",
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6B6E74"))
    return p


def _light_palette() -> QPalette:
    p = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#F4F5F7",
        QPalette.ColorRole.WindowText: "#1F2328",
        QPalette.ColorRole.Base: "#FFFFFF",
        QPalette.ColorRole.AlternateBase: "#F6F8FA",
        QPalette.ColorRole.ToolTipBase: "#FFFFFF",
        QPalette.ColorRole.ToolTipText: "#1F2328",
        QPalette.ColorRole.Text: "#1F2328",
        QPalette.ColorRole.Button: "#FFFFFF",
        QPalette.ColorRole.ButtonText: "#1F2328",
        QPalette.ColorRole.BrightText: "#CF222E",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#FFFFFF",
        QPalette.ColorRole.Link: "#0969DA",
        QPalette.ColorRole.PlaceholderText: "#6E7781",
        QPalette.ColorRole.Mid: "#D0D7DE",
        QPalette.ColorRole.Midlight: "#E6E9ED",
        QPalette.ColorRole.Dark: "#8C959F",
        QPalette.ColorRole.Light: "#FFFFFF",
        QPalette.ColorRole.Shadow: "#8C959F",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#A0A7AF"))
    return p


def system_prefers_dark(app: QApplication) -> bool:
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, mode: str | None = None) -> str:
    """Apply ``'light'``, ``'dark'`` or (None) the system's choice / $WORKBENCH_THEME; returns it."""
    mode = mode or os.environ.get("WORKBENCH_THEME") or ("dark" if system_prefers_dark(app) else "light")
    app.setStyle("Fusion")
    app.setPalette(_dark_palette() if mode == "dark" else _light_palette())
    app.setStyleSheet(_STYLE)
    icons.clear_cache()
    return mode
