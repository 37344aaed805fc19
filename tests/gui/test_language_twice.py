"""Switching the language twice, either way round, leaves no mixed text on any page of a busy project.

The project has a trained run (the Train page shows its log and shipped decision), an evaluation (the
Evaluate page shows cards, tabs and galleries) and a bundle (the Export page lists it). In Chinese no
shown text may hold an English word that has a translation, inside a Chinese sentence or alone; in
English no Chinese character may remain.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget

from tests.gui.test_i18n import ALLOWED, CJK, menu_texts, visible_texts
from tests.gui.trained_run import trained_project
from tests.gui.windows import open_window
from workbench.core.project import Project
from workbench.export.pipeline import export_bundle
from workbench.gui import i18n
from workbench.gui.dialogs.class_dialog import ClassDialog
from workbench.gui.dialogs.import_dialog import ImportDialog
from workbench.gui.dialogs.split_dialog import SplitDialog
from workbench.gui.export_wizard import ExportWizard
from workbench.gui.main_window import MainWindow
from workbench.services.evaluation import evaluate

pytestmark = pytest.mark.gui
WORD = re.compile(r"[A-Za-z]{2,}")
RUN_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}")  # ids of runs and evaluations, shown as they are
CODE = re.compile(r"`[^`]*`")  # commands to type, such as `workbench-run verify BUNDLE`
FOLDER = re.compile(r"[\w<>.-]*[/_][\w<>./-]*")  # folder and file names such as train/good, ground_truth
# model, package and weight-file names such as fpn-effnetlite0, efficientnet-lite0-57934424.pth
NAME = re.compile(r"[\w.]+-[\w.-]+")
# Shown as they are in Chinese too: units, suffixes, product and format names, metric names the
# glossary keeps in Latin letters, and words of this project's data (sample, class and file names).
KEEP = ALLOWED | {
    "ms", "MB", "GB", "min", "png", "PNG", "TIFF", "tif", "CPU", "GPU", "CUDA", "NVIDIA", "Intel", "INT8",
    "FP16", "FP32", "FP", "INT", "IoU", "PR", "Runtime", "Home", "End", "Del", "Space", "Tab",
    "Backspace", "Up", "Down", "Ins", "Pos", "spot", "tiny", "img", "cpu", "cuda", "MP", "fp", "sha",
    "ImageNet",
}  # fmt: skip


@pytest.fixture(autouse=True)
def english_after(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    i18n.install_language("en")


@pytest.fixture
def busy_project(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A trained run, its evaluation on the val split and its ONNX bundle."""
    root, run_id = trained_project(tmp_path, tmp_path_factory)
    with Project.open(root) as project:
        evaluate(project, run_id, None, "val", engine="torch")
    export_bundle(root, run_id, None, "onnx")
    return root


