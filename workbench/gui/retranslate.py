"""Re-text open windows in place after a language switch, so nothing is rebuilt and no work is lost.

Pages set their texts once, with ``self.tr()``, while they are built. Rather than repeating every
string in a ``retranslate()`` method per widget, this walks the open widgets and maps each shown
text back to its (context, source) through the catalogue of the language being left (the .ts
file), then asks the new translator for it. Texts made from a pattern ("%1 of %2") are matched
with their arguments kept. Actions get their texts again from the action registry. A widget that
shows composed texts of its own may define ``retranslate()``; it is called after the walk.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QCoreApplication, QModelIndex, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGraphicsView,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QTableWidget,
    QTabWidget,
    QTreeWidget,
    QWidget,
    QWizardPage,
)

from workbench.gui.actions import ACTIONS, apply_texts, strip_mnemonic
from workbench.gui.i18n import LANGUAGES, SOURCE_LANGUAGE, ts_path

_ARG = re.compile(r"%(\d)")


@dataclass(frozen=True)
class Message:
    context: str
    source: str
    translation: str


def read_ts(path: Path) -> list[Message]:
    """The finished messages of a Qt Linguist .ts file (unfinished or obsolete ones are skipped)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise ValueError(f"cannot read translation file {path}: {exc}") from exc
    out = []
    for context in root.iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("unfinished", "obsolete", "vanished"):
                continue
            out.append(Message(name, message.findtext("source", ""), translation.text or ""))
    return out


class Catalogue:
    """Finds the (context, source) behind a text shown in one language."""

    def __init__(self, messages: Iterable[Message], language: str) -> None:
        self.exact: dict[str, list[Message]] = {}
        self.patterns: list[tuple[re.Pattern[str], Message]] = []
        for m in messages:
            shown = m.source if language == SOURCE_LANGUAGE else m.translation
            if not shown:
                continue
            self.exact.setdefault(strip_mnemonic(shown), []).append(m)
            if _ARG.search(shown):
                parts = _ARG.split(strip_mnemonic(shown))
                regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<a{p}>.+?)" for i, p in enumerate(parts))
                self.patterns.append((re.compile(f"^{regex}$", re.DOTALL), m))

    def lookup(self, text: str, contexts: list[str]) -> tuple[Message, dict[str, str]] | None:
        """The message shown as ``text`` (preferring one of ``contexts``) and its %n arguments."""
        plain = strip_mnemonic(text)
        found = self.exact.get(plain)
        if found:
            return _prefer(found, contexts), {}
        for regex, message in self.patterns:
            match = regex.match(plain)
            if match:
                return message, {k[1:]: v for k, v in match.groupdict().items()}
        return None


def _prefer(found: list[Message], contexts: list[str]) -> Message:
    for context in contexts:
        for m in found:
            if m.context == context:
                return m
    return found[0]


@lru_cache(maxsize=8)
def catalogue(language: str) -> Catalogue:
    """Catalogue of ``language``; the source language's is made from the sources of every .ts."""
    if language == SOURCE_LANGUAGE:
        codes = [c for c in LANGUAGES if c != SOURCE_LANGUAGE and ts_path(c).is_file()]
        messages = [m for c in codes for m in read_ts(ts_path(c))]
    else:
        messages = read_ts(ts_path(language)) if ts_path(language).is_file() else []
    return Catalogue(messages, language)


