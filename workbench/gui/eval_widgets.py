"""Parts of the Evaluation viewer: summary cards, escape-overkill curve, galleries, tables."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import cv2
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.core.preprocess import to_unit_float
from workbench.gui.names import breakable, rich
from workbench.gui.retranslatable import Retranslatable
from workbench.gui.train_widgets import style_plot, styled_label

CTX = "EvaluatePage"
THUMB = 150


def _t(text: str) -> str:
    return QCoreApplication.translate(CTX, text)


def rate_text(k: int | None, n: int | None, ci: Sequence[float] | None) -> tuple[str, str]:
    """(``3 / 40 = 7.5 %``, its 95 % interval); just the counts when there is no rate."""
    if not n:
        return f"{k or 0} / {n or 0}", ""
    head = f"{k} / {n} = {100 * (k or 0) / n:.1f} %"
    if not ci:
        return head, ""
    low, high = f"{100 * ci[0]:.1f}", f"{100 * ci[1]:.1f}"
    return head, _t("95% interval %1 to %2 %").replace("%1", low).replace("%2", high)


class CardWidget(QFrame):
    """A titled number with a line of explanation (their texts are set by the owner)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        self.title = styled_label("", "sectionTitle")
        self.value = QLabel("—")
        self.value.setStyleSheet("font-size: 14pt; font-weight: 600;")
        self.detail = QLabel()
        self.detail.setWordWrap(True)  # a long sample name may be in it
        self.hint = styled_label("", "muted", wrap=True)
        for w in (self.title, self.value, self.detail, self.hint):
            layout.addWidget(w)

    def set_value(self, text: str, detail: str = "") -> None:
        self.value.setText(text)
        self.detail.setText(detail)


def doubtful_text(m: dict[str, Any]) -> str:
    """How the model split the doubtful parts, in one sentence ("" without doubtful parts)."""
    n = m.get("image.doubtful.n") or 0
    if not n:
        return ""
    gray = m.get("image.doubtful.gray") or 0
    if gray:
        text = _t("Of %1 doubtful parts (the experts disagree), the model called %2 NG and %3 OK and sent %4 "
                  "to review; escapes and overkill above count the clear parts only.")  # fmt: skip
    else:
        text = _t("Of %1 doubtful parts (the experts disagree), the model called %2 NG and %3 OK; escapes "
                  "and overkill above count the clear parts only.")  # fmt: skip
    called_ng, called_ok = m.get("image.doubtful.called_ng", 0), m.get("image.doubtful.called_ok", 0)
    return (
        text.replace("%1", str(n))
        .replace("%2", str(called_ng))
        .replace("%3", str(called_ok))
        .replace("%4", str(gray))
    )


class SummaryCardsWidget(Retranslatable, QWidget):
    """Escape, overkill, gray zone, the zero-escape operating point at the current threshold and the
    share of parts two thresholds decide without a person at zero escape; under them, how the model
    split the doubtful parts (when there are any)."""

    open_sample = Signal(int)  # the NG part named on the zero-escape card was clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        column.addLayout(row)
        self.escape, self.overkill, self.gray, self.zero, self.alone = (CardWidget() for _ in range(5))
        for card in (self.escape, self.overkill, self.gray, self.zero, self.alone):
            row.addWidget(card, 1)  # equal widths: a long detail wraps instead of squeezing the others
        self.zero.detail.setTextFormat(Qt.TextFormat.RichText)  # the lone NG part is a link
        self.zero.detail.linkActivated.connect(lambda link: self.open_sample.emit(int(link)))
        self.doubtful = QLabel()
        self.doubtful.setWordWrap(True)
        self.doubtful.hide()
        column.addWidget(self.doubtful)
        self.metrics: dict[str, Any] | None = None
        self.retranslate()

    def retranslate(self) -> None:
        words = (
            (self.escape, _t("Escapes"), _t("NG parts the model passed as OK")),
            (self.overkill, _t("Overkill"), _t("OK parts the model rejected")),
            (self.gray, _t("To review"), _t("Parts in the gray zone, for a person to decide")),
            (self.zero, _t("Overkill at zero escape"), _t("Rejected OK parts when no NG part may pass")),
            (
                self.alone,
                _t("Decided without a person"),
                _t("Parts two thresholds decide with no escape and no overkill; a person decides the rest"),
            ),
        )
        for card, title, hint in words:
            card.title.setText(title)
            card.hint.setText(hint)
        if self.metrics is not None:
            self.show_metrics(self.metrics)  # the intervals are worded

    def show_metrics(self, m: dict[str, Any]) -> None:
        self.metrics = m
        self.escape.set_value(
            *rate_text(m.get("image.escapes"), m.get("image.n_ng"), m.get("image.escape_ci95"))
        )
        self.overkill.set_value(
            *rate_text(m.get("image.overkills"), m.get("image.n_ok"), m.get("image.overkill_ci95"))
        )
        self.gray.set_value(f"{m.get('image.n_gray', 0)} / {m.get('image.n', 0)}")
        zero = m.get("image.overkill_at_zero_escape")
        auroc = m.get("image.auroc")
        text = f"{100 * zero:.1f} %" if zero is not None else "—"
        below = f"AUROC {auroc:.3f}" if auroc is not None else ""
        self.zero.set_value(text, "<br>".join(line for line in (below, lone_part_text(m)) if line))
        self.alone.set_value(*coverage_text(m))
        self.doubtful.setText(doubtful_text(m))
        self.doubtful.setVisible(bool(self.doubtful.text()))


