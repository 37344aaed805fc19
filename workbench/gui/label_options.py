"""The tool options bar of the label page: class, brush size, tolerance, threshold, overlay, display."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from workbench.core.types import DefectClass
from workbench.gui.canvas_tools import ToolOptions
from workbench.gui.dialogs.class_dialog import colour_icon
from workbench.gui.display import COLOUR
from workbench.gui.retranslatable import Retranslatable

# Keys a spin box needs while a number is typed; every other key stays a shortcut of the window.
_TYPING_KEYS = {
    *range(Qt.Key.Key_0.value, Qt.Key.Key_9.value + 1),
    Qt.Key.Key_Minus.value, Qt.Key.Key_Period.value, Qt.Key.Key_Comma.value, Qt.Key.Key_Backspace.value,
    Qt.Key.Key_Delete.value, Qt.Key.Key_Up.value, Qt.Key.Key_Down.value, Qt.Key.Key_Home.value,
    Qt.Key.Key_End.value, Qt.Key.Key_Return.value, Qt.Key.Key_Enter.value,
}  # fmt: skip


class ShortcutKeysFilter(QObject):
    """Lets the window's one-key shortcuts (B, E, [, ], O, N, ...) through a focused spin box.

    A spin box claims every printable key while it has the focus, so after a person touched
    one, the tool and label keys went dead until they clicked the canvas. Only the keys that edit
    a number stay with it; Return or Esc hands the focus back (``done``).
    """

    done = Signal()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QKeyEvent) or event.type() not in (QEvent.Type.ShortcutOverride,
                                                                      QEvent.Type.KeyPress):  # fmt: skip
            return False
        key = event.key()
        if key in (Qt.Key.Key_Return.value, Qt.Key.Key_Enter.value, Qt.Key.Key_Escape.value):
            if event.type() == QEvent.Type.KeyPress:
                self.done.emit()
            return False
        if key in _TYPING_KEYS:
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.ignore()  # not claimed: the shortcut map gets the key
            return True
        return False


def _group(*widgets: QWidget) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    for w in widgets:
        row.addWidget(w)
    return box


class ToolOptionsBar(Retranslatable, QWidget):
    """Edits a :class:`ToolOptions` in place; display and overlay changes are signals."""

    display_changed = Signal()  # channel or window/level
    opacity_changed = Signal(float)
    class_changed = Signal(int)
    tool_options_changed = Signal()  # tolerance, threshold, paint over: a preview may redo itself
    editing_done = Signal()  # a number was entered: the canvas may take the keys back

    def __init__(self, options: ToolOptions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.options = options
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.setSpacing(14)
        # Captions, in order: class, size, tolerance, threshold, mask opacity, channel, window.
        self.captions = tuple(QLabel() for _ in range(7))
        self.class_combo = QComboBox()
        self.class_combo.setMinimumWidth(150)
        self.class_combo.currentIndexChanged.connect(self._class_changed)
        row.addWidget(_group(self.captions[0], self.class_combo))
        self.size_spin = QSpinBox()
        self.size_spin.setRange(1, 400)
        self.size_spin.setSuffix(" px")
        self.size_spin.setValue(int(options.brush_radius * 2))
        self.size_spin.valueChanged.connect(lambda v: setattr(self.options, "brush_radius", v / 2.0))
        self.size_group = _group(self.captions[1], self.size_spin)
        self.tolerance_spin = QSpinBox()
        self.tolerance_spin.setRange(0, 255)
        self.tolerance_spin.setValue(options.tolerance)
        self.tolerance_spin.valueChanged.connect(self._tolerance_changed)
        self.tolerance_group = _group(self.captions[2], self.tolerance_spin)
        self.paint_over = QCheckBox()
        self.paint_over.setChecked(options.paint_over)
        self.paint_over.toggled.connect(self._paint_over_changed)
        self.threshold_auto = QCheckBox()
        self.threshold_auto.setChecked(options.threshold_auto)
        self.threshold_spin = QSpinBox()
        self.threshold_spin.setRange(0, 255)
        self.threshold_spin.setValue(options.threshold_value)
        self.polarity = QComboBox()
        for value in (None, True, False):
            self.polarity.addItem("", value)
        self.threshold_auto.toggled.connect(self._threshold_changed)
        self.threshold_spin.valueChanged.connect(self._threshold_changed)
        self.polarity.currentIndexChanged.connect(self._threshold_changed)
        self.threshold_group = _group(self.captions[3], self.threshold_auto, self.threshold_spin,
                                      self.polarity)  # fmt: skip
        for group in (self.size_group, self.tolerance_group, self.threshold_group, self.paint_over):
            row.addWidget(group)
        row.addStretch(1)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(50)
        self.opacity.setFixedWidth(110)
        self.opacity.valueChanged.connect(lambda v: self.opacity_changed.emit(v / 100.0))
        row.addWidget(_group(self.captions[4], self.opacity))
        self.channel_combo = QComboBox()
        self.channel_combo.currentIndexChanged.connect(lambda _i: self.display_changed.emit())
        self.channel_group = _group(self.captions[5], self.channel_combo)
        row.addWidget(self.channel_group)
        self.low_spin, self.high_spin = QDoubleSpinBox(), QDoubleSpinBox()
        for spin in (self.low_spin, self.high_spin):
            spin.setDecimals(0)
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(lambda _v: self.display_changed.emit())
        self.auto_window = QPushButton()
        self.window_group = _group(self.captions[6], self.low_spin, QLabel("–"), self.high_spin,
                                   self.auto_window)  # fmt: skip
        row.addWidget(self.window_group)
        self._threshold_changed()
        self._keep_shortcuts()
        self.show_tool("brush")
        self.retranslate()

    def _keep_shortcuts(self) -> None:
        """Only spin boxes take the keyboard focus, and they pass the window's shortcuts on."""
        self.keys_filter = ShortcutKeysFilter(self)
        self.keys_filter.done.connect(self.editing_done)
        for spin in self.findChildren(QAbstractSpinBox):
            spin.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            spin.installEventFilter(self.keys_filter)
            spin.editingFinished.connect(self.editing_done)
        for kind in (QComboBox, QCheckBox, QSlider, QPushButton):
            for widget in self.findChildren(kind):
                widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def retranslate(self) -> None:
        """Captions, hints and choices in the current language; class names stay as the project has them."""
        captions = (self.tr("Class"), self.tr("Size"), self.tr("Tolerance"), self.tr("Threshold"),
                    self.tr("Mask opacity"), self.tr("Channel"), self.tr("Window"))  # fmt: skip
        for caption, text in zip(self.captions, captions, strict=True):
            caption.setText(text)
        self.size_spin.setToolTip(self.tr("Brush diameter in image pixels ([ and ] change it)"))
        self.threshold_auto.setText(self.tr("Otsu"))
        self.threshold_auto.setToolTip(self.tr("Pick the threshold automatically inside each box"))
        polarities = (self.tr("smaller side"), self.tr("dark defects"), self.tr("bright defects"))
        for i, text in enumerate(polarities):
            self.polarity.setItemText(i, text)
        self.auto_window.setText(self.tr("Auto"))
        self.paint_over.setText(self.tr("Paint over other classes"))
        self.paint_over.setToolTip(self.tr(
            "Off: painting, filling and accepting change only background and the selected class's own pixels"
        ))  # fmt: skip
        if self.class_combo.count() == 1 and not self.class_combo.itemData(0):
            self.class_combo.setItemText(0, self._no_classes())
        for i in range(self.channel_combo.count()):
            self.channel_combo.setItemText(i, self._channel_name(int(self.channel_combo.itemData(i))))

    def _no_classes(self) -> str:
        return self.tr("no classes yet")

    def _channel_name(self, channel: int) -> str:
        if channel == COLOUR:
            return self.tr("Colour")
        return self.tr("Channel %1").replace("%1", str(channel + 1))

    # ------------------------------------------------------------------ classes and tools
    def set_classes(self, classes: Sequence[DefectClass]) -> None:
        keep = self.options.class_id
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        for c in classes:
            self.class_combo.addItem(colour_icon(c.color), c.name, c.id)
        if not classes:
            self.class_combo.addItem(self._no_classes(), 0)
        self.class_combo.setCurrentIndex(max(self.class_combo.findData(keep), 0))
        self.class_combo.blockSignals(False)
        self._class_changed()

    def select_class_index(self, index: int) -> bool:
        if 0 <= index < self.class_combo.count() and self.class_combo.itemData(index):
            self.class_combo.setCurrentIndex(index)
            return True
        return False

    def _class_changed(self) -> None:
        self.options.class_id = int(self.class_combo.currentData() or 0)
        self.class_changed.emit(self.options.class_id)

    def show_tool(self, name: str) -> None:
        """Show only the options the tool uses."""
        self.size_group.setVisible(name in ("brush", "eraser"))
        self.tolerance_group.setVisible(name == "wand")
        self.threshold_group.setVisible(name == "threshold")
        self.paint_over.setVisible(name != "eraser")

    def _tolerance_changed(self, value: int) -> None:
        self.options.tolerance = value
        self.tool_options_changed.emit()

    def _paint_over_changed(self, checked: bool) -> None:
        self.options.paint_over = checked
        self.tool_options_changed.emit()

    def set_brush_diameter(self, diameter: int) -> None:
        self.size_spin.setValue(diameter)

    def _threshold_changed(self) -> None:
        self.options.threshold_auto = self.threshold_auto.isChecked()
        self.options.threshold_value = self.threshold_spin.value()
        self.options.dark_defects = self.polarity.currentData()
        self.threshold_spin.setEnabled(not self.options.threshold_auto)

    def show_threshold(self, value: int) -> None:
        """Show the threshold Otsu picked, so a person can start manual tuning from it."""
        if self.options.threshold_auto:
            self.threshold_spin.blockSignals(True)
            self.threshold_spin.setValue(value)
            self.threshold_spin.blockSignals(False)

    # ------------------------------------------------------------------ display
    def set_display_choices(
        self, channels: Sequence[int], value_range: tuple[float, float] | None, window: tuple[float, float]
    ) -> None:
        """Offer the sample's channels and, for images deeper than 8 bits, a window."""
        self.blockSignals(True)
        keep = self.channel_combo.currentData()
        self.channel_combo.clear()
        for ch in channels:
            self.channel_combo.addItem(self._channel_name(ch), ch)
        self.channel_combo.setCurrentIndex(max(self.channel_combo.findData(keep), 0))
        self.channel_group.setVisible(len(channels) > 1)
        self.window_group.setVisible(value_range is not None)
        if value_range is not None:
            for spin in (self.low_spin, self.high_spin):
                spin.setRange(*value_range)
            self.set_window(window)
        self.blockSignals(False)

    def set_window(self, window: tuple[float, float]) -> None:
        for spin, value in ((self.low_spin, window[0]), (self.high_spin, window[1])):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)

    def channel(self) -> int:
        data = self.channel_combo.currentData()
        return 0 if data is None else int(data)

    def window(self) -> tuple[float, float]:
        return self.low_spin.value(), max(self.high_spin.value(), self.low_spin.value() + 1)