class Retexter:
    """Turns texts shown in language ``old`` into the currently installed language.

    Each text it sets is remembered on its widget with the message it came from, so switching back
    finds that same message even where two sources share one translation ("To review", "to review").
    """

    def __init__(self, old: str) -> None:
        self.old = catalogue(old)
        self.tooltips: dict[str, str] = {}  # an action's old tooltip -> new, for buttons copying it

    def _source(self, text: str, contexts: list[str], memo: str) -> tuple[str, str, dict[str, str]] | None:
        if memo:
            shown, context, source, args = json.loads(memo)
            if shown == text:
                return context, source, args
        found = self.old.lookup(text, contexts)
        return None if found is None else (found[0].context, found[0].source, found[1])

    def convert(
        self, owner: QObject, name: str, text: str, contexts: list[str], mnemonic: bool = False
    ) -> str:
        """``text`` (``owner``'s property ``name``) in the new language; the Alt-key marker kept where
        ``mnemonic`` or already shown."""
        key = f"i18n_{name}"
        found = self._source(text, contexts, str(owner.property(key) or "")) if text.strip() else None
        if found is None:
            return text
        context, source, args = found
        new = QCoreApplication.translate(context, source)
        for arg, value in args.items():
            new = new.replace(f"%{arg}", value)
        new = new if mnemonic or "&" in text else strip_mnemonic(new)
        owner.setProperty(key, json.dumps([new, context, source, args]))
        return new


def _contexts(widget: QWidget) -> list[str]:
    """tr() contexts that may have made a widget's texts: its classes and its ancestors' classes."""
    names: list[str] = []
    node: QWidget | None = widget
    while node is not None:
        names.extend(k.__name__ for k in type(node).__mro__ if k.__module__.startswith("workbench"))
        node = node.parentWidget()
    return [*names, "actions", "menus"]


@dataclass
class _Target:
    """One widget being re-texted: its tr() contexts and the converter."""

    owner: QObject
    contexts: list[str]
    retext: Retexter

    def set(
        self, name: str, get: Callable[[], str], put: Callable[[str], None], mnemonic: bool = False
    ) -> None:
        old = get()
        new = self.retext.convert(self.owner, name, old, self.contexts, mnemonic)
        if new != old:
            put(new)

    def set_tip(self, name: str, get: Callable[[], str], put: Callable[[str], None]) -> None:
        """Like set, for tooltips, which may be copies of an action's composed tooltip."""
        copied = self.retext.tooltips.get(get())
        if copied is not None:
            put(copied)
        else:
            self.set(name, get, put)

    def set_each(
        self, name: str, count: int, get: Callable[[int], str], put: Callable[[int, str], None]
    ) -> None:
        """Re-text ``count`` indexed strings (combo items, tab texts, header sections)."""
        for i in range(count):
            self.set(f"{name}{i}", partial(get, i), partial(put, i))


def _retext_items(w: QWidget, t: _Target) -> None:
    if isinstance(w, QComboBox):
        t.set_each("item", w.count(), w.itemText, w.setItemText)
    elif isinstance(w, QTabWidget):
        t.set_each("tab", w.count(), w.tabText, w.setTabText)
    elif isinstance(w, QListWidget):
        for i in range(w.count()):
            item = w.item(i)
            t.set(f"item{i}", item.text, item.setText)
            t.set_tip(f"itemtip{i}", item.toolTip, item.setToolTip)
    elif isinstance(w, QTableWidget):
        for column in range(w.columnCount()):
            header = w.horizontalHeaderItem(column)
            if header is not None:
                t.set(f"header{column}", header.text, header.setText)
        for row in range(w.rowCount()):
            header = w.verticalHeaderItem(row)
            if header is not None:
                t.set(f"row{row}", header.text, header.setText)
            for column in range(w.columnCount()):
                cell = w.item(row, column)
                if cell is not None:
                    t.set(f"cell{row}.{column}", cell.text, cell.setText)
    elif isinstance(w, QTreeWidget):
        tree_header = w.headerItem()
        t.set_each("header", tree_header.columnCount(), tree_header.text, tree_header.setText)