def lone_part_text(m: dict[str, Any]) -> str:
    """When one NG part far below the others sets the zero-escape point: which (rich text, its name a
    link to open it), and the overkill with it let through (``core.evaluation.zero_escape_part``);
    empty otherwise."""
    without = m.get("image.overkill_without_lowest_ng")
    if not m.get("image.zero_escape_lone") or without is None:
        return ""
    name = rich(breakable(str(m.get("image.zero_escape_name") or "?")))
    sample = m.get("image.zero_escape_sample")
    part = f'<a href="{int(sample)}">{name}</a>' if sample is not None else name
    text = html.escape(_t("set by one NG part far below the others, %1: check its label; without it %2 %"))
    return text.replace("%1", part).replace("%2", f"{100 * without:.1f}")


def coverage_text(m: dict[str, Any]) -> tuple[str, str]:
    """(``31 / 40 = 77.5 %``, its interval and the two thresholds) of the coverage at zero escape."""
    ok, ng = m.get("image.coverage.auto_ok"), m.get("image.coverage.auto_ng")
    if ok is None or ng is None:
        return "—", _t("Needs OK and NG parts")
    head, interval = rate_text(ok + ng, m.get("image.n"), m.get("image.coverage_ci95"))
    low, high = m["image.coverage.pass_below"], m["image.coverage.reject_above"]
    where = _t("pass below %1, reject above %2").replace("%1", f"{low:.3f}").replace("%2", f"{high:.3f}")
    return head, f"{where}; {interval}"


class OperatingCurveWidget(Retranslatable, pg.PlotWidget):
    """Escape rate against overkill rate over all thresholds; drag the point to pick a threshold."""

    threshold_picked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(200)
        self.setBackground(self.palette().color(QPalette.ColorRole.Base))
        style_plot(self.getPlotItem(), self.palette())
        self.retranslate()
        self.setXRange(0, 1)
        self.setYRange(0, 1)
        self.curve = self.plot([], [], pen=pg.mkPen("#0072B2", width=2))
        self.point = pg.TargetItem(pos=(0, 0), size=14, pen=pg.mkPen("#D55E00", width=2), movable=True)
        self.addItem(self.point)
        self.point.sigPositionChangeFinished.connect(self._dragged)
        self._thresholds = np.zeros(0)
        self._xy = np.zeros((0, 2))

    def retranslate(self) -> None:
        self.setLabel("bottom", _t("overkill (OK parts rejected)"))
        self.setLabel("left", _t("escape (NG parts passed)"))

    def set_sweep(self, m: dict[str, Any]) -> None:
        thr = m.get("image.sweep.thresholds") or []
        esc, ovk = m.get("image.sweep.escape_rate"), m.get("image.sweep.overkill_rate")
        if not thr or esc is None or ovk is None:
            self.curve.setData([], [])
            self._thresholds, self._xy = np.zeros(0), np.zeros((0, 2))
            return
        self._thresholds = np.asarray(thr, dtype=np.float64)
        self._xy = np.column_stack([ovk, esc]).astype(np.float64)
        self.curve.setData(self._xy[:, 0], self._xy[:, 1], stepMode=None)

    def set_point(self, overkill: float | None, escape: float | None) -> None:
        self.point.blockSignals(True)
        self.point.setPos(overkill or 0.0, escape or 0.0)
        self.point.blockSignals(False)

    def _dragged(self) -> None:
        if not len(self._thresholds):
            return
        pos = self.point.pos()
        d = np.hypot(self._xy[:, 0] - pos.x(), self._xy[:, 1] - pos.y())
        self.threshold_picked.emit(float(self._thresholds[int(np.argmin(d))]))


