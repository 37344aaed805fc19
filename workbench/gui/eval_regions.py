"""The second stage on the Evaluation viewer: the region classifier's threshold, and the regions of
one image with both scores and the classifier's verdict.

``ClassifierControl`` sets every class's ``ClassRule.confirm_threshold`` (or turns the veto off), so
the page re-decides from the stored score and classifier maps without running a model, as its
segmenter threshold slider does. ``RegionPanel`` shows the image picked in a gallery: its heat map
with the regions drawn (counted ones solid, vetoed ones dashed grey) and a table of the regions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.core.evaluation import CLASSIFIER_OFF
from workbench.gui.eval_widgets import VETOED_COLOUR, ResultTableWidget, to_pixmap
from workbench.gui.icons import icon
from workbench.gui.retranslatable import Retranslatable
from workbench.gui.train_widgets import styled_label

CTX = "EvaluatePage"
STEPS = 1000  # slider steps over the classifier threshold range (0, 1]
DEFAULT_CONFIRM = 0.5  # where the slider starts when the shown decision has the classifier off
COUNTED_COLOUR = "#D55E00"  # vermillion, as the page's other marks
VETOED_TEXT = "#808080"  # vetoed rows of the table, on both themes
VIEW_SIZE = 360  # pixels of the longer side of the picture the panel draws

RegionVerdict = Literal["counted", "review", "vetoed", "not_looked"]


def _t(text: str) -> str:
    return QCoreApplication.translate(CTX, text)


class ClassifierControl(Retranslatable, QWidget):
    """The region classifier's threshold (a slider and its value) and a switch that turns it off;
    shown only for an evaluation whose model has a second stage."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(1, STEPS)
        self.slider.setValue(round(DEFAULT_CONFIRM * STEPS))
        self.value_label = QLabel(f"{DEFAULT_CONFIRM:.3f}")
        self.switch = QCheckBox()
        self.switch.setChecked(True)
        for w in (self.caption, self.slider, self.value_label, self.switch):
            row.addWidget(w, 1 if w is self.slider else 0)
        self.present = False
        self.touched = False  # the person moved it: its value replaces every class's stored one
        self.slider.valueChanged.connect(self._moved)
        self.switch.toggled.connect(self._toggled)
        self.setVisible(False)
        self.retranslate()

    def retranslate(self) -> None:
        self.caption.setText(_t("Classifier threshold"))
        self.caption.setToolTip(
            _t(
                "A region counts as a defect only when the region classifier's defect probability reaches "
                "this; below it the classifier vetoes the region"
            )
        )
        self.switch.setText(_t("Region classifier on"))
        self.switch.setToolTip(_t("Off: every region the segmenter finds counts, as without a second stage"))

    @property
    def threshold(self) -> float:
        return self.slider.value() / STEPS

    @property
    def on(self) -> bool:
        return self.present and self.switch.isChecked()

    def show_for(self, present: bool, confirm: float | None) -> None:
        """An evaluation was loaded: ``present`` whether its maps hold a second stage, ``confirm`` the
        classifier threshold its decision uses (None: off)."""
        self.present, self.touched = present, False
        for w in (self.slider, self.switch):
            w.blockSignals(True)
        self.slider.setValue(max(1, round((confirm if confirm is not None else DEFAULT_CONFIRM) * STEPS)))
        self.switch.setChecked(confirm is not None)
        for w in (self.slider, self.switch):
            w.blockSignals(False)
        self.value_label.setText(f"{self.threshold:.3f}")
        self.slider.setEnabled(self.switch.isChecked())
        self.setVisible(present)

    def override(self) -> float | str | None:
        """What ``with_overrides(classifier=...)`` takes: None until a person changed it."""
        if not self.present or not self.touched:
            return None
        return self.threshold if self.switch.isChecked() else CLASSIFIER_OFF

    def set_threshold(self, value: float) -> None:
        self.slider.setValue(max(1, min(STEPS, round(value * STEPS))))

    def _moved(self, _value: int) -> None:
        self.value_label.setText(f"{self.threshold:.3f}")
        self.touched = True
        self.changed.emit()

    def _toggled(self, on: bool) -> None:
        self.slider.setEnabled(on)
        self.touched = True
        self.changed.emit()


