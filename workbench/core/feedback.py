"""Close the loop: send an evaluation's mistakes, and new line images, back for review.

Mistakes of an evaluation (escapes, overkills, gray images) get tags and the review state
``needs_review``; images the runtime inspected on the line come in as unlabeled samples tagged
with the runtime's verdict, so a person labels them and the next training learns from them.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from workbench.core.errors import ProjectError, WorkbenchError
from workbench.core.importers.base import ImportReport
from workbench.core.project import Project

KINDS = ("escape", "overkill", "gray")
LINE_TAG = "line"
IMPORTER = "line-results"


def send_mistakes_to_review(project: Project, eval_id: str, kinds: Sequence[str] = KINDS) -> int:
    """Tag the evaluation's images of ``kinds`` (``escape`` ... + ``eval:<id>``), mark them for review."""
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ProjectError(f"unknown mistake kind(s) {', '.join(unknown)}; choose from {', '.join(KINDS)}")
    path = project.evaluation_dir(eval_id) / "results.json"
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProjectError(f"evaluation {eval_id!r}: cannot read {path}: {exc}") from exc
    present = {s.id for s in project.samples(ids=[int(r["sample_id"]) for r in rows])}
    count = 0
    for kind in kinds:
        ids = [int(r["sample_id"]) for r in rows if r["outcome"] == kind and int(r["sample_id"]) in present]
        if ids:
            # Samples deleted since the evaluation are skipped: nothing is left to review.
            count += project.update_samples(ids, add_tags=[kind, f"eval:{eval_id}"], review="needs_review")
    return count


def read_line_results(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Rows of a ``workbench-run predict`` results file (CSV or JSON), each with source and verdict."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
        if p.suffix.lower() == ".json":
            rows = json.loads(text)
        else:
            rows = list(csv.DictReader(text.splitlines()))
    except (OSError, ValueError) as exc:
        raise ProjectError(f"cannot read runtime results {p}: {exc}") from exc
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ProjectError(f"{p} is not a runtime results table (a list of rows)")
    for i, row in enumerate(rows):
        if not row.get("source") or not row.get("verdict"):
            raise ProjectError(f"{p}: row {i + 1} lacks 'source' or 'verdict'; is it a workbench-run result?")
    return rows


def _resolve(source: str, results: Path, images: dict[str, Path]) -> Path:
    """The image file of a result row: a given image with the same name, else the source path."""
    name = Path(source).name
    if name in images:
        return images[name]
    candidate = Path(source)
    return candidate if candidate.is_absolute() else results.parent / candidate


def collect_line_results(
    project: Project,
    results_path: str | os.PathLike[str],
    images: Iterable[str | os.PathLike[str]] = (),
) -> ImportReport:
    """Import the images of a runtime results file as unlabeled samples tagged for review.

    Tags: ``line`` and ``line:<verdict>`` (the runtime's OK / NG / GRAY). ``images`` (files)
    are matched to rows by file name when the results' paths are not valid here. Rows the
    runtime could not read (verdict ERROR) and missing files are skipped with a reason. The
    import is resumable: an interrupted collection of the same file continues where it stopped.
    """
    results = Path(results_path).resolve()
    rows = read_line_results(results)
    by_name = {Path(f).name: Path(f) for f in images}
    report = ImportReport(importer=IMPORTER, source=str(results))
    report.import_id = project.begin_import(str(results), IMPORTER)
    done = project.import_items(report.import_id)
    for row in rows:
        item, verdict = str(row["source"]), str(row["verdict"]).upper()
        if item in done and done[item]["status"] in ("imported", "duplicate"):
            report.resumed += 1
            continue
        if verdict == "ERROR":
            report.skipped.append((item, f"the runtime could not inspect it: {row.get('error', '')}"))
            continue
        _import_one(project, report, item, verdict, _resolve(item, results, by_name))
    project.finish_import(report.import_id)
    return report


def _import_one(project: Project, report: ImportReport, item: str, verdict: str, file: Path) -> None:
    if not file.is_file():
        report.skipped.append((item, f"image file {file} not found"))
        return
    tags = [LINE_TAG, f"{LINE_TAG}:{verdict}"]
    try:
        sample, created = project.add_sample(
            [file], label="unlabeled", tags=tags, source=f"line:{file.name}",
            import_ref=(report.import_id, item),
        )  # fmt: skip
    except WorkbenchError as exc:  # unreadable image, wrong size: skip it, keep the rest
        report.skipped.append((item, str(exc)))
        return
    if created:
        report.imported += 1
        report.sample_ids.append(sample.id)
        project.update_samples([sample.id], review="needs_review")
    else:
        report.duplicates += 1
