"""The window ends a job by the same rule as the CLI (``workbench.jobs.outcome``); no real job runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workbench.core.project import Project
from workbench.gui.job_client import JobClient, JobRegistry
from workbench.gui.train_page import TrainPageWidget
from workbench.services.job_specs import TrainSpec
from workbench.services.training import new_train_spec


class ExitedProcess:
    """A child process that has already exited with ``returncode``."""

    def __init__(self, returncode: int) -> None:
        self.returncode = returncode

    def poll(self) -> int:
        return self.returncode


def _ended_client(tmp_path: Path, events: list[dict[str, Any]], code: int) -> JobClient:
    client = JobClient(TrainSpec(str(tmp_path)), tmp_path / "job.json", "job")
    client.events_path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    client.process = ExitedProcess(code)  # type: ignore[assignment]
    client.state = "running"
    return client


def test_a_bad_exit_after_done_keeps_the_reported_end(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = _ended_client(tmp_path, [{"type": "done", "result": {"status": "completed"}}], -11)
    with qtbot.waitSignal(client.finished) as signal:
        client.poll()
    state, result = signal.args
    assert state == client.state == "completed" and "exited with status -11" in result["warning"]


def test_a_silent_death_fails_with_the_exit_status(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = _ended_client(tmp_path, [], -9)
    with qtbot.waitSignal(client.finished) as signal:
        client.poll()
    assert signal.args[0] == "failed"
    assert signal.args[1]["error"].startswith("the job process ended unexpectedly (exit status -9)")


def test_train_page_reports_the_runs_recorded_end(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project = Project.create(tmp_path / "p")
    page = TrainPageWidget(JobRegistry())
    qtbot.addWidget(page)
    page.set_project(project)
    try:
        recorded = new_train_spec(project, {"preset": "fast"})
        project.move_run(str(recorded.run_id), "running")
        project.move_run(str(recorded.run_id), "completed")
        page.job = JobClient(recorded, tmp_path / "a.json", "a")
        page._on_finished("completed", {"status": "completed", "warning": "exited with status -11 ..."})
        assert "completed" in page.state_label.text() and "status -11" in page.log.toPlainText()

        unrecorded = new_train_spec(project, {"preset": "fast"})
        project.move_run(str(unrecorded.run_id), "running")
        page.job = JobClient(unrecorded, tmp_path / "b.json", "b")
        page._on_finished("completed", {"status": "completed"})
        assert project.run(str(unrecorded.run_id)).status == "failed"
        assert "failed" in page.state_label.text() and "without recording" in page.state_label.text()
    finally:
        page.set_project(None)
        project.close()