def retext_widget(w: QWidget, retext: Retexter) -> None:
    """Re-text one widget's own strings (not its children's)."""
    t = _Target(w, _contexts(w), retext)
    t.set("title", w.windowTitle, w.setWindowTitle)
    t.set_tip("tip", w.toolTip, w.setToolTip)
    t.set("status", w.statusTip, w.setStatusTip)
    if isinstance(w, (QLabel, QAbstractButton)):
        t.set("text", w.text, w.setText)
    if isinstance(w, QGroupBox):
        t.set("box", w.title, w.setTitle)
    if isinstance(w, QMenu):
        t.set("menu", w.title, w.setTitle, mnemonic=True)  # menus show the marker as an underline
    if isinstance(w, QLineEdit):
        t.set("placeholder", w.placeholderText, w.setPlaceholderText)
    if isinstance(w, QAbstractSpinBox):
        t.set("special", w.specialValueText, w.setSpecialValueText)
        if hasattr(w, "suffix"):
            t.set("suffix", w.suffix, w.setSuffix)  # type: ignore[attr-defined]
            t.set("prefix", w.prefix, w.setPrefix)  # type: ignore[attr-defined]
    if isinstance(w, QWizardPage):
        t.set("subtitle", w.subTitle, w.setSubTitle)
        t.set("title", w.title, w.setTitle)
    _retext_items(w, t)
    if isinstance(w, QAbstractItemView) and w.model() is not None:
        _refresh_model(w.model())
    if isinstance(w, QGraphicsView) and w.scene() is not None:
        _retext_plots(w, retext)


def _retext_plots(view: QGraphicsView, retext: Retexter) -> None:
    """Plot titles, axis labels, legends and notes of pyqtgraph plots (scene items, not widgets)."""
    contexts = _contexts(view)
    for item in view.scene().items():
        if not isinstance(item, QObject):
            continue
        t = _Target(item, contexts, retext)
        if isinstance(item, pg.LabelItem):
            t.set("text", lambda i=item: str(i.text), item.setText)
        elif isinstance(item, pg.AxisItem) and item.labelText:
            t.set(
                "text", lambda i=item: str(i.labelText), lambda text, i=item: i.setLabel(text, i.labelUnits)
            )
        elif isinstance(item, pg.TextItem):
            t.set("text", item.toPlainText, item.setText)


def _refresh_model(model: QAbstractItemModel) -> None:
    """Models answer data()/headerData() with tr() at call time; tell the views to ask again."""
    rows = model.rowCount(QModelIndex())
    cols = 1 if isinstance(model, QAbstractListModel) else model.columnCount(QModelIndex())  # hidden there
    for orientation, count in ((Qt.Orientation.Horizontal, cols), (Qt.Orientation.Vertical, rows)):
        if count:
            model.headerDataChanged.emit(orientation, 0, count - 1)
    if rows and cols:
        model.dataChanged.emit(model.index(0, 0), model.index(rows - 1, cols - 1))


def _retext_actions(window: QWidget, retext: Retexter) -> None:
    specs = {s.id: s for s in ACTIONS}
    for action in window.findChildren(QAction):
        s = specs.get(action.objectName())
        if s is not None:
            old_tip = action.toolTip()
            apply_texts(action, s)
            retext.tooltips[old_tip] = action.toolTip()
        elif not action.isSeparator() and action.menu() is None:
            owner = action.parent()
            t = _Target(action, _contexts(owner if isinstance(owner, QWidget) else window), retext)
            t.set("text", action.text, action.setText, mnemonic=True)
            t.set("tip", action.toolTip, action.setToolTip)
            t.set("status", action.statusTip, action.setStatusTip)


def retranslate_window(window: QWidget, old_language: str) -> None:
    """Re-text ``window`` and everything in it from ``old_language`` to the installed language."""
    retext = Retexter(old_language)
    _retext_actions(window, retext)
    widgets = [window, *window.findChildren(QWidget)]
    for w in widgets:
        retext_widget(w, retext)
    for w in widgets:
        hook = getattr(w, "retranslate", None)
        if callable(hook):
            hook()


def retranslate_all(old_language: str, new_language: str) -> None:
    """Re-text every open top-level window after the language changed."""
    if old_language == new_language:
        return
    for top in QApplication.topLevelWidgets():
        if top.parentWidget() is None:
            retranslate_window(top, old_language)
