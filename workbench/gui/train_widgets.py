"""Parts of the Train page: task and preset chooser in plain words, advanced options, live curves."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.run_config import DOUBTFUL_MODES, PRESET_NAMES
from workbench.core.types import TASKS
from workbench.gui.retranslatable import Retranslatable
from workbench.learn.presets import resolve_config

CTX = "TrainPage"


def _t(text: str) -> str:
    return QCoreApplication.translate(CTX, text)


def styled_label(text: str = "", name: str = "", wrap: bool = False) -> QLabel:
    """A label with a theme object name (``pageTitle``, ``sectionTitle``, ``muted``)."""
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(wrap)
    return label


SHORT_NAMES = {
    "segmentation": QT_TRANSLATE_NOOP("TrainPage", "segmentation"),
    "classification": QT_TRANSLATE_NOOP("TrainPage", "classification"),
    "anomaly": QT_TRANSLATE_NOOP("TrainPage", "anomaly detection"),
    "fast": QT_TRANSLATE_NOOP("TrainPage", "Quick"),
    "balanced": QT_TRANSLATE_NOOP("TrainPage", "Balanced"),
    "accurate": QT_TRANSLATE_NOOP("TrainPage", "Thorough"),
    "completed": QT_TRANSLATE_NOOP("TrainPage", "completed"),
    "failed": QT_TRANSLATE_NOOP("TrainPage", "failed"),
    "running": QT_TRANSLATE_NOOP("TrainPage", "running"),
    "cancelled": QT_TRANSLATE_NOOP("TrainPage", "cancelled"),
    "pending": QT_TRANSLATE_NOOP("TrainPage", "pending"),
    "unreadable": QT_TRANSLATE_NOOP("TrainPage", "unreadable"),
}


def short_name(key: str) -> str:
    """A task, preset or run state as a person reads it ("fast" -> "Quick"), translated."""
    return _t(SHORT_NAMES[key]) if key in SHORT_NAMES else key


def task_text(task: str) -> tuple[str, str]:
    """(name, what it needs and gives) of a task, in plain words."""
    return {
        "segmentation": (_t("Find and outline defects (segmentation)"),
                         _t("Shows where each defect is and how big. Needs defects painted on NG images.")),
        "classification": (_t("Sort whole images (classification)"),
                           _t("Says OK or NG per image, without locating the defect. Needs only OK/NG "
                              "labels.")),
        "anomaly": (_t("Spot anything unusual (anomaly)"),
                    _t("Learns what good parts look like from OK images only; flags what differs. "
                       "Good when defects are rare.")),
    }[task]  # fmt: skip


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return _t("no time limit")
    if seconds < 3600:
        return _t("about %1 min").replace("%1", str(max(1, round(seconds / 60))))
    return _t("about %1 h").replace("%1", f"{seconds / 3600:.0f}")


def preset_text(task: str, preset: str) -> tuple[str, str]:
    """(name, cost in time and what it gives) of a preset, using its real time limit."""
    limit = _minutes(resolve_config(task, preset).time_limit)
    name, what = {
        "fast": (_t("Quick"), _t("At most %1 on this computer. Enough to check the labels and see whether "
                                 "the idea works; the least accurate of the three.")),
        "balanced": (_t("Balanced"), _t("At most %1. Larger crops and more passes over the images: "
                                        "usually clearly more accurate than Quick.")),
        "accurate": (_t("Thorough"), _t("At most %1. The most accurate; start it over lunch or at the end "
                                        "of the day.")),
    }[preset]  # fmt: skip
    return name, what.replace("%1", limit)


class TrainSettingsWidget(Retranslatable, QWidget):
    """Task, preset (radio buttons with what each costs and gives) and folded advanced options."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.task_combo = QComboBox()
        for task in TASKS:
            self.task_combo.addItem(task, task)
        self.task_help = styled_label("", "muted", wrap=True)
        self.task_title = styled_label("", "sectionTitle")
        self.preset_title = styled_label("", "sectionTitle")
        layout.addWidget(self.task_title)
        layout.addWidget(self.task_combo)
        layout.addWidget(self.task_help)
        layout.addWidget(self.preset_title)
        self.preset_group = QButtonGroup(self)
        self.preset_help: dict[str, QLabel] = {}
        for i, preset in enumerate(PRESET_NAMES):
            button = QRadioButton()
            button.setObjectName(f"preset-{preset}")
            self.preset_group.addButton(button, i)
            help_label = styled_label("", "muted", wrap=True)
            help_label.setContentsMargins(22, 0, 0, 4)
            self.preset_help[preset] = help_label
            layout.addWidget(button)
            layout.addWidget(help_label)
        self.preset_group.button(0).setChecked(True)
        self.advanced_button = QToolButton()
        self.advanced_button.setCheckable(True)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_button.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_button.toggled.connect(self._fold)
        layout.addWidget(self.advanced_button)
        self.advanced = self._advanced_box()
        self.advanced.setVisible(False)
        layout.addWidget(self.advanced)
        self.task_combo.currentIndexChanged.connect(self._task_changed)
        self.preset_group.idToggled.connect(self._preset_toggled)
        self.retranslate()
        self._load_defaults()

    def retranslate(self) -> None:
        """Titles, task and preset descriptions and option names; the chosen values stay."""
        self.task_title.setText(self.tr("What should the model do?"))
        self.preset_title.setText(self.tr("How long may it train?"))
        for i in range(self.task_combo.count()):
            self.task_combo.setItemText(i, task_text(str(self.task_combo.itemData(i)))[0])
        self._show_choice()
        self.advanced_button.setText(self.tr("Advanced options"))
        self.time_limit.setSpecialValueText(self.tr("no limit"))
        self.model.setPlaceholderText(self.tr("the preset's model"))
        captions = (self.tr("Time limit"), self.tr("Epochs at most"), self.tr("Crop / input size"),
                    self.tr("Batch size"), self.tr("Crops per epoch"), self.tr("Random seed"),
                    self.tr("Model"), self.tr("Doubtful parts"))  # fmt: skip
        for caption, text in zip(self.captions, captions, strict=True):
            caption.setText(text)
        modes = {"exclude": self.tr("left out of training"),
                 "low_weight": self.tr("trained on, at a low weight")}  # fmt: skip
        for i in range(self.doubtful.count()):
            self.doubtful.setItemText(i, modes[str(self.doubtful.itemData(i))])
        self.doubtful.setToolTip(self.tr("Parts labelled doubtful (the experts disagree) in the train split; "
                                         "they are never validated on"))  # fmt: skip

    def _advanced_box(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(22, 0, 0, 0)
        self.time_limit = QSpinBox(minimum=0, maximum=7 * 24 * 3600, singleStep=60, suffix=" s")
        self.max_epochs = QSpinBox(minimum=1, maximum=10000)
        self.crop = QSpinBox(minimum=32, maximum=2048, singleStep=32, suffix=" px")
        self.batch = QSpinBox(minimum=1, maximum=512)
        self.crops_per_epoch = QSpinBox(minimum=1, maximum=100000)
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.model = QLineEdit()
        self.doubtful = QComboBox()
        for mode in DOUBTFUL_MODES:
            self.doubtful.addItem(mode, mode)
        fields = (self.time_limit, self.max_epochs, self.crop, self.batch, self.crops_per_epoch, self.seed,
                  self.model, self.doubtful)  # fmt: skip
        self.captions = tuple(QLabel() for _ in fields)
        for caption, widget in zip(self.captions, fields, strict=True):
            form.addRow(caption, widget)
        return box

    def _fold(self, on: bool) -> None:
        self.advanced.setVisible(on)
        self.advanced_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    @property
    def task(self) -> str:
        return str(self.task_combo.currentData())

    @property
    def preset(self) -> str:
        return PRESET_NAMES[max(0, self.preset_group.checkedId())]

    def set_task(self, task: str) -> None:
        self.task_combo.setCurrentIndex(max(0, TASKS.index(task) if task in TASKS else 0))

    def set_preset(self, preset: str) -> None:
        self.preset_group.button(PRESET_NAMES.index(preset) if preset in PRESET_NAMES else 0).setChecked(True)

    def _preset_toggled(self, _id: int, on: bool) -> None:
        if on:
            self._task_changed()

    def _task_changed(self) -> None:
        self._show_choice()
        self._load_defaults()
        self.changed.emit()

    def _show_choice(self) -> None:
        """What the chosen task does, and each preset's name and cost for it."""
        self.task_help.setText(task_text(self.task)[1])
        for i, preset in enumerate(PRESET_NAMES):
            name, what = preset_text(self.task, preset)
            self.preset_group.button(i).setText(name)
            self.preset_help[preset].setText(what)

    def _load_defaults(self) -> None:
        cfg = resolve_config(self.task, self.preset)
        self.time_limit.setValue(int(cfg.time_limit or 0))
        self.max_epochs.setValue(cfg.max_epochs)
        self.crop.setValue(cfg.crop)
        self.batch.setValue(cfg.batch)
        self.crops_per_epoch.setValue(cfg.crops_per_epoch)
        self.seed.setValue(cfg.seed)
        self.model.clear()
        self.doubtful.setCurrentIndex(DOUBTFUL_MODES.index(cfg.doubtful))

    def overrides(self) -> dict[str, Any]:
        """Task, preset and every advanced value that differs from the preset (the job spec's config)."""
        base = resolve_config(self.task, self.preset)
        values: dict[str, Any] = {
            "time_limit": float(self.time_limit.value()) or None,
            "max_epochs": self.max_epochs.value(),
            "crop": self.crop.value(),
            "batch": self.batch.value(),
            "crops_per_epoch": self.crops_per_epoch.value(),
            "seed": self.seed.value(),
            "model": self.model.text().strip() or base.model,
            "doubtful": str(self.doubtful.currentData()),
        }
        out: dict[str, Any] = {"task": self.task, "preset": self.preset}
        out.update({k: v for k, v in values.items() if getattr(base, k) != v})
        return out


def style_plot(plot: pg.PlotItem, palette: QPalette, title: str = "") -> None:
    """Plot colours from the window palette (pyqtgraph's default is white on black)."""
    text = palette.color(QPalette.ColorRole.Text)
    if title:
        plot.setTitle(title, color=text.name())
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setPen(pg.mkPen(palette.color(QPalette.ColorRole.Mid)))
        axis.setTextPen(pg.mkPen(text))
    plot.showGrid(x=True, y=True, alpha=0.25)


class CurvesWidget(Retranslatable, pg.GraphicsLayoutWidget):
    """Training loss and validation score per epoch, drawn as the events arrive."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(220)
        self.setBackground(self.palette().color(QPalette.ColorRole.Base))
        self.loss_plot = self.addPlot()
        self.val_plot = self.addPlot()
        for plot in (self.loss_plot, self.val_plot):
            plot.setMouseEnabled(x=False, y=False)
        self.loss_curve = self.loss_plot.plot([], [], pen=pg.mkPen("#0072B2", width=2), symbol="o",
                                              symbolSize=5, symbolBrush="#0072B2")  # fmt: skip
        self.val_curve = self.val_plot.plot([], [], pen=pg.mkPen("#D55E00", width=2), symbol="o",
                                            symbolSize=5, symbolBrush="#D55E00")  # fmt: skip
        self.points: dict[str, list[tuple[float, float]]] = {"loss": [], "val": []}
        self.retranslate()

    def retranslate(self) -> None:
        style_plot(self.loss_plot, self.palette(), _t("Training loss"))
        style_plot(self.val_plot, self.palette(), _t("Validation score (higher is better)"))
        for plot in (self.loss_plot, self.val_plot):
            plot.setLabel("bottom", _t("epoch"))

    def clear_curves(self) -> None:
        self.points = {"loss": [], "val": []}
        self._redraw()

    def add_metric(self, name: str, value: float | None, epoch: int | None) -> bool:
        """Add a point for ``train.loss`` or ``val.score``; returns whether it was one of them."""
        key = {"train.loss": "loss", "val.score": "val"}.get(name)
        if key is None or value is None:
            return False
        x = float(epoch if epoch is not None else len(self.points[key]) + 1)
        self.points[key] = [p for p in self.points[key] if p[0] != x] + [(x, float(value))]
        self._redraw()
        return True

    def _redraw(self) -> None:
        for key, curve in (("loss", self.loss_curve), ("val", self.val_curve)):
            pts = sorted(self.points[key])
            curve.setData([p[0] for p in pts], [p[1] for p in pts])
