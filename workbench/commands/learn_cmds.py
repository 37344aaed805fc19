"""`workbench train` (a job in a child process, with a live progress bar) and `workbench predict`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from workbench.commands.common import ProgressBar, open_project, print_json
from workbench.core.errors import WorkbenchError
from workbench.core.project import Project

TASK_CHOICES = ("segmentation", "classification", "anomaly")
PRESET_CHOICES = ("fast", "balanced", "accurate")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("train", help="train a model (runs as a job; prints the run id)")
    p.add_argument("dir", help="project folder")
    p.add_argument("--task", choices=TASK_CHOICES, help="default: the project's task")
    p.add_argument("--preset", choices=PRESET_CHOICES, default="fast")
    p.add_argument("--time-limit", type=float, metavar="SECONDS", help="stop training after this long")
    p.add_argument("--seed", type=int, help="random seed (same seed, same data: same run)")
    p.add_argument("--init-from", metavar="RUN_DIR", help="start from the weights of an earlier run folder")
    p.add_argument("--model", help="registered model name (default: the preset's)")
    p.add_argument("--epochs", type=int, help="at most this many epochs")
    p.add_argument("--resume", metavar="RUN_ID", help="continue a stopped run from its last checkpoint")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("predict", help="write predicted label maps (proposals) of a run")
    p.add_argument("dir", help="project folder")
    p.add_argument("--run", required=True, metavar="ID", help="run id")
    p.add_argument("--samples", type=int, nargs="+", metavar="ID", help="sample ids (default: all)")
    p.add_argument("--split", choices=("train", "val", "test", "none"), help="only samples of this split")
    p.add_argument("--json", action="store_true", help="print the index as JSON")
    p.set_defaults(func=cmd_predict)


def _overrides(args: argparse.Namespace, task: str) -> dict[str, Any]:
    config: dict[str, Any] = {"task": task, "preset": args.preset}
    for key, value in (("time_limit", args.time_limit), ("seed", args.seed), ("model", args.model),
                       ("init_from", args.init_from), ("max_epochs", args.epochs)):  # fmt: skip
        if value is not None:
            config[key] = value
    return config


def new_train_spec(project: Project, overrides: dict[str, Any]) -> dict[str, Any]:
    """Check ``overrides`` (task, preset, settings), record a new run, return its job spec.

    Shared by `workbench train` and the window's Train page; imports no torch.
    """
    from workbench.learn.presets import resolve_config

    cfg = resolve_config(overrides.get("task", project.task), overrides.get("preset", "fast"), overrides)
    run = project.create_run(cfg.task, cfg.to_dict(), name=cfg.preset)
    config = {**overrides, "task": cfg.task, "preset": cfg.preset}
    return {"kind": "train", "project": str(project.root), "run_id": run.id, "config": config}


def cmd_train(args: argparse.Namespace) -> int:
    with open_project(args.dir) as project:
        if args.resume:
            run = project.run(args.resume)
            spec = {"kind": "train", "project": str(project.root), "run_id": run.id,
                    "config": run.config.get("train", run.config), "resume": True}  # fmt: skip
        else:
            spec = new_train_spec(project, _overrides(args, args.task or project.task))
            run = project.run(spec["run_id"])
        run_dir = project.run_dir(run.id)
    result = run_job(spec, run_dir, label=f"train {run.id}", quiet=args.json)
    if result.get("status") == "failed" and not result.get("error"):
        # The child died without a word (killed, out of memory): opening marks its run failed.
        with open_project(args.dir, readonly=False) as project:
            result["error"] = project.run(run.id).error or "the training process ended unexpectedly"
    if result.get("status") == "completed":
        with open_project(args.dir, readonly=True) as project:
            result["decision_origin"] = project.run(run.id).config.get("decision_origin") or []
    if args.json:
        print_json(result)
    else:
        _print_result(result)
    return 0 if result.get("status") == "completed" else 1


def run_job(spec: dict[str, Any], run_dir: Any, label: str, quiet: bool = False) -> dict[str, Any]:
    """Run a job child with a progress bar on stderr; Ctrl+C cancels it cleanly."""
    from workbench.jobs.process import JobProcess

    job = JobProcess(spec, run_dir / "job.json", run_dir / "job.stderr.log").start()
    bar = ProgressBar(label, enabled=not quiet)
    state: dict[str, Any] = {"status": "failed", "run_id": spec.get("run_id"), "val": {}}
    try:
        for event in job.events():
            _on_event(event, state, bar)
    except KeyboardInterrupt:
        print("\ncancelling...", file=sys.stderr)
        job.cancel()
        state["status"] = "cancelled"
    code = job.wait()
    if code != 0 and state["status"] == "completed":
        state["status"] = "failed"
    state.pop("val", None)
    return state


def _on_event(event: dict[str, Any], state: dict[str, Any], bar: ProgressBar) -> None:
    kind = event["type"]
    if kind == "progress":
        shown = " ".join(f"{k} {v:.3f}" for k, v in state["val"].items())
        bar(float(event["fraction"]), f"{event.get('message', '')} {shown}".strip())
    elif kind == "metric" and str(event.get("name", "")).startswith("val.") and event["name"] != "val.score":
        if event.get("value") is not None:
            state["val"][event["name"][4:]] = float(event["value"])
    elif kind == "log":
        state.setdefault("log", []).append(event.get("message", ""))
    elif kind == "done":
        state.update(event.get("result") or {})
        if state.get("status") == "completed":
            bar.done("done")
    elif kind == "error":
        state["status"] = "failed"
        state["error"] = event.get("message", "the job failed")


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

    for origin in result.get("decision_origin") or []:
        print("decision " + describe(origin))
    print(run_id)


def cmd_predict(args: argparse.Namespace) -> int:
    from workbench.learn.proposals import write_proposals

    with open_project(args.dir) as project:
        project.run(args.run)  # names the run when it does not exist
        samples = project.samples(ids=args.samples, split=args.split)
        if args.samples is None and args.split is None and project.test_locked:
            # Proposals invite "accept prediction": keep the locked baseline free of model input
            # unless the test split is asked for by name.
            samples = [s for s in samples if s.split != "test"]
        if not samples:
            raise WorkbenchError(f"no samples selected in {project.root}")
        bar = ProgressBar(f"predict {args.run}", enabled=not args.json)
        index = write_proposals(project, args.run, samples, bar)
        for sid, entry in index["samples"].items():
            project.update_samples([int(sid)], last_score=float(entry["score"]))
    if args.json:
        print_json(index)
    else:
        ng = sum(1 for e in index["samples"].values() if e["verdict"] != "OK")
        print(f"{len(index['samples'])} sample(s) predicted, {ng} not OK; proposals in "
              f"{project.run_dir(args.run) / 'proposals'}")  # fmt: skip
    return 0
