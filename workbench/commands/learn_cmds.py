"""`workbench train` (a job in a child process, with a live progress bar) and `workbench predict`."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from workbench.commands.common import ProgressBar, open_project, parse_setting, print_json
from workbench.core.project import Project
from workbench.core.run_config import DEFAULT_PRESET, DOUBTFUL_MODES, PRESET_NAMES, TrainConfig
from workbench.core.types import TASKS
from workbench.services.job_specs import JobSpec
from workbench.services.predict import predict, prediction_samples
from workbench.services.training import new_train_spec, resume_train_spec, settle_train_run


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("train", help="train a model (runs as a job; prints the run id)")
    p.add_argument("dir", help="project folder")
    p.add_argument("--task", choices=TASKS, help="default: the project's task")
    p.add_argument("--preset", choices=PRESET_NAMES, default=DEFAULT_PRESET)
    p.add_argument(
        "--time-limit",
        type=float,
        metavar="SECONDS",
        help="the run (loading, training, validation, placing the decision) keeps within this many seconds",
    )
    p.add_argument(
        "--seed",
        type=int,
        help="random seed (same seed, same data: same run on a CPU; on a GPU the same crops, "
        "with sums in another order, so losses differ in the last digits)",
    )
    p.add_argument("--init-from", metavar="RUN_DIR", help="start from the weights of an earlier run folder")
    p.add_argument("--model", help="registered model name (default: the preset's)")
    p.add_argument("--epochs", type=int, help="at most this many epochs")
    p.add_argument("--resume", metavar="RUN_ID", help="continue a stopped run from its last checkpoint")
    p.add_argument(
        "--doubtful",
        choices=DOUBTFUL_MODES,
        help="doubtful parts of the train split: exclude (default) or low_weight (trained on, fewer crops)",
    )
    p.add_argument(
        "--set",
        dest="settings",
        action="append",
        type=_setting,
        default=[],
        metavar="KEY=VALUE",
        help="any training setting over the preset's, repeatable (e.g. region_stage=true, region_share=0.25, "
        "crop=320); true/false, numbers, none for an optional one",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("predict", help="write predicted label maps (proposals) of a run")
    p.add_argument("dir", help="project folder")
    p.add_argument("--run", required=True, metavar="ID", help="run id")
    p.add_argument("--samples", type=int, nargs="+", metavar="ID", help="sample ids (default: all)")
    p.add_argument("--split", choices=("train", "val", "test", "none"), help="only samples of this split")
    p.add_argument("--json", action="store_true", help="print the index as JSON")
    p.set_defaults(func=cmd_predict)


# settings ``--set`` may change; the task and preset have their own options
SETTING_KINDS = {f.name: str(f.type) for f in fields(TrainConfig) if f.name not in ("task", "preset")}


def _setting(text: str) -> tuple[str, Any]:
    key = text.partition("=")[0].strip()
    if key in ("task", "preset"):
        raise argparse.ArgumentTypeError(f"{key} has its own option: --{key}")
    try:
        return parse_setting(text, SETTING_KINDS)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    config: dict[str, Any] = {"preset": args.preset, **dict(args.settings)}
    if args.task:  # else the project's task
        config["task"] = args.task
    for key, value in (("time_limit", args.time_limit), ("seed", args.seed), ("model", args.model),
                       ("init_from", args.init_from), ("max_epochs", args.epochs),
                       ("doubtful", args.doubtful)):  # fmt: skip
        if value is not None:
            config[key] = value
    return config


def cmd_train(args: argparse.Namespace) -> int:
    with open_project(args.dir) as project:
        if args.resume:
            spec = resume_train_spec(project, args.resume)
        else:
            spec = new_train_spec(project, _overrides(args))
        assert spec.run_id is not None
        run_id, run_dir = spec.run_id, project.run_dir(spec.run_id)
    result = run_job(spec, run_dir, label=f"train {run_id}", quiet=args.json)
    # Like the job, touch only this run (no lock): an ordinary open would first fail every orphan,
    # and a run killed after a cancel must end cancelled here as it does in the window.
    with Project.open(args.dir, lock=False) as project:
        run = settle_train_run(project, run_id, result["status"], result.get("error", ""))
    result["status"] = run.status  # the run's record decides, as in the window
    if run.status != "completed" and run.error and not result.get("error"):
        result["error"] = run.error
    if result["status"] == "completed" and run.config.model is not None:
        result["decision_origin"] = list(run.config.model.decision_origin)
    if args.json:
        print_json(result)
    else:
        _print_result(result)
    return 0 if result["status"] == "completed" else 1


def run_job(spec: JobSpec, run_dir: Path, label: str, quiet: bool = False) -> dict[str, Any]:
    """Run a job child with a progress bar on stderr; Ctrl+C cancels it cleanly.

    Returns the job's result with its final ``status`` (``workbench.jobs.outcome``), ``run_id``
    and any ``log`` lines.
    """
    from workbench.jobs.events import ProgressEvent
    from workbench.jobs.job_state import JobState
    from workbench.jobs.process import JobProcess

    job = JobProcess(spec, run_dir / "job.json", run_dir / "job.stderr.log").start()
    bar = ProgressBar(label, enabled=not quiet, own_eta=False)
    seen = JobState()
    cancelled = False
    try:
        for event in job.events():
            seen.apply(event)
            if isinstance(event, ProgressEvent):
                bar(seen.fraction, seen.status_line(), seen.eta(time.time()))
    except KeyboardInterrupt:
        print("\ncancelling...", file=sys.stderr)
        job.cancel()
        cancelled = True
    status, result = seen.outcome(job.wait(), cancelled)
    if status == "completed":
        bar.done("done")
    if result.get("warning"):
        print(f"warning: {result['warning']}", file=sys.stderr)
    out = {"run_id": getattr(spec, "run_id", None), **result, "status": status}
    return {**out, "log": seen.log} if seen.log else out


def _print_result(result: dict[str, Any]) -> None:
    run_id = result.get("run_id")
    if result.get("status") != "completed":
        reason = result.get("error") or result.get("status")
        print(f"run {run_id} {result.get('status')}: {reason}", file=sys.stderr)
        return
    m = result.get("metrics") or {}
    auroc = (m.get("image") or {}).get("auroc")
    dice = (m.get("pixel") or {}).get("dice")
    parts = [f"image AUROC {auroc:.3f}" if auroc is not None else "",
             f"pixel Dice {dice:.3f}" if dice is not None else "",
             f"{m.get('epochs')} epochs" if m.get("epochs") is not None else "",
             f"{m.get('time_s')} s" if m.get("time_s") is not None else ""]  # fmt: skip
    print(f"run {run_id} completed: " + ", ".join(p for p in parts if p))
    from workbench.core.operating_point import describe
    from workbench.core.run_quality import shortfalls, warning_text

    if found := shortfalls(m):
        print(f"warning: run {run_id} is {warning_text(found)}", file=sys.stderr)

    for origin in result.get("decision_origin") or []:
        print("decision " + describe(origin))
    if line := region_summary(m.get("region")):
        print(line)
    print(run_id)


def region_summary(region: dict[str, Any] | None) -> str:
    """One line on the run's second stage from its ``metrics.json`` section ("" without one)."""
    if not region:
        return ""
    if "thresholds" not in region:
        return str(region.get("skipped") or "")
    val = region.get("val") or {}
    shown = ", ".join(f"{k}: {'none' if t is None else t}" for k, t in region["thresholds"].items())
    return (f"second stage: {region.get('steps')} steps on {sum(region.get('crops', {}).values())} crops; "
            f"classifier threshold per class id {shown}; val overkill {val.get('overkill_before')} -> "
            f"{val.get('overkill_after')} of {val.get('ok_images')} good")  # fmt: skip


def cmd_predict(args: argparse.Namespace) -> int:
    with open_project(args.dir) as project:
        samples = prediction_samples(project, args.samples, args.split)
        bar = ProgressBar(f"predict {args.run}", enabled=not args.json)
        index = predict(project, args.run, samples, bar)
    if args.json:
        print_json(index)
    else:
        ng = sum(1 for e in index["samples"].values() if e["verdict"] != "OK")
        print(f"{len(index['samples'])} sample(s) predicted, {ng} not OK; proposals in "
              f"{project.run_dir(args.run) / 'proposals'}")  # fmt: skip
    return 0
