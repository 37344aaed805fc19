"""Planted label noise on a real set: what share of the flips does `workbench check-labels` rank on top?

A copy of a real set's project (never the original; nothing is written into the repository) gets a
known share of its train + val labels spoiled, then the label check runs through the CLI as a user
runs it, and the bench prints precision at the number of flips: the share of planted samples among
the first N samples of the review queue, N being the number planted (1.0: every flip on top), with
the CPU line first (a figure means nothing without the machine).

Spoiling (``--flip``):
- ``labels`` (default for elpv-mono): ``--share`` of the OK and of the NG images swap their label
  (an NG part made OK loses its mask, as a person who missed the defect would leave it);
- ``masks`` (default for crackforest and bsdata): ``--share`` of the NG images lose their whole
  mask (the label stays NG: the defect was never drawn).

The project comes from ``--project DIR`` (a prepared workbench project, e.g. one that
bench/real_data.py left in its ``--work`` folder; it is copied) or is made from the set in
``--datasets`` the way bench/real_data.py makes it (bench/real_sets.py parts, `workbench new`,
`import`, `split --lock-test`), in a scratch folder.

    .venv/bin/python bench/label_check.py elpv-mono [--share 0.05] [--folds 5] [--minutes 20]
    .venv/bin/python bench/label_check.py crackforest --flip masks --minutes 20
    .venv/bin/python bench/label_check.py elpv-mono --project /path/to/prepared/project
    # options: --seed N, --work DIR (kept), --max-images N, --json-out FILE

Smoke run (seconds, meaningless figures): ``--max-images 30 --minutes 0.5 --folds 2``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from real_data import DEFAULT_DATASETS, cli, cpu_description, machine_line
from real_sets import SETS, prepare

from workbench.core.label_check import check_samples, precision_at
from workbench.core.project import Project

DEFAULT_FLIP = {"crackforest": "masks", "bsdata": "masks", "elpv-mono": "labels"}


def make_project(name: str, datasets: Path, work: Path, seed: int, max_images: int | None) -> Path:
    """The set as bench/real_data.py imports it: parts, `workbench new`, `import`, `split --lock-test`."""
    info = SETS[name]
    prep = prepare(name, datasets / name, work / "parts", seed, max_images, 20)
    project, log = work / "project", work / "workbench-cli.log"
    cli(["new", str(project), "--task", info.task, "--class", info.defect_class], log)
    cli(["import", str(project), str(prep.folder), "--json"], log)
    cli(["split", str(project), "--lock-test", "--json"], log)
    return project


def spoil(project_dir: Path, mode: str, share: float, seed: int) -> list[int]:
    """Spoil ``share`` of the checked samples' labels or masks; returns the planted sample ids."""
    rng = np.random.default_rng(seed)
    planted: list[int] = []
    with Project.open(project_dir) as project:
        samples = check_samples(project.samples())
        if mode == "masks":
            ng = [s for s in samples if s.label == "ng" and s.has_mask]
            for i in sorted(rng.choice(len(ng), max(1, round(share * len(ng))), replace=False)):
                s = ng[int(i)]
                project.write_mask(s.id, np.zeros((s.height, s.width), np.uint8))
                planted.append(s.id)
            return planted
        for label, other in (("ok", "ng"), ("ng", "ok")):
            group = [s for s in samples if s.label == label]
            if not group:
                continue
            for i in sorted(rng.choice(len(group), max(1, round(share * len(group))), replace=False)):
                s = group[int(i)]
                if s.has_mask:
                    project.write_mask(s.id, np.zeros((s.height, s.width), np.uint8))
                project.update_samples([s.id], label=other)
                planted.append(s.id)
    return planted


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    source = args.project or make_project(args.set, args.datasets, work / "made", args.seed, args.max_images)
    project = work / "checked"
    if project.exists():
        shutil.rmtree(project)
    shutil.copytree(source, project, ignore=shutil.ignore_patterns(".lock", "cache", "label_checks"))
    mode = args.flip or DEFAULT_FLIP.get(args.set, "labels")
    planted = spoil(project, mode, args.share, args.seed)
    cmd = ["check-labels", str(project), "--folds", str(args.folds), "--seed", str(args.seed), "--json"]
    if args.minutes:
        cmd += ["--time-limit", f"{60 * args.minutes:g}"]
    result, wall = cli(cmd, work / "workbench-cli.log")
    queue = [int(i) for i in result["queue"]]
    n = len(planted)
    return {"set": args.set, "flip": mode, "share": args.share, "folds": args.folds,
            "checked": len(result["samples"]), "planted": n, "suspects": len(queue),
            "precision_at_n": precision_at(queue, planted),
            "precision_at_2n": precision_at(queue, planted, 2 * n),
            "found_anywhere": len(set(queue) & set(planted)) / n if n else None,
            "minutes": wall / 60, "check_dir": result["dir"]}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "set", choices=sorted(SETS), help="real set name (for --datasets and the default --flip)"
    )
    parser.add_argument("--project", type=Path, help="a prepared workbench project of the set to copy")
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS, help="folder holding the sets")
    parser.add_argument("--flip", choices=("labels", "masks"), help="what to spoil (default: by set)")
    parser.add_argument("--share", type=float, default=0.05, help="share of images spoiled (default 0.05)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--minutes", type=float, help="the whole check's limit (default: the CLI's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-images", type=int, help="at most this many source images (smoke runs)")
    parser.add_argument("--work", type=Path, help="scratch folder, kept (default: a temp folder, removed)")
    parser.add_argument("--json-out", type=Path, help="also write the result as JSON")
    args = parser.parse_args(argv)
    cpu = cpu_description()
    print(machine_line(cpu), flush=True)
    work = args.work or Path(tempfile.mkdtemp(prefix="label-check-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    try:
        row = run(args, work)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    row["cpu"] = cpu
    p_n, p_2n = row["precision_at_n"], row["precision_at_2n"]
    print(f"{row['set']}: {row['planted']} of {row['checked']} checked samples spoiled ({row['flip']}), "
          f"{row['suspects']} suspects; precision at {row['planted']}: {p_n:.2f}, at {2 * row['planted']}: "
          f"{p_2n:.2f}; {row['found_anywhere']:.0%} of the flips in the list; {row['minutes']:.1f} min "
          f"({(time.monotonic() - start) / 60:.1f} min in all)")  # fmt: skip
    if args.json_out:
        args.json_out.write_text(json.dumps(row, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
