"""Main window: action registry, start page, navigation, kept state."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from workbench.cli import build_parser
from workbench.gui.actions import ACTIONS
from workbench.gui.main_window import MainWindow
from workbench.gui.settings import app_settings, recent_projects

pytestmark = pytest.mark.gui


def test_registry_ids_and_shortcuts_are_unique() -> None:
    ids = [s.id for s in ACTIONS]
    assert len(ids) == len(set(ids))
    keys = Counter(
        k for s in ACTIONS for k in ((s.shortcut,) if isinstance(s.shortcut, str) else s.shortcut) if k
    )
    assert [k for k, n in keys.items() if n > 1] == []


def test_menus_are_built_from_the_registry(qtbot) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow()
    qtbot.addWidget(win)
    in_menus = {a.objectName() for m in win.menus.values() for a in m.actions() if a.objectName()}
    assert in_menus == {s.id for s in ACTIONS if any(not m.startswith("toolbar:") for m in s.menus)}
    assert not win.actions_by_id["tool.brush"].isEnabled()  # nothing to label without a project
    assert win.actions_by_id["file.open"].isEnabled()


def test_start_page_creates_project_and_pages_navigate(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow()
    qtbot.addWidget(win)
    win.show_start()
    start = win.start_page
    start.name_edit.setText("Line 3")
    start.folder_edit.setText(str(tmp_path / "new"))
    start.task_combo.setCurrentIndex(start.task_combo.findData("anomaly"))
    start.create_button.click()
    assert win.project is not None and win.project.task == "anomaly" and win.project.name == "Line 3"
    assert (tmp_path / "new" / "project.db").is_file()
    assert recent_projects() == [str((tmp_path / "new").resolve())]
    assert win.current_page() == "data"
    for name in ("train", "evaluate", "export"):
        win.actions_by_id[f"page.{name}"].trigger()
        assert win.current_page() == name
    assert win.train_page.train_button.isEnabled()  # a project is open: training can start
    assert not win.evaluate_page.evaluate_button.isEnabled()  # but there is no run to evaluate yet
    assert win.export_page.export_button.isEnabled()
    export = win.export_page  # no bundle yet: a hint says how to make one instead of an empty table
    assert export.empty.isVisibleTo(win) and not export.table.isVisibleTo(win)
    assert export.empty.text().startswith("No bundle yet. “Export a model…” makes one")
    (tmp_path / "new" / "exports").mkdir(exist_ok=True)
    (tmp_path / "new" / "exports" / "line3.wbx").write_bytes(b"0" * 2_000_000)
    export.refresh()
    assert export.table.isVisibleTo(win) and not export.empty.isVisibleTo(win)
    assert [export.table.item(0, c).text() for c in (0, 1)] == ["line3.wbx", "2.0 MB"]  # type: ignore[union-attr]
    win.actions_by_id["file.close"].trigger()
    assert win.project is None and win.root.currentWidget() is win.start_page


def test_window_state_is_kept(qtbot, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(700, 500)
    win.show()
    win.open_project(project_dir)
    win.data_page.set_view("table")
    size = (win.size().width(), win.size().height())
    win.close()
    assert app_settings().value("data/view") == "table"
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.data_page.view_mode() == "table"
    # The offscreen screen is 800 px wide, so only the height comes back unclamped.
    assert again.size().height() == size[1] != 860  # 860: the default height


def test_status_bar_counts(qtbot, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow()
    qtbot.addWidget(win)
    win.open_project(project_dir)
    assert "6 samples: 2 OK, 2 NG, 0 doubtful, 2 unlabeled" in win.counts_status.text()
    assert "Test parts" in win.project_status.text()
    assert win.jobs_status.text() == "No jobs running"


def test_gui_verb_is_registered() -> None:
    args = build_parser().parse_args(["gui", "/some/project"])
    assert args.dir == "/some/project" and args.func.__module__ == "workbench.commands.gui_cmd"
