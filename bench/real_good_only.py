"""The good-only (anomaly) task on real data: the user's path through the CLI against a plain PatchCore.

Sets:

- ``elpv-mono`` (``../shared/datasets/elpv-mono``): a seeded share of ``OK/`` (``--train-ok``,
  default 70 %) is the train split, the rest of ``OK/`` the test split; a seeded share of ``NG/``
  (``--train-ng``, default 20 %) goes to the train split as labelled NG images outside the test
  split (the product places its threshold on them), the rest of ``NG/`` to the test split. There
  is no val split. ``doubtful/`` (experts rated 1/3 or 2/3) is imported after training without a
  split and reported apart: how many each model calls NG, per rating.
- ``sample``: the built-in sample project as ``workbench sample`` makes it (seeded; its own
  stratified train/val/test split with NG images in train and val, test locked). With
  ``--max-images`` its ``--small`` variant (32 samples) is used instead.

Ours: ``workbench new --task anomaly`` -> ``import`` -> ``split --lock-test`` ->
``train --preset fast`` -> ``evaluate`` on the test split (bench/real_data.py ``run_ours``); for
the sample project ``workbench sample`` -> ``train --task anomaly --preset fast`` -> ``evaluate``.
Every verb is a subprocess, as a user runs it; the metrics are the evaluation's.

Baseline, in the same run: bench/plain_patchcore.py (same backbone, weights and feature layers,
1 % greedy coreset of every patch of the good training images, image score = max patch
nearest-neighbour distance), fitted on the project's good train images (every fifth one held out
when the val split has no good image, as the workbench's ``learn.anomaly_threshold`` does; the
workbench's trainer may keep a few more out for validation: the notes give both counts). Its
threshold is the zero-escape
point of the labelled NG images outside the test split when there are any, else the 99 % quantile
of the held-out good images' scores; the output says which.

Printed per set: image AUROC, overkill at zero escape, escapes and overkill at the chosen
threshold (counts of totals), fit seconds (ours: the run's fit phase; baseline: features and
coreset), train seconds (ours: the ``train`` verb, threshold placement included; baseline: fit
and scoring the threshold images), ms per test image (ours: the ``evaluate`` verb's wall time
over the test images, process start and report included; baseline: reading and scoring), and
ours / baseline; the CPU with its vector features first. Metric definitions are the workbench's
(``core.metrics_image.image_metrics``) for both.

    .venv/bin/python bench/real_good_only.py [--only elpv-mono,sample] [--json-out F] [--work DIR]

Smoke run: ``--max-images 60``. A set missing from the datasets folder is skipped.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from real_data import (
    DEFAULT_DATASETS,
    _cell,
    cli,
    cpu_description,
    machine_line,
    metric_row,
    ratio_row,
    run_ours,
    run_sets,
)
from real_sets import Prepared, SetInfo, Source, elpv_sources, subsample

ELPV = "elpv-mono"
SAMPLE = "sample"
NAMES = (ELPV, SAMPLE)
ELPV_INFO = SetInfo(ELPV, "anomaly", "defect", 0)
OK_QUANTILE = 0.99
RATINGS = {"r33": "1/3", "r67": "2/3"}  # file-name prefix of a doubtful cell -> expert rating
# (key in the row, header, format); rates print as %, counts as k/n.
COLUMNS = (("auroc", "AUROC", "{:.3f}"), ("overkill_at_zero_escape", "ovk@0esc", "{:.1%}"),
           ("escapes", "escapes", None), ("overkills", "overkill", None), ("fit_s", "fit s", "{:.1f}"),
           ("train_s", "train s", "{:.1f}"), ("ms_per_image", "ms/image", "{:.0f}"))  # fmt: skip


def prepare_elpv(root: Path, out: Path, args: argparse.Namespace) -> tuple[Prepared, Path, Counter[str]]:
    """The parts folder (train/ and test/, OK/ and NG/) and a folder of the doubtful cells."""
    sources = subsample(elpv_sources(root) + doubtful_sources(root), args.max_images, args.seed)
    if out.exists():
        shutil.rmtree(out)
    parts, doubtful = out / "parts", out / "doubtful-parts"
    prep = Prepared(parts, ELPV_INFO, {"train": Counter(), "val": Counter(), "test": Counter()})
    prep.sources = dict(Counter(s.label for s in sources))
    ratings: Counter[str] = Counter()
    share = {"ok": args.train_ok, "ng": args.train_ng}
    for salt, label in enumerate(("ok", "ng", "doubtful")):
        group = [s for s in sources if s.label == label]
        order = np.random.default_rng([args.seed, salt]).permutation(len(group))
        n_train = round(share.get(label, 0.0) * len(group))
        for rank, i in enumerate(order):
            src = group[i]
            if label == "doubtful":
                dst = doubtful / "doubtful" / f"{src.stem}{src.image.suffix}"
                ratings[RATINGS[src.stem[:3]]] += 1
            else:
                split = "train" if rank < n_train else "test"
                dst = parts / split / label.upper() / f"{src.stem}{src.image.suffix}"
                prep.parts[split][label] += 1
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src.image, dst)
    return prep, doubtful, ratings


def doubtful_sources(root: Path) -> list[Source]:
    """The doubtful cells, named ``r33_<file>`` or ``r67_<file>`` after their rating in labels.csv."""
    rating: dict[str, str] = {}
    for line in (root / "labels.csv").read_text(encoding="utf-8").splitlines()[1:]:
        name, _, prob = line.partition(",")
        if name.startswith("doubtful/"):
            rating[Path(name).name] = "r33" if float(prob) < 0.5 else "r67"
    return [
        Source(f"{rating[p.name]}_{p.stem}", p, None, "doubtful")
        for p in sorted((root / "doubtful").glob("*.png"))
        if p.name in rating
    ]


def run_info(project: Path, run_id: str) -> dict[str, Any]:
    """How the run placed its threshold and how long its phases took (its metrics.json)."""
    m = json.loads((project / "runs" / run_id / "metrics.json").read_text(encoding="utf-8"))
    phases = {p["phase"]: p["end"] - p["start"] for p in m.get("time", {}).get("phases", [])}
    events = (project / "runs" / run_id / "events.jsonl").read_text(encoding="utf-8")
    fitted = re.search(r"fitting \S+ on (\d+) good images", events)
    return {"threshold": m.get("threshold"), "phases_s": phases, "time_s": m.get("time_s"),
            "n_fit": int(fitted.group(1)) if fitted else None}  # fmt: skip


def ours_elpv(prep: Prepared, doubtful: Path, project: Path, seed: int) -> dict[str, Any]:
    """run_ours (new, import, split, train, evaluate), then the doubtful cells through predict."""
    start = time.monotonic()
    row = run_ours(prep, project, None, seed)
    row = finish_row(row, project, row["run_id"], time.monotonic() - start)
    log = project.parent / "workbench-cli.log"
    if any(doubtful.rglob("*.png")):
        cli(["import", str(project), str(doubtful), "--json"], log)
        index, _ = cli(["predict", str(project), "--run", row["run_id"], "--split", "none", "--json"], log)
        entries = index["samples"].values()
        row["doubtful"] = tally_doubtful((e["name"], e["verdict"]) for e in entries)
    return row


def ours_sample(project: Path, seed: int, small: bool) -> dict[str, Any]:
    """``workbench sample`` -> ``train --task anomaly --preset fast`` -> ``evaluate``."""
    log = project.parent / "workbench-cli.log"
    if project.exists():
        shutil.rmtree(project)
    summary, _ = cli(
        ["sample", str(project), "--seed", str(seed), "--json"] + (["--small"] if small else []), log
    )
    train = ["train", str(project), "--task", "anomaly", "--preset", "fast", "--seed", str(seed), "--json"]
    result, train_s = cli(train, log)
    if result.get("status") != "completed" or not result.get("run_id"):
        raise RuntimeError(f"training did not complete: {result.get('error') or result.get('status')}")
    evaluation, eval_s = cli(["evaluate", str(project), "--run", result["run_id"], "--json"], log)
    metrics = json.loads((Path(evaluation["dir"]) / "metrics.json").read_text(encoding="utf-8"))
    row = {**metric_row(metrics, "anomaly", train_s, eval_s), "run_id": result["run_id"],
           "eval_id": evaluation["eval_id"], "per_split": summary.get("per_split"), "notes": []}  # fmt: skip
    return finish_row(row, project, result["run_id"], None)


def finish_row(row: dict[str, Any], project: Path, run_id: str, wall_s: float | None) -> dict[str, Any]:
    """Seconds and ms per image from the minutes real_data's rows hold, and the run's own record."""
    info = run_info(project, run_id)
    n_test = sum(v for v in (row["escapes"][1], row["overkills"][1]) if v)
    row.update(info, train_s=row["train_min"] * 60, fit_s=info["phases_s"].get("fit"))
    row["ms_per_image"] = row["eval_min"] * 60e3 / n_test if n_test else None
    if wall_s is not None:
        row["verbs_wall_s"] = wall_s
    return row


def tally_doubtful(named: Any) -> dict[str, dict[str, int]]:
    """Verdict counts per expert rating from (sample name, verdict) pairs."""
    out: dict[str, dict[str, int]] = {}
    for name, verdict in named:
        found = re.search(r"\b(r33|r67)_", name)
        if found:
            counts = out.setdefault(RATINGS[found.group(1)], {"OK": 0, "NG": 0, "GRAY": 0})
            counts[verdict] = counts.get(verdict, 0) + 1
    return out


def run_baseline(project: Path, seed: int) -> dict[str, Any]:
    """bench/plain_patchcore.py on the project's splits: fit, threshold, test, doubtful."""
    from plain_patchcore import PlainPatchCore

    from workbench.core.metrics_image import image_metrics
    from workbench.core.project import Project
    from workbench.learn.device import cpu_speedups, pick_device

    cpu_speedups()
    with Project.open(project, readonly=True, lock=False) as proj:
        samples = proj.samples()
        by = {(lab, sp): [s for s in samples if s.label == lab and s.split == sp]
              for lab in ("ok", "ng") for sp in ("train", "val", "test")}  # fmt: skip
        fit, held_ok = by["ok", "train"], by["ok", "val"]
        if not held_ok and len(fit) >= 5:  # as the workbench's anomaly_threshold.hold_out_good
            fit, held_ok = [s for i, s in enumerate(fit) if i % 5 != 4], fit[4::5]
        held_ng = by["ng", "train"] + by["ng", "val"]
        doubtful = [s for s in samples if s.label == "doubtful"]
        first = proj.read_image(fit[0], channel=None)
        model = PlainPatchCore(1 if first.ndim == 2 else first.shape[2], seed, str(pick_device("auto")))
        fit_info = model.fit(proj.read_image(s, channel=None) for s in fit)
        fit_s = fit_info["features_s"] + fit_info["coreset_s"]
        start = time.monotonic()
        ng_scores = [model.score(proj.read_image(s, channel=None)) for s in held_ng]
        ok_scores = [] if ng_scores else [model.score(proj.read_image(s, channel=None)) for s in held_ok]
        place_s = time.monotonic() - start
        if ng_scores:
            threshold, placed = min(ng_scores), f"zero escape on {len(ng_scores)} held-out NG images"
        else:
            threshold = float(np.quantile(ok_scores, OK_QUANTILE))
            placed = f"{OK_QUANTILE:.0%} quantile of {len(ok_scores)} held-out good images (no NG image)"
        test = by["ok", "test"] + by["ng", "test"]
        start = time.monotonic()
        scores = [model.score(proj.read_image(s, channel=None)) for s in test]
        eval_s = time.monotonic() - start
        doubtful_scores = [(s.name, model.score(proj.read_image(s, channel=None))) for s in doubtful]
    verdicts = ["NG" if v >= threshold else "OK" for v in scores]
    metrics = image_metrics([s.label for s in test], scores, verdicts)
    row = metric_row(metrics, "anomaly", fit_s + place_s, eval_s)
    row.update(fit_s=fit_s, train_s=fit_s + place_s, ms_per_image=eval_s * 1e3 / max(1, len(test)))
    row.update(threshold={"value": threshold, "placed_by": placed}, fit=fit_info, weights=model.weights,
               n_fit=len(fit), held_out_ng=len(held_ng), held_out_ok=len(held_ok))  # fmt: skip
    if doubtful_scores:
        row["doubtful"] = tally_doubtful((n, "NG" if v >= threshold else "OK") for n, v in doubtful_scores)
    return row


