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
from PySide6.QtWidgets import QMessageBox

from tests.gui.test_i18n import ALLOWED, CJK, menu_texts, visible_texts
from tests.gui.trained_run import trained_project
from tests.gui.windows import open_window
from workbench.core.project import Project
from workbench.export.pipeline import export_bundle
from workbench.gui import i18n
from workbench.gui.main_window import MainWindow
from workbench.services.evaluation import evaluate

pytestmark = pytest.mark.gui
WORD = re.compile(r"[A-Za-z]{2,}")
RUN_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}")  # ids of runs and evaluations, shown as they are
# Shown as they are in Chinese too: units, suffixes, product and format names, metric names the
# glossary keeps in Latin letters, and words of this project's data (sample, class and file names).
KEEP = ALLOWED | {
    "ms", "MB", "GB", "min", "png", "PNG", "CPU", "GPU", "CUDA", "NVIDIA", "Intel", "INT8", "FP16",
    "FP32", "IoU", "PR", "wbx", "Runtime", "workbench", "run", "verify", "predict", "BUNDLE", "spot",
    "spots", "ok", "ng", "part", "good", "defect", "tiny", "seg", "test", "exports", "Home", "End",
    "Del", "Space", "Tab", "Backspace", "Up", "Down", "Ins", "Pos", "proj", "trained", "TIFF", "tif", "img",
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


def _english_left(texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Texts holding an English word that has a translation, Chinese around it or not."""
    return [
        (what, text) for what, text in texts if any(w not in KEEP for w in WORD.findall(RUN_ID.sub("", text)))
    ]


def _chinese_left(texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Texts with Chinese characters, except the language menu's own name of Chinese."""
    return [(what, text) for what, text in texts if CJK.search(text) and text not in i18n.LANGUAGES.values()]


def _switch(win: MainWindow, code: str) -> None:
    win.actions_by_id[f"view.language.{code}"].trigger()
    assert i18n.current_language() == code


def _check(win: MainWindow, code: str) -> None:
    # Not checked yet: the lines a training job logs (shown on the Train page as the job wrote them,
    # in English); the window's own texts around them are.
    texts = [(what, text) for what, text in _texts(win) if what != "train: QPlainTextEdit.line"]
    assert len(texts) > 300
    left = _english_left(texts) if code == "zh_CN" else _chinese_left(texts)
    assert left == [], f"{code}:\n" + "\n".join(map(str, left))


@pytest.mark.parametrize("first", ["en", "zh_CN"])
def test_switching_twice_leaves_no_mixed_text_on_any_page(qtbot, busy_project: Path, first: str) -> None:  # type: ignore[no-untyped-def]
    i18n.install_language(first)
    win = open_window(qtbot, busy_project)
    _wait_for_pages(qtbot, win)
    other = "zh_CN" if first == "en" else "en"
    _check(win, first)
    _switch(win, other)
    _check(win, other)
    _switch(win, first)
    _check(win, first)


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
