"""Real factory data on this PC: the user's path through the CLI against a plain baseline.

For each real set found in ``../shared/datasets`` (crackforest, bsdata, elpv-mono) the parts
are written with a fixed, seeded test split (bench/real_sets.py), then

- ours: ``workbench new`` -> ``import`` -> ``split --lock-test`` -> ``train --preset fast`` ->
  ``evaluate`` on the test split, each as a user runs it (a subprocess);
- baseline: bench/real_baseline.py (same backbone and ImageNet weights, same time budget).

It prints the CPU (or GPU) first, then per set image AUROC, overkill at zero escape, escapes
and overkill at the default decision (ours: the run's own thresholds; baseline: 0.5), pixel
Dice, train and evaluate minutes, and ours / baseline.

    .venv/bin/python bench/real_data.py [--only crackforest,bsdata] [--minutes M] [--json-out F]

Smoke run: ``--max-images 12 --minutes 0.3``. Sets missing from the datasets folder are skipped.

On a CPU with AVX-512, ``ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2`` in the environment
holds torch (both sides' training, and evaluation where it runs on torch) to the AVX2 kernels an
AVX2-only PC runs; onnxruntime and OpenVINO are not held. The CPU line printed first names them.

One seed is one split and one training of each side, and on these test sets the winner of a
measure can change with the seed (crackforest and bsdata did, sessions 16-20). Runs of several
seeds, each written with ``--json-out``, are read together with

    .venv/bin/python bench/real_data.py --combine seed0.json seed1.json seed2.json

which prints per set and seed the two measures the comparison is judged on (zero-escape overkill
and pixel Dice, ours / baseline), the gap between ours' own decision and its zero-escape point,
and over the seeds: how often ours is better, the means and the range of the paired differences.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from real_sets import SETS, Prepared, prepare

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS = REPO.parent / "shared" / "datasets"
CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8")
# (key in the row, header, format); rates print as %, counts as k/n.
COLUMNS = (("auroc", "AUROC", "{:.3f}"), ("overkill_at_zero_escape", "ovk@0esc", "{:.1%}"),
           ("escapes", "escapes", None), ("overkills", "overkill", None), ("dice", "Dice", "{:.3f}"),
           ("train_min", "train min", "{:.2f}"), ("eval_min", "eval min", "{:.2f}"))  # fmt: skip


def cpu_description() -> dict[str, Any]:
    """What a figure depends on: CPU model and vector features, cores, GPU name if torch sees one."""
    try:
        from workbench.runtime.cpu_info import cpu_info
    except ImportError:  # older checkouts lack it: read the flags here
        out = _proc_cpuinfo()
    else:
        info = cpu_info()
        out = {**info.to_dict(), "summary": info.summary()}
    try:
        import torch

        if torch.cuda.is_available():
            out["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return out


def _proc_cpuinfo() -> dict[str, Any]:
    path = Path("/proc/cpuinfo")
    text = path.read_text(errors="ignore") if path.is_file() else ""
    model = next((ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("model name")), "")
    flags = set(text.split())
    features = [f for f in CPU_FLAGS if f in flags]
    model = model or platform.processor() or platform.machine()
    summary = f"CPU: {model} ({os.cpu_count()} CPUs) | {', '.join(features) or 'no AVX2'}"
    return {"model": model, "cpus": os.cpu_count(), "features": features, "summary": summary}


def machine_line(cpu: dict[str, Any]) -> str:
    return cpu["summary"] + (f" | GPU: {cpu['gpu']}" if cpu.get("gpu") else "")


def workbench_cmd() -> list[str]:
    """The ``workbench`` command installed beside this interpreter (the user's entry point)."""
    beside = Path(sys.executable).with_name("workbench")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("workbench")
    return (
        [found]
        if found
        else [sys.executable, "-c", "import sys; from workbench.cli import main; sys.exit(main())"]
    )


def cli(args: list[str], log: Path) -> tuple[Any, float]:
    """Run one ``workbench`` verb; return its JSON (when it prints JSON) and wall seconds."""
    start = time.monotonic()
    proc = subprocess.run([*workbench_cmd(), *args], capture_output=True, text=True)
    wall = time.monotonic() - start
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"$ workbench {' '.join(args)}\n[exit {proc.returncode}, {wall:.1f} s]\n")
        fh.write(f"{proc.stdout}\n{proc.stderr}\n")
    if proc.returncode != 0:
        last = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-3:]
        raise RuntimeError(f"`workbench {args[0]}` exited {proc.returncode}: {' | '.join(last)} (log: {log})")
    try:
        return json.loads(proc.stdout), wall
    except ValueError:
        return None, wall