def print_table(name: str, entry: dict[str, Any]) -> None:
    parts = entry.get("parts", {})
    shown = "  ".join(f"{s} {c.get('ng', 0)} NG / {c.get('ok', 0)} OK" for s, c in parts.items() if c)
    outside = sum(c.get("ng", 0) for s, c in parts.items() if s != "test")
    print(f"\n{name}: parts {shown or '(see notes)'}; {outside} labelled NG images outside the test split")
    if entry.get("doubtful_ratings"):
        rated = ", ".join(f"{n} rated {r}" for r, n in sorted(entry["doubtful_ratings"].items()))
        print(f"{'':10}doubtful cells, no split, reported apart: {rated}")
    print(f"{'':10}" + "".join(f"{h:>15}" for _, h, _ in COLUMNS))
    for label, key, is_ratio in (("ours", "ours", False), ("baseline", "baseline", False),
                                 ("ours/base", "ratio", True)):  # fmt: skip
        row = entry.get(key)
        print(f"{label:10}" + "".join(f"{_cell(row, k, f, is_ratio):>15}" for k, _, f in COLUMNS))
    print(f"{'':10}(ours/base below 1 is better for ovk@0esc, escapes, overkill, seconds and ms)")
    for line in entry_notes(entry):
        print(f"  note: {line}")


