"""A run moves between states only through ``Project.move_run``; illegal moves raise."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.errors import ProjectError
from workbench.core.project import Project
from workbench.core.run_config import RunConfig, TrainConfig
from workbench.core.runs import MOVES, RUN_STATES, RunStateError, check_move


@pytest.fixture()
def project(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Project.create(tmp_path / "p") as p:
        yield p


def test_the_table_names_every_state() -> None:
    assert set(MOVES) == set(RUN_STATES)
    assert all(targets <= set(RUN_STATES) for targets in MOVES.values())


def test_a_run_lives_pending_running_completed(project: Project) -> None:
    run = project.create_run(RunConfig(TrainConfig()))
    assert run.status == "pending" and run.started_at is None
    running = project.move_run(run.id, "running", pid=4321)
    assert running.status == "running" and running.pid == 4321 and running.started_at
    done = project.move_run(run.id, "completed", metrics={"epochs": 1})
    assert done.status == "completed" and done.metrics == {"epochs": 1} and done.finished_at
    for target in ("running", "failed", "cancelled", "pending", "completed"):
        with pytest.raises(RunStateError, match="completed; it cannot become"):
            project.move_run(run.id, target)
    assert project.run(run.id).status == "completed"  # a refused move changes nothing


@pytest.mark.parametrize(
    ("current", "new", "legal"),
    [("pending", "running", True), ("pending", "failed", True), ("pending", "cancelled", True),
     ("pending", "completed", False), ("running", "pending", False), ("running", "running", False),
     ("failed", "cancelled", False), ("cancelled", "completed", False), ("running", "done", False)],
)  # fmt: skip
def test_check_move(current: str, new: str, legal: bool) -> None:
    if legal:
        check_move("r", current, new)
    else:
        with pytest.raises(RunStateError):
            check_move("r", current, new)


def test_only_resuming_restarts_an_ended_run(project: Project) -> None:
    run = project.create_run(RunConfig(TrainConfig()))
    project.move_run(run.id, "running")
    project.move_run(run.id, "cancelled", error="cancelled by the user")
    with pytest.raises(RunStateError, match="only by resuming"):
        project.move_run(run.id, "running")
    resumed = project.move_run(run.id, "running", resume=True)
    assert resumed.status == "running" and resumed.error == "" and resumed.finished_at is None
    with pytest.raises(RunStateError):
        project.move_run(run.id, "pending", resume=True)


def test_update_run_no_longer_sets_the_state(project: Project) -> None:
    run = project.create_run(RunConfig(TrainConfig()))
    with pytest.raises(ProjectError, match="move_run"):
        project.update_run(run.id, status="completed")
    with pytest.raises(ProjectError, match="no run"):
        project.move_run("nope", "running")


def test_settle_ends_an_active_run_and_leaves_an_ended_one(project: Project) -> None:
    pending = project.create_run(RunConfig(TrainConfig()))
    assert project.settle_run(pending.id, "cancelled", "cancelled early").status == "cancelled"
    running = project.create_run(RunConfig(TrainConfig()))
    project.move_run(running.id, "running")
    settled = project.settle_run(running.id, "failed", "killed")
    assert (settled.status, settled.error) == ("failed", "killed") and settled.finished_at
    done = project.create_run(RunConfig(TrainConfig()))
    project.move_run(done.id, "running")
    project.move_run(done.id, "completed")
    assert project.settle_run(done.id, "failed", "crashed on exit").status == "completed"
    assert project.run(done.id).error == ""
    with pytest.raises(RunStateError):
        project.settle_run(running.id, "completed", "")