def heat_thumbnail(
    image: np.ndarray, score_map: np.ndarray, size: int = THUMB, truth: np.ndarray | None = None
) -> np.ndarray:
    """An RGB thumbnail of the image with the defect scores laid over it as a heat map, and the
    outline of the labelled defects (``truth``, a label map) in green."""
    rgb = (to_unit_float(image)[..., :3] * 255).astype(np.uint8)
    if rgb.shape[2] == 1:
        rgb = np.repeat(rgb, 3, axis=2)
    scale = size / max(rgb.shape[:2])
    dims = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    small = cv2.resize(rgb, dims, interpolation=cv2.INTER_AREA)
    heat = _shrink_keeping_peaks(score_map.max(axis=0).astype(np.float32), scale, dims)
    colour = cv2.applyColorMap((heat * 255).astype(np.uint8), cv2.COLORMAP_JET)[..., ::-1]
    # Low scores stay clear so the part itself remains visible under the heat map.
    alpha = (np.clip((heat - 0.2) / 0.8, 0, 1) * 0.65)[..., None]
    out = np.ascontiguousarray((small * (1 - alpha) + colour * alpha).astype(np.uint8))
    if truth is not None and np.any(truth):
        marks = _shrink_keeping_peaks((truth > 0).astype(np.float32), scale, dims) > 0
        ring = cv2.dilate(marks.astype(np.uint8), np.ones((3, 3), np.uint8)) - marks.astype(np.uint8)
        out[ring > 0] = (0, 230, 0)
    return out


def _shrink_keeping_peaks(values: np.ndarray, scale: float, dims: tuple[int, int]) -> np.ndarray:
    """Resize ``values`` to ``dims``; spots that would fall below one thumbnail pixel grow first
    to about two pixels, so a 5 px false alarm on a 5 MP image still shows in the gallery."""
    grow = round(2.0 / scale)
    if grow > 1:
        values = cv2.dilate(values, np.ones((grow, grow), np.uint8))
    return cv2.resize(values, dims, interpolation=cv2.INTER_AREA)


VETOED_COLOUR = "#BDBDBD"  # a vetoed region's dashed box: light grey, over a dark halo on the picture


def with_vetoed_boxes(pixmap: QPixmap, boxes: Sequence[tuple[float, float, float, float]],
                      scale: float) -> QPixmap:  # fmt: skip
    """A copy of ``pixmap`` with a dashed grey box (on a dark halo) around each vetoed region;
    ``boxes`` are ``(x, y, w, h)`` in image pixels, ``scale`` picture pixels per image pixel."""
    out = QPixmap(pixmap)
    painter = QPainter(out)
    halo = QPen(QColor(0, 0, 0, 150), 3)
    pen = QPen(QColor(VETOED_COLOUR), 1)
    pen.setStyle(Qt.PenStyle.DashLine)
    for x, y, w, h in boxes:
        box = QRectF(x * scale - 2, y * scale - 2, max(w * scale, 1) + 4, max(h * scale, 1) + 4)
        for p in (halo, pen):
            painter.setPen(p)
            painter.drawRect(box)
    painter.end()
    return out


def to_pixmap(rgb: np.ndarray) -> QPixmap:
    h, w = rgb.shape[:2]
    return QPixmap.fromImage(QImage(rgb.data, w, h, w * 3, QImage.Format.Format_RGB888).copy())