@dataclass(frozen=True)
class RegionLine:
    """One region of an image as the panel lists it."""

    number: int
    class_name: str
    box: tuple[int, int, int, int]  # x, y, w, h in image pixels
    area_px: int
    score: float  # the segmenter's highest score in the region
    defect_prob: float | None  # the region classifier's (None: not looked at, or no second stage)
    named: str | None  # the project class the classifier names
    verdict: RegionVerdict


def region_lines(row: dict[str, Any], names: dict[int, str], has_stage: bool) -> list[RegionLine]:
    """The regions of one evaluated image (a row of ``EvaluationSession.rows``), highest score first:
    the defects that count and those the region classifier vetoed."""
    found: list[tuple[dict[str, Any], RegionVerdict]] = []
    for d in row.get("defects", []):
        verdict: RegionVerdict = "review" if d.get("verdict") == "GRAY" else "counted"
        if has_stage and d.get("defect_prob") is None:
            verdict = "not_looked"
        found.append((d, verdict))
    found += [(d, "vetoed") for d in row.get("vetoed", [])]
    found.sort(key=lambda item: -float(item[0]["max_score"]))
    lines = []
    for i, (d, verdict) in enumerate(found, start=1):
        named = d.get("named_class")
        lines.append(RegionLine(
            number=i,
            class_name=names.get(int(d["class_id"]), str(d["class_name"])),
            box=(int(d["x"]), int(d["y"]), int(d["w"]), int(d["h"])),
            area_px=int(d["area_px"]),
            score=float(d["max_score"]),
            defect_prob=None if d.get("defect_prob") is None else float(d["defect_prob"]),
            named=None if named is None else names.get(int(named), str(named)),
            verdict=verdict,
        ))  # fmt: skip
    return lines


def verdict_text(verdict: RegionVerdict) -> str:
    return {
        "counted": _t("counted"),
        "review": _t("counted, to review"),
        "vetoed": _t("vetoed by the classifier"),
        "not_looked": _t("not looked at (counted)"),
    }[verdict]


