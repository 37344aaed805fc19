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
    assert overrides == {"task": "segmentation", "preset": "fast", "time_limit": None, "max_epochs": 1,
                         "crop": 64, "batch": 4, "crops_per_epoch": 8, "model": "fpn-effnetlite0"}  # fmt: skip
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
    run = page.project.run(job.spec["run_id"])
    assert run.status == "completed" and page.runs_table.item(0, 3).text() == "completed"
    assert page.train_button.isEnabled() and not page.jobs.running()


def test_cancel_then_crash_are_reported(qtbot, page: TrainPageWidget) -> None:  # type: ignore[no-untyped-def]
    job = page.start_training()
    assert job is not None
    qtbot.waitUntil(lambda: page.progress.value() > 0 or not job.running, timeout=JOB_TIMEOUT_MS)
    page.cancel_button.click()
    qtbot.waitUntil(lambda: not job.running, timeout=JOB_TIMEOUT_MS)
    assert job.state == "cancelled"
    assert page.project is not None and page.project.run(job.spec["run_id"]).status == "cancelled"

    crashed = page.start_training()
    assert crashed is not None
    qtbot.waitUntil(lambda: crashed.pid > 0, timeout=5000)
    os.kill(crashed.pid, signal.SIGKILL)  # a job that dies without a word
    qtbot.waitUntil(lambda: not crashed.running, timeout=JOB_TIMEOUT_MS)
    assert crashed.state == "failed"
    assert "failed" in page.state_label.text() and "ended unexpectedly" in page.state_label.text()
    assert page.train_button.isEnabled()  # the window goes on
