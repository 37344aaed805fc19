"""`workbench import` and `workbench export-dataset`."""

from __future__ import annotations

import argparse
import sys

from workbench.commands.common import ProgressBar, open_project, print_json
from workbench.core.exporters import EXPORTERS, ExportReport, export_dataset
from workbench.core.importers import AUTO, ImportReport, ImportStoppedError, import_dataset, importer_names
from workbench.core.types import SPLITS


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "import",
        help="import a dataset folder (OK/NG folders, MVTec AD, labelme) into a project",
        description="Copy images, labels and masks into the project. Bad files are reported and "
        "skipped; an interrupted import resumes when run again; images already present are not added twice.",
    )
    p.add_argument("dir", help="project folder")
    p.add_argument("source", help="dataset folder to import")
    p.add_argument("--format", default=AUTO, choices=[AUTO, *importer_names()],
                   help="dataset layout (default: detect it)")  # fmt: skip
    p.add_argument("--overwrite-masks", action="store_true",
                   help="replace masks drawn or changed in the workbench with the source's masks where they "
                   "differ (default: keep them and list them)")  # fmt: skip
    p.add_argument("--labeler", metavar="NAME",
                   help="keep the source's labels and masks also as labeler NAME's "
                   "(see `workbench agreement`)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "export-dataset",
        help="write the project's images, labels and masks as CSV + PNG or in the MVTec AD layout",
    )
    p.add_argument("dir", help="project folder")
    p.add_argument("out", help="new or empty folder to write into")
    p.add_argument("--format", required=True, choices=list(EXPORTERS), help="csv: CSV + PNG label maps")
    p.add_argument("--split", action="append", choices=[*SPLITS, "none"], metavar="SPLIT",
                   help="export only this split (repeatable; 'none' = no split); default: all")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_export)


def cmd_import(args: argparse.Namespace) -> int:
    bar = ProgressBar("import", enabled=not args.json)
    with open_project(args.dir) as project:
        try:
            project.set_labeler(args.labeler)
            report = import_dataset(
                project, args.source, args.format, progress=bar, overwrite_masks=args.overwrite_masks
            )
        except KeyboardInterrupt:
            print("import interrupted; run the same command again to resume it", file=sys.stderr)
            return 130
        except ImportStoppedError as exc:  # the report of what came in, then the one message
            report = exc.report
    if args.json:
        print_json(report.to_dict())
    else:
        _print_import(report)
    if report.stopped:
        print(f"error: {ImportStoppedError(report)}", file=sys.stderr)
        return 1
    return 0 if report.succeeded else 1


def _print_import(report: ImportReport) -> None:
    print(f"{report.source} ({report.importer}): imported {report.imported} new sample(s), "
          f"{report.duplicates} duplicate(s), {len(report.skipped)} file(s) skipped")  # fmt: skip
    if report.resumed:
        print(f"resumed an interrupted import: {report.resumed} item(s) were done before")
    if report.duplicates:
        print(f"masks of samples already in the project: {report.masks_attached} attached, "
              f"{report.masks_updated} updated, {len(report.masks_kept)} kept")  # fmt: skip
    for note in report.notes():
        print(f"note: {note}")
    if report.skipped:
        print("skipped:")
        for item, reason in report.skipped:
            print(f"  {item}: {reason}")
    if report.masks_kept:
        print("masks kept (drawn or changed in the workbench; --overwrite-masks replaces them):")
        for item, sample in report.masks_kept:
            print(f"  {item}: sample {sample}")
    flagged = {k: v for k, v in report.health.items() if v and k not in ("scanned", "unreadable")}
    if flagged:
        print("health flags: " + "  ".join(f"{k}={v}" for k, v in flagged.items()))
    if not report.succeeded and not report.stopped:
        print("nothing was imported", file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> int:
    bar = ProgressBar("export", enabled=not args.json)
    with open_project(args.dir, readonly=True) as project:
        report = export_dataset(project, args.out, args.format, args.split, progress=bar)
    if args.json:
        print_json(report.to_dict())
    else:
        _print_export(report)
    return 0


def _print_export(report: ExportReport) -> None:
    print(f"exported {report.samples} sample(s) ({report.images} image file(s), {report.masks} mask(s)) "
          f"as {report.format} to {report.out}")  # fmt: skip
    for name, reason in report.skipped:
        print(f"  left out {name}: {reason}")
