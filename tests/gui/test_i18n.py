"""Languages: the shipped Chinese translation is complete and current, and switching keeps the work."""

from __future__ import annotations

import importlib.util
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QGraphicsView,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QPlainTextEdit,
    QTabBar,
    QTableView,
    QWidget,
)

from tests.gui.windows import open_window as _window
from workbench.gui import i18n
from workbench.gui.actions import ACTIONS
from workbench.gui.main_window import MainWindow

pytestmark = pytest.mark.gui
REPO = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
WORD = re.compile(r"[A-Za-z]{2,}")
# Words a Chinese factory reads as they are: the product, OK/NG, method and format names, keys.
ALLOWED = {
    "OK", "NG", "Defect", "Workbench", "GrabCut", "Otsu", "ONNX", "OpenVINO", "AUROC", "Dice", "MVTec", "AD",
    "labelme", "JSON", "wbx", "px", "English", "Ctrl", "Shift", "Alt", "Esc", "Enter", "PgUp", "PgDown",
    "Left", "Right", "Apache", "uint",
}  # fmt: skip


@pytest.fixture(autouse=True)
def english_after(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Every test leaves the application in the source language."""
    yield
    i18n.install_language("en")


@dataclass(frozen=True)
class Message:
    context: str
    source: str
    translation: str


def read_ts(path: Path) -> list[Message]:
    """The finished messages of a Qt Linguist .ts file (unfinished or obsolete ones are skipped)."""
    out = []
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("unfinished", "obsolete", "vanished"):
                continue
            out.append(Message(name, message.findtext("source", ""), translation.text or ""))
    return out


def _update_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("i18n_update", REPO / "packaging" / "i18n_update.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def english_words(text: str, allowed: set[str]) -> list[str]:
    """The English words of a shown text that has no Chinese in it (empty when it is fine)."""
    if CJK.search(text):
        return []
    return [w for w in WORD.findall(text) if w not in allowed]


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(what, text) of every visible label, button, field hint, box, list and combo item under ``root``."""
    out: list[tuple[str, str]] = []
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisibleTo(root) and w is not root:
            continue
        name = type(w).__name__
        if isinstance(w, QLabel) and w.textFormat() == Qt.TextFormat.RichText:
            out.append((name, QTextDocumentFragment.fromHtml(w.text()).toPlainText()))  # what it shows
        elif isinstance(w, (QLabel, QAbstractButton)):
            out.append((name, w.text()))
        if isinstance(w, QGroupBox):
            out.append((name, w.title()))
        if isinstance(w, QLineEdit):
            out.append((name + ".placeholder", w.placeholderText()))
        if isinstance(w, QComboBox):
            out += [(name + ".item", w.itemText(i)) for i in range(w.count())]
        if isinstance(w, QListWidget):
            out += [(name + ".item", w.item(i).text()) for i in range(w.count())]
        if isinstance(w, QTableView):
            model = w.model()
            out += [(name + ".header", str(model.headerData(c, Qt.Orientation.Horizontal) or ""))
                    for c in range(model.columnCount()) if not w.isColumnHidden(c)]  # fmt: skip
            out += [(name + ".cell", str(model.data(model.index(r, c)) or ""))
                    for r in range(min(model.rowCount(), 3)) for c in range(model.columnCount())]  # fmt: skip
        if isinstance(w, QGraphicsView) and w.scene() is not None:
            out += plot_texts(w)
        if isinstance(w, QTabBar):
            out += [(name + ".tab", w.tabText(i)) for i in range(w.count())]
        if isinstance(w, QAbstractSpinBox):
            out += [(name + ".affix", f"{w.prefix()} {w.suffix()}".strip())] if hasattr(w, "suffix") else []
            out.append((name + ".special", w.specialValueText()))
        if isinstance(w, QPlainTextEdit):
            out.append((name + ".placeholder", w.placeholderText()))
            out += [(name + ".line", line) for line in w.toPlainText().splitlines()]
        if w.toolTip():
            out.append((name + ".tooltip", w.toolTip()))
    return out


def plot_texts(view: QGraphicsView) -> list[tuple[str, str]]:
    """Titles, axis labels and notes that pyqtgraph draws in ``view``."""
    out: list[tuple[str, str]] = []
    for item in view.scene().items():
        if isinstance(item, pg.LabelItem) and item.isVisible():
            out.append(("plot label", str(item.text)))
        elif isinstance(item, pg.AxisItem) and item.isVisible():
            out.append(("plot axis", str(item.labelText)))
        elif isinstance(item, pg.TextItem) and item.isVisible():
            out.append(("plot note", item.toPlainText()))
    return sorted(out)


def menu_texts(win: MainWindow) -> list[tuple[str, str]]:
    out = [("window title", win.windowTitle())]
    for menu in win.findChildren(QMenu):
        out.append(("menu", menu.title()))
        out += [("menu item", a.text()) for a in menu.actions() if not a.isSeparator()]
    for spec in ACTIONS:
        action = win.actions_by_id[spec.id]
        out += [("action", action.text()), ("action tooltip", action.toolTip())]
    return out


def leftovers(texts: list[tuple[str, str]], allowed: set[str]) -> list[tuple[str, str]]:
    return [(what, text) for what, text in texts if text and english_words(text, allowed)]


# ---------------------------------------------------------------------------------------- catalogue
def test_every_string_of_the_window_is_translated(tmp_path: Path) -> None:
    script = _update_script()
    ts = tmp_path / "workbench_zh_CN.ts"
    shutil.copy(i18n.ts_path("zh_CN"), ts)
    script.I18N = tmp_path  # rescan the code into a copy; the shipped file stays as it is
    script.update("zh_CN")
    text = ts.read_text(encoding="utf-8")
    finished = {(m.context, m.source) for m in read_ts(ts)}
    every = {(c.findtext("name"), m.findtext("source")) for c in ET.parse(ts).getroot().iter("context")
             for m in c.iter("message")}  # fmt: skip
    assert sorted(every - finished) == [], "run packaging/i18n_update.py and translate these"
    assert text == i18n.ts_path("zh_CN").read_text(encoding="utf-8"), "the .ts is older than the code"


def test_compiled_translation_matches_the_ts(tmp_path: Path) -> None:
    qm = _update_script().release(i18n.ts_path("zh_CN"), tmp_path / "zh.qm")
    assert qm.read_bytes() == i18n.qm_path("zh_CN").read_bytes(), "run packaging/i18n_update.py --release"


def test_translations_keep_placeholders_and_use_the_glossary() -> None:
    messages = read_ts(i18n.ts_path("zh_CN"))
    assert len(messages) > 200
    for m in messages:
        assert sorted(re.findall(r"%\d", m.translation)) == sorted(re.findall(r"%\d", m.source)), m
        assert m.translation.strip(), m
    by_source = {m.source: m.translation for m in messages}
    assert by_source["Escapes"] == "漏检" and by_source["Overkill"] == "过检"
    assert by_source["OK"] == "OK" and by_source["NG"] == "NG"


# ---------------------------------------------------------------------------------------- choice
def test_language_follows_setting_then_system(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(i18n.ENV, raising=False)
    assert i18n.normalise("zh-Hans") == "zh_CN" and i18n.normalise("zh_TW.UTF-8") == "zh_CN"
    assert i18n.normalise("de_DE") == "en"
    assert i18n.chosen_language() == i18n.system_language()
    i18n.save_language("zh_CN")
    assert i18n.chosen_language() == "zh_CN"
    monkeypatch.setenv(i18n.ENV, "en")
    assert i18n.chosen_language() == "en"


def test_installed_chinese_translates_and_sets_a_cjk_font(qapp) -> None:  # type: ignore[no-untyped-def]
    assert i18n.install_language("zh_CN") == "zh_CN"
    assert qapp.translate("menus", "&File") == "文件(&F)"
    assert "Noto Sans CJK SC" in qapp.font().families()
    assert i18n.install_language("en") == "en"
    assert qapp.translate("menus", "&File") == "&File"


def test_missing_compiled_translation_falls_back_to_english(qapp, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(i18n, "I18N_DIR", tmp_path)
    with pytest.warns(UserWarning, match="workbench_zh_CN.qm"):
        assert i18n.install_language("zh_CN") == "en"
    assert i18n.current_language() == "en" and qapp.translate("menus", "&File") == "&File"


# ---------------------------------------------------------------------------------------- the window


def _stroke(qtbot, win: MainWindow, y: int) -> None:  # type: ignore[no-untyped-def]
    """Open part_0 on the label page and paint an unsaved stroke on it at row ``y``."""
    sid = next(s.id for s in win.data_page.model.all_samples() if s.name == "part_0")
    win.data_page.open_in_label.emit(win.data_page.model.visible_ids(), sid)
    canvas = win.label_page.canvas
    vp = canvas.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=canvas.mapFromScene(20, y))
    for x in range(25, 100, 5):
        qtbot.mouseMove(vp, canvas.mapFromScene(x, y))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=canvas.mapFromScene(100, y))
    assert win.label_page.dirty and win.label_page.can_undo


def _all_pages(win: MainWindow) -> list[tuple[str, str]]:
    """Visible texts of the window on every page, plus menus, actions and the start page."""
    texts = menu_texts(win)
    win.show_page("data")
    win.data_page.set_view("table")
    texts += [(f"table: {w}", t) for w, t in visible_texts(win)]
    win.data_page.set_view("grid")
    for page in ("data", "label", "train", "evaluate", "export"):
        win.show_page(page)
        texts += [(f"{page}: {w}", t) for w, t in visible_texts(win)]
    win.show_page("label")
    texts += [(f"start: {w}", t) for w, t in visible_texts(win.start_page)]
    return texts


def test_switching_to_chinese_leaves_no_english_and_keeps_the_work(qtbot, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    win = _window(qtbot, project_dir)
    _stroke(qtbot, win, 30)
    english = _all_pages(win)  # leaving the label page saves the stroke
    _stroke(qtbot, win, 80)
    mask = win.label_page.canvas.editor.mask.copy()  # type: ignore[union-attr]
    win.actions_by_id["view.language.zh_CN"].trigger()
    assert i18n.current_language() == "zh_CN" and i18n.chosen_language() == "zh_CN"
    assert win.actions_by_id["view.language.zh_CN"].isChecked()
    assert win.menus["view/language"].title() == "语言(&A)"
    assert win.data_page.chart.label_plot.titleLabel.text == "各数据集的标签"  # drawn by pyqtgraph
    assert win.project is not None and win.current_page() == "label"
    assert win.label_page.dirty and win.label_page.can_undo  # the stroke is still there, unsaved
    assert (win.label_page.canvas.editor.mask == mask).all()  # type: ignore[union-attr]
    allowed = ALLOWED | {"Test", "parts", "scratch", "spot", "line", "part"}  # project data
    chinese = _all_pages(win)
    left = leftovers(chinese, allowed)
    assert left == [], "\n".join(map(str, left))
    win.actions_by_id["view.language.en"].trigger()
    cursor = re.compile(r"^x \d+  y \d+")  # the pixel under the mouse moved with the second stroke
    back = [t for t in _all_pages(win) if not cursor.match(t[1])]
    assert back == [t for t in english if not cursor.match(t[1])]  # and back again, exactly as before
    win.label_page.undo()
    assert not win.label_page.can_undo


def test_dialogs_open_in_chinese(qtbot, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from workbench.gui.dialogs.class_dialog import ClassDialog
    from workbench.gui.dialogs.import_dialog import ImportDialog
    from workbench.gui.dialogs.split_dialog import SplitDialog

    win = _window(qtbot, project_dir)
    win.actions_by_id["view.language.zh_CN"].trigger()
    allowed = ALLOWED | {"scratch", "spot"}
    for make in (ClassDialog, SplitDialog, ImportDialog):
        dialog = make(win.project, win)  # type: ignore[operator]
        qtbot.addWidget(dialog)
        dialog.show()
        texts = [("title", dialog.windowTitle()), *visible_texts(dialog)]
        assert len(texts) > 3 and leftovers(texts, allowed) == [], make.__name__
        dialog.close()
