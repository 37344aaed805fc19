"""`workbench sample`: generate the built-in synthetic inspection project."""

from __future__ import annotations

import argparse

from workbench.commands.common import ProgressBar, print_json
from workbench.core.samplegen import build_sample_project, load_recipe


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "sample",
        help="generate the synthetic sample project (surfaces, defects, masks, locked test split)",
        description="Generate, deterministically and in seconds, a synthetic inspection project: "
        "brushed metal, woven and circuit-board surfaces with scratch, spot, crack and missing-part "
        "defects (masks for every NG image), faint borderline defects, tiny defects on 2448x2048 "
        "images, a stratified split and a locked test split.",
    )
    p.add_argument("dir", help="folder for the new project (must not hold a project yet)")
    p.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same images")
    p.add_argument("--small", action="store_true", help="a quick ~32-sample variant (for tests)")
    p.add_argument("--recipe", metavar="FILE", help="a recipe JSON (see sample_projects/recipe.json)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_sample)


def cmd_sample(args: argparse.Namespace) -> int:
    recipe = load_recipe(args.recipe) if args.recipe else None
    bar = ProgressBar("sample", enabled=not args.json)
    summary = build_sample_project(
        args.dir, seed=args.seed, recipe=recipe, progress=bar, size="small" if args.small else "default"
    )
    if args.json:
        print_json(summary)
        return 0
    labels = "  ".join(f"{k}={v}" for k, v in summary["per_label"].items())
    splits = "  ".join(f"{k}={v}" for k, v in summary["per_split"].items())
    classes = "  ".join(f"{k}={v}" for k, v in summary["per_class"].items())
    print(f"created sample project {summary['name']!r} in {summary['path']} ({summary['seconds']} s)")
    print(f"samples: {summary['samples']}  {labels}  faint={summary['faint']}  large={summary['large']}")
    print(f"splits:  {splits} (test locked)")
    print(f"classes: {classes}")
    return 0