def entry_notes(entry: dict[str, Any]) -> list[str]:
    """How each side placed its threshold, the doubtful cells, gray parts, errors."""
    notes = list(entry.get("errors", []))
    ours, base = entry.get("ours") or {}, entry.get("baseline") or {}
    t = ours.get("threshold") or {}
    if t:
        notes.append(f"ours: threshold {t.get('value')} placed by {t.get('placed_by')} on "
                     f"{t.get('ng_images')} NG images outside the test split ({t.get('ng_from_train')} "
                     f"from train) and {t.get('good_images')} good ones the fit did not see; "
                     f"fitted on {ours.get('n_fit')} good images")  # fmt: skip
    if base:
        fit, placed = base["fit"], base["threshold"]
        notes.append(
            f"baseline: threshold {placed['value']:.4g} at the {placed['placed_by']}; fitted "
            f"on {base['n_fit']} good images, {fit['patches']} patches -> bank {fit['bank']}"
        )
        notes.append(f"baseline: {base['weights']}")
    for rating in sorted({r for side in (ours, base) for r in side.get("doubtful", {})}):
        said = [f"{side} " + _verdicts(row["doubtful"].get(rating)) for side, row in
                (("ours", ours), ("baseline", base)) if row.get("doubtful")]  # fmt: skip
        notes.append(f"doubtful cells rated {rating}: " + "; ".join(said))
    for side, row in (("ours", ours), ("baseline", base)):
        notes += [f"{side}: {n}" for n in row.get("notes", [])]
        if row.get("gray"):
            notes.append(f"{side}: {row['gray']} test part(s) in the gray zone (sent to review)")
    return notes


