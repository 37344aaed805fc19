"""`workbench runs` shows each completed run's shipped thresholds; a guess from good parts is marked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.core.decisions import DecisionConfig
from workbench.core.project import Project


def test_runs_list_shipped_thresholds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "proj"
    origins = [{"method": "val_zero_escape", "class_id": 1, "name": "scratch", "threshold": 0.8312},
               {"method": "ok_quantile", "class_id": 2, "name": "spot", "threshold": 0.6071}]  # fmt: skip
    rules = [{"class_id": o["class_id"], "name": o["name"], "threshold": o["threshold"]} for o in origins]
    with Project.create(root, name="p") as project:
        config = {"model": "tiny", "decision": {"classes": rules}, "decision_origin": origins,
                  "train": {"preset": "fast"}}  # fmt: skip
        run = project.create_run("segmentation", config)
        project.move_run(run.id, "running")
        project.move_run(run.id, "completed")
        plain = project.create_run("anomaly", {"model": "bank", "decision": DecisionConfig().to_dict()})
        project.move_run(plain.id, "running")
        project.move_run(plain.id, "completed")
        pending = project.create_run("segmentation", {"model": "tiny"})

    assert main(["runs", str(root)]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "0.831/0.607? " in lines[run.id] and " 0.500 " in lines[plain.id] and " - " in lines[pending.id]
    assert lines["?"].startswith("? = threshold guessed from good parts only")

    assert main(["runs", str(root), "--json"]) == 0
    out = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert [(t["name"], t["method"]) for t in out[run.id]["thresholds"]] == [
        ("scratch", "val_zero_escape"), ("spot", "ok_quantile")]  # fmt: skip
    assert out[plain.id]["thresholds"] == [{"class_id": None, "name": "", "threshold": 0.5,
                                            "method": "default"}]  # fmt: skip
    assert out[pending.id]["thresholds"] == [] and "metrics" in out[pending.id]
    # a completed run keeps its training settings under "train": its preset is still reported
    assert out[run.id]["preset"] == "fast"
