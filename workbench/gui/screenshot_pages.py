"""Screenshots of the Train, Evaluate and Export pages (used by ``workbench.gui.screenshots``).

They show what the project holds: the newest completed run's curves, the newest evaluation with
its galleries, and the bundles; a project without runs gives the pages in their empty state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt

from workbench.gui.train_widgets import short_name

Wait = Callable[[int], None]


def _wait_until(condition: Callable[[], bool], wait: Wait, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            return False
        wait(100)
    return True


def _select_newest_run(win: Any) -> None:
    table = win.train_page.runs_table
    for row in range(table.rowCount()):
        if table.item(row, 3).text() == short_name("completed"):
            table.selectRow(row)
            return


def _show_newest_evaluation(win: Any, wait: Wait) -> None:
    evaluations = win.project.evaluations()
    if not evaluations:
        return
    page = win.evaluate_page
    page.load_evaluation(evaluations[0]["id"])
    _wait_until(lambda: page.session is not None and page.idle, wait, 120)
    kinds = list(page.galleries)  # in tab order
    shown = next((i for i, k in enumerate(kinds) if page.galleries[k].count()), 0)
    if page.has_stage and page.galleries["vetoed"].count():
        shown = kinds.index("vetoed")  # a two-stage run: what its classifier vetoed
    page.tabs.setCurrentIndex(shown)
    gallery = page.galleries[kinds[shown]]
    _wait_until(lambda: all(not gallery.item(i).icon().isNull() for i in range(gallery.count())), wait, 60)
    if gallery.count():  # its first image's regions in the region panel
        page.pick_sample(kinds[shown], gallery.ids()[0])
        _wait_until(lambda: page.regions.view.pixmap is not None and page.idle, wait, 60)


def shoot_job_pages(shooter: Any, wait: Wait) -> None:
    """Save ``train``, ``evaluate``, ``export`` and ``export-wizard`` of the shooter's window."""
    win = shooter.win
    win.show_page("train")
    _select_newest_run(win)
    shooter.save("train")
    win.show_page("evaluate")
    _show_newest_evaluation(win, wait)
    shooter.save("evaluate")
    win.show_page("export")
    shooter.save("export")
    wizard = win.export_page.open_wizard()
    if wizard is None:
        return
    wizard.setWindowModality(Qt.WindowModality.NonModal)
    wizard.next()  # formats and precisions: the page with the most to explain
    wait(300)
    path = shooter.outdir / "export-wizard.png"
    wizard.grab().save(str(path))
    shooter.saved.append(path)
    wizard.reject()
