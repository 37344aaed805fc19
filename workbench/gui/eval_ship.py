"""The Evaluate page's operating-point row: a gray zone below the NG threshold, and "ship it".

The slider sets where parts become NG; with the gray zone on, parts whose defects score between
its lower end and the slider go to a person instead of passing. "Ship this decision" makes the
threshold and gray zone shown what the evaluated run ships (``services.decision``): its later
evaluations and its exports use them; the decision training placed is kept and can be restored.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QHBoxLayout, QMessageBox, QPushButton, QWidget

from workbench.gui.icons import icon
from workbench.gui.retranslatable import Retranslatable

CTX = "EvaluatePage"
MIN_GAP = 0.001  # the gray zone's lower end stays this far below the NG threshold


def _t(text: str) -> str:
    return QCoreApplication.translate(CTX, text)


def default_gray_low(threshold: float, metrics: dict[str, Any]) -> float:
    """Where the gray zone starts when switched on: the coverage point below which no NG part of
    the evaluation scored (every part below it passes safely), else half the threshold."""
    low = metrics.get("image.coverage.pass_below")
    if isinstance(low, (int, float)) and MIN_GAP <= low <= threshold - MIN_GAP:
        return float(low)
    return max(MIN_GAP, round(threshold / 2, 3))


class OperatingPointBar(Retranslatable, QWidget):
    """[x] Gray zone from [0.120]   [Ship this decision]"""

    gray_changed = Signal()
    ship_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gray_box = QCheckBox()
        self.low_spin = QDoubleSpinBox(decimals=3, minimum=MIN_GAP, maximum=1.0 - MIN_GAP, singleStep=0.01)
        self.low_spin.setEnabled(False)
        self.ship_button = QPushButton(icon("export"), "")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.gray_box)
        row.addWidget(self.low_spin)
        row.addStretch(1)
        row.addWidget(self.ship_button)
        self.gray_box.toggled.connect(self._toggled)
        self.low_spin.valueChanged.connect(lambda _v: self.gray_changed.emit())
        self.ship_button.clicked.connect(self.ship_requested.emit)
        self.retranslate()

    def retranslate(self) -> None:
        self.gray_box.setText(_t("Gray zone from"))
        self.gray_box.setToolTip(
            _t("Parts whose defects score between this value and the NG threshold go to a person")
        )
        self.ship_button.setText(_t("Ship this decision"))
        self.ship_button.setToolTip(
            _t(
                "Make this threshold and gray zone what the evaluated run ships: its exports and "
                "evaluations use them from now on"
            )
        )

    def _toggled(self, on: bool) -> None:
        self.low_spin.setEnabled(on)
        self.gray_changed.emit()

    def gray(self, threshold: float) -> tuple[float, float] | None:
        """The gray zone (low, NG threshold) to decide with; None when off or empty."""
        if not self.gray_box.isChecked():
            return None
        low = min(self.low_spin.value(), threshold - MIN_GAP)
        return (round(low, 4), threshold) if low >= MIN_GAP else None

    def show_gray(self, gray: tuple[float, float] | None, threshold: float, metrics: dict[str, Any]) -> None:
        """Set the controls without deciding again: a loaded evaluation's zone, or off."""
        for w in (self.gray_box, self.low_spin):
            w.blockSignals(True)
        self.gray_box.setChecked(gray is not None)
        self.low_spin.setEnabled(gray is not None)
        self.low_spin.setValue(gray[0] if gray is not None else default_gray_low(threshold, metrics))
        for w in (self.gray_box, self.low_spin):
            w.blockSignals(False)

    def confirm_ship(self, text: str) -> bool:
        """Ask before the run's shipped decision changes (tests replace this)."""
        answer = QMessageBox.question(self, _t("Ship this decision"), text)
        return answer == QMessageBox.StandardButton.Yes

    def ship_question(self, run_id: str, threshold: float, gray: tuple[float, float] | None) -> str:
        text = _t("Run %1 will ship NG threshold %2 for every class").replace("%1", run_id)
        text = text.replace("%2", f"{threshold:.3f}")
        if gray is not None:
            text += _t(", with a gray zone from %1 (a person decides those parts)").replace(
                "%1", f"{gray[0]:.3f}"
            )
        rest = _t(
            "Its exports and evaluations use this from now on; the threshold training placed is kept "
            "and `workbench decide --trained` restores it. Ship it?"
        )
        return text + ". " + rest
