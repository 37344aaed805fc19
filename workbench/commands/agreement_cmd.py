"""`workbench agreement`: how far the project's labelers agree; which labels training uses."""

from __future__ import annotations

import argparse

from workbench.commands.common import open_project, print_json
from workbench.core.agreement import MERGED, MIN_IOU, AgreementReport, agreement, use_labels


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "agreement",
        help="labeler agreement (Cohen's kappa, mask IoU per class) and the samples they disagree on",
        description="Compare the labels of the project's labelers (recorded with `workbench import "
        "--labeler NAME` or the window's labeler setting): Cohen's kappa of the image labels per pair "
        "and their mean, the mean mask IoU per class, and the samples whose labelers disagree. "
        "--use makes one labeler's labels, or their merge, the labels training uses (merge: the label "
        "most labelers gave, a tie is doubtful; a mask pixel takes the class more than half of the "
        "masks give it).",
    )
    p.add_argument("dir", help="project folder")
    p.add_argument("--min-iou", type=float, default=MIN_IOU,
                   help=f"masks with a class IoU below this disagree (default {MIN_IOU})")  # fmt: skip
    p.add_argument(
        "--use", metavar="NAME", help=f"set the labels training uses from labeler NAME or '{MERGED}'"
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_agreement)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def cmd_agreement(args: argparse.Namespace) -> int:
    changed = None
    with open_project(args.dir, readonly=args.use is None) as project:
        if args.use is not None:
            changed = use_labels(project, args.use)
        report = agreement(project, args.min_iou)
        labels_from = project.meta("labels_from") or None
    if args.json:
        out = report.to_dict() | {"labels_from": labels_from}
        if changed is not None:
            out["changed"] = changed
        print_json(out)
        return 0
    if changed is not None:
        print(f"labels training uses: {args.use} ({changed} sample(s) changed)")
    _print_report(report)
    return 0


def _print_report(report: AgreementReport) -> None:
    if len(report.labelers) < 2:
        print(f"labelers: {', '.join(report.labelers) or 'none'}; agreement needs two or more")
        return
    print(f"labelers: {', '.join(report.labelers)}; {len(report.samples)} sample(s) labelled by two or more")
    print(f"image labels: Cohen's kappa {_fmt(report.kappa)} (mean over pairs)")
    for pair, kappa in report.kappa_pairs.items():
        print(f"  {pair.replace('|', ' / ')}: {_fmt(kappa)}")
    print(f"masks: mean IoU {_fmt(report.mean_iou)}")
    for name, iou in report.iou_per_class.items():
        print(f"  {name}: {iou:.3f}")
    bad = report.disagreements
    print(f"disagreements: {len(bad)} (a class IoU below {report.min_iou:g} or different image labels)")
    for s in bad:
        labels = "  ".join(f"{k}={v}" for k, v in s.labels.items())
        ious = "  ".join(f"{k} IoU {v:.2f}" for k, v in s.iou.items())
        print(f"  {s.sample_id} {s.name}: {labels}  {ious}".rstrip())
