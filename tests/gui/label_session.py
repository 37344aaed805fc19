"""A labelling session in its own process, for the kill -9 test (run by test_stroke_recovery.py).

    python label_session.py PROJECT SETTINGS_DIR EXPECTED.npy SAMPLE_NAME

Opens the project in the main window (offscreen), labels SAMPLE_NAME on the Label page with the
mouse the way a person does (two brush strokes of two classes, an eraser stroke, a polygon),
writes the label map it shows to EXPECTED.npy, prints ``ready`` and then waits to be killed.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

LEFT = Qt.MouseButton.LeftButton


def main(project_dir: str, settings_dir: str, expected: str, sample_name: str) -> None:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    app = QApplication([])
    from workbench.gui.main_window import MainWindow

    win = MainWindow()
    win.resize(1200, 800)
    win.show()
    assert win.open_project(project_dir)
    model = win.data_page.model
    sid = next(s.id for s in model.all_samples() if s.name == sample_name)
    win.data_page.open_in_label.emit(model.visible_ids(), sid)
    page = win.label_page
    vp = page.canvas.viewport()

    def at(x: float, y: float) -> QPoint:
        return page.canvas.mapFromScene(QPointF(x, y))

    def stroke(tool: str, class_index: int, y: int, x0: int, x1: int) -> None:
        page.set_tool(tool)
        page.select_class_index(class_index)
        QTest.mousePress(vp, LEFT, Qt.KeyboardModifier.NoModifier, at(x0, y))
        for x in range(x0, x1 + 1, 5):
            QTest.mouseMove(vp, at(x, y))
        QTest.mouseRelease(vp, LEFT, Qt.KeyboardModifier.NoModifier, at(x1, y))

    stroke("brush", 0, 30, 20, 140)
    stroke("brush", 1, 70, 20, 140)
    stroke("eraser", 0, 30, 60, 90)
    page.set_tool("polygon")
    for x, y in ((10, 90), (50, 90), (50, 110), (10, 110)):
        QTest.mouseClick(vp, LEFT, Qt.KeyboardModifier.NoModifier, at(x, y))
    page.canvas.setFocus()
    QTest.keyClick(vp, Qt.Key.Key_Return)
    assert page.canvas.editor is not None
    np.save(expected, page.canvas.editor.mask)
    print("ready", flush=True)
    while True:  # a person looking at the result; the test kills the process now
        app.processEvents()
        time.sleep(0.02)


if __name__ == "__main__":
    main(*sys.argv[1:5])
