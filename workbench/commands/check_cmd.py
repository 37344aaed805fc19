"""`workbench check-labels`: cross-validation over train + val, then the ranked list of suspect labels."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from workbench.commands.common import open_project, print_json
from workbench.core.errors import WorkbenchError
from workbench.core.label_check import DEFAULT_FOLDS, reason_text


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "check-labels",
        help="find suspect labels by cross-validation (runs as a job; prints the ranked suspects)",
        description="Deal the OK/NG samples of the train and val splits into folds (the test split is "
        "never touched; doubtful parts are left out), train the fast recipe once per fold on the other "
        "folds, score each held-out image, and rank the suspects: OK images the other folds call NG, NG "
        "images with a low score, mask regions the model does not find, and confident regions outside "
        "the mask of an NG image. The result is stored under label_checks/<id>/ in the project; the "
        "window's Data page opens it as a review queue (tag suspect-label). Runs no training record.",
    )
    p.add_argument("dir", help="project folder")
    p.add_argument(
        "--folds", type=int, default=DEFAULT_FOLDS, help=f"number of folds (default {DEFAULT_FOLDS})"
    )
    p.add_argument(
        "--time-limit",
        type=float,
        metavar="SECONDS",
        help="seconds for the whole check, shared among the folds (default: the fast preset's limit a fold)",
    )
    p.add_argument("--epochs", type=int, help="at most this many epochs a fold (default: the fast preset's)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the folds and the training")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a training setting of the fast recipe for every fold, e.g. crop=128 (repeatable)",
    )
    p.add_argument("--top", type=int, default=30, help="suspects to print (default 30; --json lists all)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_check_labels)


def cmd_check_labels(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from workbench.commands.learn_cmds import run_job
    from workbench.core.label_check_store import read_check
    from workbench.services.job_specs import label_check_spec

    with open_project(args.dir) as project:
        config = _settings(args.set)
        if args.epochs is not None:
            config["max_epochs"] = args.epochs
        spec = replace(label_check_spec(project, args.folds, args.time_limit, config), seed=args.seed)
        assert spec.check_id is not None
        jobs = project.root / "cache" / "jobs" / f"check-{spec.check_id}"
    jobs.mkdir(parents=True, exist_ok=True)
    result = run_job(spec, jobs, label=f"check-labels {spec.check_id}", quiet=args.json)
    result.pop("run_id", None)
    if result["status"] != "completed":
        reason = result.get("error") or result["status"]
        if args.json:
            print_json(result)
        else:
            print(f"label check {spec.check_id} {result['status']}: {reason}", file=sys.stderr)
        return 1
    check = read_check(args.dir, spec.check_id)
    if args.json:
        print_json(_as_json(check))
        return 0
    _print_check(check, args.top)
    return 0


def _settings(pairs: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; a value is read as JSON (numbers, true/false) or else kept as text."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise WorkbenchError(f"--set takes KEY=VALUE, not {pair!r}")
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value
    return out


def _as_json(check: Any) -> dict[str, Any]:
    samples = check.samples
    return {"status": "completed", **check.to_dict(), "dir": str(check.dir),
            "queue": check.queue(),
            "ranked": [{"rank": i + 1, **s.to_dict(), "fold": samples.get(s.sample_id, {}).get("fold")}
                       for i, s in enumerate(check.suspects)]}  # fmt: skip


def _print_check(check: Any, top: int) -> None:
    from workbench.core.project import Project

    with Project.open(check.dir.parent.parent, readonly=True) as project:
        names = {s.id: s.name for s in project.samples(ids=[s.sample_id for s in check.suspects[:top]])}
    print(f"label check {check.check_id}: {len(check.samples)} sample(s), {len(check.queue())} suspect(s), "
          f"{check.settings.get('folds')} folds, {check.settings.get('seconds')} s")  # fmt: skip
    if check.suspects:
        print(f"{'rank':>4}  {'sample':<32} {'reason':<44} score")
    for i, s in enumerate(check.suspects[:top]):
        name = f"{s.sample_id} {names.get(s.sample_id, '')}"[:32]
        box = s.details.get("box")
        where = f" at {box}" if box else ""
        print(f"{i + 1:>4}  {name:<32} {reason_text(s.reason) + where:<44} {s.suspicion:.3f}")
    if len(check.suspects) > top:
        print(f"... {len(check.suspects) - top} more (--top N, or --json for all)")
    print(f"stored in {check.dir}")
