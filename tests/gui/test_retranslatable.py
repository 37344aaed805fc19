"""A language switch re-texts every page from its own sources and never touches the project's data."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QComboBox, QWidget

from tests.gui.windows import open_window as _window
from workbench.core.project import Project
from workbench.gui import i18n
from workbench.gui.actions import strip_mnemonic
from workbench.gui.dialogs.class_dialog import ClassDialog
from workbench.gui.eval_widgets import fill_class_table
from workbench.gui.main_window import MainWindow
from workbench.gui.retranslatable import ComposedLabel, Retranslatable
from workbench.gui.sample_query import COLUMNS

pytestmark = pytest.mark.gui
CJK = re.compile(r"[\u3400-\u9fff]")
# Classes, a sample and a tag named like words of the window: the window must show them as written.
CLASSES = ("Train", "Evaluate", "OK")
SAMPLE, TAG = "Evaluate", "Train"


@pytest.fixture(autouse=True)
def english_after(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    i18n.install_language("en")


def _switch(win: MainWindow, code: str) -> None:
    win.actions_by_id[f"view.language.{code}"].trigger()
    assert i18n.current_language() == code


# ---------------------------------------------------------------------------------------- the mixin
class _GreetingWidget(Retranslatable, QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.retranslate()

    def retranslate(self) -> None:
        self.calls += 1


def test_language_change_calls_retranslate_and_composed_labels_remake_their_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = _GreetingWidget()
    composed, fixed = ComposedLabel(widget), ComposedLabel(widget)
    qtbot.addWidget(widget)
    composed.compose(lambda: QCoreApplication.translate("menus", "&File") + " 3")
    fixed.compose(lambda: QCoreApplication.translate("menus", "&File"))
    fixed.setText("job said: File")  # a message from elsewhere replaces the recipe
    i18n.install_language("zh_CN")  # delivers Qt's LanguageChange before it returns
    assert widget.calls >= 2
    assert composed.text() == "文件(&F) 3" and fixed.text() == "job said: File"
    composed.clear()
    i18n.install_language("en")
    assert composed.text() == "" and fixed.text() == "job said: File"


# ---------------------------------------------------------------------------------------- every page
def _words(win: MainWindow) -> list[tuple[str, Callable[[], str], str, str]]:
    """(what, how to read it, tr context, source) of titles and buttons on every page."""
    start, data, label = win.start_page, win.data_page, win.label_page
    train, evaluate, export = win.train_page, win.evaluate_page, win.export_page
    pages = (("data", "&Data"), ("label", "&Label"), ("train", "&Train"), ("evaluate", "&Evaluate"),
             ("export", "E&xport"))  # fmt: skip
    nav = [(f"nav {name}", lambda row=row: win.nav.item(row).text(), "actions", source)
           for row, (name, source) in enumerate(pages)]  # fmt: skip
    return [
        *nav,
        ("menu", lambda: win.menus["file"].title(), "menus", "&File"),
        (
            "start subtitle",
            start.subtitle.text,
            "StartPageWidget",
            "Build, check and ship a visual defect-inspection model without writing code.",
        ),
        ("start create", start.create_button.text, "StartPageWidget", "Create project"),
        ("start open", start.open_button.text, "StartPageWidget", "Open project…"),
        (
            "start task",
            lambda: start.task_combo.itemText(0),
            "StartPageWidget",
            "Segmentation: find and outline defects",
        ),
        ("data set label", data.label_button.text, "DataPageWidget", "Set label"),
        ("data add tag", data.add_tag_button.text, "DataPageWidget", "Add tag…"),
        ("data all labels", lambda: data.label_filter.itemText(0), "DataPageWidget", "All labels"),
        ("data train split", lambda: data.split_filter.itemText(1), "DataPageWidget", "train"),
        (
            "data table header",
            lambda: str(data.model.headerData(0, Qt.Orientation.Horizontal)),
            "SampleTableModel",
            "Name",
        ),
        (
            "data chart",
            lambda: str(data.chart.label_plot.titleLabel.text),
            "BalanceChartWidget",
            "Labels per split",
        ),
        ("label previous", label.previous_button.text, "LabelPageWidget", "Previous"),
        ("label proposal", label.proposals.title.text, "ProposalPanelWidget", "Model proposal"),
        ("label propose", label.proposals.propose_button.text, "ProposalPanelWidget", "Propose this sample"),
        ("label options", lambda: label.options_bar.captions[0].text(), "ToolOptionsBar", "Class"),
        ("train title", train.title.text, "TrainPageWidget", "Train a model"),
        ("train button", train.train_button.text, "TrainPageWidget", "Train"),
        ("train cancel", train.cancel_button.text, "TrainPageWidget", "Cancel training"),
        ("train runs", train.runs_title.text, "TrainPageWidget", "Runs"),
        ("train header", lambda: train.runs_table.horizontalHeaderItem(0).text(), "TrainPageWidget", "Run"),
        ("train advanced", train.settings.advanced_button.text, "TrainSettingsWidget", "Advanced options"),
        ("evaluate title", evaluate.title.text, "EvaluatePageWidget", "Evaluate a model"),
        ("evaluate button", evaluate.evaluate_button.text, "EvaluatePageWidget", "Evaluate"),
        ("evaluate send", evaluate.send_button.text, "EvaluatePageWidget", "Send mistakes to labeling"),
        ("evaluate tab", lambda: evaluate.tabs.tabText(0), "EvaluatePageWidget", "Escapes"),
        ("evaluate card", evaluate.cards.escape.title.text, "EvaluatePage", "Escapes"),
        ("evaluate compare", evaluate.compare.button.text, "CompareWidget", "Compare"),
        ("export title", export.title.text, "ExportPageWidget", "Export for the line"),
        ("export button", export.export_button.text, "ExportPageWidget", "Export a model…"),
        ("export folder", export.folder_button.text, "ExportPageWidget", "Open exports folder"),
    ]


def test_switching_translates_every_page_and_back(qtbot, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    win = _window(qtbot, project_dir)
    words = _words(win)
    english = {what: read() for what, read, _ctx, _src in words}
    for what, _read, _ctx, source in words:
        shown = source if what == "menu" else strip_mnemonic(source)
        assert english[what] == shown, what
    _switch(win, "zh_CN")
    for what, read, context, source in words:
        expected = QCoreApplication.translate(context, source)
        expected = expected if what == "menu" else strip_mnemonic(expected)
        assert CJK.search(expected), f"{context}/{source} has no Chinese translation"
        assert read() == expected, what
    _switch(win, "en")
    assert {what: read() for what, read, _ctx, _src in words} == english


# ---------------------------------------------------------------------------------------- user data
@pytest.fixture
def wordy_project(tmp_path: Path, write_part) -> Path:  # type: ignore[no-untyped-def]
    """Classes, a sample and a tag whose names are also words of the window."""
    root = tmp_path / "wordy"
    with Project.create(root, name="Wordy") as project:
        for name in CLASSES:
            project.add_class(name)
        mask = np.zeros((120, 160), np.uint8)
        mask[10:20, 10:30], mask[40:50, 10:30], mask[70:80, 10:30] = 1, 2, 3
        image = tmp_path / "src" / "a.png"
        write_part(image)
        project.add_sample([image], name=SAMPLE, label="ng", split="train", tags=(TAG,), mask=mask)
    return root


def _items(combo: QComboBox) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def _shown_data(win: MainWindow, dialog: ClassDialog) -> dict[str, object]:
    """Every place the window shows the project's class names, sample name and tag."""
    data, label = win.data_page, win.label_page
    model = data.model
    axis = data.chart.class_plot.getAxis("left")
    table = win.evaluate_page.classes
    return {
        "class filter": _items(data.class_filter)[2:],
        "tag filter": _items(data.tag_filter)[1:],
        "table": [str(model.data(model.index(0, COLUMNS.index(c)))) for c in ("name", "classes", "tags")],
        "chart axis": [text for _value, text in axis._tickLevels[0]],  # what setTicks() was given
        "label classes": _items(label.options_bar.class_combo),
        "label panel": [label.name_label.text(), label.classes_value.text()],
        "class dialog": [dialog.list.item(i).text() for i in range(dialog.list.count())],
        "evaluation classes": [table.item(r, 0).text() for r in range(table.rowCount())],  # type: ignore[union-attr]
    }


