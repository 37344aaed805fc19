"""Class and label balance of the project as bar charts (pyqtgraph)."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

from workbench.core.types import LABELS, DefectClass
from workbench.gui.retranslatable import Retranslatable
from workbench.gui.sample_table import LABEL_COLOURS

SPLIT_ORDER = ("train", "val", "test", "none")


class BalanceChartWidget(Retranslatable, QWidget):
    """Labels per split (grouped bars) and samples per defect class (bars in the class colour)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.graphics = pg.GraphicsLayoutWidget()
        layout.addWidget(self.graphics)
        self.label_plot = self.graphics.addPlot(row=0, col=0)
        self.class_plot = self.graphics.addPlot(row=1, col=0)
        for plot in (self.label_plot, self.class_plot):
            plot.setMouseEnabled(False, False)
            plot.hideButtons()
            plot.setMenuEnabled(False)
        self.legend = self.label_plot.addLegend(offset=(-4, 4), labelTextSize="8pt")
        self.counts: dict[str, Any] = {}
        self._classes: list[DefectClass] = []
        self.count_labels: list[pg.TextItem] = []  # the count at the end of each class's bar
        self.retranslate()

    def retranslate(self) -> None:
        """Titles, legend and split names in the current language; class names are drawn as they are."""
        self.label_plot.setTitle(self.tr("Labels per split"))
        self.class_plot.setTitle(self.tr("Samples per defect class"))
        self._style()
        self.set_counts(self.counts, self._classes)

    def _style(self) -> None:
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        self.graphics.setBackground(palette.color(QPalette.ColorRole.Base))
        for plot in (self.label_plot, self.class_plot):
            plot.titleLabel.setAttr("color", text.name())
            plot.titleLabel.setText(plot.titleLabel.text, color=text.name(), size="10pt")
            self.legend.setLabelTextColor(text)
            for axis in ("left", "bottom"):
                plot.getAxis(axis).setPen(pg.mkPen(text))
                plot.getAxis(axis).setTextPen(pg.mkPen(text))

    def set_counts(self, counts: dict[str, Any], classes: list[DefectClass]) -> None:
        """Show ``Project.counts()`` output."""
        self.counts, self._classes = counts, classes
        self._draw_labels(counts.get("split_label", {}))
        self._draw_classes(counts.get("class", {}), classes)

    def _draw_labels(self, split_label: dict[str, dict[str, int]]) -> None:
        plot = self.label_plot
        plot.clear()
        self.legend.clear()
        captions = {"ok": self.tr("OK"), "ng": self.tr("NG"), "doubtful": self.tr("doubtful"),
                    "unlabeled": self.tr("unlabeled")}  # fmt: skip
        names = {"train": self.tr("train"), "val": self.tr("val"), "test": self.tr("test")}
        names["none"] = self.tr("none")
        width = 0.2
        for k, label in enumerate(LABELS):
            xs = [i + (k - 1.5) * width for i in range(len(SPLIT_ORDER))]
            ys = [split_label.get(sp, {}).get(label, 0) for sp in SPLIT_ORDER]
            colour = QColor(LABEL_COLOURS[label])
            bars = pg.BarGraphItem(x=xs, height=ys, width=width * 0.95, brush=colour, pen=colour)
            plot.addItem(bars)
            self.legend.addItem(bars, captions[label])
        plot.getAxis("bottom").setTicks([[(i, names[sp]) for i, sp in enumerate(SPLIT_ORDER)]])
        plot.setXRange(-0.6, len(SPLIT_ORDER) - 0.4, padding=0)

    def _draw_classes(self, per_class: dict[str, int], classes: list[DefectClass]) -> None:
        plot = self.class_plot
        plot.clear()
        self.count_labels.clear()
        if not classes:
            text = pg.TextItem(self.tr("No defect classes yet"), anchor=(0.5, 0.5))
            text.setColor(self.palette().color(QPalette.ColorRole.PlaceholderText))
            plot.addItem(text)
            text.setPos(0, 0)
            plot.getAxis("left").setTicks([[]])
            return
        # Horizontal bars: class names sit on the left axis, where long names still fit; each bar's
        # count at its end (one class alone is otherwise a block whose length says little)
        text_colour = self.palette().color(QPalette.ColorRole.Text)
        for i, c in enumerate(classes):
            colour = QColor(c.color)
            n = int(per_class.get(c.name, 0))
            plot.addItem(pg.BarGraphItem(x0=[0], y=[i], width=[n], height=0.7, brush=colour, pen=colour))
            label = pg.TextItem(f" {n}", color=text_colour, anchor=(0, 0.5))
            plot.addItem(label)
            label.setPos(n, i)
            self.count_labels.append(label)
        plot.getAxis("left").setTicks([[(i, c.name) for i, c in enumerate(classes)]])
        plot.getAxis("bottom").setTicks(None)
        most = max((int(per_class.get(c.name, 0)) for c in classes), default=0)
        plot.setXRange(0, max(most, 1) * 1.15, padding=0)  # room for the count beside the longest bar
        plot.setYRange(-0.6, len(classes) - 0.4, padding=0)
        plot.invertY(True)
