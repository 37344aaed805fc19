"""Shipping a decision a person chose: `workbench decide` and ``services.decision`` (torch-free except
for the config writer's module)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from core.eval_helpers import fake_predictor, make_eval_project, model_info

from workbench.cli import main
from workbench.core.decisions import ClassRule, DecisionConfig
from workbench.core.evaluation import run_evaluation
from workbench.core.project import Project
from workbench.core.run_config import ModelClass, ModelConfig, RunConfig, TrainConfig
from workbench.core.run_quality import judge, shortfalls
from workbench.learn.infer import CONFIG_NAME, write_run_config
from workbench.services.decision import DecisionShipError, restore_trained, ship_decision

TRAINED = 0.031  # one val NG part scored like the good ones: the trained threshold rejects them all


def _completed_run(project: Project) -> str:
    decision = DecisionConfig(
        default_threshold=TRAINED, classes=[ClassRule(1, "scratch", TRAINED, min_area_px=3)]
    )
    origin = {"method": "val_zero_escape", "class_id": 1, "name": "scratch", "threshold": TRAINED,
              "val_ok": 40, "val_overkill": 40, "val_ng": 12, "zero_escape_threshold": 0.05}  # fmt: skip
    model = ModelConfig("segmentation", "unet-effnetlite0", 1, (ModelClass(1, "scratch"),), 256, 32,
                        (0.5,), (0.25,), decision, (origin,))  # fmt: skip
    run = project.create_run(RunConfig(TrainConfig(preset="fast")))
    project.move_run(run.id, "running")
    metrics = {"image": {"auroc": 0.5}, "decision": {"val_overkill": 1.0}}
    metrics["below_usable"] = [s.to_dict() for s in judge(metrics)]
    config = RunConfig(TrainConfig(preset="fast"), model)
    write_run_config(project.run_dir(run.id), config)
    project.move_run(run.id, "completed", metrics=metrics, config=config)
    return run.id


@pytest.fixture()
def proj(tmp_path: Path) -> tuple[Path, str, str]:
    project, maps = make_eval_project(tmp_path / "proj")
    run_id = _completed_run(project)
    info = {**model_info(threshold=TRAINED), "run_id": run_id}
    session = run_evaluation(project, fake_predictor(maps), info, split="test", eval_id="ev")
    project.add_evaluation(session.eval_id, run_id, None, "test", {})
    project.close()
    return tmp_path / "proj", run_id, "ev"


def _stored(root: Path, run_id: str) -> dict:
    return json.loads((root / "runs" / run_id / CONFIG_NAME).read_text())["model"]


def test_ship_keeps_the_trained_decision_and_restores_it(proj: tuple[Path, str, str]) -> None:
    root, run_id, eval_id = proj
    with Project.open(root) as project:
        chosen = DecisionConfig(default_threshold=0.4, classes=[ClassRule(1, "scratch", 0.4, min_area_px=3)])
        chosen.gray_low, chosen.gray_high = 0.1, 0.4
        ship_decision(project, run_id, chosen, eval_id)
        run = project.run(run_id)
        model = run.config.model
        assert (
            model is not None
            and model.decision.gray_low == 0.1
            and model.decision.ng_threshold(model.decision.classes[0]) == 0.4
        )
        origin = model.decision_origin[0]
        assert (
            origin["method"] == "user"
            and origin["eval_id"] == eval_id
            and origin["trained_threshold"] == TRAINED
        )
        assert model.trained is not None and model.trained["decision"]["classes"][0]["threshold"] == TRAINED
        # the file evaluation and export read agrees with the database
        assert _stored(root, run_id)["decision"]["gray_high"] == 0.4
        # the "rejects every good val part" flag was about training's threshold; AUROC's stays
        assert [s.metric for s in shortfalls(run.metrics)] == ["image.auroc"]
        # shipping twice keeps the decision training placed, not the first person's
        ship_decision(
            project, run_id, DecisionConfig(default_threshold=0.3, classes=[ClassRule(1, "scratch", 0.3)])
        )
        assert project.run(run_id).config.model.trained["decision"]["classes"][0]["threshold"] == TRAINED  # type: ignore[union-attr]
        restore_trained(project, run_id)
        back = project.run(run_id)
        assert back.config.model is not None and back.config.model.trained is None
        assert (
            back.config.model.decision.classes[0].threshold == TRAINED
            and not back.config.model.decision.has_gray_zone
        )
        assert back.config.model.decision_origin[0]["method"] == "val_zero_escape"
        assert {s.metric for s in shortfalls(back.metrics)} == {"image.auroc", "decision.val_overkill"}
        assert "trained" not in _stored(root, run_id)


def test_ship_refuses_what_does_not_fit(proj: tuple[Path, str, str]) -> None:
    root, run_id, _ = proj
    with Project.open(root) as project:
        other = DecisionConfig(default_threshold=0.4, classes=[ClassRule(7, "dent", 0.4)])
        with pytest.raises(DecisionShipError, match="not the run's"):
            ship_decision(project, run_id, other)
        pending = project.create_run(RunConfig(TrainConfig(preset="fast")))
        with pytest.raises(DecisionShipError, match="only a completed run"):
            ship_decision(project, pending.id, other)
        assert project.run(run_id).config.model.decision.classes[0].threshold == TRAINED  # type: ignore[union-attr]


def test_decide_cli(proj: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    root, run_id, eval_id = proj
    d = str(root)
    assert main(["decide", d, "--run", run_id]) == 0
    assert f"NG at {TRAINED:.3f}" in capsys.readouterr().out
    # the operating point chosen on the evaluation, with a gray zone
    assert main(["redecide", d, eval_id, "--threshold", "0.5", "--gray", "0.2,0.5"]) == 0
    capsys.readouterr()
    assert main(["decide", d, "--from-eval", eval_id, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (
        out["run_id"] == run_id
        and out["decision"]["gray_low"] == 0.2
        and out["origin"][0]["method"] == "user"
    )
    assert main(["runs", d]) == 0
    text = capsys.readouterr().out
    assert "0.500*" in text and "shipped by a person" in text and "reject 100%" not in text
    assert main(["decide", d, "--run", run_id, "--threshold", "0.45"]) == 0
    text = capsys.readouterr().out
    assert "NG at 0.450" in text and "gray zone" not in text and "set by a person" in text
    assert main(["decide", d, "--run", run_id, "--trained"]) == 0
    assert f"NG at {TRAINED:.3f}" in capsys.readouterr().out and _stored(root, run_id).get("trained") is None
    for argv, why in (
        (["decide", d], "name the run (--run)"),
        (["decide", d, "--run", run_id, "--trained", "--threshold", "0.3"], "takes no --threshold"),
        (["decide", d, "--from-eval", eval_id, "--run", "someone-else"], f"evaluated run {run_id}"),
    ):
        assert main(argv) != 0 and why in capsys.readouterr().err
