"""Jobs end to end: a training child process, its events, cancel, failure, and the CLI verbs."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "learn"))
from tiny_project import TINY_SEG, make_tiny_project

from workbench.cli import main as cli_main
from workbench.core.cancel import CancelToken
from workbench.core.project import Project
from workbench.core.run_config import RunConfig, TrainConfig
from workbench.jobs.events import (
    DoneEvent,
    ErrorEvent,
    EventWriter,
    LogEvent,
    MetricEvent,
    ProgressEvent,
    parse_event,
    read_events,
)
from workbench.jobs.process import JobProcess
from workbench.jobs.runner import EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, JOB_KINDS
from workbench.services.job_specs import PredictSpec, TrainSpec


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _job(root: Path, config: dict[str, Any], tmp: Path) -> JobProcess:
    return JobProcess(TrainSpec(str(root), config), tmp / "spec.json", tmp / "stderr.log").start()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_project(tmp_path_factory.mktemp("jobs"), n_ok=4, n_ng=4)


def test_event_writer_lines_parse_back(tmp_path: Path) -> None:
    out = io.StringIO()
    writer = EventWriter(out)
    writer.set_log(tmp_path / "events.jsonl")
    writer.progress(1.5, "almost")
    writer.metric("val.dice", float("nan"), 2)
    writer.done({"status": "completed"})
    events = [parse_event(line) for line in out.getvalue().splitlines()]
    times = [e.time for e in events]  # type: ignore[union-attr]
    assert events == [ProgressEvent(1.0, "almost", times[0]), MetricEvent("val.dice", None, 2, times[1]),
                      DoneEvent({"status": "completed"}, times[2])]  # fmt: skip
    assert [e.type for e in read_events(tmp_path / "events.jsonl")] == ["progress", "metric", "done"]
    assert parse_event("loading weights...") is None and parse_event('{"type": "nope"}') is None


def test_training_job_runs_end_to_end_then_predict(tiny: Path, tmp_path: Path) -> None:
    job = _job(tiny, TINY_SEG, tmp_path)
    events = list(job.events())
    assert job.wait() == EXIT_OK, (tmp_path / "stderr.log").read_text()
    kinds = {e.type for e in events}
    assert {"progress", "metric", "log", "artifact", "done"} <= kinds and "error" not in kinds
    assert isinstance(events[-1], DoneEvent)
    result = events[-1].result
    run_id = result["run_id"]
    assert result["status"] == "completed" and "auroc" in result["metrics"]["image"]
    run_dir = tiny / "runs" / run_id
    assert (run_dir / "model.pt").is_file() and (run_dir / "checkpoints" / "last.pt").is_file()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["epochs"] == 2 and "dice" in metrics["pixel"] and metrics["time_s"] > 0
    assert any(isinstance(e, DoneEvent) for e in read_events(run_dir / "events.jsonl"))
    with Project.open(tiny, readonly=True) as project:
        run = project.run(run_id)
        assert run.status == "completed" and run.pid == job.pid and run.dataset["val"]
    assert _pid_gone(job.pid)

    assert cli_main(["predict", str(tiny), "--run", run_id, "--split", "val", "--json"]) == 0
    index = json.loads((run_dir / "proposals" / "index.json").read_text())
    with Project.open(tiny, readonly=True) as project:
        val = project.samples(split="val")
        assert set(index["samples"]) == {str(s.id) for s in val}
        assert all(s.last_score is not None for s in val)
    assert all((run_dir / "proposals" / f"{s.id}.png").is_file() for s in val)

    # the same as a job kind (for the window): files only, the samples table is the caller's
    out = io.StringIO()
    spec = PredictSpec(str(tiny), run_id, split="train")
    result = JOB_KINDS["predict"](spec, EventWriter(out), CancelToken())
    with Project.open(tiny, readonly=True) as project:
        assert result["proposals"] == len(project.samples(split="train")) > 0
    merged = json.loads((run_dir / "proposals" / "index.json").read_text())["samples"]
    assert len(merged) == len(index["samples"]) + result["proposals"]


def test_sigterm_cancels_cleanly(tiny: Path, tmp_path: Path) -> None:
    job = _job(tiny, {**TINY_SEG, "max_epochs": 500, "pretrained": False}, tmp_path)
    run_id = None
    for event in job.events():
        if isinstance(event, LogEvent) and event.message.startswith("run "):
            run_id = event.message.split()[1].rstrip(":")
        if isinstance(event, ProgressEvent) and "step" in event.message:
            break
    # A job that ignored SIGTERM would be killed after the grace period and exit with -SIGKILL,
    # so EXIT_CANCELLED itself proves that it stopped on its own at its next cancel check.
    assert job.cancel(grace_s=60) == EXIT_CANCELLED
    assert _pid_gone(job.pid)
    assert run_id is not None
    with Project.open(tiny) as project:  # opening marks orphans; a cancelled run is not one
        run = project.run(run_id)
        assert run.status == "cancelled" and run.finished_at
    assert (tiny / "runs" / run_id / "events.jsonl").is_file()


def test_failing_job_reports_an_error_and_leaves_the_project_intact(tiny: Path, tmp_path: Path) -> None:
    job = _job(tiny, {**TINY_SEG, "model": "no-such-net"}, tmp_path)
    events = list(job.events())
    assert job.wait() == EXIT_FAILED
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert errors and "no-such-net" in errors[0].message and errors[0].traceback
    with Project.open(tiny) as project:
        failed = [r for r in project.runs() if r.status == "failed"]
        assert failed and "no-such-net" in failed[0].error
        assert project.count_samples() == 8 and len(project.samples(label="ng")) == 4
        run_id = project.create_run(RunConfig(TrainConfig())).id
    spec = TrainSpec(str(tiny), {**TINY_SEG, "crop": 100}, run_id=run_id)
    bad = JobProcess(spec, tmp_path / "bad.json").start()
    errors = [e for e in bad.events() if isinstance(e, ErrorEvent)]
    assert bad.wait() == EXIT_FAILED and "multiple of 32" in errors[0].message
    with Project.open(tiny) as project:
        assert project.run(run_id).status == "failed"  # not left 'pending'


def test_a_train_spec_without_a_task_trains_the_projects_task(tmp_path: Path) -> None:
    """In an anomaly project a spec that names no task records and trains a good-only run."""
    root = make_tiny_project(tmp_path, n_ok=8, n_ng=2, size=64, task="anomaly")
    out = io.StringIO()
    spec = TrainSpec(str(root), {"crop": 64, "threads": 2})
    result = JOB_KINDS["train"](spec, EventWriter(out), CancelToken())
    assert result["status"] == "completed"
    with Project.open(root, readonly=True) as project:
        run = project.run(result["run_id"])
    assert run.task == run.config.train.task == "anomaly" and run.status == "completed"
    assert run.config.model is not None and run.config.model.task == "anomaly"
    logs = [e.message for e in map(parse_event, out.getvalue().splitlines()) if isinstance(e, LogEvent)]
    assert logs[0] == f"run {run.id}: anomaly, preset fast, model anomaly"
