"""`workbench new`, `info`, `runs` and `recover`."""

from __future__ import annotations

import argparse
from typing import Any

from workbench.commands.common import ProgressBar, open_project, print_json
from workbench.core.errors import WorkbenchError
from workbench.core.project import Project
from workbench.core.run_quality import shortfalls, warning_text
from workbench.core.types import TASKS, Run


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("new", help="create an empty project folder")
    p.add_argument("dir", help="project folder to create")
    p.add_argument("--name", help="display name (default: the folder name)")
    p.add_argument("--task", choices=TASKS, default=TASKS[0], help="what the model will do")
    p.add_argument("--class", dest="classes", action="append", default=[], metavar="NAME",
                   help="add a defect class (repeatable)")  # fmt: skip
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("info", help="counts per label, class and split; image health flags")
    p.add_argument("dir", help="project folder")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser(
        "runs",
        help="list training runs with status and key metrics; compare or restore the data a run used",
        description="Each run keeps a snapshot of the data it trained and validated on (labels, masks, "
        "splits; runs/<id>/dataset.json, files shared in snapshots/).",
    )
    p.add_argument("dir", help="project folder")
    p.add_argument("--diff", nargs=2, metavar=("RUN_A", "RUN_B"),
                   help="what changed in the data from RUN_A to RUN_B: added, removed, relabelled, "
                   "masks redrawn")  # fmt: skip
    p.add_argument("--restore", metavar="RUN", help="write the data RUN trained on as a new project (--into)")
    p.add_argument("--into", metavar="NEW_DIR", help="folder of the project --restore makes")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser(
        "recover",
        help="rebuild a project whose project.db is empty or damaged from its images/ and masks/",
        description="Moves the damaged project.db into a damaged-<time>/ folder of the project, reads "
        "back what it still can, and makes a new database in which every image is a sample and every "
        "mask is attached to its sample again. Nothing is deleted.",
    )
    p.add_argument("dir", help="project folder")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_recover)


def cmd_new(args: argparse.Namespace) -> int:
    with Project.create(args.dir, name=args.name, task=args.task) as project:
        for name in args.classes:
            project.add_class(name)
        print(f"created project {project.name!r} in {project.root}")
    return 0


def project_summary(project: Project) -> dict[str, object]:
    counts = project.counts()
    return {
        "name": project.name,
        "path": str(project.root),
        "task": project.task,
        "test_locked": project.test_locked,
        "classes": [{"id": c.id, "name": c.name, "color": c.color} for c in project.classes()],
        "samples": counts["total"],
        "per_label": counts["label"],
        "per_split": counts["split"],
        "per_class": counts["class"],
        "per_split_label": counts["split_label"],
        "with_mask": counts["with_mask"],
        "flags": counts["flags"],
        "review": counts["review"],
        "runs": len(project.runs()),
        "runs_below_usable": below_usable(project.runs()),
    }


def below_usable(runs: list[Run]) -> dict[str, str]:
    """Completed runs whose validation is far below usable (``core.run_quality``), with the reason."""
    return {
        r.id: warning_text(found)
        for r in runs
        if r.status == "completed" and (found := shortfalls(r.metrics))
    }


def cmd_info(args: argparse.Namespace) -> int:
    with open_project(args.dir, readonly=True) as project:
        info = project_summary(project)
    if args.json:
        print_json(info)
        return 0
    print(f"{info['name']}  ({info['task']})  {info['path']}")
    print(f"samples: {info['samples']}  with mask: {info['with_mask']}  runs: {info['runs']}")
    print("labels:  " + "  ".join(f"{k}={v}" for k, v in info["per_label"].items()))  # type: ignore[attr-defined]
    locked = " (test locked)" if info["test_locked"] else ""
    print("splits:  " + "  ".join(f"{k}={v}" for k, v in info["per_split"].items()) + locked)  # type: ignore[attr-defined]
    print("classes: " + ("  ".join(f"{k}={v}" for k, v in info["per_class"].items()) or "none"))  # type: ignore[attr-defined]
    flags = info["flags"]
    print("health:  " + ("  ".join(f"{k}={v}" for k, v in flags.items()) if flags else "no flags"))  # type: ignore[attr-defined]
    for run_id, text in info["runs_below_usable"].items():  # type: ignore[attr-defined]
        print(f"warning: run {run_id} is {text}")
    return 0


KEY_METRICS = ("image.auroc", "pixel.dice")


def metric_value(metrics: dict[str, object], key: str) -> object:
    """A metric by dotted key, whether stored flat ("image.auroc") or nested ({"image": {...}})."""
    if key in metrics:
        return metrics[key]
    node: object = metrics
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def shipped_thresholds(run: Run) -> list[dict[str, Any]]:
    """Class, threshold and how it was chosen, per class rule of a completed run's decision."""
    model = run.config.model
    if run.status != "completed" or model is None:
        return []
    decision = model.decision
    methods = {o.get("class_id"): o.get("method") for o in model.decision_origin}
    if not decision.classes:
        return [{"class_id": None, "name": "", "threshold": decision.default_threshold, "method": "default"}]
    return [{"class_id": r.class_id, "name": r.name, "threshold": decision.ng_threshold(r),
             "method": methods.get(r.class_id, "default")} for r in decision.classes]  # fmt: skip


