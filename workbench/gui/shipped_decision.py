"""The decision a run ships with, as the Train page shows it: per class threshold, area and why.

The texts are composed from the run's ``decision`` and ``decision_origin`` (see
:mod:`workbench.core.operating_point`); the widget recomposes them after a language switch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from workbench.core.decisions import DecisionConfig
from workbench.core.operating_point import LOWEST, MARGIN_OVERKILL_SHARE, score_text
from workbench.core.types import Run
from workbench.gui.names import breakable, rich
from workbench.gui.retranslatable import Retranslatable

CTX = "TrainPage"
WARNING_STYLE = "color: #D55E00;"  # vermillion: readable on the light and the dark theme


def _t(text: str) -> str:
    return QCoreApplication.translate(CTX, text)


def _fill(text: str, *args: object) -> str:
    for i, arg in enumerate(args, start=1):
        text = text.replace(f"%{i}", str(arg))
    return text


def _head(name: str, threshold: float, min_area: int, smallest: int | None) -> str:
    if min_area and smallest:
        return _fill(_t("%1: threshold %2, min area %3 px (smallest labelled defect %4 px)"),
                     name, score_text(threshold), min_area, smallest)  # fmt: skip
    if min_area:
        return _fill(_t("%1: threshold %2, min area %3 px"), name, score_text(threshold), min_area)
    return _fill(_t("%1: threshold %2"), name, score_text(threshold))


def origin_how(origin: dict[str, Any]) -> tuple[str, bool]:
    """How one class's threshold was chosen, and whether that deserves a warning."""
    method = origin.get("method")
    if method == "user":
        text = (
            _t("shipped by a person on evaluation %1") if origin.get("eval_id") else _t("shipped by a person")
        )
        text = _fill(text, origin.get("eval_id", ""))
        if origin.get("gray_low") is not None:
            text += "; " + _fill(
                _t("gray zone from %1: a person decides"), f"{float(origin['gray_low']):.3f}"
            )
        if origin.get("trained_threshold") is not None:
            text += "; " + _fill(_t("training placed %1"), score_text(float(origin["trained_threshold"])))
        return text, False
    good_only = "train_ng" in origin  # placed on every labelled image the good-only fit did not see
    if method == "val_zero_escape":
        zero = float(origin.get("zero_escape_threshold", origin["threshold"]))
        kept = bool(origin.get("margin_stopped_at_lowest")) and zero < LOWEST
        if kept and good_only:
            text = _t("at the zero-escape point %2 of %1 NG parts outside the test split (%5 of them from "
                      "the train split, kept out of the fit), with no margin: none goes below %6; rejects "
                      "%3 of %4 good parts the fit did not see")  # fmt: skip
        elif kept:
            text = _t("at the zero-escape point %2 of %1 val NG parts, with no margin: none goes below %6; "
                      "rejects %3 of %4 val good parts")  # fmt: skip
        elif good_only:
            text = _t("below the zero-escape point %2 of %1 NG parts outside the test split (%5 of them "
                      "from the train split, kept out of the fit) by a margin for NG parts scoring lower "
                      "still; rejects %3 of %4 good parts the fit did not see")  # fmt: skip
        else:
            text = _t("below the zero-escape point %2 of %1 val NG parts by a margin for NG parts scoring "
                      "lower still; rejects %3 of %4 val good parts")  # fmt: skip
        text = _fill(text, origin.get("val_ng", 0), score_text(zero), origin.get("val_overkill", 0),
                     origin.get("val_ok", 0), origin.get("train_ng", 0), f"{LOWEST:g}")  # fmt: skip
        if origin.get("margin_limited_by_overkill") and not kept:
            text += "; " + _fill(_t("the margin stops where it would reject more than %1 % more good parts"),
                                 f"{100 * MARGIN_OVERKILL_SHARE:g}")  # fmt: skip
        elif origin.get("margin_stopped_at_lowest") and not kept:
            text += "; " + _fill(_t("the margin stops at %1"), f"{LOWEST:g}")
        if origin.get("escape_bound95") is not None:
            text += "; " + _fill(_t("none of them escapes, yet up to %1 % of new NG parts may (95 % bound)"),
                                 f"{100 * float(origin['escape_bound95']):.1f}")  # fmt: skip
        return text, False
    if method == "ok_quantile":
        if good_only:
            text = _t("a guess from good parts only: the %1 % quantile of %2 good parts the fit did not "
                      "see; no NG part is labelled outside the test split: label a few to place it on "
                      "defects")  # fmt: skip
        else:
            text = _t("a guess from good parts only: the %1 % quantile of %2 val good parts; label NG parts "
                      "to place it on defects")  # fmt: skip
        quantile = 100 * float(origin.get("quantile", 0.99))
        return _fill(text, f"{quantile:g}", origin.get("val_ok", 0)), True
    if origin.get("reason") == "time_limit":
        return _t("default (the time limit left no time to place it on the validation)"), False
    return _t("default (no validation images)"), False


