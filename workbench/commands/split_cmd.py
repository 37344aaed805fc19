"""`workbench split`: assign train/val/test, lock or unlock the test set, report leaks."""

from __future__ import annotations

import argparse
from typing import Any

from workbench.commands.common import ProgressBar, open_project, print_json
from workbench.core.splits import (
    DEFAULT_RATIOS,
    SplitLeak,
    assign_splits,
    find_split_leaks,
    lock_test,
    parse_ratios,
    split_counts,
    unlock_test,
)
from workbench.core.types import LABELS


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "split",
        help="assign train/val/test splits (stratified, seeded), lock the test set, find leaks",
        description="Give unassigned samples a split, stratified by label and defect class; "
        "near-duplicates stay together. A locked test set never changes.",
    )
    p.add_argument("dir", help="project folder")
    default = ",".join(f"{r:g}" for r in DEFAULT_RATIOS)
    p.add_argument("--ratios", default=default, help=f"train,val,test shares (default {default})")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same splits)")
    p.add_argument("--all", action="store_true", help="re-deal every sample (a locked test set stays)")
    lock = p.add_mutually_exclusive_group()
    lock.add_argument("--lock-test", action="store_true", help="lock the test split afterwards")
    lock.add_argument("--unlock-test", action="store_true", help="unlock the test split first")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_split)


def cmd_split(args: argparse.Namespace) -> int:
    ratios = parse_ratios(args.ratios)
    bar = ProgressBar("split", enabled=not args.json)
    with open_project(args.dir) as project:
        if args.unlock_test:
            unlock_test(project)
        result = assign_splits(project, ratios, seed=args.seed, only_unassigned=not args.all, progress=bar)
        if args.lock_test:
            lock_test(project)
        leaks = find_split_leaks(project)
        report: dict[str, Any] = {
            "assigned": result["assigned"],
            "kept_together": result["kept_together"],
            "test_locked": project.test_locked,
            "per_split": split_counts(project),
            "leaks": [_leak_json(lk) for lk in leaks],
        }
    if args.json:
        print_json(report)
    else:
        _print_report(report)
    return 0


def _leak_json(leak: SplitLeak) -> dict[str, Any]:
    a, b = leak.a, leak.b
    return {"a": a.name, "a_id": a.id, "a_split": a.split, "b": b.name, "b_id": b.id, "b_split": b.split,
            "similarity": round(leak.similarity, 4)}  # fmt: skip


def _print_report(report: dict[str, Any]) -> None:
    kept = report["kept_together"]
    print(f"assigned {report['assigned']} sample(s); {kept} near-duplicate group(s) kept in one split")
    print(f"{'split':<8}" + "".join(f"{label:>11}" for label in LABELS) + f"{'total':>9}")
    for split, per_label in report["per_split"].items():
        total = sum(per_label.values())
        if split == "none" and not total:
            continue
        locked = "  (locked)" if split == "test" and report["test_locked"] else ""
        print(f"{split:<8}" + "".join(f"{per_label[lab]:>11}" for lab in LABELS) + f"{total:>9}{locked}")
    leaks = report["leaks"]
    if not leaks:
        print("no near-duplicates across splits")
        return
    print(f"{len(leaks)} near-duplicate pair(s) across splits (flagged split_leak):")
    for lk in leaks:
        pair = f"{lk['a']} [{lk['a_split']}]  ~  {lk['b']} [{lk['b_split']}]"
        print(f"  {pair}  (similarity {lk['similarity']:.3f})")
