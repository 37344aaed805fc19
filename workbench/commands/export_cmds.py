"""`workbench export`: a finished run -> verified `.wbx` bundle (ONNX / OpenVINO, FP16, INT8)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from workbench.commands.common import ProgressBar, print_json
from workbench.core.errors import WorkbenchError
from workbench.core.run_quality import (
    MAX_VAL_OVERKILL,
    MIN_IMAGE_AUROC,
    MIN_PIXEL_DICE,
    shortfalls,
    warning_text,
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("export", help="export a trained run to a deploy bundle (.wbx) with a parity check")
    p.add_argument("dir", help="project folder")
    p.add_argument("--run", required=True, help="run id (see `workbench runs`)")
    p.add_argument(
        "--format",
        default="onnx,openvino",
        help="comma list of onnx, openvino, fp16, int8 (default: onnx,openvino)",
    )
    p.add_argument("--out", help="bundle file (default: <project>/exports/<run>.wbx)")
    p.add_argument(
        "--val-images", type=int, default=16, help="validation images the golden images are chosen from"
    )
    p.add_argument("--golden", type=int, default=4, help="golden images stored in the bundle")
    p.add_argument(
        "--parity-tiles",
        type=int,
        default=16,
        help="tiles of the golden images the exported model is compared with the trained one on",
    )
    p.add_argument(
        "--int8-tolerance",
        type=float,
        default=0.02,
        help="largest accepted validation-accuracy drop of INT8 (fraction; default 0.02)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="export a run whose validation is far below usable (image AUROC under "
        f"{MIN_IMAGE_AUROC}, pixel Dice under {MIN_PIXEL_DICE}, or thresholds that reject "
        f"{MAX_VAL_OVERKILL:.0%}% or more of the good val parts); without it such a run is refused",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_export)


def check_usable(folder: str, run_id: str, force: bool) -> None:
    """Print the warning of a run far below usable; refuse it unless ``force``."""
    from workbench.core.project import Project

    with Project.open(folder, readonly=True) as project:
        run = project.run(run_id)
    found = shortfalls(run.metrics) if run.status == "completed" else []
    if not found:
        return
    print(f"warning: run {run_id} is {warning_text(found)}", file=sys.stderr)
    if not force:
        raise WorkbenchError(f"run {run_id} is far below usable; pass --force to export it anyway")


def check_out_writable(target: Path) -> None:
    """Refuse before minutes of export work when the bundle could not be written at the end."""
    folder = target.parent.expanduser().resolve()
    while not folder.exists():  # the writer makes missing folders: the first existing one decides
        folder = folder.parent
    if not os.access(folder, os.W_OK):
        raise WorkbenchError(
            f"the bundle cannot be written to {target} (no write permission on {folder}); "
            "pass --out with a folder you can write"
        )


def cmd_export(args: argparse.Namespace) -> int:
    from workbench.export.pipeline import ExportOptions, export_bundle, report_path
    from workbench.export.plain_report import LANGUAGES, language_from_env

    check_out_writable(Path(args.out) if args.out else Path(args.dir) / "exports" / f"{args.run}.wbx")
    check_usable(args.dir, args.run, args.force)
    options = ExportOptions(
        max_val_images=args.val_images,
        golden_images=args.golden,
        parity_tiles=args.parity_tiles,
        int8_tolerance=args.int8_tolerance,
    )
    bar = ProgressBar("export", enabled=not args.json)
    report = export_bundle(args.dir, args.run, args.out, args.format, progress=bar, options=options)
    if args.json:
        print_json(
            {
                "path": str(report.path),
                "variants": report.variants,
                "parity": report.parity,
                "int8": report.int8,
                "golden": report.golden,
                "notes": report.notes,
                "sentences": {lang: report.checks.sentences(lang) for lang in LANGUAGES},
                "checks": report.checks.to_dict(),
                "tiles": report.tiles,
                "report": str(report_path(report.path)),
            }
        )
    else:
        print(report.text(language_from_env()))
        print(f"report: {report_path(report.path)}")
    return 0