def outline_how(origin: dict[str, Any]) -> str:
    """Where a class's outlines are drawn when that differs from its threshold, and why."""
    level, best = float(origin["outline_threshold"]), float(origin["val_dice_at_outline"])
    if level > float(origin["threshold"]):
        text = _t("outlines drawn at %1, the level with the best val pixel Dice (%2; %3 at the threshold)")
    else:
        text = _t(
            "regions that reach the threshold are outlined down to %1, the level with the best val "
            "pixel Dice (%2; %3 at the threshold)"
        )
    return _fill(text, f"{level:.2f}", f"{best:.3f}", f"{float(origin['val_dice_at_threshold']):.3f}")


def origin_line(origin: dict[str, Any]) -> tuple[str, bool]:
    """One class rule of a decision and how it was chosen (an entry of ``decision_origin``), and
    whether that deserves a warning."""
    how, warn = origin_how(origin)
    head = _head(str(origin.get("name", "")), float(origin["threshold"]), int(origin.get("min_area_px") or 0),
                 origin.get("smallest_defect_px"))  # fmt: skip
    line = f"{head} — {how}"
    if origin.get("outline_threshold") is not None:
        line += "; " + outline_how(origin)
    return line, warn


NameOf = Callable[[int], str | None]  # a sample's name, None when it is no longer in the project


def _part_link(sample_id: int | None, score: float, name_of: NameOf) -> str:
    """A val NG part as rich text: its name as a link that opens it for labelling, and its score."""
    name = name_of(sample_id) if sample_id is not None else None
    if name is None:
        shown = _fill(_t("sample %1 (no longer in the project)"), sample_id) if sample_id is not None else "?"
        return f"{rich(shown)} {score_text(score)}"
    return f'<a href="{sample_id}">{rich(breakable(name))}</a> {score_text(score)}'


def weakest_lines(origin: dict[str, Any], name_of: NameOf) -> list[tuple[str, bool]]:
    """Rich-text lines (with whether each deserves a warning) naming the lowest-scoring NG parts
    that placed one class's threshold, and, when the lowest sits apart from the others, what the
    threshold would be without it (see ``core.operating_point``); none without named parts."""
    weakest = [w for w in origin.get("weakest_ng", ()) if w.get("sample_id") is not None]
    if origin.get("method") != "val_zero_escape" or not weakest:
        return []
    links = ", ".join(_part_link(w["sample_id"], float(w["score"]), name_of) for w in weakest)
    good_only = "train_ng" in origin
    if good_only:
        text = _t("Lowest-scoring NG parts of %1 the fit did not see (they place its threshold): %2")
    else:
        text = _t("Lowest-scoring val NG parts of %1 (they place its threshold): %2")
    lines = [(_fill(text, rich(str(origin.get("name", ""))), links), False)]
    if origin.get("lone_weakest") and origin.get("without_weakest"):
        without = origin["without_weakest"]
        first = _part_link(weakest[0]["sample_id"], float(weakest[0]["score"]), name_of)
        warn = _t("⚠ The lowest, %1, scores far below every other NG part, so this one part sets the "
                  "threshold: check its label. Without it the threshold would be %2 and reject %3 of %4 "
                  "good parts instead of %5.")  # fmt: skip
        then = score_text(float(without["threshold"]))
        lines.append((_fill(warn, first, then, int(without["val_overkill"]),
                            origin.get("val_ok", 0), origin.get("val_overkill", 0)), True))  # fmt: skip
    return lines


def evaluation_note(origins: list[dict[str, Any]]) -> tuple[str, bool]:
    """What the Evaluate page says of thresholds a run chose (``chosen_on_validation``), and whether
    that deserves a warning (a guess from good parts only)."""
    if any(o.get("method") == "user" for o in origins):
        return _t("the decision the run ships, chosen by a person"), False
    if any(o.get("method") == "ok_quantile" for o in origins):
        return _t("chosen by the run as a guess from good parts only: label NG parts"), True
    if any("train_ng" in o for o in origins):
        text = _t("placed by the run on %1 NG parts its fit never saw: none of them escapes")
        return _fill(text, max(int(o.get("val_ng", 0)) for o in origins)), False
    return _t("chosen on the run's validation images"), False


def decision_lines(run: Run) -> list[tuple[str, bool]]:
    """One (text, warning) per class rule of ``run``'s shipped decision (none before it completed)."""
    model = run.config.model
    if model is None:
        return []
    origins = model.decision_origin
    if origins:
        return [(f"{'⚠ ' if warn else ''}{line}", warn) for line, warn in map(origin_line, origins)]
    decision = model.decision
    how = _t("the default threshold")
    rules = decision.classes
    if not rules:
        return [(_head(_t("all classes"), decision.default_threshold, 0, None) + f" — {how}", False)]
    return [(_head(r.name, r.threshold, r.min_area_px, None) + f" — {how}", False) for r in rules]


