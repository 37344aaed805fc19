"""Start the window: `workbench gui [DIR]` and `python -m workbench.gui`."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from workbench.gui.fonts import register_bundled_fonts
from workbench.gui.i18n import install_language
from workbench.gui.settings import APPLICATION, ORGANIZATION
from workbench.gui.theme import apply_theme


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), named and themed."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("Defect Workbench")
    apply_theme(app)
    register_bundled_fonts()  # before the language: Chinese needs a CJK font on bare Linux
    install_language()
    return app


def run(folder: str | None = None) -> int:
    """Open the window (on ``folder`` when it is a project) and run until it closes."""
    app = make_app()
    from workbench.gui.main_window import MainWindow

    window = MainWindow()
    if folder:
        window.open_project(Path(folder))
    else:
        window.show_start()
    window.show()
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(run(sys.argv[1] if len(sys.argv) > 1 else None))
