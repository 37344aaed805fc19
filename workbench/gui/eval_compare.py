"""The Compare tab of the Evaluation viewer: two evaluations of one test set, fixed and broken images."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QTableWidget, QVBoxLayout, QWidget

from workbench.core.compare import compare_evaluations
from workbench.core.errors import WorkbenchError
from workbench.core.project import Project
from workbench.gui.eval_widgets import ResultTableWidget, fill_table
from workbench.gui.retranslatable import ComposedLabel, Retranslatable

CTX = "EvaluatePage"


def _t(text: str) -> str:
    return QCoreApplication.translate(CTX, text)


def compare_table() -> ResultTableWidget:
    return ResultTableWidget(lambda: [_t("Outcome"), _t("Before"), _t("After"), _t("Change (95% interval)")])


def fill_compare_table(table: QTableWidget, result: dict[str, Any]) -> None:
    names = {"escape": _t("escapes"), "overkill": _t("overkill"), "gray": _t("to review")}
    rows = []
    for key, label in names.items():
        b = result.get(key) or {}
        if not b.get("n"):
            continue
        lo, hi = b["delta_ci95"]
        rows.append([label, f"{b['a']} / {b['n']}", f"{b['b']} / {b['n']}",
                     f"{100 * b['delta']:+.1f} % ({100 * lo:+.1f} to {100 * hi:+.1f})"])  # fmt: skip
    fill_table(table, rows)


class CompareWidget(Retranslatable, QWidget):
    """Pick an earlier evaluation; see escape, overkill and gray changes with intervals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.current: str | None = None
        self.result: dict[str, Any] | None = None  # the comparison shown
        self._describe: Callable[[str], str] = str
        self.combo = QComboBox(minimumContentsLength=24)
        self.button = QPushButton()
        self.button.clicked.connect(self.compare)
        self.table = compare_table()
        self.label = ComposedLabel(word_wrap=True)
        self.with_label = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.with_label)
        row.addWidget(self.combo, 1)
        row.addWidget(self.button)
        column = QVBoxLayout(self)
        column.addLayout(row)
        column.addWidget(self.table)
        column.addWidget(self.label)
        self.retranslate()

    def retranslate(self) -> None:
        """Words of the tab and of the comparison shown; the evaluation ids in the list are kept."""
        self.button.setText(self.tr("Compare"))
        self.with_label.setText(self.tr("Compare this evaluation with"))
        for i in range(self.combo.count()):
            self.combo.setItemText(i, self._describe(str(self.combo.itemData(i))))
        if self.result is not None:
            fill_compare_table(self.table, self.result)

    def set_evaluations(
        self, project: Project | None, eval_ids: list[str], describe: Callable[[str], str] = str
    ) -> None:
        """The evaluations to compare against, each shown as ``describe(id)`` in the current language."""
        self.project = project
        self._describe = describe
        self.combo.clear()
        for eval_id in eval_ids:
            self.combo.addItem(describe(eval_id), eval_id)

    def set_current(self, eval_id: str | None) -> None:
        self.current = eval_id
        self.button.setEnabled(eval_id is not None)

    def compare(self) -> dict[str, Any] | None:
        if self.project is None or self.current is None or self.combo.currentData() is None:
            return None
        try:
            result = compare_evaluations(self.project, str(self.combo.currentData()), self.current)
        except WorkbenchError as exc:
            self.result = None
            self.label.setText(str(exc))
            self.table.setRowCount(0)
            return None
        self.result = result
        fill_compare_table(self.table, result)
        self.label.compose(lambda: self._summary(result))
        return result

    def _summary(self, result: dict[str, Any]) -> str:
        text = self.tr("%1 images fixed and %2 broken by %3 against %4.")
        for i, value in enumerate((len(result["fixed"]), len(result["broken"]), result["b"], result["a"]), 1):
            text = text.replace(f"%{i}", str(value))
        return text
