"""The label 'doubtful' in the window: the D key on the Label page (undoable), the Data page's
filter, counts and bulk menu, the status bar, the Train page's setting and the Evaluate page's sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.gui.windows import open_in_label, open_window
from workbench.gui.eval_widgets import SummaryCardsWidget
from workbench.gui.i18n import install_language
from workbench.gui.train_widgets import TrainSettingsWidget

pytestmark = pytest.mark.gui


def test_the_d_key_marks_doubtful_and_undo_takes_it_back(qtbot, project_dir: Path) -> None:
    win = open_window(qtbot, project_dir)
    sid = open_in_label(win, "part_2")  # labelled OK
    page = win.label_page
    action = win.actions_by_id["label.doubtful"]
    assert action.shortcut().toString() == "D" and action.isEnabled()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    page.canvas.setFocus()
    qtbot.keyClick(page.canvas.viewport(), Qt.Key.Key_D)
    assert win.project.sample(sid).label == "doubtful"
    assert page.label_value.text() == "doubtful"
    win.actions_by_id["edit.undo"].trigger()
    assert win.project.sample(sid).label == "ok"
    win.actions_by_id["edit.redo"].trigger()
    assert win.project.sample(sid).label == "doubtful"
    # the Data page counts, filters and the status bar follow
    data = win.data_page
    data.label_filter.setCurrentIndex(data.label_filter.findData("doubtful"))
    model = data.model
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["part_2"]
    assert data.label_filter.currentText() == "Doubtful"
    assert "1 doubtful" in win.counts_status.text()
    assert "doubtful" in [value for value, _ in data._label_actions]


def test_the_bulk_menu_sets_doubtful(qtbot, project_dir: Path) -> None:
    win = open_window(qtbot, project_dir)
    data = win.data_page
    data.label_filter.setCurrentIndex(data.label_filter.findData("ng"))
    data.grid.selectAll()
    ng = sorted(s.id for s in win.project.samples(label="ng"))
    action = dict(data._label_actions)["doubtful"]
    assert action.text() == "Doubtful"
    action.trigger()
    assert sorted(s.id for s in win.project.samples(label="doubtful")) == ng
    assert data.counts["label"]["doubtful"] == len(ng) == 2


def test_train_settings_offer_the_doubtful_mode(qtbot) -> None:
    widget = TrainSettingsWidget()
    qtbot.addWidget(widget)
    assert "doubtful" not in widget.overrides()  # the default: left out
    widget.doubtful.setCurrentIndex(widget.doubtful.findData("low_weight"))
    assert widget.overrides()["doubtful"] == "low_weight"
    assert widget.doubtful.currentText() == "trained on, at a low weight"


def test_the_evaluate_summary_says_how_doubtful_parts_were_called(qtbot) -> None:
    cards = SummaryCardsWidget()
    qtbot.addWidget(cards)
    m = {"image.n": 8, "image.doubtful.n": 4, "image.doubtful.called_ng": 3, "image.doubtful.called_ok": 1,
         "image.doubtful.gray": 0}  # fmt: skip
    cards.show_metrics(m)
    assert not cards.doubtful.isHidden()
    assert cards.doubtful.text().startswith(
        "Of 4 doubtful parts (the experts disagree), the model called 3 NG"
    )
    try:
        install_language("zh_CN")
        assert "4 个存疑品" in cards.doubtful.text() and "3 个为 NG" in cards.doubtful.text()
    finally:
        install_language("en")
    cards.show_metrics({"image.n": 8, "image.doubtful.n": 0})
    assert cards.doubtful.isHidden()
