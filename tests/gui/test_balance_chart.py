"""Data page chart: each defect class's bar carries its count."""

from __future__ import annotations

import pytest

from workbench.core.types import DefectClass
from workbench.gui.balance_chart import BalanceChartWidget

pytestmark = pytest.mark.gui


def test_each_class_bar_shows_its_count(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = BalanceChartWidget()
    qtbot.addWidget(chart)
    classes = [DefectClass(1, "crack", "#E69F00"), DefectClass(2, "spot", "#56B4E9")]
    chart.set_counts({"class": {"crack": 560, "spot": 3}}, classes)
    shown = [(label.toPlainText().strip(), label.pos().x(), label.pos().y()) for label in chart.count_labels]
    assert shown == [("560", 560, 0), ("3", 3, 1)]  # at the end of its bar
    low, high = chart.class_plot.viewRange()[0]
    assert low == 0 and high > 560  # room beside the longest bar for its count
    chart.set_counts({"class": {}}, [])  # no classes: no counts left over
    assert chart.count_labels == []
