"""Train page: a run with a time limit is listed running while it trains, its progress never goes
back, the time left shows only while it runs, and it ends with its phases inside the limit; a run
far below usable says so on the Train page and the Export wizard asks before exporting it."""

from __future__ import annotations

from pathlib import Path

from tests.learn.tiny_project import make_tiny_project
from workbench.core.project import Project
from workbench.core.run_config import RunConfig, TrainConfig
from workbench.core.run_quality import judge
from workbench.gui.export_wizard import ExportWizard
from workbench.gui.job_client import JobRegistry
from workbench.gui.train_page import TrainPageWidget
from workbench.jobs.events import JobEvent, ProgressEvent
from workbench.learn.train_supervised import DECISION_GRACE_S

JOB_TIMEOUT_MS = 180_000
LIMIT_S = 6


def test_a_time_limit_ends_the_run_with_every_phase_started_in_time(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_tiny_project(tmp_path, n_ok=4, n_ng=4)
    jobs = JobRegistry()
    page = TrainPageWidget(jobs)
    qtbot.addWidget(page)
    with Project.open(root) as project:
        page.set_project(project)
        s = page.settings
        s.set_task("segmentation")
        s.set_preset("fast")
        s.time_limit.setValue(LIMIT_S)
        s.max_epochs.setValue(10000)
        s.crop.setValue(64)
        s.batch.setValue(4)
        s.crops_per_epoch.setValue(8)
        s.model.setText("fpn-effnetlite0")
        job = page.start_training()
        assert job is not None
        shown: list[tuple[int, str, str]] = []  # (progress bar, ETA label, the run's status cell)

        def seen(event: JobEvent) -> None:
            if isinstance(event, ProgressEvent):
                shown.append(
                    (page.progress.value(), page.eta_label.text(), page.runs_table.item(0, 3).text())
                )

        job.received.connect(seen)
        qtbot.waitUntil(lambda: not job.running, timeout=JOB_TIMEOUT_MS)
        assert job.state == "completed", job.result
        values = [v for v, _, _ in shown]
        assert values == sorted(values)  # the bar never goes back
        assert any(status == "running" for _, _, status in shown)  # listed running, not pending
        assert any(eta.startswith("about ") for _, eta, _ in shown)
        assert page.eta_label.text() == ""  # no time left is shown after the end
        run = project.run(str(job.spec.run_id))
        assert run.status == "completed" and page.runs_table.item(0, 3).text() == "completed"
        record = run.metrics["time"]
        assert record["limit"] == LIMIT_S and run.metrics["epochs"] < 10000
        budgeted = [p for p in record["phases"] if p["phase"] in ("validation", "scan")]
        assert "train" in [p["phase"] for p in record["phases"]]
        assert all(p["start"] < LIMIT_S for p in budgeted)  # on any machine (a slow one may validate nothing)
        # the decision may start a moment past the limit, but only when placing it is cheap
        decisions = [p for p in record["phases"] if p["phase"] == "decision"]
        assert all(p["start"] < LIMIT_S or p["end"] - p["start"] <= DECISION_GRACE_S + 1.0 for p in decisions)
    jobs.cancel_all(wait_ms=30_000)
    page.set_project(None)


def _below_usable_project(root: Path, metrics: dict | None = None) -> str:
    make = Project.create(root, name="p")
    with make as project:
        run = project.create_run(RunConfig(TrainConfig(preset="fast")))
        project.move_run(run.id, "running")
        metrics = metrics or {"image": {"auroc": 0.42}, "pixel": {"dice": 0.5}}
        project.move_run(
            run.id, "completed", metrics={**metrics, "below_usable": [s.to_dict() for s in judge(metrics)]}
        )
    return run.id


def test_a_run_far_below_usable_is_flagged_and_export_asks_first(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "proj"
    run_id = _below_usable_project(root)
    jobs = JobRegistry()
    with Project.open(root) as project:
        page = TrainPageWidget(jobs)
        qtbot.addWidget(page)
        page.set_project(project)
        cell = page.runs_table.item(0, 3)
        assert (
            cell.text() == "completed"
            and "Far below usable: image AUROC 0.420 (usable from 0.60)" in cell.toolTip()
        )
        page.runs_table.selectRow(0)
        assert "Far below usable" in page.state_label.text()

        wizard = ExportWizard(project, jobs)
        qtbot.addWidget(wizard)
        runs = wizard.run_page
        assert runs.run_id() == run_id and "Far below usable" in runs.warning.text()
        asked: list[str] = []
        answers = [False, True]

        def confirm(text: str) -> bool:
            asked.append(text)
            return answers.pop(0)

        runs.confirm_below_usable = confirm  # type: ignore[method-assign]
        assert not runs.validatePage() and runs.validatePage()
        assert len(asked) == 2 and "image AUROC 0.420" in asked[0]


def test_thresholds_that_reject_the_good_val_parts_are_flagged(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    metrics = {"image": {"auroc": 0.93}, "pixel": {"dice": 0.8}, "decision": {"val_overkill": 1.0}}
    _below_usable_project(tmp_path / "proj", metrics)
    with Project.open(tmp_path / "proj") as project:
        page = TrainPageWidget(JobRegistry())
        qtbot.addWidget(page)
        page.set_project(project)
        tip = page.runs_table.item(0, 3).toolTip()
        assert "reject 100 % of the good validation parts (usable below 50 %" in tip and "AUROC" not in tip
        page.set_project(None)
