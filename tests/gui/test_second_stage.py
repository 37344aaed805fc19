"""Evaluate and Train pages with a second stage: the region classifier's threshold and switch re-decide
from stored maps, the region table shows both scores and the verdict, the "vetoed" gallery, Chinese."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gui.second_stage import EVAL_ID, make_two_stage_project
from workbench.core.evaluation import load_map, save_map
from workbench.core.project import Project
from workbench.gui import i18n
from workbench.gui.eval_page import VETOED_TAB, EvaluatePageWidget
from workbench.gui.job_client import JobRegistry
from workbench.gui.shipped_decision import ShippedDecisionWidget

TIMEOUT_MS = 30_000


@pytest.fixture
def page(qtbot, tmp_path: Path) -> Iterator[EvaluatePageWidget]:  # type: ignore[no-untyped-def]
    root, _run_id = make_two_stage_project(tmp_path / "two")
    project = Project.open(root)
    widget = EvaluatePageWidget(JobRegistry())
    qtbot.addWidget(widget)
    widget.set_project(project)
    widget.load_evaluation(EVAL_ID)
    qtbot.waitUntil(lambda: widget.session is not None and widget.idle, timeout=TIMEOUT_MS)
    yield widget
    i18n.install_language("en")
    widget.set_project(None)
    project.close()


def outcome_of(page: EvaluatePageWidget, name: str) -> tuple[str, str]:
    row = next(r for r in page.rows if r["name"] == name)
    return row["verdict"], row["outcome"]


def settle(qtbot, page: EvaluatePageWidget) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: page.idle, timeout=TIMEOUT_MS)


def pick(qtbot, page: EvaluatePageWidget, gallery: str, name: str) -> None:  # type: ignore[no-untyped-def]
    sid = next(r["sample_id"] for r in page.rows if r["name"] == name)
    page.pick_sample(gallery, sid)
    qtbot.waitUntil(lambda: page.regions.view.pixmap is not None, timeout=TIMEOUT_MS)


def test_the_classifier_control_shows_only_for_a_two_stage_evaluation(
    qtbot, page: EvaluatePageWidget
) -> None:  # type: ignore[no-untyped-def]
    assert page.has_stage and not page.classifier.isHidden()
    assert page.classifier.threshold == pytest.approx(0.5) and page.classifier.switch.isChecked()
    assert page.tabs.isTabVisible(VETOED_TAB)
    # The same evaluation with its maps stored without the classifier's: a one-stage evaluation.
    project = page.project
    assert project is not None
    shutil.copytree(project.evaluation_dir(EVAL_ID), project.evaluation_dir("one-stage"))
    for path in (project.evaluation_dir("one-stage") / "maps").glob("*.npz"):
        save_map(path, load_map(path))
    page.load_evaluation("one-stage")
    qtbot.waitUntil(
        lambda: page.session is not None and page.session.eval_id == "one-stage", timeout=TIMEOUT_MS
    )
    settle(qtbot, page)
    assert not page.has_stage and page.classifier.isHidden() and not page.tabs.isTabVisible(VETOED_TAB)
    assert page.classifier.override() is None
    assert outcome_of(page, "part_3") == ("NG", "overkill")  # nothing vetoes its false alarm


def test_the_classifier_threshold_and_switch_redecide_the_vetoed_image(
    qtbot, page: EvaluatePageWidget
) -> None:  # type: ignore[no-untyped-def]
    assert outcome_of(page, "part_3") == ("OK", "correct")  # its false alarm is vetoed
    assert page.metrics["image.overkills"] == 0 and page.galleries["overkill"].count() == 0
    assert page.cards.overkill.value.text().startswith("0 / 3")
    coverage = page.cards.alone.value.text()

    page.classifier.switch.setChecked(False)  # off: every region the segmenter finds counts
    settle(qtbot, page)
    assert outcome_of(page, "part_3") == ("NG", "overkill")
    assert page.metrics["image.overkills"] == 1 and page.cards.overkill.value.text().startswith("1 / 3")
    assert [page.galleries["overkill"].item(0).text().split("\n")[0]] == ["part_3"]
    assert page.galleries["vetoed"].count() == 0
    assert page.cards.alone.value.text() != coverage  # the coverage card follows too

    page.classifier.switch.setChecked(True)
    settle(qtbot, page)
    assert outcome_of(page, "part_3") == ("OK", "correct")
    page.classifier.slider.setValue(page.classifier.slider.minimum())  # 0.001: nothing is vetoed
    settle(qtbot, page)
    assert page.classifier.value_label.text() == "0.001"
    assert outcome_of(page, "part_3") == ("NG", "overkill") and page.metrics["image.overkills"] == 1
    page.classifier.set_threshold(0.9)  # now the confirmed scratch of part_1 (0.88) is vetoed too
    settle(qtbot, page)
    assert outcome_of(page, "part_1") == ("OK", "escape") and outcome_of(page, "part_3") == ("OK", "correct")
    assert page.metrics["image.escapes"] == 2 and page.galleries["escape"].count() == 2


def test_the_region_table_shows_both_scores_and_the_verdict(qtbot, page: EvaluatePageWidget) -> None:  # type: ignore[no-untyped-def]
    panel = page.regions
    pick(qtbot, page, "vetoed", "part_3")
    assert panel.table.rowCount() == 1
    assert [panel.cell(0, c) for c in range(6)] == ["1", "scratch", "0.740", "0.080", "scratch",
                                                   "vetoed by the classifier"]  # fmt: skip
    assert [line.verdict for line in panel.view.lines] == ["vetoed"]

    pick(qtbot, page, "escape", "part_6")  # any gallery: the region panel follows the pick
    assert panel.table.rowCount() == 2
    assert [panel.cell(0, c) for c in range(6)] == ["1", "scratch", "0.900", "0.930", "scratch", "counted"]
    assert [panel.cell(1, c) for c in (2, 3, 4, 5)] == ["0.620", "—", "—", "not looked at (counted)"]
    pick(qtbot, page, "escape", "part_0")
    assert panel.cell(0, 4) == "dent"  # the class the classifier names, in the project's words

    pick(qtbot, page, "vetoed", "part_3")
    page.classifier.switch.setChecked(False)  # the shown image's regions are re-decided with the page
    settle(qtbot, page)
    assert panel.cell(0, 5) == "counted" and panel.cell(0, 3) == "0.080"
    with qtbot.waitSignal(page.open_in_label) as opened:
        panel.open_button.click()
    assert opened.args[1] == panel.sample_id


def test_the_vetoed_gallery_lists_the_image_with_its_count(qtbot, page: EvaluatePageWidget) -> None:  # type: ignore[no-untyped-def]
    gallery = page.galleries["vetoed"]
    assert gallery.count() == 1 and gallery.item(0).text() == "part_3\n1 vetoed, score 0.02"
    assert page.tabs.tabText(VETOED_TAB) == "Vetoed by the classifier (1)"
    qtbot.waitUntil(lambda: not gallery.item(0).icon().isNull(), timeout=TIMEOUT_MS)  # heat-map thumbnail
    with qtbot.waitSignal(gallery.picked) as picked:
        gallery.itemClicked.emit(gallery.item(0))
    assert picked.args == [gallery.ids()[0]]
    qtbot.waitUntil(lambda: page.regions.sample_id == gallery.ids()[0], timeout=TIMEOUT_MS)
    with qtbot.waitSignal(page.open_in_label) as opened:
        gallery.itemDoubleClicked.emit(gallery.item(0))
    assert opened.args == [gallery.ids(), gallery.ids()[0]]


def test_the_second_stage_in_chinese(qtbot, page: EvaluatePageWidget) -> None:  # type: ignore[no-untyped-def]
    pick(qtbot, page, "vetoed", "part_3")
    i18n.install_language("zh_CN")
    assert page.classifier.caption.text() == "分类器阈值"
    assert page.classifier.switch.text() == "区域分类器开启"
    assert page.tabs.tabText(VETOED_TAB) == "被分类器否决 (1)"
    assert page.regions.cell(0, 5) == "被分类器否决"
    headers = [page.regions.table.horizontalHeaderItem(c).text() for c in range(1, 6)]
    assert headers == ["缺陷类别", "分割分数", "缺陷概率", "分类器判定类别", "判定"]
    assert page.galleries["vetoed"].item(0).text() == "part_3\n否决 1 个，得分 0.02"


def test_the_train_page_says_whether_a_run_has_a_region_classifier(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root, run_id = make_two_stage_project(tmp_path / "two")
    with Project.open(root) as project:
        run = project.run(run_id)
    block = ShippedDecisionWidget()
    qtbot.addWidget(block)
    block.show_run(run)
    assert not block.stage.isHidden()
    assert block.stage.text() == (
        "Region classifier (second stage, names scratch, dent): a region counts only when its defect "
        "probability reaches 0.500; below, the classifier vetoes it as not a defect."
    )
    i18n.install_language("zh_CN")
    try:
        assert block.stage.text().startswith("区域分类器（第二阶段")
    finally:
        i18n.install_language("en")


def test_the_train_page_says_why_a_run_has_no_region_classifier(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from workbench.core.decisions import DecisionConfig
    from workbench.core.run_config import ModelConfig, RunConfig, TrainConfig

    def run_line(task: str, preset: str) -> str:
        classes = [{"id": 1, "name": "scratch"}]
        model = ModelConfig.from_dict({"task": task, "model": "tiny", "in_channels": 3, "classes": classes,
                                       "tile_size": 64, "overlap": 8,
                                       "decision": DecisionConfig().to_dict()})  # fmt: skip
        train = TrainConfig(task=task, preset=preset)
        run = project.create_run(RunConfig(train), name=preset)
        project.move_run(run.id, "running")
        project.move_run(run.id, "completed", metrics={}, config=RunConfig(train, model))
        block.show_run(project.run(run.id))
        return block.stage.text()

    block = ShippedDecisionWidget()
    qtbot.addWidget(block)
    with Project.create(tmp_path / "none") as project:
        assert run_line("segmentation", "fast") == "No region classifier: it is off in the Quick preset."
        assert run_line("segmentation", "accurate") == (
            "No region classifier: this run was trained without a second stage."
        )
        assert run_line("anomaly", "balanced") == (
            "No region classifier: only segmentation runs have a second stage."
        )


def test_the_vetoed_gallery_boxes_the_vetoed_region_on_its_thumbnail(qtbot, page: EvaluatePageWidget) -> None:  # type: ignore[no-untyped-def]
    import numpy as np
    from PySide6.QtGui import QColor, QImage

    from workbench.gui.eval_widgets import THUMB, VETOED_COLOUR, to_pixmap

    gallery = page.galleries["vetoed"]
    sid = gallery.ids()[0]
    qtbot.waitUntil(lambda: sid in page._thumbs and not gallery.item(0).icon().isNull(), timeout=TIMEOUT_MS)
    rgb, scale = page._thumbs[sid]

    def grey_pixels(image: QImage) -> int:
        image = image.convertToFormat(QImage.Format.Format_RGB888)
        w, h, stride = image.width(), image.height(), image.bytesPerLine()
        arr = np.frombuffer(image.constBits(), np.uint8).reshape(h, stride)[:, : w * 3].reshape(h, w, 3)
        grey = QColor(VETOED_COLOUR)
        return int((arr == (grey.red(), grey.green(), grey.blue())).all(axis=2).sum())

    size = (rgb.shape[1], rgb.shape[0])
    boxed = gallery.item(0).icon().pixmap(*size).toImage()
    assert grey_pixels(boxed) >= grey_pixels(to_pixmap(rgb).toImage()) + 8  # the dashes of the box
    vetoed = next(r for r in page.rows if r["sample_id"] == sid)["vetoed"][0]
    x, y = round(vetoed["x"] * scale) - 2, round(vetoed["y"] * scale) - 2  # the box's top-left corner
    near = boxed.copy(max(x - 2, 0), max(y - 2, 0), 8, 8)
    assert grey_pixels(near) > 0 and max(size) == THUMB
