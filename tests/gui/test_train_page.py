"""Train page: a tiny training job runs to `completed` with curve points; cancel and crashes are handled."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.learn.tiny_project import make_tiny_project
from workbench.core.project import Project
from workbench.gui.job_client import JobRegistry
from workbench.gui.train_page import TrainPageWidget
from workbench.gui.train_widgets import preset_text

JOB_TIMEOUT_MS = 120_000


@pytest.fixture
def page(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    root = make_tiny_project(tmp_path, n_ok=4, n_ng=4)
    project = Project.open(root)
    jobs = JobRegistry()
    widget = TrainPageWidget(jobs)
    qtbot.addWidget(widget)
    widget.set_project(project)
    s = widget.settings
    s.set_task("segmentation")
    s.set_preset("fast")
    s.time_limit.setValue(0)
    s.max_epochs.setValue(1)
    s.crop.setValue(64)
    s.batch.setValue(4)
    s.crops_per_epoch.setValue(8)
    s.model.setText("fpn-effnetlite0")
    yield widget
    jobs.cancel_all(wait_ms=30_000)
    widget.set_project(None)
    project.close()


def test_presets_are_described_with_their_time_cost(qtbot) -> None:  # type: ignore[no-untyped-def]
    name, what = preset_text("segmentation", "fast")
    assert name == "Quick" and "7 min" in what
    assert "20 min" in preset_text("segmentation", "balanced")[1]


def test_advanced_values_become_overrides(page: TrainPageWidget) -> None:
    overrides = page.settings.overrides()
    expected = {"task": "segmentation", "preset": "fast", "time_limit": None, "max_epochs": 1, "crop": 64,
                "batch": 4, "crops_per_epoch": 8, "model": "fpn-effnetlite0"}  # fmt: skip
    assert overrides == expected
    assert not page.settings.advanced.isVisibleTo(page)  # folded away until asked for


def test_tiny_training_completes_with_curve_points(qtbot, page: TrainPageWidget) -> None:  # type: ignore[no-untyped-def]
    page.train_button.click()
    job = page.job
    assert job is not None and job.running and page.cancel_button.isEnabled()
    assert page.jobs.running() == [job]
    qtbot.waitUntil(lambda: not job.running, timeout=JOB_TIMEOUT_MS)
    assert job.state == "completed", job.result
    assert page.curves.points["loss"] and page.curves.points["val"]
    assert page.project is not None
    run = page.project.run(job.spec.run_id)
    assert run.status == "completed" and page.runs_table.item(0, 3).text() == "completed"
    assert page.train_button.isEnabled() and not page.jobs.running()
    # Selecting the finished run reads its curves back; without an event log the log says why.
    page.runs_table.selectRow(0)
    assert page.curves.points["loss"] and "no training log" not in page.log.toPlainText()
    (page.project.run_dir(run.id) / "events.jsonl").unlink()
    page.runs_table.clearSelection()
    page.runs_table.selectRow(0)
    assert not page.curves.points["loss"] and "no training log" in page.log.toPlainText()


def test_cancel_then_crash_are_reported(qtbot, page: TrainPageWidget) -> None:  # type: ignore[no-untyped-def]
    job = page.start_training()
    assert job is not None
    qtbot.waitUntil(lambda: page.progress.value() > 0 or not job.running, timeout=JOB_TIMEOUT_MS)
    page.cancel_button.click()
    qtbot.waitUntil(lambda: not job.running, timeout=JOB_TIMEOUT_MS)
    assert job.state == "cancelled"
    assert page.project is not None and page.project.run(job.spec.run_id).status == "cancelled"

    crashed = page.start_training()
    assert crashed is not None
    qtbot.waitUntil(lambda: crashed.pid > 0, timeout=5000)
    os.kill(crashed.pid, signal.SIGKILL)  # a job that dies without a word
    qtbot.waitUntil(lambda: not crashed.running, timeout=JOB_TIMEOUT_MS)
    assert crashed.state == "failed"
    assert "failed" in page.state_label.text() and "ended unexpectedly" in page.state_label.text()
    assert page.train_button.isEnabled()  # the window goes on


def test_closing_the_window_asks_about_running_jobs(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from workbench.gui.main_window import MainWindow

    root = make_tiny_project(tmp_path, n_ok=2, n_ng=2)
    win = MainWindow()
    qtbot.addWidget(win)
    win.open_project(root)
    answers: list[str] = []
    win.ask_about_jobs = lambda titles: answers.pop(0)  # type: ignore[method-assign]

    job = win.train_page.start_training()
    assert job is not None and win.jobs_status.text().startswith("Running: Training")
    answers.append("keep")
    assert not win.close() and win.project is not None and job.running  # nothing lost
    answers.append("background")
    assert win.close()
    assert job.state == "detached" and job.process is not None and job.process.poll() is None  # it goes on
    job.process.terminate()  # the test ends it; the run folder records how it ended
    assert job.process.wait(timeout=60) is not None

    win = MainWindow()
    qtbot.addWidget(win)
    win.open_project(root)
    win.ask_about_jobs = lambda titles: "cancel"  # type: ignore[method-assign]
    job = win.train_page.start_training()
    assert job is not None
    run_id = job.spec.run_id
    assert win.close() and job.state == "cancelled" and win.jobs_status.text() == "No jobs running"
    with Project.open(root) as project:
        assert project.run(run_id).status == "cancelled"


def test_a_damaged_run_record_is_listed_as_unreadable(qtbot, page: TrainPageWidget) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from workbench.core.run_config import RunConfig, TrainConfig

    project = page.project
    assert project is not None
    good = project.create_run(RunConfig(TrainConfig(model="tiny"))).id
    bad = project.create_run(RunConfig(TrainConfig(model="tiny"))).id
    with project.transaction() as conn:
        conn.execute("UPDATE runs SET metrics='{broken' WHERE id=?", (bad,))
    page.refresh_runs()
    rows = {page.runs_table.item(r, 0).text(): r for r in range(page.runs_table.rowCount())}
    assert set(rows) == {good, bad}
    status = page.runs_table.item(rows[bad], 3)
    assert status.text() == "unreadable" and "not readable JSON" in status.toolTip()
    assert not status.flags() & Qt.ItemFlag.ItemIsSelectable
    page.runs_table.selectRow(rows[bad])
    assert page.runs_table.selectedItems() == []


def test_an_opened_project_shows_its_newest_run(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """No empty charts on a project with runs: the newest is selected, its curves and log shown."""
    import json

    from workbench.core.run_config import RunConfig, TrainConfig

    root = make_tiny_project(tmp_path, n_ok=2, n_ng=2)
    with Project.open(root) as project:
        older = project.create_run(RunConfig(TrainConfig(model="tiny"))).id
        newest = project.create_run(RunConfig(TrainConfig(model="tiny"))).id
        with project.transaction() as conn:  # both were made within a second: date the older back
            conn.execute("UPDATE runs SET created_at='2026-01-01T00:00:00Z' WHERE id=?", (older,))
        for run_id, loss in ((older, 0.9), (newest, 0.4)):
            lines = [{"type": "metric", "name": "train.loss", "value": loss, "epoch": 1},
                     {"type": "log", "message": f"log line of {run_id}"}]  # fmt: skip
            text = "".join(json.dumps(line) + "\n" for line in lines)
            (project.run_dir(run_id) / "events.jsonl").write_text(text, encoding="utf-8")
    project = Project.open(root)
    widget = TrainPageWidget(JobRegistry())
    qtbot.addWidget(widget)
    try:
        widget.set_project(project)
        assert [i.text() for i in widget.runs_table.selectedItems()][:1] == [newest]
        assert widget.curves.points["loss"] == [(1.0, 0.4)]
        assert f"log line of {newest}" in widget.log.toPlainText()
    finally:
        widget.set_project(None)
        project.close()


def test_the_task_follows_the_opened_project_and_is_remembered_per_project(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seg = Project.create(tmp_path / "seg", task="segmentation")
    cls = Project.create(tmp_path / "cls", task="classification")
    widget = TrainPageWidget(JobRegistry())
    qtbot.addWidget(widget)
    try:
        widget.set_project(seg)
        assert widget.settings.task == "segmentation"
        widget.settings.set_task("classification")  # chosen for this project
        widget.set_project(cls)
        assert widget.settings.task == "classification"
        widget.settings.set_task("anomaly")
        widget.set_project(seg)  # what was chosen for it, not what was last chosen anywhere
        assert widget.settings.task == "classification"
        widget.set_project(cls)
        assert widget.settings.task == "anomaly"
        other = Project.create(tmp_path / "other", task="segmentation")
        widget.set_project(other)  # a project never trained here: its own task
        assert widget.settings.task == "segmentation"
        other.close()
    finally:
        widget.set_project(None)
        seg.close()
        cls.close()
