"""The second stage on real data: overkill at the same escape count with and without the region
classifier, in the same training budget.

For each real set with masks found in ``../shared/datasets`` (crackforest, bsdata; parts and the
fixed, seeded test split as bench/real_data.py writes them) two runs of the fast preset go through
the CLI as a user runs them (``new`` -> ``import`` -> ``split --lock-test`` -> ``train`` ->
``evaluate``): one without the second stage, one with it (``--set region_stage=true``), each in the same
time budget. From each evaluation's stored maps (no model run) the segmenter's thresholds are
moved together, and for every escape count the lowest overkill is kept, with the classifier's
thresholds as the run shipped them and with the second stage off. The sweep is exact: each part's
verdict flips once as the thresholds rise, and that point is found by bisection, so a weak NG part
between two grid steps no longer costs the zero-escape end (a grid of 0.01 steps, used before
session 20, reported 593 of 632 good bsdata parts at zero escapes where 504 was reachable).
It prints, per set:
overkill at zero escape and at the escapes of the run's own decision, for

- plain: the run without a second stage;
- stage on / stage off: the two-stage run, with its classifier and without it (the same maps);
- both thresholds: the two-stage run with the classifier's threshold moved too (one value for
  every class, as the Evaluate page's classifier slider moves it);

and the ratio stage on / plain (the acceptance of issue 14 asks for at most 0.5).

    .venv/bin/python bench/region_stage.py [--only crackforest,bsdata] [--minutes M] [--work DIR]
    .venv/bin/python bench/region_stage.py --curves-from REPORT.json --work DIR [--json-out F]
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from real_data import DEFAULT_DATASETS, cli, cpu_description, machine_line, metric_row, run_ours
from real_sets import SETS, prepare

SAMPLE = "sample"  # the built-in sample project as `workbench sample` makes it
STAGE_SETS = ("crackforest", "bsdata", SAMPLE)
LOWEST = 0.001  # the lowest threshold the sweep visits (a part NG there is NG at every shift)
STEP = 1e-4  # the shift where a part's verdict flips is found to this precision
# the classifier thresholds of the joint sweep
CONFIRMS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def flip_shift(is_ng: Callable[[float], bool], lo: float, hi: float, step: float = STEP) -> float:
    """The highest shift in ``[lo, hi]`` at which a part is still NG, to ``step`` (``-inf``: OK at
    every shift, ``inf``: NG at every shift). ``is_ng`` must not rise with the shift: a higher
    threshold finds fewer and smaller regions, so a part's verdict flips once at most. (A rare
    exception: a region the classifier vetoes at a low threshold may, at a higher one, keep only
    pixels of a proposal the stage dropped (``max_regions``), which nothing vetoes; the bisection
    then returns one of the part's flips.)"""
    if not is_ng(lo):
        return -math.inf
    if is_ng(hi):
        return math.inf
    while hi - lo > step:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if is_ng(mid) else (lo, mid)
    return lo


def curve_from_flips(labels: Sequence[str], flips: Sequence[float], lo: float) -> dict[int, int]:
    """Lowest overkill per escape count over every shift from ``lo`` up, from each part's flip
    (``flip_shift``): at shift ``s`` a part is NG when its flip is at least ``s``, which is the
    product's own sweep over distinct scores (``metrics_image._sweep``) with the flips as scores."""
    from workbench.core.metrics_image import _sweep

    at, kinds = np.asarray(flips, np.float64), np.asarray(labels)
    sweep = _sweep(np.sort(at[kinds == "ok"]), np.sort(at[kinds == "ng"]))
    rows = zip(sweep["image.sweep.thresholds"], sweep["image.sweep.escapes"], sweep["image.sweep.overkills"],
               strict=True)  # fmt: skip
    best: dict[int, int] = {}
    for shift, escapes, overkill in rows:
        if shift >= lo:  # a flip of -inf (OK at every shift) is no shift the sweep can take
            best[escapes] = min(overkill, best.get(escapes, overkill))
    return best or {int((kinds == "ng").sum()): 0}


