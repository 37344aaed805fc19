"""Inside the job process: read the spec, catch SIGTERM as a cancel, run the job, report the end.

Specs are ``workbench.services.job_specs`` (train, predict, evaluate, export, check_labels). A
train spec without ``run_id`` records a new run first (so that a cancel or an error event names
it); a train spec without a task trains the project's task (a recorded run's own task when it
names one). A predict
spec without samples or split covers what `workbench predict` does (``workbench.services.predict``).
Exit status: 0 done, 1 failed (an ``error`` event says why), 3 cancelled (``done`` with status
``cancelled``; partial files kept).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from workbench.core.cancel import Cancelled, CancelToken
from workbench.core.errors import WorkbenchError
from workbench.core.messages import message as log_line
from workbench.jobs.eval_export import check_labels_job, evaluate_job, export_job
from workbench.jobs.events import EventWriter
from workbench.jobs.outcome import EXIT_CANCELLED, EXIT_FAILED, EXIT_OK
from workbench.services.job_specs import JobSpec, PredictSpec, SpecError, TrainSpec, spec_from_dict

RUN_STARTED = log_line("run_started", "run {run_id}: {task}, preset {preset}, model {model}")


def read_spec(path: str | os.PathLike[str]) -> JobSpec:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SpecError(f"cannot read job spec {path}: {exc}") from exc
    try:
        return spec_from_dict(data)
    except SpecError as exc:
        raise SpecError(f"job spec {path}: {exc}") from exc


def recorded(spec: TrainSpec) -> TrainSpec:
    """``spec`` naming its run: a spec without ``run_id`` records a new run of its settings first."""
    if spec.run_id is not None:
        return spec
    from workbench.core.project import Project
    from workbench.services.training import create_train_run

    with Project.open(spec.project, lock=False) as project:
        run, _ = create_train_run(project, spec.config)
    return replace(spec, run_id=run.id)


def _train(spec: TrainSpec, events: EventWriter, cancel: CancelToken) -> dict[str, Any]:
    from workbench.core.project import Project
    from workbench.learn.train import run_training
    from workbench.services.training import train_config

    spec = recorded(spec)
    assert spec.run_id is not None
    with Project.open(spec.project, lock=False) as project:
        # the recorded run's task (the project's, for a run the services recorded) unless the spec names one
        cfg = train_config(project, {"task": project.run(spec.run_id).task, **spec.config})
    run_dir = Path(spec.project) / "runs" / spec.run_id
    events.set_log(run_dir / "events.jsonl")
    events.log(RUN_STARTED(run_id=spec.run_id, task=cfg.task, preset=cfg.preset, model=cfg.model))
    metrics = run_training(spec.project, spec.run_id, cfg, events, cancel, resume=spec.resume)
    return {"status": "completed", "run_id": spec.run_id, "metrics": metrics}


def _predict(spec: PredictSpec, events: EventWriter, cancel: CancelToken) -> dict[str, Any]:
    from workbench.core.project import Project
    from workbench.services.predict import predict, prediction_samples

    with Project.open(spec.project, lock=False) as project:
        samples = prediction_samples(project, spec.samples, spec.split)
        index = predict(project, spec.run_id, samples, events.progress, cancel)
    return {"status": "completed", "run_id": spec.run_id, "proposals": len(index["samples"])}


JOB_KINDS: dict[str, Callable[[Any, EventWriter, CancelToken], dict[str, Any]]] = {
    "train": _train,
    "predict": _predict,
    "evaluate": evaluate_job,
    "export": export_job,
    "check_labels": check_labels_job,
}


def _mark_failed(spec: JobSpec | None, message: str) -> None:
    """A train run that failed before training started (bad config) must not stay 'pending'."""
    if not isinstance(spec, TrainSpec) or not spec.run_id:
        return
    from workbench.core.project import Project

    # When the project itself is the problem, the error event already says so.
    with contextlib.suppress(WorkbenchError), Project.open(spec.project, lock=False) as project:
        project.settle_run(spec.run_id, "failed", message)


def install_cancel_handlers(cancel: CancelToken) -> None:
    """SIGTERM (the GUI's or CLI's cancel) and SIGINT (Ctrl+C) set the token; work stops at its next check."""

    def handler(signum: int, frame: object) -> None:
        cancel.cancel()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def event_stream() -> Any:
    """A private handle on stdout for events; anything else printed goes to stderr instead."""
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(fd, "w", encoding="utf-8", buffering=1)


def main(argv: list[str]) -> int:
    cancel = CancelToken()
    install_cancel_handlers(cancel)
    events = EventWriter(event_stream())
    if len(argv) != 1:
        events.error("usage: python -m workbench.jobs SPEC.json")
        return EXIT_FAILED
    spec: JobSpec | None = None
    try:
        spec = read_spec(argv[0])
        if isinstance(spec, TrainSpec):
            spec = recorded(spec)  # a cancel or an error from here on names the run
        result = JOB_KINDS[spec.kind](spec, events, cancel)
    except Cancelled:
        events.done({"status": "cancelled", "run_id": getattr(spec, "run_id", None)})
        return EXIT_CANCELLED
    except Exception as exc:  # report anything: the parent must learn why the job died
        message = str(exc) if isinstance(exc, WorkbenchError) else f"{type(exc).__name__}: {exc}"
        events.error(message, traceback.format_exc())
        _mark_failed(spec, message)
        return EXIT_FAILED
    events.done(result)
    return EXIT_OK
