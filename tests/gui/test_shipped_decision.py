"""Train page: the selected completed run shows its shipped thresholds and how they were chosen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.gui.windows import open_window
from workbench.core.decisions import DecisionConfig
from workbench.core.project import Project
from workbench.core.run_config import ModelConfig, RunConfig, TrainConfig
from workbench.gui import i18n
from workbench.gui.job_client import JobRegistry
from workbench.gui.shipped_decision import chosen_on_validation, evaluation_note
from workbench.gui.train_page import TrainPageWidget

ZERO_ESCAPE = {"method": "val_zero_escape", "class_id": 1, "name": "scratch", "threshold": 0.8312,
               "min_area_px": 25, "smallest_defect_px": 100, "val_ng": 12, "val_ok": 40, "val_overkill": 1,
               "zero_escape_threshold": 0.9234, "margin_limited_by_overkill": True,
               "outline_threshold": 0.95, "val_dice_at_outline": 0.78,
               "val_dice_at_threshold": 0.41}  # fmt: skip
QUANTILE = {"method": "ok_quantile", "class_id": 2, "name": "spot", "threshold": 0.6071,
            "min_area_px": 25, "smallest_defect_px": 100, "val_ng": 0, "val_ok": 40, "val_overkill": 1,
            "quantile": 0.99}  # fmt: skip
# a good-only run's origins: placed on every labelled image its fit did not see
GOOD_ONLY_NG = {"method": "val_zero_escape", "class_id": 1, "name": "defect", "threshold": 0.7084,
                "min_area_px": 0, "smallest_defect_px": None, "val_ng": 7, "val_ok": 30, "val_overkill": 2,
                "zero_escape_threshold": 0.7271, "margin_logit": 0.08, "train_ng": 5,
                "held_out_ok": 0}  # fmt: skip
GOOD_ONLY_GUESS = {"method": "ok_quantile", "class_id": 1, "name": "defect", "threshold": 0.2671,
                   "min_area_px": 0, "smallest_defect_px": None, "val_ng": 0, "val_ok": 30, "val_overkill": 1,
                   "quantile": 0.99, "train_ng": 0, "held_out_ok": 0}  # fmt: skip


def _decision(*origins: dict[str, Any]) -> dict[str, Any]:
    rules = [{"class_id": o["class_id"], "name": o["name"], "threshold": o["threshold"],
              "min_area_px": o["min_area_px"]} for o in origins]  # fmt: skip
    return DecisionConfig.from_dict({"classes": rules}).to_dict()


def _add_run(project: Project, task: str, config: dict[str, Any]) -> str:
    rules = config["decision"]["classes"] or [{"class_id": 1, "name": "defect"}]
    classes = [{"id": r["class_id"], "name": r["name"]} for r in rules]
    model = ModelConfig.from_dict({"task": task, "model": "tiny", "in_channels": 3, "classes": classes,
                                   "tile_size": 64, "overlap": 8, **config})  # fmt: skip
    train = TrainConfig(task=task)
    run = project.create_run(RunConfig(train), name="fast")
    project.move_run(run.id, "running")
    project.move_run(run.id, "completed", metrics={"image": {"auroc": 0.9}}, config=RunConfig(train, model))
    return run.id


@pytest.fixture
def page(qtbot, project_dir: Path) -> Iterator[tuple[TrainPageWidget, dict[str, str]]]:  # type: ignore[no-untyped-def]
    project = Project.open(project_dir)
    shipped = {"decision": _decision(ZERO_ESCAPE, QUANTILE), "decision_origin": [ZERO_ESCAPE, QUANTILE]}
    ids = {
        "val": _add_run(project, "segmentation", shipped),
        "anomaly": _add_run(project, "anomaly", {"decision": DecisionConfig().to_dict()}),
        "good_ng": _add_run(project, "anomaly", {"decision": _decision(GOOD_ONLY_NG),
                                                 "decision_origin": [GOOD_ONLY_NG]}),
        "good_guess": _add_run(project, "anomaly", {"decision": _decision(GOOD_ONLY_GUESS),
                                                    "decision_origin": [GOOD_ONLY_GUESS]}),
    }  # fmt: skip
    widget = TrainPageWidget(JobRegistry())
    qtbot.addWidget(widget)
    widget.set_project(project)
    yield widget, ids
    i18n.install_language("en")
    widget.set_project(None)
    project.close()


def _select(page: TrainPageWidget, run_id: str) -> None:
    table = page.runs_table
    ids = [table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(table.rowCount())]  # type: ignore[union-attr]
    rows = [r for r, i in enumerate(ids) if i == run_id]
    table.selectRow(rows[0])


def test_block_shows_thresholds_and_how_they_were_chosen(page) -> None:  # type: ignore[no-untyped-def]
    widget, ids = page
    block = widget.decision_block
    assert block.isVisibleTo(widget)  # an opened project shows its newest run
    widget.runs_table.clearSelection()
    assert not block.isVisibleTo(widget)  # no run chosen
    _select(widget, ids["val"])
    assert block.isVisibleTo(widget) and block.title.text() == "Shipped decision"
    zero, quantile = block.texts()
    assert zero.startswith("scratch: threshold 0.831, min area 25 px")
    assert "below the zero-escape point 0.923 of 12 val NG parts by a margin" in zero
    stop = "the margin stops where it would reject more than 5 % more good parts"
    assert f"rejects 1 of 40 val good parts; {stop}" in zero
    assert zero.endswith("; outlines drawn at 0.95, the level with the best val pixel Dice (0.780; 0.410 at "
                         "the threshold)")  # fmt: skip
    assert "outlines" not in quantile  # drawn at its threshold
    assert quantile.startswith("⚠ spot: threshold 0.607")
    assert "guess from good parts only: the 99 % quantile of 40 val good parts" in quantile
    assert "label NG parts" in quantile
    assert block.lines[1].styleSheet() and not block.lines[0].styleSheet()  # only the guess is a warning

    _select(widget, ids["anomaly"])
    assert block.texts() == ["all classes: threshold 0.500 — the default threshold"]


def test_good_only_runs_say_whether_ng_images_placed_the_threshold(page) -> None:  # type: ignore[no-untyped-def]
    widget, ids = page
    block = widget.decision_block
    _select(widget, ids["good_ng"])
    (text,) = block.texts()
    assert text.startswith(
        "defect: threshold 0.708 — below the zero-escape point 0.727 of 7 NG parts "
        "outside the test split (5 of them from the train split, kept out of the fit)"
    )
    assert "rejects 2 of 30 good parts the fit did not see" in text and not block.lines[0].styleSheet()
    _select(widget, ids["good_guess"])
    (text,) = block.texts()
    assert text.startswith(
        "⚠ defect: threshold 0.267 — a guess from good parts only: the 99 % quantile of "
        "30 good parts the fit did not see"
    )
    assert "no NG part is labelled outside the test split" in text and block.lines[0].styleSheet()
    i18n.install_language("zh_CN")
    (text,) = block.texts()
    assert "仅根据良品估计" in text and "30" in text and "guess" not in text
    _select(widget, ids["good_ng"])
    (text,) = block.texts()
    assert "测试集以外 7 张 NG 图像（其中 5 张来自训练集" in text and "NG parts" not in text


def test_block_follows_a_switch_to_chinese(page) -> None:  # type: ignore[no-untyped-def]
    widget, ids = page
    _select(widget, ids["val"])
    i18n.install_language("zh_CN")  # the block re-texts itself on Qt's LanguageChange
    block = widget.decision_block
    zero, quantile = block.texts()
    assert block.title.text() == "交付的判定规则"
    assert zero.startswith("scratch：阈值 0.831，最小面积 25 px")
    assert "12 张验证集 NG 图像的零漏检点" in zero and "0.923" in zero
    assert "40 张验证集良品中过检 1 张" in zero
    assert "余量在多过检超过 5 % 良品处停止" in zero
    assert "轮廓按 0.95 绘制" in zero and "0.780" in zero
    assert "仅根据良品估计" in quantile and "99 %" in quantile
    assert "chosen" not in " ".join(block.texts()) and "threshold" not in " ".join(block.texts())


def test_chosen_on_validation_compares_every_class(page) -> None:  # type: ignore[no-untyped-def]
    widget, ids = page
    assert widget.project is not None
    run = widget.project.run(ids["val"])
    assert run.config.model is not None
    shipped = run.config.model.shipped_decision()
    assert chosen_on_validation(run, shipped)
    shipped.classes[1].threshold = 0.5
    assert not chosen_on_validation(run, shipped)
    assert not chosen_on_validation(widget.project.run(ids["anomaly"]), DecisionConfig())


def test_evaluate_page_names_the_validation_chosen_threshold(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from workbench.gui.eval_page import EvaluatePageWidget

    widget, ids = page
    evaluate = EvaluatePageWidget(JobRegistry())
    qtbot.addWidget(evaluate)
    evaluate.project = widget.project
    assert widget.project is not None
    model = widget.project.run(ids["val"]).config.model
    assert model is not None
    shipped = model.shipped_decision()
    session = SimpleNamespace(meta={"model": {"run_id": ids["val"]}})
    assert evaluate._run_origins(session, shipped) == [ZERO_ESCAPE, QUANTILE]  # type: ignore[arg-type]
    assert evaluate._run_origins(SimpleNamespace(meta={"model": {"run_id": "gone"}}), shipped) is None  # type: ignore[arg-type]
    assert evaluate._run_origins(SimpleNamespace(meta={"model": {"bundle": "b.wbx"}}), shipped) is None  # type: ignore[arg-type]
    evaluate.threshold_origin.setText("chosen on the run's validation images")
    evaluate.slider.setValue(evaluate.slider.value() + 10)
    assert evaluate.threshold_origin.text() == ""  # the user's own threshold now


def test_evaluate_page_says_how_a_good_only_run_placed_its_threshold(qtbot) -> None:  # type: ignore[no-untyped-def]
    assert evaluation_note([GOOD_ONLY_NG]) == (
        "placed by the run on 7 NG parts its fit never saw: none of them escapes",
        False,
    )
    text, warn = evaluation_note([GOOD_ONLY_GUESS])
    assert warn and text == "chosen by the run as a guess from good parts only: label NG parts"
    assert evaluation_note([ZERO_ESCAPE]) == ("chosen on the run's validation images", False)
    i18n.install_language("zh_CN")
    try:
        placed_zh = evaluation_note([GOOD_ONLY_NG])[0]
        assert "7" in placed_zh and "NG parts" not in placed_zh
        assert "仅根据良品估计" in evaluation_note([GOOD_ONLY_GUESS])[0]
        assert evaluation_note([ZERO_ESCAPE])[0] == "训练记录在验证集上选定的阈值"
    finally:
        i18n.install_language("en")


def test_outlines_below_the_threshold_say_regions_are_drawn_down(page) -> None:  # type: ignore[no-untyped-def]
    from workbench.gui.shipped_decision import outline_how

    below = {**ZERO_ESCAPE, "outline_threshold": 0.45, "val_dice_at_outline": 0.71}
    assert outline_how(below) == ("regions that reach the threshold are outlined down to 0.45, the level "
                                  "with the best val pixel Dice (0.710; 0.410 at the threshold)")  # fmt: skip
    assert outline_how(ZERO_ESCAPE).startswith("outlines drawn at 0.95")
    i18n.install_language("zh_CN")
    text = outline_how(below)
    assert "向下延伸至 0.45" in text and "0.710" in text and "regions" not in text


def test_the_ng_parts_that_place_a_threshold_link_to_labelling(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    widget, ids = page
    project = widget.project
    ng = [s.id for s in project.samples() if s.label == "ng"]
    weakest = [{"sample_id": ng[0], "score": 0.031}, {"sample_id": ng[1], "score": 0.412},
               {"sample_id": 999, "score": 0.5}]  # fmt: skip
    origin = {**ZERO_ESCAPE, "escape_bound95": 0.2213, "weakest_ng": weakest, "lone_weakest": True,
              "without_weakest": {"threshold": 0.35, "val_overkill": 9}}  # fmt: skip
    run_id = _add_run(project, "segmentation", {"decision": _decision(origin), "decision_origin": [origin]})
    widget.refresh_runs()
    _select(widget, run_id)
    block = widget.decision_block
    rule, parts, lone = block.texts()
    assert rule.endswith("; none of them escapes, yet up to 22.1 % of new NG parts may (95 % bound)"
                         "; outlines drawn at 0.95, the level with the best val pixel Dice (0.780; 0.410 at "
                         "the threshold)")  # fmt: skip
    assert parts.startswith("Lowest-scoring val NG parts of scratch (they place its threshold): ")
    assert f'<a href="{ng[0]}">' in parts and f'<a href="{ng[1]}">' in parts
    assert parts.endswith("0.412, sample 999 (no longer in the project) 0.500")  # removed since: no link
    assert "part_\u200b4" in parts  # the name, breakable where it is long
    assert f'<a href="{ng[0]}">' in lone and "check its label" in lone
    assert lone.endswith(
        "Without it the threshold would be 0.350 and reject 9 of 40 good parts instead of 1."
    )
    assert block.lines[2].styleSheet() and not block.lines[1].styleSheet()  # only the lone part warns
    with qtbot.waitSignal(widget.open_in_label) as opened:
        block.lines[1].linkActivated.emit(str(ng[1]))
    assert opened.args == [[ng[0], ng[1]], ng[1]]  # every named part that exists, the clicked one shown

    _select(widget, ids["val"])  # a run made before parts were named shows none
    assert len(block.texts()) == 2
    _select(widget, run_id)
    i18n.install_language("zh_CN")
    rule, parts, lone = block.texts()
    assert "新的 NG 零件仍可能有多达 22.1 % 漏检（95 % 上限）" in rule
    assert parts.startswith("scratch 得分最低的验证集 NG 零件") and f'<a href="{ng[0]}">' in parts
    assert "请检查它的标注" in lone and "40 张良品中过检 9 张，而不是 1 张" in lone


def test_a_named_part_opens_on_the_label_page_of_the_window(qtbot, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    with Project.open(project_dir) as project:
        ng = [s.id for s in project.samples() if s.label == "ng"]
        origin = {
            **ZERO_ESCAPE,
            "weakest_ng": [{"sample_id": sid, "score": 0.2 + 0.1 * i} for i, sid in enumerate(ng)],
        }
        _add_run(project, "segmentation", {"decision": _decision(origin), "decision_origin": [origin]})
    win = open_window(qtbot, project_dir)
    win.show_page("train")
    links = win.train_page.decision_block.lines[-1]  # the newest run is shown on opening
    links.linkActivated.emit(str(ng[1]))
    assert win.current_page() == "label"
    assert win.label_page.sample is not None and win.label_page.sample.id == ng[1]
    assert win.label_page.ids == ng  # the other named part is one step away


def test_a_threshold_kept_at_a_zero_escape_point_below_the_margin_floor_says_so(qtbot) -> None:  # type: ignore[no-untyped-def]
    from workbench.gui.shipped_decision import origin_line

    kept = {**ZERO_ESCAPE, "threshold": 0.0009, "zero_escape_threshold": 0.0009,
            "margin_limited_by_overkill": False, "margin_stopped_at_lowest": True,
            "outline_threshold": None}  # fmt: skip
    stopped = {**kept, "threshold": 0.01, "zero_escape_threshold": 0.012}
    try:
        line, warn = origin_line(kept)
        assert line.startswith("scratch: threshold 9.0e-04, min area 25 px") and not warn
        assert (
            "at the zero-escape point 9.0e-04 of 12 val NG parts, with no margin: none goes below 0.01"
            in line
        )
        assert "by a margin" not in line
        assert "stops" not in origin_line({**kept, "margin_limited_by_overkill": True})[0]
        assert "the margin stops at 0.01" in origin_line(stopped)[0]
        assert "below the zero-escape point 0.012" in origin_line(stopped)[0]
        i18n.install_language("zh_CN")
        line, _ = origin_line(kept)
        assert "9.0e-04" in line and "zero-escape" not in line and "margin" not in line
        assert "0.01" in origin_line(stopped)[0] and "margin" not in origin_line(stopped)[0]
    finally:
        i18n.install_language("en")