def tradeoff(project: Path, eval_id: str, stage: bool, confirm: float | None = None) -> dict[int, int]:
    """Lowest overkill per escape count over common shifts of the shipped thresholds, exactly:
    every part's flip shift is found by bisection on its stored, prepared map (``flip_shift``),
    from the shift where the lowest class threshold is ``LOWEST`` to the one where the highest is
    1. With ``stage`` False the classifier's thresholds are removed (the second stage off); with
    ``confirm`` every class's classifier threshold is set to it. The gray zone is left out: the
    curve is that of the plain OK/NG decision."""
    from workbench.core.decisions import decide_prepared
    from workbench.core.evaluation import EvaluationSession
    from workbench.core.project import Project

    proj = Project.open(project, lock=False)
    try:
        session = EvaluationSession.load(proj, eval_id)
        base = copy.deepcopy(session.base_config)
        base.gray_low = base.gray_high = None
        for rule in base.classes:
            rule.outline_threshold = None
            if not stage:
                rule.confirm_threshold = None
            elif confirm is not None:
                rule.confirm_threshold = confirm
        # The class rules' thresholds move; the default (for channels without a rule) moves with
        # them but is kept in (0, 1], so that it does not cut the sweep short when a rule exists.
        held = [r.threshold for r in base.classes] or [base.default_threshold]
        lo, hi = LOWEST - min(held), 1.0 - max(held)

        def shifted(shift: float) -> Any:
            config = copy.deepcopy(base)
            config.default_threshold = min(max(base.default_threshold + shift, LOWEST), 1.0)
            for rule, t in zip(config.classes, held, strict=False):
                rule.threshold = t + shift
            return config

        configs: dict[float, Any] = {}

        def config_at(shift: float) -> Any:
            if shift not in configs:
                configs[shift] = shifted(shift)
            return configs[shift]

        prepared = session.prepare_for(shifted(lo))
        flips = [
            flip_shift(lambda s, p=p: decide_prepared(p, config_at(s)).verdict == "NG", lo, hi)
            for p in prepared
        ]
        return curve_from_flips([c.label for c in session.cases], flips, lo)
    finally:
        proj.close()


def at_most(curve: dict[int, int], escapes: int) -> int | None:
    """The lowest overkill with at most ``escapes`` escapes."""
    found = [ovk for esc, ovk in curve.items() if esc <= escapes]
    return min(found) if found else None


def run_sample(
    project: Path, seconds: float | None, seed: int, train_args: tuple[str, ...]
) -> dict[str, Any]:
    """``workbench sample`` -> ``train --preset fast`` -> ``evaluate`` (its locked test split)."""
    log = project.parent / "workbench-cli.log"
    project.parent.mkdir(parents=True, exist_ok=True)
    if project.exists():
        shutil.rmtree(project)
    cli(["sample", str(project), "--seed", str(seed), "--json"], log)
    train = ["train", str(project), "--preset", "fast", "--seed", str(seed), "--json", *train_args]
    result, train_s = cli(train + (["--time-limit", f"{seconds:g}"] if seconds else []), log)
    if result.get("status") != "completed" or not result.get("run_id"):
        raise RuntimeError(f"training did not complete: {result.get('error') or result.get('status')}")
    evaluation, eval_s = cli(["evaluate", str(project), "--run", result["run_id"], "--json"], log)
    metrics = json.loads((Path(evaluation["dir"]) / "metrics.json").read_text(encoding="utf-8"))
    return {**metric_row(metrics, "segmentation", train_s, eval_s), "run_id": result["run_id"],
            "eval_id": evaluation["eval_id"]}  # fmt: skip


def joint_tradeoff(project: Path, eval_id: str, shipped: dict[int, int]) -> dict[int, int]:
    """Lowest overkill per escape count when the classifier's threshold moves too (one value for
    every class, from ``CONFIRMS``), as the Evaluate page's two sliders allow; ``shipped`` (the
    curve at the shipped classifier thresholds) is folded in."""
    best = dict(shipped)
    for confirm in CONFIRMS:
        for esc, ovk in tradeoff(project, eval_id, True, confirm).items():
            best[esc] = min(ovk, best.get(esc, ovk))
    return best


def add_curves(entry: dict[str, Any], name: str, work: Path) -> None:
    """The trade-off curves of a set's two evaluations (their projects under ``work / name``)."""
    for key in ("plain", "stage"):
        row = entry.get(key)
        if not row or not row.get("eval_id"):
            continue
        project = work / name / f"project-{key}"
        row["curve_on"] = tradeoff(project, row["eval_id"], True)
        row["curve_off"] = tradeoff(project, row["eval_id"], False)
        if key == "stage":
            row["curve_joint"] = joint_tradeoff(project, row["eval_id"], row["curve_on"])


