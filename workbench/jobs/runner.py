"""Inside the job process: read the spec, catch SIGTERM as a cancel, run the job, report the end.

Spec (JSON object): ``{"kind": "train", "project": DIR, "run_id": ID?, "config": {"task", "preset",
...overrides}, "resume": false}`` or ``{"kind": "predict", "project": DIR, "run_id": ID,
"samples": [ids]?, "split": S?}``. A train spec without ``run_id`` records a new run; a predict spec
without samples or split covers what `workbench predict` does (``workbench.services.predict``).
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
from pathlib import Path
from typing import Any

from workbench.core.cancel import Cancelled, CancelToken
from workbench.core.errors import WorkbenchError
from workbench.jobs.eval_export import evaluate_job, export_job
from workbench.jobs.events import EventWriter
from workbench.jobs.outcome import EXIT_CANCELLED, EXIT_FAILED, EXIT_OK


class SpecError(WorkbenchError):
    """A job spec is unreadable or lacks what its kind needs."""


def read_spec(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        spec = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SpecError(f"cannot read job spec {path}: {exc}") from exc
    if not isinstance(spec, dict) or spec.get("kind") not in JOB_KINDS or not spec.get("project"):
        raise SpecError(f"job spec {path} needs a 'project' and a 'kind' of {', '.join(JOB_KINDS)}")
    return spec


def _train(spec: dict[str, Any], events: EventWriter, cancel: CancelToken) -> dict[str, Any]:
    from workbench.core.project import Project
    from workbench.learn.presets import resolve_config
    from workbench.learn.train import run_training
    from workbench.services.training import create_train_run

    overrides = dict(spec.get("config") or {})
    overrides.setdefault("task", "segmentation")
    run_id = spec.get("run_id")
    if run_id:
        cfg = resolve_config(overrides["task"], overrides.get("preset", "fast"), overrides)
    else:
        with Project.open(spec["project"], lock=False) as project:
            run, cfg = create_train_run(project, overrides)
        run_id = spec["run_id"] = run.id  # lets main() name the run in a cancel or error event
    run_dir = Path(spec["project"]) / "runs" / run_id
    events.set_log(run_dir / "events.jsonl")
    events.log(f"run {run_id}: {cfg.task}, preset {cfg.preset}, model {cfg.model}")
    metrics = run_training(spec["project"], run_id, cfg, events, cancel, resume=bool(spec.get("resume")))
    return {"status": "completed", "run_id": run_id, "metrics": metrics}


def _predict(spec: dict[str, Any], events: EventWriter, cancel: CancelToken) -> dict[str, Any]:
    from workbench.core.project import Project
    from workbench.services.predict import predict, prediction_samples

    if not spec.get("run_id"):
        raise SpecError("a predict job needs the 'run_id' of a finished run")
    with Project.open(spec["project"], lock=False) as project:
        samples = prediction_samples(project, spec.get("samples"), spec.get("split"))
        index = predict(project, spec["run_id"], samples, events.progress, cancel)
    return {"status": "completed", "run_id": spec["run_id"], "proposals": len(index["samples"])}


JOB_KINDS: dict[str, Callable[[dict[str, Any], EventWriter, CancelToken], dict[str, Any]]] = {
    "train": _train,
    "predict": _predict,
    "evaluate": evaluate_job,
    "export": export_job,
}


def _mark_failed(spec: dict[str, Any], message: str) -> None:
    """A train run that failed before training started (bad config) must not stay 'pending'."""
    if spec.get("kind") != "train" or not spec.get("run_id"):
        return
    from workbench.core.project import Project

    # When the project itself is the problem, the error event already says so.
    with contextlib.suppress(WorkbenchError), Project.open(spec["project"], lock=False) as project:
        project.settle_run(spec["run_id"], "failed", message)


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
    spec: dict[str, Any] = {}
    try:
        spec = read_spec(argv[0])
        result = JOB_KINDS[spec["kind"]](spec, events, cancel)
    except Cancelled:
        events.done({"status": "cancelled", "run_id": spec.get("run_id")})
        return EXIT_CANCELLED
    except Exception as exc:  # report anything: the parent must learn why the job died
        message = str(exc) if isinstance(exc, WorkbenchError) else f"{type(exc).__name__}: {exc}"
        events.error(message, traceback.format_exc())
        _mark_failed(spec, message)
        return EXIT_FAILED
    events.done(result)
    return EXIT_OK
