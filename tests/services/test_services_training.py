"""Starting and settling a training: the service the CLI and the window share, and the CLI on it.

No training happens here: the job process is replaced by a stand-in that reports what a real
job would (``workbench.jobs.process.JobProcess`` is what `workbench train` starts).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.cli import main
from workbench.core.project import Project
from workbench.core.run_config import RunConfig, TrainConfig
from workbench.jobs import process
from workbench.jobs.events import DoneEvent, JobEvent
from workbench.learn.presets import ConfigError
from workbench.services.job_specs import TrainSpec, spec_from_dict
from workbench.services.training import new_train_spec, resume_train_spec, settle_train_run, train_config


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    Project.create(tmp_path / "p", task="segmentation").close()
    return tmp_path / "p"


def test_new_train_spec_records_a_pending_run(root: Path) -> None:
    with Project.open(root) as project:
        spec = new_train_spec(project, {"preset": "fast", "max_epochs": 1})
        assert spec.run_id is not None
        run = project.run(spec.run_id)
        assert spec.kind == "train" and spec.project == str(project.root)
        assert spec.config == {"preset": "fast", "max_epochs": 1, "task": "segmentation"}
        assert spec_from_dict(json.loads(json.dumps(spec.to_dict()))) == spec  # what the job child reads
        assert (run.status, run.name, run.task) == ("pending", "fast", "segmentation")
        with pytest.raises(ConfigError):
            new_train_spec(project, {"preset": "fast", "crop": 33})
        assert len(project.runs()) == 1  # a bad setting records no run


def test_resume_spec_reuses_the_runs_settings(root: Path) -> None:
    with Project.open(root) as project:
        run = project.create_run(RunConfig(TrainConfig(preset="balanced", seed=3)))
        spec = resume_train_spec(project, run.id)
        assert spec.resume is True and spec.run_id == run.id
        assert train_config(project, spec.config) == TrainConfig(preset="balanced", seed=3)


def test_settings_without_a_task_are_the_projects_task(tmp_path: Path) -> None:
    with Project.create(tmp_path / "a", task="anomaly") as project:
        assert train_config(project, {}).task == "anomaly"
        assert new_train_spec(project, {"preset": "fast"}).config["task"] == "anomaly"
        assert train_config(project, {"task": "segmentation"}).task == "segmentation"


@pytest.mark.parametrize(
    ("job_state", "error", "expected"),
    [("failed", "", ("failed", "the training process ended unexpectedly")),
     ("failed", "out of memory", ("failed", "out of memory")),
     ("cancelled", "", ("cancelled", "cancelled by the user")),
     ("completed", "", ("failed", "the training job ended without recording the end of its run"))],
)  # fmt: skip
def test_settle_a_run_its_job_left_running(root: Path, job_state: str, error: str, expected: tuple) -> None:
    with Project.open(root) as project:
        run = project.create_run(RunConfig(TrainConfig()))
        project.move_run(run.id, "running")
        settled = settle_train_run(project, run.id, job_state, error)
        assert (settled.status, settled.error) == expected


def test_settle_keeps_what_the_job_recorded(root: Path) -> None:
    with Project.open(root) as project:
        run = project.create_run(RunConfig(TrainConfig()))
        project.move_run(run.id, "running")
        project.move_run(run.id, "completed", metrics={"epochs": 1})
        assert settle_train_run(project, run.id, "failed", "crashed on exit").status == "completed"


class FakeJob:
    """Stands in for the job child: optionally records the run's end, reports, exits with ``code``."""

    def __init__(self, events: list[JobEvent], code: int, record: str | None) -> None:
        self.events_out, self.code, self.record = events, code, record

    def __call__(self, spec: TrainSpec, spec_path: Path, stderr_path: Path | None = None) -> FakeJob:
        self.spec = spec
        return self

    def start(self) -> FakeJob:
        run_id = str(self.spec.run_id)
        with Project.open(self.spec.project, lock=False) as project:
            project.move_run(run_id, "running")
            if self.record:
                project.move_run(run_id, self.record, metrics={"epochs": 1})
        return self

    def events(self) -> Iterator[JobEvent]:
        yield from self.events_out

    def wait(self) -> int:
        return self.code


def _train(root: Path, monkeypatch: pytest.MonkeyPatch, job: FakeJob, capsys: Any) -> tuple[int, dict, Any]:
    monkeypatch.setattr(process, "JobProcess", job)
    code = main(["train", str(root), "--epochs", "1", "--json"])
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    with Project.open(root, readonly=True) as project:
        return code, result, project.run(result["run_id"])


def test_cli_a_crash_after_done_keeps_the_completed_run(root: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    done = DoneEvent({"status": "completed", "metrics": {"epochs": 1}})
    code, result, run = _train(root, monkeypatch, FakeJob([done], -11, record="completed"), capsys)
    assert code == 0 and result["status"] == "completed" and run.status == "completed"
    assert "exited with status -11" in result["warning"]


def test_cli_a_job_that_dies_without_a_word_fails_its_run(root: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    code, result, run = _train(root, monkeypatch, FakeJob([], -9, record=None), capsys)
    assert code == 1 and result["status"] == "failed" and run.status == "failed"
    assert result["error"] == run.error == "the job process ended unexpectedly (exit status -9)"


def test_cli_done_without_a_recorded_end_is_a_failure(root: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    done = DoneEvent({"status": "completed"})
    code, result, run = _train(root, monkeypatch, FakeJob([done], 0, record=None), capsys)
    assert code == 1 and result["status"] == "failed" == run.status
    assert "without recording the end of its run" in result["error"]