def test_names_like_window_words_stay_as_written(qtbot, wordy_project: Path) -> None:  # type: ignore[no-untyped-def]
    win = _window(qtbot, wordy_project)
    sid = win.data_page.model.visible_ids()[0]
    win.data_page.open_in_label.emit([sid], sid)
    metrics = {f"image.class.{i}.n_ng": 1 for i in (1, 2, 3)}
    fill_class_table(win.evaluate_page.classes, metrics, {i: name for i, name in enumerate(CLASSES, 1)})
    dialog = ClassDialog(win.project, win)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()  # open across both switches
    expected = {
        "class filter": list(CLASSES),
        "tag filter": [TAG],
        "table": [SAMPLE, ", ".join(CLASSES), TAG],
        "chart axis": list(CLASSES),
        "label classes": list(CLASSES),
        "label panel": [SAMPLE, ", ".join(CLASSES)],
        "class dialog": [f"{i}  {name}" for i, name in enumerate(CLASSES, 1)],
        "evaluation classes": list(CLASSES),
    }
    assert _shown_data(win, dialog) == expected
    _switch(win, "zh_CN")
    assert CJK.search(win.data_page.label_button.text()) and CJK.search(dialog.windowTitle())  # it did switch
    assert _shown_data(win, dialog) == expected
    _switch(win, "en")
    assert _shown_data(win, dialog) == expected
