"""Undo what opencv-python does to the Qt environment before our QApplication starts.

The opencv-python wheel bundles a Qt 5 for its own windows and, when imported, points
QT_QPA_PLATFORM_PLUGIN_PATH and QT_QPA_FONTDIR at it. PySide6 (Qt 6) then tries to load those
Qt 5 plugins and fails on a real X11 desktop ("Could not load the Qt platform plugin xcb").
"""

from __future__ import annotations

import os
from pathlib import Path

_KEYS = ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR")


def drop_opencv_qt_paths() -> list[str]:
    """Import cv2 now (its side effect happens once) and remove the paths it set; returns keys removed."""
    import cv2

    cv2_dir = Path(cv2.__file__).resolve().parent
    removed = []
    for key in _KEYS:
        value = os.environ.get(key)
        if value and Path(value).resolve().is_relative_to(cv2_dir):
            del os.environ[key]
            removed.append(key)
    return removed
