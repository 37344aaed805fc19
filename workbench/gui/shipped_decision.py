"""The decision a run ships with, as the Train page shows it: per class threshold, area and why.

The texts are composed from the run's ``decision`` and ``decision_origin`` (see
:mod:`workbench.core.operating_point`); the widget recomposes them after a language switch.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from workbench.core.decisions import DecisionConfig
from workbench.core.operating_point import MARGIN_OVERKILL_SHARE
from workbench.core.types import Run
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
                     name, f"{threshold:.3f}", min_area, smallest)  # fmt: skip
    if min_area:
        return _fill(_t("%1: threshold %2, min area %3 px"), name, f"{threshold:.3f}", min_area)
    return _fill(_t("%1: threshold %2"), name, f"{threshold:.3f}")


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
            text += "; " + _fill(_t("training placed %1"), f"{float(origin['trained_threshold']):.3f}")
        return text, False
    good_only = "train_ng" in origin  # placed on every labelled image the good-only fit did not see
    if method == "val_zero_escape":
        zero = float(origin.get("zero_escape_threshold", origin["threshold"]))
        if good_only:
            text = _t("below the zero-escape point %2 of %1 NG parts outside the test split (%5 of them "
                      "from the train split, kept out of the fit) by a margin for NG parts scoring lower "
                      "still; rejects %3 of %4 good parts the fit did not see")  # fmt: skip
        else:
            text = _t("below the zero-escape point %2 of %1 val NG parts by a margin for NG parts scoring "
                      "lower still; rejects %3 of %4 val good parts")  # fmt: skip
        text = _fill(text, origin.get("val_ng", 0), f"{zero:.3f}", origin.get("val_overkill", 0),
                     origin.get("val_ok", 0), origin.get("train_ng", 0))  # fmt: skip
        if origin.get("margin_limited_by_overkill"):
            text += "; " + _fill(_t("the margin stops where it would reject more than %1 % more good parts"),
                                 f"{100 * MARGIN_OVERKILL_SHARE:g}")  # fmt: skip
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
    """A compact block: the thresholds and minimum areas a completed run ships with, and why."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run: Run | None = None
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
        for text, warn in decision_lines(self.run):
            label = QLabel(text)
            label.setWordWrap(True)
            label.setStyleSheet(WARNING_STYLE if warn else "")
            self.lines.append(label)
            self._layout.addWidget(label)
        stage = classifier_line(self.run)
        self.stage.setText(stage or "")
        self._layout.addWidget(self.stage)
        self.stage.setVisible(stage is not None)
        self.note.setText(_t("Evaluation and export use it unless you change it."))
        self._layout.addWidget(self.note)

    def texts(self) -> list[str]:
        return [label.text() for label in self.lines]

    def retranslate(self) -> None:
        self.show_run(self.run)  # the lines are composed from the run, so they are simply made again