def run_ours(
    prep: Prepared, project: Path, seconds: float | None, seed: int, train_args: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The user's path through the CLI (``train_args`` added to ``workbench train``); returns the
    test-split metrics and wall times."""
    info, log = prep.info, project.parent / "workbench-cli.log"
    if project.exists():
        shutil.rmtree(project)
    cli(["new", str(project), "--task", info.task, "--class", info.defect_class], log)
    report, _ = cli(["import", str(project), str(prep.folder), "--json"], log)
    notes = [f"import skipped {s['item']}: {s['reason']}" for s in report.get("skipped", [])]
    written = sum(sum(c.values()) for c in prep.parts.values())
    if report.get("imported") != written:
        notes.append(f"wrote {written} parts, import took in {report.get('imported')} "
                     f"({report.get('duplicates')} counted as duplicates)")  # fmt: skip
    if report.get("importer") != "folder":
        notes.append(f"import auto-detected the {report.get('importer')!r} format, not 'folder'")
    split, _ = cli(["split", str(project), "--lock-test", "--json"], log)
    notes += _split_mismatch(prep, split)
    train = ["train", str(project), "--preset", "fast", "--seed", str(seed), "--json", *train_args]
    result, train_s = cli(train + (["--time-limit", f"{seconds:g}"] if seconds else []), log)
    run_id = result.get("run_id")
    if result.get("status") != "completed" or not run_id:
        raise RuntimeError(f"training did not complete: {result.get('error') or result.get('status')}")
    try:
        evaluation, eval_s = cli(["evaluate", str(project), "--run", run_id, "--json"], log)
    except RuntimeError as exc:
        # Still measure the trained model on the locked test split, through another verb.
        notes.append(f"{exc}; image metrics from `workbench predict --split test` instead")
        index, eval_s = cli(["predict", str(project), "--run", run_id, "--split", "test", "--json"], log)
        row = metric_row(metrics_from_index(index), info.task, train_s, eval_s)
        return {**row, "run_id": run_id, "metrics_from": "predict", "notes": notes}
    metrics = json.loads((Path(evaluation["dir"]) / "metrics.json").read_text(encoding="utf-8"))
    row = metric_row(metrics, info.task, train_s, eval_s)
    return {**row, "run_id": run_id, "metrics_from": "evaluate", "eval_id": evaluation["eval_id"],
            "report": evaluation["report"], "notes": notes}  # fmt: skip


def metrics_from_index(index: dict[str, Any]) -> dict[str, Any]:
    """Image metrics (the workbench's definitions) from `workbench predict` scores and verdicts;
    the label is in the part's folder name (``test/NG/...`` or ``test/OK/...``)."""
    from workbench.core.metrics_image import image_metrics

    entries = list(index["samples"].values())
    labels = ["ng" if "NG" in e["name"].split("/")[:-1] else "ok" for e in entries]
    return image_metrics(labels, [e["score"] for e in entries], [e["verdict"] for e in entries])


def _split_mismatch(prep: Prepared, split: dict[str, Any]) -> list[str]:
    """The project's splits must be the ones written (a re-deal would break the fixed test set)."""
    notes = []
    for name, counts in prep.parts.items():
        got = split["per_split"].get(name, {})
        if any(got.get(label, 0) != n for label, n in counts.items()):
            notes.append(f"split {name}: wrote {dict(counts)}, project has {got}")
    if split["per_split"].get("none") and any(split["per_split"]["none"].values()):
        notes.append(f"samples without a split: {split['per_split']['none']}")
    if split.get("leaks"):
        notes.append(
            f"{len(split['leaks'])} near-duplicate pair(s) across splits reported by `workbench split`"
        )
    return notes


def run_baseline(prep: Prepared, seconds: float, seed: int, out: Path) -> dict[str, Any]:
    script = Path(__file__).with_name("real_baseline.py")
    cmd = [sys.executable, str(script), str(prep.folder), "--task", prep.info.task,
           "--seconds", f"{seconds:g}", "--seed", str(seed), "--json-out", str(out)]  # fmt: skip
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(f"baseline exited {proc.returncode}: {proc.stderr.strip()[-600:]}")
    result = json.loads(out.read_text(encoding="utf-8"))
    row = metric_row(result["metrics"], prep.info.task, result["train_s"], result["eval_s"])
    keep = ("steps", "planned_steps", "crop", "batch", "device", "autocast", "n_fit")
    return {**row, **{k: result[k] for k in keep}, "process_wall_min": wall / 60}


def metric_row(m: dict[str, Any], task: str, train_s: float, eval_s: float) -> dict[str, Any]:
    """The table's numbers from a flat metrics dict (the workbench's key names)."""
    return {
        "auroc": m.get("image.auroc"),
        "overkill_at_zero_escape": m.get("image.overkill_at_zero_escape"),
        "escapes": [m.get("image.escapes"), m.get("image.n_ng")],
        "overkills": [m.get("image.overkills"), m.get("image.n_ok")],
        "gray": m.get("image.n_gray"),  # parts sent to a person: neither escape nor overkill
        "dice": m.get("pixel.dice") if task == "segmentation" else None,
        "train_min": train_s / 60,
        "eval_min": eval_s / 60,
    }


def _value(row: dict[str, Any], key: str) -> float | None:
    v = row.get(key)
    if isinstance(v, list):
        return v[0] / v[1] if v[0] is not None and v[1] else None
    return v


def ratio_row(
    ours: dict[str, Any], base: dict[str, Any], columns: tuple[tuple[str, str, str | None], ...] = COLUMNS
) -> dict[str, float | None]:
    """ours / baseline per column (None where either is missing or the baseline is 0)."""
    out = {}
    for key, _, _ in columns:
        a, b = _value(ours, key), _value(base, key)
        out[key] = a / b if a is not None and b else None
    return out


def _cell(row: dict[str, Any] | None, key: str, fmt: str | None, ratio: bool) -> str:
    if row is None:
        return "-"
    v = row.get(key)
    if ratio:
        return "-" if v is None else f"{v:.2f}x"
    if isinstance(v, list):
        return "-" if v[0] is None or not v[1] else f"{v[0]}/{v[1]} {v[0] / v[1]:.0%}"
    return "-" if v is None or fmt is None else fmt.format(v)


def print_table(name: str, entry: dict[str, Any]) -> None:
    data = entry.get("data", {})
    parts = data.get("parts", {})
    shown = "  ".join(f"{s} {c.get('ng', 0)} NG / {c.get('ok', 0)} OK" for s, c in parts.items())
    edge = f" ({data['edge_pieces']} of them at a piece's edge)" if data.get("edge_pieces") else ""
    print(f"\n{name}: {sum(data.get('sources', {}).values())} source images; parts {shown}; "
          f"{data.get('ambiguous_pieces', 0)} ambiguous pieces left out{edge}")  # fmt: skip
    print(f"{'':10}" + "".join(f"{h:>16}" for _, h, _ in COLUMNS))
    for label, key, is_ratio in (("ours", "ours", False), ("baseline", "baseline", False),
                                 ("ours/base", "ratio", True)):  # fmt: skip
        row = entry.get(key)
        if key == "ours" and row and row.get("metrics_from") == "predict":
            label = "ours*"  # the note below says why
        print(f"{label:10}" + "".join(f"{_cell(row, k, f, is_ratio):>16}" for k, _, f in COLUMNS))
    print(f"{'':10}(ours/base below 1 is better for ovk@0esc, escapes, overkill and minutes)")
    gap = own_decision_gap(entry.get("ours"))
    if gap is not None:
        print(f"{'':10}ours' own decision: overkill {gap['overkill']:.1%} against {gap['at_zero']:.1%} at "
              f"the zero-escape point ({gap['points']:+.1f} points), {gap['escapes']} escapes")  # fmt: skip
    notes = entry.get("errors", []) + (entry.get("ours") or {}).get("notes", [])
    for side in ("ours", "baseline"):
        if (entry.get(side) or {}).get("gray"):
            notes.append(f"{side}: {entry[side]['gray']} test part(s) in the gray zone (sent to review)")
    for note in notes:
        print(f"  note: {note}")


def own_decision_gap(ours: dict[str, Any] | None) -> dict[str, Any] | None:
    """Ours' test overkill at its own thresholds against its overkill at the zero-escape point."""
    if not ours:
        return None
    overkill, at_zero = _value(ours, "overkills"), ours.get("overkill_at_zero_escape")
    escapes = ours.get("escapes")
    if overkill is None or at_zero is None:
        return None
    return {"overkill": overkill, "at_zero": at_zero, "points": 100 * (overkill - at_zero),
            "escapes": escapes[0] if isinstance(escapes, list) else None}  # fmt: skip


# The measures a set is compared on over seeds: (key, header, format, lower is better).
JUDGED = (("overkill_at_zero_escape", "ovk@0esc", "{:.1%}", True), ("dice", "Dice", "{:.3f}", False))


def combine(reports: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Per set, one row per report that measured both sides on it: seed, CPU line, both rows."""
    out: dict[str, list[dict[str, Any]]] = {}
    for report in reports:
        for name, entry in report.get("sets", {}).items():
            if entry.get("ours") and entry.get("baseline"):
                edge = report.get("edge_margin") or 0  # a different set of parts: said beside the seed
                out.setdefault(name, []).append({
                    "seed": f"{report.get('seed')}" + (f" edge {edge}" if edge else ""),
                    "cpu": (report.get("machine") or {}).get("summary", "?"),
                    "ours": entry["ours"], "baseline": entry["baseline"],
                })  # fmt: skip
    return out


def better(ours: float | None, base: float | None, lower_is_better: bool) -> bool | None:
    if ours is None or base is None:
        return None
    return ours < base if lower_is_better else ours > base


def print_combined(per_set: dict[str, list[dict[str, Any]]]) -> None:
    cpus = sorted({r["cpu"] for rows in per_set.values() for r in rows})
    for i, cpu in enumerate(cpus):
        print(f"[{i + 1}] {cpu}")
    for name, rows in per_set.items():
        print(f"\n{name}: {len(rows)} run(s), ours / baseline")
        seeds = [r["seed"] for r in rows]
        for seed in sorted({x for x in seeds if seeds.count(x) > 1}, key=str):
            print(
                f"  note: seed {seed} appears {seeds.count(seed)} times "
                "(the same split; not independent runs)"
            )
        print(f"{'seed':>10}" + "".join(f"{h + ' ours / base':>28}" for _, h, _, _ in JUDGED)
              + f"{'own decision vs zero-escape':>34}  CPU")  # fmt: skip
        for r in rows:
            cells = []
            for key, _, fmt, low in JUDGED:
                a, b = r["ours"].get(key), r["baseline"].get(key)
                word = {True: "better", False: "worse", None: ""}[better(a, b, low)]
                shown = "-" if a is None or b is None else f"{fmt.format(a)} / {fmt.format(b)}"
                cells.append(f"{shown + ' ' + word:>28}")
            gap = own_decision_gap(r["ours"])
            own = "-" if gap is None else f"{gap['points']:+.1f} points, {gap['escapes']} escapes"
            print(f"{r['seed']:>10}" + "".join(cells) + f"{own:>34}  [{cpus.index(r['cpu']) + 1}]")
        for key, header, fmt, low in JUDGED:
            pairs = [(r["ours"].get(key), r["baseline"].get(key)) for r in rows]
            pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
            if not pairs:
                continue
            wins = sum(bool(better(a, b, low)) for a, b in pairs)
            diffs = [a - b for a, b in pairs]
            mean_a, mean_b = (sum(x) / len(pairs) for x in zip(*pairs))
            spread = f"{fmt.format(min(diffs))} to {fmt.format(max(diffs))}"
            print(f"  {header}: ours better in {wins} of {len(pairs)}; mean {fmt.format(mean_a)} / "
                  f"{fmt.format(mean_b)}; ours - base from {spread}")  # fmt: skip
        gaps = [g for g in (own_decision_gap(r["ours"]) for r in rows) if g is not None]
        if gaps:
            near = sum(abs(g["points"]) <= 10 for g in gaps)
            print(f"  own decision within 10 points of the zero-escape overkill in {near} of {len(gaps)}")


def budget(task: str, minutes: float | None) -> float:
    from workbench.learn.presets import resolve_config

    if minutes is not None:
        return minutes * 60
    return float(resolve_config(task, "fast").time_limit or 0.0)


def bench_set(name: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    entry: dict[str, Any] = {"errors": []}
    try:
        prep = prepare(name, args.datasets / name, work / name / "parts", args.seed, args.max_images,
                       args.min_defect_px, args.edge_margin)  # fmt: skip
    except (OSError, ValueError, KeyError) as exc:  # a damaged or partial copy of the set
        entry["errors"].append(f"preparing the parts failed: {exc}")
        return entry
    entry["data"] = prep.to_dict()
    seconds = budget(prep.info.task, args.minutes)
    entry["budget_s"] = seconds
    if not args.skip_ours:
        try:
            entry["ours"] = run_ours(
                prep, work / name / "project", seconds if args.minutes else None, args.seed
            )
        except (RuntimeError, OSError, ValueError, KeyError) as exc:
            entry["errors"].append(f"ours: {exc}")
    if not args.skip_baseline:
        try:
            entry["baseline"] = run_baseline(prep, seconds, args.seed, work / name / "baseline.json")
        except (RuntimeError, OSError, ValueError, KeyError) as exc:
            entry["errors"].append(f"baseline: {exc}")
    if entry.get("ours") and entry.get("baseline"):
        entry["ratio"] = ratio_row(entry["ours"], entry["baseline"])
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS, help="folder holding the sets")
    parser.add_argument("--only", default=",".join(SETS), help="comma-separated set names")
    parser.add_argument("--minutes", type=float, help="training budget for both (default: the fast preset's)")
    parser.add_argument("--work", type=Path, help="scratch folder, kept (default: a temp folder, removed)")
    parser.add_argument("--max-images", type=int, help="at most this many source images per set (smoke runs)")
    parser.add_argument("--min-defect-px", type=int, default=20, help="defect pixels that make a piece NG")
    edge_help = ("also leave out pieces whose defect lies only within PX of their border, and good pieces "
                 "with a defect within PX outside (bench/real_sets.py; default 0: off)")  # fmt: skip
    parser.add_argument("--edge-margin", type=int, default=0, metavar="PX", help=edge_help)
    parser.add_argument("--seed", type=int, default=0, help="splits, training and baseline seed")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-ours", action="store_true")
    parser.add_argument("--json-out", type=Path, help="write the tables as JSON here")
    combine_help = "compare reports written by --json-out (e.g. one per seed); runs nothing"
    parser.add_argument("--combine", type=Path, nargs="+", metavar="JSON", help=combine_help)
    args = parser.parse_args(argv)
    if args.combine:
        try:
            reports = [json.loads(p.read_text(encoding="utf-8")) for p in args.combine]
        except (OSError, ValueError) as exc:
            parser.error(f"cannot read a report: {exc}")
        per_set = combine(reports)
        if not per_set:
            parser.error("no set in these reports was measured on both sides")
        print_combined(per_set)
        return 0
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in SETS]
    if unknown:
        parser.error(f"unknown set(s) {', '.join(unknown)}; known: {', '.join(SETS)}")
    cpu = cpu_description()
    print(machine_line(cpu))
    report: dict[str, Any] = {"machine": cpu, "seed": args.seed, "max_images": args.max_images,
                              "edge_margin": args.edge_margin, "sets": {}}  # fmt: skip
    return run_sets(names, args, report, "real-data-", bench_set, print_table,
                    lambda name: (args.datasets / name).is_dir())  # fmt: skip


def run_sets(
    names: list[str], args: argparse.Namespace, report: dict[str, Any], prefix: str,
    bench_one: Callable[[str, argparse.Namespace, Path], dict[str, Any]],
    print_one: Callable[[str, dict[str, Any]], None], found: Callable[[str], bool],
) -> int:  # fmt: skip
    """Bench each set of ``names`` that is ``found`` into ``report["sets"]``, print its table and
    rewrite ``--json-out`` after each; the work folder is ``--work`` (kept) or a temp folder
    (removed). 0 when no set reported an error."""
    work = args.work or Path(tempfile.mkdtemp(prefix=prefix))
    try:
        for name in names:
            if not found(name):
                print(f"\n{name}: not found in {args.datasets}, skipped")
                continue
            print(f"\n{name}: running (work folder {work / name}) ...", flush=True)
            report["sets"][name] = entry = bench_one(name, args, work)
            print_one(name, entry)
            if args.json_out:
                args.json_out.write_text(json.dumps(report, indent=2, default=float), encoding="utf-8")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
            print(f"\n{work} removed; pass --work DIR to keep the parts, projects and CLI logs")
    return 0 if all(not e["errors"] for e in report["sets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