def _wait_for_pages(qtbot, win: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = win.evaluate_page
    win.show_page("evaluate")
    qtbot.waitUntil(lambda: page.session is not None and page.idle, timeout=60_000)
    page.slider.setValue(995)  # every NG part escapes: the galleries show captioned thumbnails
    qtbot.waitUntil(lambda: page.idle and page.threshold_label.text() == "0.995", timeout=30_000)
    assert page.galleries["escape"].count() > 0
    win.show_page("train")
    win.train_page.runs_table.selectRow(0)


def _texts(win: MainWindow) -> list[tuple[str, str]]:
    """Every shown text of every page, the menus and the start page; the pages' tabs one by one."""
    texts = menu_texts(win)
    for page in ("data", "label", "train", "evaluate", "export"):
        win.show_page(page)
        texts += [(f"{page}: {w}", t) for w, t in visible_texts(win)]
    tabs = win.evaluate_page.tabs
    win.show_page("evaluate")
    for i in range(tabs.count()):
        tabs.setCurrentIndex(i)
        texts += [(f"evaluate tab {i}: {w}", t) for w, t in visible_texts(tabs.currentWidget())]
    tabs.setCurrentIndex(0)
    texts += [(f"start: {w}", t) for w, t in visible_texts(win.start_page)]
    return texts


def _data_removed(text: str) -> str:
    """``text`` without run ids, commands and folder names, which stay as they are in any language."""
    return NAME.sub("", FOLDER.sub("", CODE.sub("", RUN_ID.sub("", text))))


def _english_left(texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Texts holding an English word that has a translation, Chinese around it or not."""
    return [
        (what, text) for what, text in texts if any(w not in KEEP for w in WORD.findall(_data_removed(text)))
    ]


def _chinese_left(texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Texts with Chinese characters, except the language menu's own name of Chinese."""
    return [(what, text) for what, text in texts if CJK.search(text) and text not in i18n.LANGUAGES.values()]


def _switch(win: MainWindow, code: str) -> None:
    win.actions_by_id[f"view.language.{code}"].trigger()
    assert i18n.current_language() == code


def _open_dialogs(qtbot, win: MainWindow) -> list[QWidget]:  # type: ignore[no-untyped-def]
    """The export wizard and the project dialogs, left open across the switches."""
    wizard = win.export_page.open_wizard()
    assert wizard is not None
    dialogs: list[QWidget] = [wizard]
    for make in (ClassDialog, SplitDialog, ImportDialog):
        dialog = make(win.project, win)  # type: ignore[operator]
        qtbot.addWidget(dialog)
        dialog.show()
        dialogs.append(dialog)
    return dialogs


def _dialog_texts(dialogs: list[QWidget]) -> list[tuple[str, str]]:
    """Titles and shown texts of each dialog; the wizard's first three pages one by one."""
    wizard, *others = dialogs
    assert isinstance(wizard, ExportWizard)
    texts: list[tuple[str, str]] = []
    wizard.restart()
    # the project's tiny run is far below usable; the wizard would ask (modal) before going on
    wizard.currentPage().confirm_below_usable = lambda text: True  # type: ignore[attr-defined]
    for step in range(3):  # run, formats, target (the fourth would start an export)
        page = wizard.currentPage()
        texts += [(f"wizard {step}: title", page.title()), (f"wizard {step}: subtitle", page.subTitle())]
        texts += [(f"wizard {step}: {w}", t) for w, t in visible_texts(wizard)]
        if step < 2:
            wizard.next()
    for dialog in others:
        name = type(dialog).__name__
        texts += [(name, dialog.windowTitle()), *((f"{name}: {w}", t) for w, t in visible_texts(dialog))]
    return texts


def _check(win: MainWindow, dialogs: list[QWidget], code: str) -> None:
    # the Train page's job log included: its lines are worded in the window's language too
    texts = list(_texts(win))
    assert any(what == "train: JobLogView.line" for what, _ in texts)
    texts += _dialog_texts(dialogs)
    assert len(texts) > 300
    left = _english_left(texts) if code == "zh_CN" else _chinese_left(texts)
    assert left == [], f"{code}:\n" + "\n".join(map(str, left))


@pytest.mark.parametrize("first", ["en", "zh_CN"])
def test_switching_twice_leaves_no_mixed_text_on_any_page(qtbot, busy_project: Path, first: str) -> None:  # type: ignore[no-untyped-def]
    i18n.install_language(first)
    win = open_window(qtbot, busy_project)
    _wait_for_pages(qtbot, win)
    dialogs = _open_dialogs(qtbot, win)
    other = "zh_CN" if first == "en" else "en"
    _check(win, dialogs, first)
    _switch(win, other)
    _check(win, dialogs, other)
    _switch(win, first)
    _check(win, dialogs, first)


def test_qt_standard_dialog_buttons_are_chinese(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Qt's own buttons (message boxes, file dialogs) come from PySide6's qtbase translation."""
    i18n.install_language("zh_CN")
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "t",
        "t",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
    )
    qtbot.addWidget(box)
    texts = [b.text() for b in box.buttons()]
    assert all(CJK.search(t) for t in texts), texts
