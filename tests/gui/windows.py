"""The main window opened on a project, and on one sample's Label page, for the GUI tests."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF

from workbench.gui.main_window import MainWindow


def open_window(qtbot, root: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    """A shown 1200x800 main window holding the project at ``root``."""
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    assert win.open_project(root)
    return win


def shown_sample_names(win: MainWindow) -> list[str]:
    """The names of the samples the Data page's table shows, top to bottom."""
    model = win.data_page.model
    return [model.sample_at(r).name for r in range(model.rowCount())]


def open_in_label(win: MainWindow, name: str) -> int:
    """Open the sample called ``name`` on the Label page, as the Data page does; its id."""
    sid = next(s.id for s in win.data_page.model.all_samples() if s.name == name)
    win.data_page.open_in_label.emit(win.data_page.model.visible_ids(), sid)
    return sid


def window_on_label(qtbot, root: Path, name: str = "part_0") -> MainWindow:  # type: ignore[no-untyped-def]
    win = open_window(qtbot, root)
    open_in_label(win, name)
    return win


def viewport_point(win: MainWindow, x: float, y: float) -> QPoint:
    """The Label canvas's viewport point showing image point (x, y)."""
    return win.label_page.canvas.mapFromScene(QPointF(x, y))
