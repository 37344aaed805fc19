"""Evaluate, export and the label check as jobs: the window runs them in a child process while it
holds the project.

The CLI verbs `workbench evaluate` and `workbench export` take the project's write lock or run in
the foreground; these job kinds do the same work with ``lock=False`` (a job only writes its own
evaluation folder, export file and evaluation row) and report through the event stream. Their specs
are ``EvaluateSpec`` and ``ExportSpec`` (``workbench.services.job_specs``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from workbench.core.cancel import CancelToken
from workbench.core.messages import message, said_parts
from workbench.jobs.events import EventWriter
from workbench.services.job_specs import EvaluateSpec, ExportSpec, LabelCheckSpec

MEASURING_LATENCY = message("measuring_latency", "measuring latency on this machine")
EXPORT_DONE = message("export_done", "export done")

BENCH_SHAPE = (512, 512)  # a modest frame keeps the latency check of the export wizard short


def evaluate_job(spec: EvaluateSpec, events: EventWriter, cancel: CancelToken) -> dict[str, Any]:
    """Run a run or bundle over a split, store score maps and metrics (``evaluations/<id>/``)."""
    from workbench.core.evaluation import summary_metrics
    from workbench.core.project import Project
    from workbench.services.evaluation import evaluate

    with Project.open(spec.project, lock=False) as project:
        session = evaluate(
            project, spec.run_id, spec.bundle, spec.split, engine=spec.engine, threshold=spec.threshold,
            eval_id=spec.eval_id, progress=events.progress, cancel=cancel,
        )  # fmt: skip
        events.artifact(str(session.dir))
        return {"status": "completed", "eval_id": session.eval_id,
                "metrics": summary_metrics(session.metrics_flat)}  # fmt: skip


def _latency(path: Path, device: str, repeat: int) -> list[dict[str, Any]]:
    from workbench.runtime.bench import run_bench
    from workbench.runtime.bundle import open_bundle

    rows = run_bench(open_bundle(path), repeat, BENCH_SHAPE, device)
    return [{"setting": r.setting, "tile_ms": _finite(r.tile_ms), "tiles_per_s": _finite(r.tile_per_s),
             "frame_ms": _finite(r.large_ms), "note": r.note} for r in rows]  # fmt: skip


def _finite(value: float) -> float | None:
    return round(value, 3) if math.isfinite(value) else None


def said_entry(line: str) -> dict[str, Any]:
    """A line of the result with its id, for a window to word it (``workbench.core.messages``)."""
    msg_id, args = said_parts(line)
    return {"message": str(line), "msg_id": msg_id, "args": args}


def export_job(spec: ExportSpec, events: EventWriter, cancel: CancelToken) -> dict[str, Any]:
    """Export a run to a `.wbx` bundle with the parity gate, then time it on this machine."""
    from workbench.export.pipeline import export_bundle, report_path

    progress = lambda f, m: events.progress(0.85 * f, m)  # noqa: E731
    report = export_bundle(spec.project, spec.run_id, spec.out, spec.formats, progress, cancel)
    events.artifact(str(report.path))
    latency: list[dict[str, Any]] = []
    if spec.bench_repeat > 0:
        events.progress(0.88, MEASURING_LATENCY())
        latency = _latency(report.path, spec.device, spec.bench_repeat)
    events.progress(1.0, EXPORT_DONE())
    return {"status": "completed", "path": str(report.path), "variants": report.variants,
            "parity": report.parity, "int8": report.int8, "golden": report.golden,
            "notes": report.notes, "said_notes": [said_entry(n) for n in report.notes],
            "lines": report.lines, "latency": latency,
            "checks": report.checks.to_dict(), "report": str(report_path(report.path))}  # fmt: skip


def check_labels_job(spec: LabelCheckSpec, events: EventWriter, cancel: CancelToken) -> dict[str, Any]:
    """Cross-validate the fast recipe over train + val, rank the suspect labels (``label_checks/<id>/``)."""
    from workbench.learn.label_check import CheckSettings, check_labels

    settings = CheckSettings(spec.folds, spec.time_limit, spec.seed, spec.config)
    check = check_labels(spec.project, settings, events, cancel, spec.check_id)
    events.artifact(str(check.dir))
    return {"status": "completed", "check_id": check.check_id, "dir": str(check.dir),
            "samples": len(check.samples), "suspects": len(check.queue())}  # fmt: skip
