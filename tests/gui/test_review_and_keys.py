"""Review state in the window, undoing O/N, shortcuts beside a spin box, classes from an import (item 14)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from tests.gui.windows import open_in_label as _label
from tests.gui.windows import open_window as _window
from workbench.core.importers import import_dataset
from workbench.core.project import Project
from workbench.gui.dialogs.import_dialog import ImportDialog
from workbench.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


def _shown(win: MainWindow) -> set[str]:
    model = win.data_page.model
    return {model.index(r, 0).data() for r in range(model.rowCount())}


def test_mistakes_are_marked_reviewed_and_filtered_by_review_state(qtbot, project_dir: Path) -> None:
    with Project.open(project_dir) as p:  # what "Send mistakes to labeling" leaves
        p.update_samples([s.id for s in p.samples()], review="")
        ids = [s.id for s in p.samples() if s.name in ("part_2", "part_3")]
        p.update_samples(ids, review="needs_review", add_tags=["escape"])
    win = _window(qtbot, project_dir)
    data = win.data_page
    data.review_filter.setCurrentIndex(data.review_filter.findData("needs_review"))
    assert _shown(win) == {"part_2", "part_3"}
    _label(win, "part_2")
    assert win.label_page.review_value.text() == "needs review"
    win.actions_by_id["label.reviewed"].trigger()
    assert win.label_page.review_value.text() == "reviewed"
    assert win.project.sample(ids[0]).review == "reviewed"
    assert _shown(win) == {"part_3"}  # the Data page follows at once
    data.review_filter.setCurrentIndex(data.review_filter.findData("reviewed"))
    assert _shown(win) == {"part_2"}
    data.review_filter.setCurrentIndex(data.review_filter.findData("none"))
    assert _shown(win) == {"part_0", "part_1", "part_4", "part_5"}
    # several at once from the Data page
    data.review_filter.setCurrentIndex(data.review_filter.findData(None))
    win.show_page("data")
    data.grid.selectAll()
    texts = {a.text(): a for _v, a in data._review_actions}
    texts["Reviewed"].trigger()
    assert {s.review for s in win.project.samples()} == {"reviewed"}


def test_ok_ng_keys_are_undone_and_redone_in_order_with_strokes(qtbot, project_dir: Path) -> None:
    win = _window(qtbot, project_dir)
    sid = _label(win, "part_4")
    page, canvas = win.label_page, win.label_page.canvas
    before = win.project.sample(sid).label
    undo, redo = win.actions_by_id["edit.undo"], win.actions_by_id["edit.redo"]
    assert not undo.isEnabled()
    win.actions_by_id["label.ok"].trigger()
    assert win.project.sample(sid).label == "ok" and undo.isEnabled() and not page.dirty
    page.select_class_index(0)
    page.set_tool("brush")
    vp = canvas.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=canvas.mapFromScene(QPointF(20, 20)))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=canvas.mapFromScene(QPointF(20, 20)))
    win.actions_by_id["label.ng"].trigger()
    assert win.project.sample(sid).label == "ng" and canvas.editor.mask[20, 20] == 1
    undo.trigger()  # the N
    assert win.project.sample(sid).label == "ok" and canvas.editor.mask[20, 20] == 1
    undo.trigger()  # the stroke
    assert win.project.sample(sid).label == "ok" and canvas.editor.mask[20, 20] == 0
    undo.trigger()  # the O
    assert win.project.sample(sid).label == before and not undo.isEnabled()
    redo.trigger()
    redo.trigger()
    assert win.project.sample(sid).label == "ok" and canvas.editor.mask[20, 20] == 1
    assert page.label_value.text() == "OK"


def _claims(widget, key: Qt.Key, text: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether a focused widget keeps ``key`` from the window's shortcuts (Qt asks it first)."""
    event = QKeyEvent(QEvent.Type.ShortcutOverride, key, Qt.KeyboardModifier.NoModifier, text)
    event.setAccepted(False)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def test_spin_boxes_leave_the_tool_keys_to_the_window(qtbot, project_dir: Path) -> None:
    win = _window(qtbot, project_dir)
    _label(win, "part_0")
    bar, canvas = win.label_page.options_bar, win.label_page.canvas
    for spin in (bar.size_spin, bar.tolerance_spin, bar.threshold_spin):
        assert spin.focusPolicy() == Qt.FocusPolicy.ClickFocus
        for key, text in ((Qt.Key.Key_E, "e"), (Qt.Key.Key_BracketRight, "]"), (Qt.Key.Key_O, "o")):
            assert not _claims(spin, key, text), text
        assert _claims(spin, Qt.Key.Key_5, "5")  # typing a number still works
    # without the filter the spin box keeps the letter: the shortcut died (the report)
    bar.size_spin.removeEventFilter(bar.keys_filter)
    assert _claims(bar.size_spin, Qt.Key.Key_E, "e")
    assert bar.class_combo.focusPolicy() == Qt.FocusPolicy.NoFocus
    assert bar.paint_over.focusPolicy() == Qt.FocusPolicy.NoFocus
    # Return in a spin box gives the keys back to the canvas
    focused: list[bool] = []
    bar.editing_done.connect(lambda: focused.append(True))
    qtbot.keyClick(bar.tolerance_spin, Qt.Key.Key_Return)
    assert focused and win.focusWidget() is canvas


def test_an_import_that_makes_a_class_shows_it_on_the_label_page(
    qtbot, project_dir: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "incoming" / "dent"
    src.mkdir(parents=True)
    image = np.full((40, 50), 90, np.uint8)
    cv2.imwrite(str(src / "d0.png"), image)
    mask = np.zeros((40, 50), np.uint8)
    mask[10:20, 10:20] = 255
    cv2.imwrite(str(src / "d0_mask.png"), mask)

    def run_import(dialog: ImportDialog) -> int:  # what the dialog's worker does, here in-line
        import_dataset(dialog.project, tmp_path / "incoming", "folder")
        return 0

    monkeypatch.setattr(ImportDialog, "exec", run_import)
    win = _window(qtbot, project_dir)
    _label(win, "part_0")
    combo = win.label_page.options_bar.class_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["scratch", "spot"]
    win.actions_by_id["data.import"].trigger()
    assert "dent" in [combo.itemText(i) for i in range(combo.count())]
    assert "dent" in [
        win.label_page.proposals.write_as.itemText(i)
        for i in range(win.label_page.proposals.write_as.count())
    ]


def test_a_long_sample_name_wraps_inside_the_side_panel(qtbot, tmp_path: Path, write_part) -> None:  # type: ignore[no-untyped-def]
    """Real data sets name files like ``01_200905201424_397500_315_crop_2_y38x746``: the name must
    wrap within the Label page's side panel, not run out of it; the tooltip holds it as it is."""
    from tests.gui.windows import window_on_label

    name = "test/NG/pitting/01_200905201424_397500_315_crop_2_y38x746_averyveryverylongstem"
    root = tmp_path / "proj"
    with Project.create(root, name="Long names") as project:
        project.add_class("pitting", "#E69F00")
        image = tmp_path / "src" / "part.png"
        write_part(image)
        project.add_sample([image], name=name, label="ng")
    win = window_on_label(qtbot, root, name)
    label = win.label_page.name_label
    panel = label.parentWidget()
    margins = panel.layout().contentsMargins()
    assert label.minimumSizeHint().width() <= panel.width() - margins.left() - margins.right()
    assert label.toolTip() == name
    assert label.text().replace("\u200b", "") == name
