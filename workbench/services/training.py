"""Start a training (record a run, build its job spec) and settle a run after its job ended."""

from __future__ import annotations

from typing import Any

from workbench.core.project import Project
from workbench.core.run_config import DEFAULT_PRESET, RunConfig, TrainConfig
from workbench.core.types import Run
from workbench.learn.presets import resolve_config
from workbench.services.job_specs import TrainSpec


def train_config(project: Project, overrides: dict[str, Any]) -> TrainConfig:
    """The checked settings of ``overrides`` (task, preset, settings); the project's task by default."""
    task = overrides.get("task") or project.task
    return resolve_config(task, overrides.get("preset", DEFAULT_PRESET), overrides)


def create_train_run(project: Project, overrides: dict[str, Any]) -> tuple[Run, TrainConfig]:
    """Check ``overrides`` and record a new ``pending`` run for them."""
    cfg = train_config(project, overrides)
    return project.create_run(RunConfig(cfg), name=cfg.preset), cfg


def new_train_spec(project: Project, overrides: dict[str, Any]) -> TrainSpec:
    """Record a new run for ``overrides`` and return the spec of the job that trains it."""
    run, cfg = create_train_run(project, overrides)
    config = {**overrides, "task": cfg.task, "preset": cfg.preset}
    return TrainSpec(project=str(project.root), run_id=run.id, config=config)


def resume_train_spec(project: Project, run_id: str) -> TrainSpec:
    """The job spec that continues run ``run_id`` from its last checkpoint with its own settings."""
    run = project.run(run_id)
    return TrainSpec(project=str(project.root), run_id=run.id, config=run.config.train.to_dict(), resume=True)


def settle_train_run(project: Project, run_id: str, job_state: str, error: str = "") -> Run:
    """Record how a training job ended, when the job could not (killed, crashed, cancelled early).

    A run the job already ended keeps what it recorded. A run still pending or running becomes
    ``cancelled`` after a cancelled job and ``failed`` otherwise: a job that reports success
    without having recorded its run's end did not train it.
    """
    if job_state == "cancelled":
        return project.settle_run(run_id, "cancelled", error or "cancelled by the user")
    if job_state == "completed":
        reason = error or "the training job ended without recording the end of its run"
    else:
        reason = error or "the training process ended unexpectedly"
    return project.settle_run(run_id, "failed", reason)