class RegionView(QWidget):
    """The image with its heat map and the regions drawn over it: counted ones in a solid
    vermillion box, vetoed ones in a dashed grey box, each with its number in the table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pixmap: QPixmap | None = None
        self.scale = 1.0  # picture pixels per image pixel
        self.lines: list[RegionLine] = []
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(240, 240)

    def set_picture(self, rgb: np.ndarray | None, scale: float) -> None:
        self.pixmap = to_pixmap(rgb) if rgb is not None else None
        self.scale = scale
        self.update()

    def set_lines(self, lines: Sequence[RegionLine]) -> None:
        self.lines = list(lines)
        self.update()

    def placement(self) -> tuple[float, float, float]:
        """(left, top, factor from picture pixels to widget pixels) of the drawn picture."""
        if self.pixmap is None or self.pixmap.isNull():
            return 0.0, 0.0, 1.0
        pw, ph = self.pixmap.width(), self.pixmap.height()
        factor = min(self.width() / pw, self.height() / ph)
        return (self.width() - pw * factor) / 2, (self.height() - ph * factor) / 2, factor

    def paintEvent(self, _event: QPaintEvent) -> None:
        if self.pixmap is None or self.pixmap.isNull():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        left, top, factor = self.placement()
        target = QRectF(left, top, self.pixmap.width() * factor, self.pixmap.height() * factor)
        painter.drawPixmap(target, self.pixmap, QRectF(self.pixmap.rect()))
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        k = self.scale * factor
        halo = QPen(QColor(0, 0, 0, 150), 4)  # keeps both boxes readable on any surface
        for line in self.lines:
            vetoed = line.verdict == "vetoed"
            pen = QPen(QColor(VETOED_COLOUR if vetoed else COUNTED_COLOUR), 2)
            pen.setStyle(Qt.PenStyle.DashLine if vetoed else Qt.PenStyle.SolidLine)
            x, y, w, h = line.box
            box = QRectF(left + x * k - 3, top + y * k - 3, max(w * k, 1) + 6, max(h * k, 1) + 6)
            at = QPointF(box.left(), box.top() - 4 if box.top() > 16 else box.bottom() + 14)
            for p in (halo, pen):
                painter.setPen(p)
                painter.drawRect(box)
            path = QPainterPath()
            path.addText(at, font, str(line.number))
            painter.strokePath(path, halo)
            painter.fillPath(path, QColor(VETOED_COLOUR if vetoed else COUNTED_COLOUR))
        painter.end()


def region_table() -> ResultTableWidget:
    """One row per region of the picked image."""
    return ResultTableWidget(lambda: ["#", _t("Defect class"), _t("Segmenter score"),
                                      _t("Defect probability"), _t("Named class"), _t("Verdict"),
                                      _t("Area (px)")])  # fmt: skip


class RegionPanel(Retranslatable, QWidget):
    """The image picked in a gallery: the picture with its regions and the table of them."""

    open_requested = Signal(int)  # sample id, to open in the label canvas

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sample_id: int | None = None
        self.row: dict[str, Any] | None = None
        self.lines: list[RegionLine] = []
        self.has_stage = False
        self.title = styled_label("", "sectionTitle")
        self.open_button = QPushButton(icon("label"), "")
        self.open_button.clicked.connect(self._open)
        self.hint = styled_label("", "muted", wrap=True)
        self.view = RegionView()
        self.legend = styled_label("", "muted", wrap=True)
        self.table = region_table()
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.open_button)
        picture = QWidget()
        pcol = QVBoxLayout(picture)
        pcol.setContentsMargins(0, 0, 0, 0)
        pcol.addWidget(self.view, 1)
        pcol.addWidget(self.legend)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(picture)
        split.addWidget(self.table)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        split.setSizes([220, 560])
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 0)
        column.addLayout(head)
        column.addWidget(self.hint)
        column.addWidget(split, 1)
        self.retranslate()
        self.clear()

    def retranslate(self) -> None:
        self.open_button.setText(_t("Open in labeling"))
        self.open_button.setToolTip(_t("Open this image in the label canvas to fix its label"))
        self.legend.setText(
            _t("Solid box: counted as a defect. Dashed grey box: vetoed by the region classifier.")
            if self.has_stage
            else _t("Boxes: the regions counted as defects.")
        )
        self._compose_title()
        if self.row is not None:
            self._fill_table()

    def _compose_title(self) -> None:
        if self.row is None:
            self.title.setText(_t("Regions"))
            self.hint.setText(_t("Click an image in a gallery to see its regions here."))
            self.hint.setVisible(True)
            return
        verdict = {"OK": "OK", "NG": "NG", "GRAY": _t("to review")}.get(str(self.row["verdict"]), "")
        label = {"ok": "OK", "ng": "NG", "doubtful": _t("doubtful")}.get(str(self.row["label"]), "")
        self.title.setText(
            _t("%1: labelled %2, called %3").replace("%1", str(self.row["name"]))
            .replace("%2", label).replace("%3", verdict)
        )  # fmt: skip
        if not self.lines:
            self.hint.setText(_t("No region passes the rules at these thresholds."))
        self.hint.setVisible(not self.lines)

    def clear(self) -> None:
        self.sample_id, self.row, self.lines = None, None, []
        self.view.set_picture(None, 1.0)
        self.view.set_lines([])
        self.table.setRowCount(0)
        self.open_button.setEnabled(False)
        self._compose_title()

    def show_row(self, row: dict[str, Any], names: dict[int, str], has_stage: bool) -> None:
        """The regions of ``row`` (its picture is set apart, ``set_picture``, when it is ready)."""
        if self.sample_id != int(row["sample_id"]):
            self.view.set_picture(None, 1.0)
        self.sample_id, self.row, self.has_stage = int(row["sample_id"]), row, has_stage
        self.lines = region_lines(row, names, has_stage)
        self.view.set_lines(self.lines)
        self.open_button.setEnabled(True)
        self.retranslate()

    def set_picture(self, sample_id: int, rgb: np.ndarray, scale: float) -> None:
        if sample_id == self.sample_id:
            self.view.set_picture(rgb, scale)

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self.lines))
        grey = QColor(VETOED_TEXT)
        for r, line in enumerate(self.lines):
            prob = "—" if line.defect_prob is None else f"{line.defect_prob:.3f}"
            values = (str(line.number), line.class_name, f"{line.score:.3f}", prob, line.named or "—",
                      verdict_text(line.verdict), str(line.area_px))  # fmt: skip
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c in (0, 2, 3, 6):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if line.verdict == "vetoed":
                    item.setForeground(grey)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()

    def cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def _open(self) -> None:
        if self.sample_id is not None:
            self.open_requested.emit(self.sample_id)
