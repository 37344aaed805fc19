"""Every command of the window, declared as data: id, text, shortcut, icon, callback, menus, enablement.

Menus, toolbars and shortcuts are built from this one list, so the main window stays a
composition root and a command is added in one place. Callbacks and conditions receive the
main window.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from workbench.gui.i18n import LANGUAGES, current_language, switch_language
from workbench.gui.icons import icon

Callback = Callable[[Any], None]
Condition = Callable[[Any], bool]
TOOLS = ("brush", "eraser", "polygon", "grabcut", "wand", "threshold", "prediction")
PAGES = ("data", "label", "train", "evaluate", "export")
MENUS = (
    ("file", QT_TRANSLATE_NOOP("menus", "&File")),
    ("edit", QT_TRANSLATE_NOOP("menus", "&Edit")),
    ("view", QT_TRANSLATE_NOOP("menus", "&View")),
    ("data", QT_TRANSLATE_NOOP("menus", "&Data")),
    ("label", QT_TRANSLATE_NOOP("menus", "&Label")),
    ("help", QT_TRANSLATE_NOOP("menus", "&Help")),
)
SUBMENUS = {"view/language": QT_TRANSLATE_NOOP("menus", "&Language")}  # "parent/key": title


@dataclass(frozen=True)
class ActionSpec:
    """One command. ``menus`` names menus ("file", ...) or toolbars ("toolbar:label", ...)."""

    id: str
    text: str
    callback: Callback
    shortcut: str | tuple[str, ...] = ""
    icon: str = ""
    menus: tuple[str, ...] = ()
    enabled_when: Condition | None = None
    checkable: bool = False
    group: str = ""  # actions sharing a group are mutually exclusive
    tip: str = ""
    checked_when: Condition | None = None  # initial check state of a checkable action


def _has_project(w: Any) -> bool:
    return w.project is not None


def _labeling(w: Any) -> bool:
    return w.project is not None and w.current_page() == "label" and w.label_page.has_sample


def _can_undo(w: Any) -> bool:
    return _labeling(w) and w.label_page.can_undo


def _can_redo(w: Any) -> bool:
    return _labeling(w) and w.label_page.can_redo


def _data_selection(w: Any) -> bool:
    return w.project is not None and w.current_page() == "data" and w.data_page.selected_count() > 0


def _tool(name: str, text: str, key: str, tip: str) -> ActionSpec:
    return ActionSpec(f"tool.{name}", text, lambda w: w.label_page.set_tool(name), key, name,
                      ("label", "toolbar:label"), _labeling, checkable=True, group="tool",
                      tip=tip)  # fmt: skip


def _page(name: str, text: str, key: str) -> ActionSpec:
    return ActionSpec(f"page.{name}", text, lambda w: w.show_page(name), key, name, ("view",),
                      _has_project, checkable=True, group="page")  # fmt: skip


def _class_key(index: int) -> ActionSpec:
    return ActionSpec(f"label.class{index + 1}", QT_TRANSLATE_NOOP("actions", "Select Class %1"),
                      lambda w: w.label_page.select_class_index(index), str(index + 1), "", (),
                      _labeling)  # fmt: skip


N_ = QT_TRANSLATE_NOOP
ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("file.new", N_("actions", "&New Project…"), lambda w: w.show_start(), "Ctrl+N", "new",
               ("file",)),
    ActionSpec("file.open", N_("actions", "&Open Project…"), lambda w: w.open_project_dialog(), "Ctrl+O",
               "open", ("file",)),
    ActionSpec("file.sample", N_("actions", "Open &Sample Project"), lambda w: w.open_sample_project(), "",
               "sample", ("file",)),
    ActionSpec("file.export", N_("actions", "E&xport Model…"), lambda w: w.export_page.open_wizard(),
               "Ctrl+E", "export", ("file",), _has_project),
    ActionSpec("file.close", N_("actions", "&Close Project"), lambda w: w.close_project(), "Ctrl+W",
               "close", ("file",), _has_project),
    ActionSpec("file.quit", N_("actions", "&Quit"), lambda w: w.close(), "Ctrl+Q", "quit", ("file",)),
    ActionSpec("edit.undo", N_("actions", "&Undo"), lambda w: w.label_page.undo(), "Ctrl+Z", "undo",
               ("edit", "toolbar:label"), _can_undo),
    ActionSpec("edit.redo", N_("actions", "&Redo"), lambda w: w.label_page.redo(),
               ("Ctrl+Shift+Z", "Ctrl+Y"), "redo", ("edit", "toolbar:label"), _can_redo),
    _page("data", N_("actions", "&Data"), "Ctrl+1"),
    _page("label", N_("actions", "&Label"), "Ctrl+2"),
    _page("train", N_("actions", "&Train"), "Ctrl+3"),
    _page("evaluate", N_("actions", "&Evaluate"), "Ctrl+4"),
    _page("export", N_("actions", "E&xport"), "Ctrl+5"),
    ActionSpec("view.grid", N_("actions", "Thumbnail &Grid"), lambda w: w.data_page.set_view("grid"), "",
               "grid", ("view", "toolbar:data"), _has_project, checkable=True, group="dataview"),
    ActionSpec("view.table", N_("actions", "&Table"), lambda w: w.data_page.set_view("table"), "", "table",
               ("view", "toolbar:data"), _has_project, checkable=True, group="dataview"),
    ActionSpec("view.fit", N_("actions", "&Fit Image"), lambda w: w.label_page.canvas.fit(), ("F", "Ctrl+0"),
               "fit", ("view", "toolbar:label"), _labeling),
    ActionSpec("view.actual", N_("actions", "Actual &Size (1:1)"),
               lambda w: w.label_page.canvas.actual_size(), "Ctrl+Alt+0", "actual", ("view", "toolbar:label"),
               _labeling),
    ActionSpec("view.zoom_region", N_("actions", "&Zoom to Region"),
               lambda w: w.label_page.canvas.arm_zoom_region(), "Z", "zoom_region", ("view", "toolbar:label"),
               _labeling, tip=N_("actions", "Drag a rectangle to zoom to it (or Ctrl+drag with any tool)")),
    ActionSpec("view.next_region", N_("actions", "Next &Region"),
               lambda w: w.label_page.canvas.next_region(1),
               "R", "next_region", ("view", "toolbar:label"), _labeling,
               tip=N_("actions", "Zoom to the next labelled region of this sample (Shift+R: previous)")),
    ActionSpec("view.previous_region", N_("actions", "Pre&vious Region"),
               lambda w: w.label_page.canvas.next_region(-1), "Shift+R", "", ("view",), _labeling),
    ActionSpec("view.zoom_in", N_("actions", "Zoom &In"), lambda w: w.label_page.canvas.zoom_by(1.25),
               ("Ctrl++", "Ctrl+="), "zoom_in", ("view",), _labeling),
    ActionSpec("view.zoom_out", N_("actions", "Zoom &Out"), lambda w: w.label_page.canvas.zoom_by(0.8),
               "Ctrl+-", "zoom_out", ("view",), _labeling),
    ActionSpec("view.mask", N_("actions", "Show &Mask"), lambda w: w.label_page.toggle_mask(), "M", "mask",
               ("view", "toolbar:label"), _labeling, checkable=True),
    *(
        ActionSpec(f"view.language.{code}", name, lambda _w, c=code: switch_language(c), "", "",
                   ("view/language",), checkable=True, group="language",
                   checked_when=lambda _w, c=code: current_language() == c)
        for code, name in LANGUAGES.items()
    ),
    ActionSpec("data.import", N_("actions", "&Import Images…"), lambda w: w.data_page.import_data(), "Ctrl+I",
               "import", ("data", "toolbar:data"), _has_project),
    ActionSpec("data.classes", N_("actions", "Defect &Classes…"), lambda w: w.data_page.edit_classes(), "",
               "classes", ("data", "toolbar:data"), _has_project),
    ActionSpec("data.split", N_("actions", "&Split Samples…"), lambda w: w.data_page.split_samples(), "",
               "split", ("data", "toolbar:data"), _has_project),
    ActionSpec("data.open_label", N_("actions", "&Label Selected"), lambda w: w.data_page.label_selected(),
               "", "label", ("data", "toolbar:data"), _data_selection),
    *(
        _tool(n, t, k, tip)
        for n, t, k, tip in (
            ("brush", N_("actions", "&Brush"), "B", N_("actions", "Paint the selected class; [ and ] size")),
            ("eraser", N_("actions", "&Eraser"), "E", N_("actions", "Erase to background; [ and ] size")),
            ("polygon", N_("actions", "&Polygon"), "P",
             N_("actions", "Click corners; double-click or Enter closes, Esc cancels")),
            ("grabcut", N_("actions", "Box → &GrabCut"), "G",
             N_("actions", "Drag a box around a defect; GrabCut finds it")),
            ("wand", N_("actions", "Magic &Wand"), "W",
             N_("actions", "Click to preview similar connected pixels; click inside or Enter applies")),
            ("threshold", N_("actions", "&Threshold in Box"), "T",
             N_("actions", "Drag a box; pixels beyond the threshold are filled")),
            ("prediction", N_("actions", "&Accept Prediction"), "A",
             N_("actions", "Click a region of the latest model's proposal to accept it")),
        )
    ),
    ActionSpec("label.accept_all", N_("actions", "Accept &Whole Prediction"),
               lambda w: w.label_page.accept_whole_prediction(), "Shift+A", "", ("label",), _labeling),
    ActionSpec("label.smaller", N_("actions", "Smaller Brush"), lambda w: w.label_page.grow_brush(-1),
               "[", "", ("label",), _labeling),
    ActionSpec("label.bigger", N_("actions", "Bigger Brush"), lambda w: w.label_page.grow_brush(1), "]", "",
               ("label",), _labeling),
    ActionSpec("label.ok", N_("actions", "Mark &OK"), lambda w: w.label_page.set_label("ok"), "O", "ok",
               ("label",), _labeling),
    ActionSpec("label.ng", N_("actions", "Mark &NG"), lambda w: w.label_page.set_label("ng"), "N", "ng",
               ("label",), _labeling),
    ActionSpec("label.doubtful", N_("actions", "Mark &Doubtful"),
               lambda w: w.label_page.set_label("doubtful"), "D", "doubtful", ("label",), _labeling,
               tip=N_("actions", "Experts disagree on this part: training leaves it out, evaluation "
                                 "counts it apart")),
    ActionSpec("label.reviewed", N_("actions", "Mark Re&viewed"), lambda w: w.label_page.mark_reviewed(), "V",
               "ok", ("label",), _labeling,
               tip=N_("actions", "Done reviewing this sample (Data page: filter by review)")),
    ActionSpec("label.previous", N_("actions", "&Previous Sample"), lambda w: w.label_page.step(-1),
               ("Left", "PgUp"), "previous", ("label",), _labeling),
    ActionSpec("label.next", N_("actions", "Ne&xt Sample"), lambda w: w.label_page.step(1),
               ("Right", "PgDown"), "next", ("label",), _labeling),
    ActionSpec("label.next_unlabeled", N_("actions", "Next &Unlabeled"),
               lambda w: w.label_page.next_unlabeled(), "U", "next_unlabeled", ("label",), _labeling),
    ActionSpec("label.previous_unlabeled", N_("actions", "Previous Unla&beled"),
               lambda w: w.label_page.next_unlabeled(backwards=True), "Shift+U", "", ("label",), _labeling),
    ActionSpec("label.save", N_("actions", "&Save Mask"), lambda w: w.label_page.save(), "Ctrl+S", "save",
               ("label",), _labeling),
    *(_class_key(i) for i in range(9)),
    ActionSpec("help.shortcuts", N_("actions", "&Keyboard Shortcuts"), lambda w: w.show_shortcuts(), "F1",
               "help", ("help",)),
    ActionSpec("help.about", N_("actions", "&About Defect Workbench"), lambda w: w.show_about(), "", "app",
               ("help",)),
)  # fmt: skip


def tr_text(text: str, *args: object) -> str:
    """Translate an action text (context "actions") and fill %1, %2 ..."""
    out = QCoreApplication.translate("actions", text)
    for i, arg in enumerate(args, 1):
        out = out.replace(f"%{i}", str(arg))
    return out


def spec(action_id: str) -> ActionSpec:
    for s in ACTIONS:
        if s.id == action_id:
            return s
    raise KeyError(action_id)


def _shortcuts(s: ActionSpec) -> list[QKeySequence]:
    keys = (s.shortcut,) if isinstance(s.shortcut, str) else s.shortcut
    return [QKeySequence(k) for k in keys if k]


def apply_texts(action: QAction, s: ActionSpec) -> None:
    """Set the (translated) text, tooltip and status tip of ``action``; run again after a language switch."""
    text = (
        tr_text(s.text, s.id.removeprefix("label.class"))
        if s.id.startswith("label.class")
        else tr_text(s.text)
    )
    action.setText(text)
    shown = strip_mnemonic(text)
    keys = action.shortcut().toString()
    if s.tip:
        action.setToolTip(f"{shown} ({keys}): {tr_text(s.tip)}" if keys else f"{shown}: {tr_text(s.tip)}")
        action.setStatusTip(tr_text(s.tip))
    else:
        action.setToolTip(f"{shown} ({keys})" if keys else shown)


def strip_mnemonic(text: str) -> str:
    """``"&File"`` -> ``"File"``, ``"文件(&F)"`` -> ``"文件"``: the text without its Alt-key marker."""
    return re.sub(r"\(&\w\)", "", text).replace("&", "")


def build_action(s: ActionSpec, window: Any, parent: QWidget) -> QAction:
    """A QAction for ``s`` whose trigger calls ``s.callback(window)``."""
    action = QAction(icon(s.icon), "", parent)
    action.setObjectName(s.id)
    action.setShortcuts(_shortcuts(s))
    action.setCheckable(s.checkable)
    apply_texts(action, s)
    if s.checked_when is not None:
        action.setChecked(bool(s.checked_when(window)))
    action.triggered.connect(lambda _checked=False: s.callback(window))
    return action