def bench_set(name: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    seconds = args.minutes * 60 if args.minutes else None
    entry: dict[str, Any] = {"errors": []}
    prep = None
    if name != SAMPLE:
        prep = prepare(name, args.datasets / name, work / name / "parts", args.seed, args.max_images, 20)
        entry["data"] = prep.to_dict()
    for key, extra in (("plain", ()), ("stage", ("--set", "region_stage=true"))):
        project = work / name / f"project-{key}"
        try:
            if prep is None:
                entry[key] = run_sample(project, seconds, args.seed, extra)
            else:
                entry[key] = run_ours(prep, project, seconds, args.seed, extra)
        except (RuntimeError, OSError, ValueError, KeyError) as exc:
            entry["errors"].append(f"{key}: {exc}")
    add_curves(entry, name, work)
    return entry


ESCAPE_COLUMNS = (0, 1, 2, 5, 10)  # escape counts the table compares at, with the run's own


def print_table(name: str, entry: dict[str, Any]) -> None:
    print(f"\n{name}:")
    for err in entry["errors"]:
        print(f"  error: {err}")
    plain, stage = entry.get("plain"), entry.get("stage")
    if not plain or not stage or "curve_on" not in stage:
        return
    n_ok = plain["overkills"][1]
    shipped = stage["escapes"][0] or 0
    columns = sorted({*ESCAPE_COLUMNS, shipped})
    print(f"  test: {plain['escapes'][1]} NG, {n_ok} OK parts; the two-stage run's own decision: "
          f"{stage['escapes'][0]} escapes, {stage['overkills'][0]} overkill")  # fmt: skip
    print(f"  {'overkill with at most N escapes, N =':38}" + "".join(f"{e:>9}" for e in columns))
    curves = {
        "plain run": plain["curve_on"],
        "two-stage, stage off": stage["curve_off"],
        "two-stage, stage on": stage["curve_on"],
        "two-stage, both thresholds": stage.get("curve_joint", stage["curve_on"]),
    }
    cells: dict[str, list[int | None]] = {}
    for label, curve in curves.items():
        cells[label] = [at_most({int(k): v for k, v in curve.items()}, e) for e in columns]
        print(f"  {label:38}" + "".join(f"{'-' if c is None else c:>9}" for c in cells[label]))
    for label in ("two-stage, stage on", "two-stage, both thresholds"):
        ratios = [
            f"{a / b:.2f}" if a is not None and b else "-" for a, b in zip(cells[label], cells["plain run"])
        ]
        print(f"  {'ratio ' + label[11:] + ' / plain':38}" + "".join(f"{r:>9}" for r in ratios))
    print("  (issue 14 asks for a ratio of at most 0.50 at the same escapes)")
    print(
        f"  minutes: plain train {plain['train_min']:.1f}, two-stage train {stage['train_min']:.1f}; "
        f"AUROC {plain['auroc']:.3f} / {stage['auroc']:.3f}; Dice {plain['dice']:.3f} / {stage['dice']:.3f}"
    )


def recurve(args: argparse.Namespace) -> int:
    """The tables of an earlier report with its curves computed again (by this version's sweep)."""
    if not args.work:
        raise SystemExit("--curves-from needs the --work folder the report's runs were made in")
    report = json.loads(args.curves_from.read_text(encoding="utf-8"))
    print(machine_line(report["machine"]) + "  (the machine the runs were trained on)")
    for name, entry in report["sets"].items():
        add_curves(entry, name, args.work)
        print_table(name, entry)
        if args.json_out:
            args.json_out.write_text(json.dumps(report, indent=2, default=float), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--only", default=",".join(STAGE_SETS))
    parser.add_argument(
        "--minutes", type=float, help="training budget of both runs (default: the fast preset's)"
    )
    parser.add_argument("--work", type=Path, help="scratch folder, kept (default: a temp folder)")
    parser.add_argument("--max-images", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--curves-from", type=Path, metavar="REPORT",
                        help="no training: recompute the curves of an earlier --json-out REPORT "
                        "from its evaluations (its --work folder, kept) and print the tables")  # fmt: skip
    args = parser.parse_args(argv)
    if args.curves_from:
        return recurve(args)
    cpu = cpu_description()
    print(machine_line(cpu))
    report: dict[str, Any] = {"machine": cpu, "seed": args.seed, "sets": {}}
    work = args.work or Path(tempfile.mkdtemp(prefix="region-stage-"))
    for name in [n.strip() for n in args.only.split(",") if n.strip()]:
        real = name in SETS and SETS[name].task == "segmentation" and (args.datasets / name).is_dir()
        if name != SAMPLE and not real:
            print(f"\n{name}: not a segmentation set found in {args.datasets}, skipped")
            continue
        print(f"\n{name}: running (work folder {work / name}) ...", flush=True)
        report["sets"][name] = entry = bench_set(name, args, work)
        print_table(name, entry)
        if args.json_out:
            args.json_out.write_text(json.dumps(report, indent=2, default=float), encoding="utf-8")
    return 0 if all(not e["errors"] for e in report["sets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