def _thresholds_text(shipped: list[dict[str, Any]]) -> str:
    """'0.831/0.607?' (a ? marks a guess from good parts only, a * one a person shipped); '-' when
    there is none."""
    marks = {"ok_quantile": "?", "user": "*"}
    return "/".join(f"{s['threshold']:.3f}{marks.get(s['method'], '')}" for s in shipped) or "-"


def cmd_runs(args: argparse.Namespace) -> int:
    if args.diff or args.restore:
        return _run_data(args)
    with open_project(args.dir, readonly=True) as project:
        runs = project.runs()
        unreadable = project.unreadable_runs()
    if args.json:
        print_json([
            {"id": r.id, "task": r.task, "status": r.status, "model": r.config.model_name,
             "preset": r.config.preset, "created_at": r.created_at, "finished_at": r.finished_at,
             "metrics": r.metrics, "error": r.error, "thresholds": shipped_thresholds(r),
             "warning": warning_text(shortfalls(r.metrics)) if r.status == "completed" else ""}
            for r in runs
        ] + [{"id": run_id, "status": "unreadable", "error": why} for run_id, why in unreadable])  # fmt: skip
        return 0
    for run_id, why in unreadable:
        print(f"run {run_id} is left out: {why}")
    if not runs:
        print("no runs yet: `workbench train DIR` starts one")
        return 0
    print(f"{'run':<24} {'task':<14} {'status':<10} {'AUROC':>6} {'Dice':>6}  {'threshold':<13} model")
    guessed = by_user = False
    for r in runs:
        vals = [metric_value(r.metrics, k) for k in KEY_METRICS]
        shown = [f"{v:6.3f}" if isinstance(v, (int, float)) else f"{'-':>6}" for v in vals]
        thresholds = _thresholds_text(shipped_thresholds(r))
        guessed = guessed or "?" in thresholds
        by_user = by_user or "*" in thresholds
        print(f"{r.id:<24} {r.task:<14} {r.status:<10} {shown[0]} {shown[1]}  {thresholds:<13} "
              f"{r.config.model_name}")  # fmt: skip
        if r.error:
            print(f"{'':<24} error: {r.error}")
        if r.status == "completed" and (found := shortfalls(r.metrics)):
            print(f"{'':<24} warning: {warning_text(found)}")
    if guessed:
        print("? = threshold guessed from good parts only (no NG validation image); label NG parts")
    if by_user:
        print("* = threshold shipped by a person (`workbench decide`, or the Evaluate page)")
    return 0


def _run_data(args: argparse.Namespace) -> int:
    from workbench.core.snapshots import diff_runs, restore_snapshot

    if args.restore and not args.into:
        raise WorkbenchError("--restore RUN needs --into NEW_DIR, the folder of the new project")
    with open_project(args.dir, readonly=True) as project:
        if args.restore:
            root = restore_snapshot(project, args.restore, args.into)
            out: dict[str, Any] = {"run_id": args.restore, "project": str(root)}
            lines = [f"the data of run {args.restore} is now the project {root}"]
        else:
            out = diff_runs(project, *args.diff)
            lines = diff_lines(out)
    if args.json:
        print_json(out)
    else:
        print("\n".join(lines))
    return 0


def diff_lines(d: dict[str, Any]) -> list[str]:
    """A dataset diff as text: one line per change, grouped."""
    head = f"data of run {d['a']} ({d['n_a']} samples) -> run {d['b']} ({d['n_b']} samples)"
    if d["same"]:
        return [head, "the same data"]
    lines = [head]
    for key, title in (("added", "added"), ("removed", "removed")):
        lines += [f"{title}: {len(d[key])}"] + [f"  {e['name']} (#{e['sample_id']})" for e in d[key]]
    for key, title in (("relabelled", "relabelled"), ("moved", "moved between train and val")):
        lines += [f"{title}: {len(d[key])}"]
        lines += [f"  {e['name']} (#{e['sample_id']}): {e['from']} -> {e['to']}" for e in d[key]]
    lines += [f"masks redrawn: {len(d['masks_redrawn'])}"]
    for e in d["masks_redrawn"]:
        what = "drawn" if e["from"] is None else "erased" if e["to"] is None else "changed"
        lines.append(f"  {e['name']} (#{e['sample_id']}): {what}")
    cls = d["classes"]
    changes = [f"added {n}" for n in cls["added"]] + [f"removed {n}" for n in cls["removed"]]
    changes += [f"renamed {r['from']} to {r['to']}" for r in cls["renamed"]]
    if changes:
        lines.append("classes: " + ", ".join(changes))
    return lines


def cmd_recover(args: argparse.Namespace) -> int:
    from workbench.core.recover import recover_project

    report = recover_project(args.dir, progress=ProgressBar("recover", enabled=not args.json))
    if args.json:
        print_json(report.to_dict())
    else:
        for line in report.lines():
            print(line)
    return 0
