"""`workbench runs` shows each run's preset and each completed run's shipped thresholds; a guess from
good parts is marked; runs recorded in the layouts of earlier code list alike."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.core.decisions import ClassRule, DecisionConfig
from workbench.core.project import DB_NAME, Project
from workbench.core.run_config import ModelClass, ModelConfig, RunConfig, TrainConfig


def _model(task: str, name: str, decision: DecisionConfig, origins: tuple[dict, ...] = ()) -> ModelConfig:
    classes = tuple(ModelClass(r.class_id, r.name) for r in decision.classes) or (ModelClass(1, "defect"),)
    return ModelConfig(
        task=task, model=name, in_channels=3, classes=classes, tile_size=64, overlap=8, mean=(0.5,) * 3,
        std=(0.25,) * 3, decision=decision, decision_origin=origins,
    )  # fmt: skip


def _complete(project: Project, config: RunConfig) -> str:
    run = project.create_run(RunConfig(config.train), name=config.preset)
    project.move_run(run.id, "running")
    project.move_run(run.id, "completed", config=config)
    return run.id


def test_runs_list_shipped_thresholds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "proj"
    origins = ({"method": "val_zero_escape", "class_id": 1, "name": "scratch", "threshold": 0.8312},
               {"method": "ok_quantile", "class_id": 2, "name": "spot", "threshold": 0.6071})  # fmt: skip
    rules = [ClassRule(int(o["class_id"]), str(o["name"]), float(o["threshold"])) for o in origins]
    with Project.create(root, name="p") as project:
        seg = _model("segmentation", "tiny", DecisionConfig(rules), origins)
        run = _complete(project, RunConfig(TrainConfig(preset="fast"), seg))
        bank = _model("anomaly", "bank", DecisionConfig())
        plain = _complete(project, RunConfig(TrainConfig(task="anomaly"), bank))
        pending = project.create_run(RunConfig(TrainConfig(model="tiny"))).id

    assert main(["runs", str(root)]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "0.831/0.607? " in lines[run] and " 0.500 " in lines[plain] and " - " in lines[pending]
    assert lines["?"].startswith("? = threshold guessed from good parts only")

    assert main(["runs", str(root), "--json"]) == 0
    out = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert [(t["name"], t["method"]) for t in out[run]["thresholds"]] == [
        ("scratch", "val_zero_escape"), ("spot", "ok_quantile")]  # fmt: skip
    assert out[plain]["thresholds"] == [{"class_id": None, "name": "", "threshold": 0.5,
                                         "method": "default"}]  # fmt: skip
    assert out[pending]["thresholds"] == [] and "metrics" in out[pending]
    assert out[run]["preset"] == "fast" and out[run]["model"] == "tiny"  # a completed run's preset too
    assert out[pending]["preset"] == "fast" and out[pending]["model"] == "tiny"


def test_runs_recorded_in_earlier_layouts_list_their_preset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Earlier code stored the training settings alone while a run ran, and the model settings with
    the training ones under "train" once it completed; both still list and load."""
    root = tmp_path / "proj"
    train = TrainConfig(preset="balanced", model="unet-effnetlite0").to_dict()
    model = _model("segmentation", "unet-effnetlite0", DecisionConfig([ClassRule(1, "scratch", 0.7)]))
    completed_then = {**model.to_dict(), "num_classes": 1, "train": train}
    del completed_then["decision_origin"]
    with Project.create(root, name="p") as project:
        failed = project.create_run(RunConfig(TrainConfig())).id
        done = _complete(project, RunConfig(TrainConfig()))
    with sqlite3.connect(root / DB_NAME) as conn:
        conn.execute("UPDATE runs SET config=?, status='failed' WHERE id=?", (json.dumps(train), failed))
        conn.execute("UPDATE runs SET config=? WHERE id=?", (json.dumps(completed_then), done))
    with Project.open(root, readonly=True) as project:
        assert project.run(failed).config == RunConfig(TrainConfig.from_dict(train))
        again = project.run(done).config
        assert again.train.preset == "balanced" and again.model is not None
        assert again.model.decision.classes[0].threshold == 0.7 and again.model.decision_origin == ()

    assert main(["runs", str(root), "--json"]) == 0
    out = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert out[failed]["preset"] == out[done]["preset"] == "balanced"
    shipped = {"class_id": 1, "name": "scratch", "threshold": 0.7, "method": "default"}
    assert out[done]["thresholds"] == [shipped]


def test_runs_name_a_damaged_run_and_list_others(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "proj"
    with Project.create(root, name="p") as project:
        good = project.create_run(RunConfig(TrainConfig(model="tiny"))).id
        bad = project.create_run(RunConfig(TrainConfig(model="tiny"))).id
    with sqlite3.connect(root / DB_NAME) as conn:
        conn.execute("UPDATE runs SET dataset='[1, 2' WHERE id=?", (bad,))
    assert main(["runs", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"run {bad} is left out: run {bad}: its stored record is not readable JSON" in out
    assert any(line.startswith(good) for line in out.splitlines())
    assert main(["runs", str(root), "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[bad]["status"] == "unreadable" and rows[good]["status"] == "pending"