class GalleryWidget(Retranslatable, QListWidget):
    """Thumbnails of one kind of outcome; a click picks the image (its regions show on the page), a
    double click asks to open it in the label canvas. ``vetoed``: captions count the regions the
    region classifier vetoed, and thumbnails box them."""

    open_sample = Signal(int)
    picked = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, vetoed: bool = False) -> None:
        super().__init__(parent)
        self.vetoed = vetoed
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(QSize(THUMB + 16, THUMB + 40))
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMovement(QListWidget.Movement.Static)
        self.setWordWrap(True)
        self.itemClicked.connect(lambda item: self.picked.emit(int(item.data(Qt.ItemDataRole.UserRole))))
        self.itemDoubleClicked.connect(
            lambda item: self.open_sample.emit(int(item.data(Qt.ItemDataRole.UserRole)))
        )
        self.rows: list[dict[str, Any]] = []

    def clear(self) -> None:
        self.rows = []
        super().clear()

    def set_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        self.clear()
        self.rows = list(rows)
        for r in self.rows:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, int(r["sample_id"]))
            self.addItem(item)
        self.retranslate()

    def retranslate(self) -> None:
        """Item captions: the sample's name as it is, the word "score" in the current language."""
        for i, r in enumerate(self.rows):
            item = self.item(i)
            if self.vetoed:
                n, score = str(len(r.get("vetoed") or [])), f"{r['image_score']:.2f}"
                item.setText(
                    f"{r['name']}\n" + _t("%1 vetoed, score %2").replace("%1", n).replace("%2", score)
                )
            else:
                item.setText(f"{r['name']}\n{_t('score')} {r['image_score']:.2f}")
            item.setToolTip(_t("Click to see its regions; double-click to open it in the label canvas"))

    def ids(self) -> list[int]:
        return [int(self.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.count())]

    def set_thumbnail(self, sample_id: int, rgb: np.ndarray, scale: float | None = None) -> None:
        """The item's picture; in the vetoed gallery, with its vetoed regions boxed (``scale``:
        thumbnail pixels per image pixel)."""
        for i in range(self.count()):
            item = self.item(i)
            if int(item.data(Qt.ItemDataRole.UserRole)) != sample_id:
                continue
            pixmap = to_pixmap(rgb)
            vetoed = self.rows[i].get("vetoed") if self.vetoed and i < len(self.rows) else None
            if vetoed and scale:
                pixmap = with_vetoed_boxes(pixmap, [(d["x"], d["y"], d["w"], d["h"]) for d in vetoed], scale)
            item.setIcon(QIcon(pixmap))


class ResultTableWidget(Retranslatable, QTableWidget):
    """A read-only table whose column names ``headers()`` gives, asked again after a language switch."""

    def __init__(self, headers: Callable[[], Sequence[str]], parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers()), parent)
        self._headers = headers
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setStretchLastSection(True)
        self.retranslate()

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels(list(self._headers()))


def fill_table(table: QTableWidget, rows: Sequence[Sequence[object]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.setItem(r, c, QTableWidgetItem(str(value)))
    table.resizeColumnsToContents()


class ConfusionTableWidget(Retranslatable, QTableWidget):
    """Rows: the label (OK, NG); columns: the verdict (OK, NG, to review)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(2, 3, parent)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setMaximumHeight(100)
        self.retranslate()

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels([_t("called OK"), _t("called NG"), _t("to review")])
        self.setVerticalHeaderLabels([_t("labelled OK"), _t("labelled NG")])

    def show_metrics(self, m: dict[str, Any]) -> None:
        confusion = m.get("image.confusion") or {}
        for r, row in enumerate(("ok", "ng")):
            for c, verdict in enumerate(("OK", "NG", "GRAY")):
                item = QTableWidgetItem(str((confusion.get(row) or {}).get(verdict, 0)))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.setItem(r, c, item)


def class_table() -> ResultTableWidget:
    """Escapes and flagged OK images per defect class (the class names are the project's)."""
    return ResultTableWidget(lambda: [_t("Defect class"), _t("NG images"), _t("Escapes"), _t("Escape rate"),
                                      _t("Flagged OK images")])  # fmt: skip


def fill_class_table(table: QTableWidget, m: dict[str, Any], names: dict[int, str]) -> None:
    """One row per class that appears in the labels or the decisions of this evaluation."""
    ids = sorted({int(k.split(".")[2]) for k in m if k.startswith("image.class.")})
    rows = []
    for c in ids:
        p = f"image.class.{c}."
        rate = m.get(p + "escape_rate")
        rate_shown = f"{100 * rate:.1f} %" if rate is not None else "—"
        rows.append([names.get(c, str(c)), m.get(p + "n_ng", 0), m.get(p + "escapes", 0), rate_shown,
                     m.get(p + "overkills", "—")])  # fmt: skip
    fill_table(table, rows)