def _verdicts(counts: dict[str, int] | None) -> str:
    if not counts:
        return "-"
    total = sum(counts.values())
    gray = f", {counts['GRAY']} gray" if counts.get("GRAY") else ""
    return f"NG {counts.get('NG', 0)}/{total}{gray}"


def bench_set(name: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    entry: dict[str, Any] = {"errors": []}
    project = work / name / "project"
    try:
        if name == ELPV:
            prep, doubtful, ratings = prepare_elpv(args.datasets / ELPV, work / name / "data", args)
            entry.update(parts={k: dict(v) for k, v in prep.parts.items()}, sources=prep.sources,
                         doubtful_ratings=dict(ratings))  # fmt: skip
            entry["ours"] = ours_elpv(prep, doubtful, project, args.seed)
        else:
            entry["ours"] = ours_sample(project, args.seed, args.max_images is not None)
    except (RuntimeError, OSError, ValueError, KeyError) as exc:
        entry["errors"].append(f"ours: {exc}")
    if not project.is_dir():
        return entry
    try:
        entry["baseline"] = run_baseline(project, args.seed)
    except (RuntimeError, OSError, ValueError, KeyError) as exc:
        entry["errors"].append(f"baseline: {exc}")
    if "parts" not in entry:
        entry["parts"] = split_counts(project)
    if entry.get("ours") and entry.get("baseline"):
        entry["ratio"] = ratio_row(entry["ours"], entry["baseline"], COLUMNS)
    return entry


def split_counts(project: Path) -> dict[str, dict[str, int]]:
    from workbench.core.project import Project

    out: dict[str, Counter[str]] = {"train": Counter(), "val": Counter(), "test": Counter()}
    with Project.open(project, readonly=True, lock=False) as proj:
        for s in proj.samples():
            if s.split in out:
                out[s.split][s.label] += 1
    return {k: dict(v) for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS, help="folder holding elpv-mono")
    parser.add_argument("--only", default=",".join(NAMES), help=f"comma-separated, of {', '.join(NAMES)}")
    parser.add_argument("--work", type=Path, help="scratch folder, kept (default: a temp folder, removed)")
    parser.add_argument("--max-images", type=int, help="elpv: at most this many cells; sample: --small")
    parser.add_argument("--train-ok", type=float, default=0.7, help="elpv: share of OK/ in the train split")
    parser.add_argument("--train-ng", type=float, default=0.2, help="elpv: share of NG/ in the train split")
    parser.add_argument("--seed", type=int, default=0, help="splits, training and baseline seed")
    parser.add_argument("--json-out", type=Path, help="write everything as JSON here")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        parser.error(f"unknown set(s) {', '.join(unknown)}; known: {', '.join(NAMES)}")
    cpu = cpu_description()
    print(machine_line(cpu))
    report: dict[str, Any] = {"machine": cpu, "seed": args.seed, "max_images": args.max_images,
                              "train_ok": args.train_ok, "train_ng": args.train_ng, "sets": {}}  # fmt: skip
    return run_sets(names, args, report, "real-good-only-", bench_set, print_table,
                    lambda name: name != ELPV or (args.datasets / ELPV).is_dir())  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