def classifier_line(run: Run) -> str | None:
    """Whether the run has a region classifier (a second stage) and the threshold(s) it ships, or why
    not; None before the run completed."""
    model = run.config.model
    if model is None:
        return None
    if model.region_stage is None:
        if model.task != "segmentation":
            return _t("No region classifier: only segmentation runs have a second stage.")
        if run.config.preset == "fast":
            return _t("No region classifier: it is off in the Quick preset.")
        return _t("No region classifier: this run was trained without a second stage.")
    names = ", ".join(model.region_stage.names)
    rules = model.shipped_decision().classes
    shipped = sorted({r.confirm_threshold for r in rules if r.confirm_threshold is not None})
    if not shipped:
        return _fill(_t("Region classifier (second stage, names %1): off in the shipped decision, it vetoes "
                        "nothing."), names)  # fmt: skip
    if len(shipped) == 1:
        text = _t("Region classifier (second stage, names %1): a region counts only when its defect "
                  "probability reaches %2; below, the classifier vetoes it as not a defect.")  # fmt: skip
        return _fill(text, names, f"{shipped[0]:.3f}")
    each = "; ".join(f"{r.name} {r.confirm_threshold:.3f}" for r in rules if r.confirm_threshold is not None)
    text = _t("Region classifier (second stage, names %1): a region counts only when its defect "
              "probability reaches its class's threshold (%2); below, the classifier vetoes it.")  # fmt: skip
    return _fill(text, names, each)


def chosen_on_validation(run: Run, decision: DecisionConfig) -> bool:
    """Whether ``decision``'s class thresholds are the ones ``run`` chose on its validation images."""
    origins = run.config.model.decision_origin if run.config.model is not None else ()
    if not origins or any(o.get("method") == "default" for o in origins):
        return False
    shipped = [float(o["threshold"]) for o in origins]
    used = [decision.ng_threshold(r) for r in decision.classes]
    return len(used) == len(shipped) and all(abs(a - b) < 1e-6 for a, b in zip(used, shipped, strict=True))


class ShippedDecisionWidget(Retranslatable, QWidget):
    """A compact block: the thresholds and minimum areas a completed run ships with, and why; the
    NG parts that placed each threshold are links that open them for labelling."""

    open_samples = Signal(list, int)  # ordered sample ids, the one to show first

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run: Run | None = None
        self.name_of: NameOf = lambda _sid: None  # set by the page that knows the project
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 4, 0, 0)
        self._layout.setSpacing(2)
        self.title = QLabel()
        self.title.setObjectName("sectionTitle")
        self.note = QLabel()
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.lines: list[QLabel] = []  # one per class rule
        self.stage = QLabel()  # the region classifier (second stage), or why the run has none
        self.stage.setWordWrap(True)
        self._layout.addWidget(self.title)
        self.setVisible(False)

    def show_run(self, run: Run | None) -> None:
        """Show ``run``'s decision; hidden for no run or one that did not complete."""
        self.run = run if run is not None and run.status == "completed" else None
        for label in self.lines:
            self._layout.removeWidget(label)
            label.hide()  # deleted later: until then it must not show its old text over the new one
            label.deleteLater()
        self.lines = []
        self._layout.removeWidget(self.note)
        self._layout.removeWidget(self.stage)
        self.setVisible(self.run is not None)
        if self.run is None:
            return
        self.title.setText(_t("Shipped decision"))
        origins = self.run.config.model.decision_origin if self.run.config.model is not None else []
        parts = [line for origin in origins for line in weakest_lines(origin, self.name_of)]
        for text, warn in decision_lines(self.run):
            plain = QLabel(text)
            plain.setTextFormat(Qt.TextFormat.PlainText)
            self._add_line(plain, warn)
        for text, warn in parts:
            label = QLabel(text)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.linkActivated.connect(self._open_link)
            self._add_line(label, warn)
        stage = classifier_line(self.run)
        self.stage.setText(stage or "")
        self._layout.addWidget(self.stage)
        self.stage.setVisible(stage is not None)
        self.note.setText(_t("Evaluation and export use it unless you change it."))
        self._layout.addWidget(self.note)

    def _add_line(self, label: QLabel, warn: bool) -> None:
        label.setWordWrap(True)
        label.setStyleSheet(WARNING_STYLE if warn else "")
        self.lines.append(label)
        self._layout.addWidget(label)

    def _open_link(self, link: str) -> None:
        """Open the linked NG part, with the run's other named parts still in the project, on the
        Label page."""
        model = self.run.config.model if self.run is not None else None
        named = [
            w.get("sample_id")
            for o in (model.decision_origin if model else [])
            for w in o.get("weakest_ng", ())
        ]
        ids = [
            int(sid) for sid in dict.fromkeys(named) if sid is not None and self.name_of(int(sid)) is not None
        ]
        if int(link) not in ids:
            ids.insert(0, int(link))
        self.open_samples.emit(ids, int(link))

    def texts(self) -> list[str]:
        return [label.text() for label in self.lines]

    def retranslate(self) -> None:
        self.show_run(self.run)  # the lines are composed from the run, so they are simply made again
