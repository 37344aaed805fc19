"""The Data page's labeler agreement: summary, per-sample line, filter, labels training uses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.gui.windows import open_window, shown_sample_names
from workbench.core.project import Project
from workbench.gui.i18n import install_language
from workbench.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


def _two_labelers(root: Path) -> None:
    """ann and bo label samples 1..4; they differ on 3's label and their masks of 2 overlap by a third."""
    with Project.open(root) as project:
        mask_a = np.zeros((120, 160), np.uint8)
        mask_a[0, :6] = 1
        mask_b = np.zeros((120, 160), np.uint8)
        mask_b[0, 3:6] = 1
        mask_b[1, 0:3] = 1
        for name, labels, mask in (("ann", "ng ng ng ok", mask_a), ("bo", "ng ng ok ok", mask_b)):
            project.set_labeler(name)
            for sid, label in enumerate(labels.split(), start=1):
                project.update_samples([sid], label=label)
            project.write_mask(2, mask)


@pytest.fixture
def win(qtbot, project_dir: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    _two_labelers(project_dir)
    return open_window(qtbot, project_dir)


def test_the_summary_and_the_disagreement_filter(win: MainWindow) -> None:
    bar = win.data_page.agreement
    assert bar.isVisible()
    text = bar.summary.text()
    # labels: 3 of 4 agree; ann ng 3/4, bo ng 2/4 -> chance 3/8 + 1/8 = 1/2, kappa 1/2
    assert "Labelers: ann, bo" in text and "Cohen's kappa 0.50" in text and "mask mean IoU 0.33" in text
    assert "2 of 4 samples disagree" in text
    bar.disagree_box.setChecked(True)
    assert shown_sample_names(win) == ["part_1", "part_2"]  # sample 2: masks; sample 3: labels
    win.data_page.select_ids([2])
    assert "this sample: ann NG, bo NG; scratch IoU 0.33 (labelers disagree)" in bar.summary.text()
    win.data_page.select_ids([3])
    assert "this sample: ann NG, bo OK (labelers disagree)" in bar.summary.text()
    bar.disagree_box.setChecked(False)
    assert len(shown_sample_names(win)) == 6


def test_the_summary_in_chinese(win: MainWindow) -> None:
    try:
        install_language("zh_CN")
        text = win.data_page.agreement.summary.text()
        assert "标注员：ann, bo" in text and "2 / 4 个样本不一致" in text
        assert win.data_page.agreement.disagree_box.text() == "标注员不一致"
    finally:
        install_language("en")


def test_merged_labels_become_the_ones_training_uses(win: MainWindow, project_dir: Path) -> None:
    bar = win.data_page.agreement
    assert bar.use("merged") == 2  # sample 2's mask, sample 3's label
    assert "training labels last set from the merge" in bar.summary.text()
    assert win.data_page.model.sample_at(2).label == "doubtful"
    with Project.open(project_dir, readonly=True) as project:
        assert project.sample(3).label == "doubtful" and int(project.read_mask(2).sum()) == 3


def test_the_labeler_setting_keeps_labels_per_labeler(win: MainWindow) -> None:
    page = win.label_page
    page.labeler_edit.setText("cy")
    page.labeler_edit.editingFinished.emit()
    assert win.project is not None and win.project.labeler == "cy"
    page.open_samples([5], 5)
    page.set_label("doubtful")
    assert [(e.labeler, e.label) for e in win.project.labeler_entries([5])] == [("cy", "doubtful")]
    assert "cy" in win.data_page.agreement.summary.text()
    page.labeler_edit.setText("a/b")
    page.labeler_edit.editingFinished.emit()
    assert win.project.labeler == "cy" and page.labeler_edit.text() == "cy"  # refused, kept
