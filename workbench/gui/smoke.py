"""`workbench gui --smoke-test`: open the window offscreen, let it settle, report what loaded, exit.

Meant for an installed or frozen application: it proves Qt's plugins, the window's modules, the
icons and fonts are all present without a person looking at the screen.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SETTLE_MS = 1500  # long enough for the first paint and the queued start-up work of the pages


def smoke_test(folder: str | None = None) -> int:
    """0 when the window opened (on ``folder`` if given) and the icons are present, else 1."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QFontDatabase, QGuiApplication

    from workbench.gui.app import make_app
    from workbench.gui.fonts import register_bundled_fonts
    from workbench.gui.i18n import CJK_FONTS
    from workbench.gui.icons import ICON_DIR
    from workbench.gui.main_window import MainWindow

    app = make_app()
    bundled = register_bundled_fonts()
    window = MainWindow()
    opened = window.open_project(Path(folder)) if folder else True
    if not folder:
        window.show_start()
    window.show()
    QTimer.singleShot(SETTLE_MS, app.quit)
    app.exec()
    cjk = [f for f in CJK_FONTS if f in QFontDatabase.families()]
    icons = len(list(ICON_DIR.glob("*.svg"))) if ICON_DIR.is_dir() else 0
    print(f"platform: {QGuiApplication.platformName()}")
    print(f"window: {window.windowTitle()!r}, project opened: {bool(opened)}")
    print(f"icons: {icons} in {ICON_DIR}")
    print(f"bundled fonts: {', '.join(bundled) or 'none'}; CJK fonts available: {', '.join(cjk) or 'none'}")
    window.close()
    ok = bool(opened) and icons > 0
    print("smoke test " + ("passed" if ok else "FAILED"), file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1
