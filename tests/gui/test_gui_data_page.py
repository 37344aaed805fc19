"""The dataset manager: filters, sorting, bulk edits, import, classes and splits change the project."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.gui.windows import open_window, shown_sample_names
from workbench.core.project import Project
from workbench.gui.dialogs.class_dialog import ClassDialog
from workbench.gui.dialogs.import_dialog import ImportDialog
from workbench.gui.dialogs.split_dialog import SplitDialog
from workbench.gui.main_window import MainWindow
from workbench.gui.sample_query import COLUMNS

pytestmark = pytest.mark.gui


@pytest.fixture
def win(qtbot, project_dir: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    return open_window(qtbot, project_dir)


def test_filters_by_label_class_split_tag_and_text(win: MainWindow) -> None:
    page = win.data_page
    assert page.model.rowCount() == 6
    page.label_filter.setCurrentIndex(page.label_filter.findData("ng"))
    assert shown_sample_names(win) == ["part_1", "part_4"]
    page.class_filter.setCurrentIndex(page.class_filter.findData(2))  # spot: only part_1 has it
    assert shown_sample_names(win) == ["part_1"]
    page.class_filter.setCurrentIndex(0)
    page.label_filter.setCurrentIndex(0)
    page.split_filter.setCurrentIndex(page.split_filter.findData("test"))
    assert shown_sample_names(win) == ["part_2", "part_5"]
    page.tag_filter.setCurrentIndex(page.tag_filter.findData("line3"))
    assert shown_sample_names(win) == ["part_5"]
    page.split_filter.setCurrentIndex(0)
    page.tag_filter.setCurrentIndex(0)
    page.text_filter.setText("PART_3")
    assert shown_sample_names(win) == ["part_3"]
    assert "1 of 6" in page.count_label.text()


def test_sort_by_label_column(win: MainWindow) -> None:
    win.data_page.set_view("table")
    win.data_page.table.sortByColumn(COLUMNS.index("label"), Qt.SortOrder.AscendingOrder)
    labels = [win.data_page.model.sample_at(r).label for r in range(6)]
    assert labels == sorted(labels)


def test_bulk_edits_change_the_database(win: MainWindow, project_dir: Path) -> None:
    page = win.data_page
    page.label_filter.setCurrentIndex(page.label_filter.findData("unlabeled"))
    ids = page.model.visible_ids()
    page.grid.selectAll()
    assert page.selected_count() == 2 and win.actions_by_id["data.open_label"].isEnabled()
    assert page.bulk_update(split="val") == 2
    assert page.bulk_update(add_tags=["rework"]) == 2
    assert page.selected_count() == 2  # still shown, still selected
    assert page.bulk_update(label="ok") == 2
    assert page.model.rowCount() == 0  # they left the "unlabeled" filter
    win.project.close()
    win.project = None
    with Project.open(project_dir, readonly=True) as p:
        for s in p.samples(ids=ids):
            assert (s.label, s.split, "rework" in s.tags) == ("ok", "val", True)


def test_import_dialog_imports_a_folder(win: MainWindow, qtbot, tmp_path: Path, write_part) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "incoming"
    for i in range(3):
        write_part(src / "OK" / f"good_{i}.png", seed=100 + i)
    (src / "OK" / "broken.png").write_bytes(b"not an image")
    dialog = ImportDialog(win.project, win, folder=str(src))
    qtbot.addWidget(dialog)
    dialog.run()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=15000)
    assert dialog.report.imported == 3 and len(dialog.report.skipped) == 1
    assert dialog.skipped_table.rowCount() == 1 and "broken.png" in dialog.skipped_table.item(0, 0).text()
    win.data_page.reload()
    assert win.data_page.model.rowCount() == 9
    assert win.project.count_samples() == 9


def test_class_dialog_and_split_dialog(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ClassDialog(win.project, win)
    qtbot.addWidget(dialog)
    assert dialog.add_class("dent", "#123456")
    assert dialog.list.count() == 3
    assert win.project.class_by_name("dent").color == "#123456"
    win.project.update_samples([s.id for s in win.project.samples()], split=None)
    split = SplitDialog(win.project, win)
    qtbot.addWidget(split)
    with qtbot.waitSignal(split.accepted, timeout=15000):
        split.run()
    assert all(s.split is not None for s in win.project.samples())


def test_thumbnails_are_cached_in_project(win: MainWindow, qtbot, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    model = win.data_page.model
    for row in range(model.rowCount()):
        model.data(model.index(row, 0), Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(lambda: len(list((project_dir / "cache" / "thumbs").glob("*.png"))) == 6, timeout=10000)
