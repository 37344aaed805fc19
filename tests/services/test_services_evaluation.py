"""`workbench evaluate` and the window's evaluate job run one service: same model source, same metrics."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from core.eval_helpers import fake_predictor, make_eval_project, model_info

from workbench.cli import main
from workbench.core.cancel import CancelToken
from workbench.core.project import Project
from workbench.jobs.eval_export import evaluate_job
from workbench.jobs.events import EventWriter, ProgressEvent, parse_event
from workbench.services import evaluation
from workbench.services.job_specs import EvaluateSpec


@pytest.fixture()
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project, maps = make_eval_project(tmp_path / "proj")
    project.close()
    asked: list[tuple] = []

    def source(root: Path, run_id: str | None, bundle: str | None, engine: str = "auto") -> tuple:
        asked.append((run_id, bundle, engine))
        return fake_predictor(maps), model_info(threshold=0.5)

    monkeypatch.setattr(evaluation, "model_source", source)
    return tmp_path / "proj"


def test_cli_and_job_evaluate_alike(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(root), "--run", "r1", "--threshold", "0.25", "--id", "cli", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    stream = io.StringIO()
    spec = EvaluateSpec(str(root), run_id="r1", threshold=0.25, eval_id="job")
    result = evaluate_job(spec, EventWriter(stream), CancelToken())
    assert result["status"] == "completed"
    assert {**result["metrics"], "eval.id": "cli"} == cli["metrics"]  # all but the id alike
    events = [parse_event(line) for line in stream.getvalue().splitlines()]
    assert isinstance(events[0], ProgressEvent) and events[0].message == "loading the model"
    with Project.open(root, readonly=True) as project:
        assert {e["id"] for e in project.evaluations()} == {"cli", "job"}


def test_split_all_evaluates_every_split(root: Path) -> None:
    with Project.open(root) as project:
        session = evaluation.evaluate(project, "r1", None, "all", eval_id="all")
        assert len(session.cases) == 8
