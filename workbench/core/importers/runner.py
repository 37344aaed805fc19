"""Carry out an import plan: resumable, duplicate-aware, and one bad file never stops the rest.

Each sample is added in one transaction together with its ``import_items`` row, so after a
crash the rows say exactly what is in the project; a second run of the same import skips them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from workbench.core.cancel import CancelToken, Progress, no_progress
from workbench.core.errors import DiskFullError, ImportFormatError, MaskError, WorkbenchError, project_failure
from workbench.core.importers.base import (
    FLAG_MASK_SKIPPED,
    ImportReport,
    ImportStoppedError,
    Plan,
    PlannedItem,
    ReadMask,
)
from workbench.core.project import Project
from workbench.core.types import Sample

# Everything a damaged or unreadable source file can raise while it is read, decoded or checked.
# A handler passes it to ``_stop_on_project_failure`` first: when the project itself cannot be
# written (damaged, read-only, full disk), the import stops instead of skipping every file.
FILE_ERRORS = (WorkbenchError, OSError, ValueError, cv2.error)
IMPORT_SHARE = 0.9  # of the progress bar; the health scan takes the rest


def run_plan(
    project: Project,
    folder: Path,
    importer: str,
    plan: Plan,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    overwrite_masks: bool = False,
) -> ImportReport:
    """Import every planned item not done yet; return what happened (also on cancel).

    A full disk stops the import with :class:`ImportStoppedError` (its report says what came in);
    the file it failed on is not recorded, so running the import again retries it.

    Samples already in the project get masks the source has for them now (see :func:`mask_outcome`);
    masks drawn in the workbench are replaced only with ``overwrite_masks``, else reported as kept.
    """
    progress = progress or no_progress
    if not plan.items and not plan.skipped:
        raise ImportFormatError(f"no images found in {folder}")
    source = str(folder.resolve())
    import_id = project.begin_import(source, importer)
    report = ImportReport(importer=importer, source=source, import_id=import_id)
    done = project.import_items(import_id)
    for item, reason in plan.skipped:
        if item not in done:
            project.record_import_item(import_id, item, "skipped", reason)
    earlier_ids: list[int] = []
    total = max(len(plan.items), 1)
    for n, planned in enumerate(plan.items):
        if cancel is not None and cancel.cancelled:
            report.cancelled = True
            break
        progress(IMPORT_SHARE * n / total, planned.item)
        row = done.get(planned.item)
        if row is not None:
            if row["status"] != "skipped":
                report.resumed += 1
                if row["status"] == "imported" and row["sample_id"] is not None:
                    earlier_ids.append(int(row["sample_id"]))
            continue
        try:
            _import_one(project, import_id, planned, report, overwrite_masks)
        except DiskFullError as exc:
            report.stopped = str(exc)
            report.left = sum(p.item not in done for p in plan.items[n:])
            break
    report.skipped = [
        (item, row["reason"])
        for item, row in project.import_items(import_id).items()
        if row["status"] == "skipped"
    ]
    if report.cancelled:
        progress(1.0, "import cancelled; run it again to resume")
        return report
    if report.stopped:  # the import stays open: finishing it would need the full disk
        raise ImportStoppedError(report)
    project.finish_import(import_id, "completed" if report.succeeded else "failed")
    _scan_health(project, report, earlier_ids + report.sample_ids, progress)
    progress(
        1.0, f"imported {report.imported}, duplicates {report.duplicates}, skipped {len(report.skipped)}"
    )
    return report


def _import_one(
    project: Project, import_id: int, planned: PlannedItem, report: ImportReport, overwrite_masks: bool
) -> None:
    mask: np.ndarray | None = None
    thresholded = False
    flags: tuple[str, ...] = ()
    if planned.mask is not None:
        try:
            loaded = planned.mask.load(project)
            read = loaded if isinstance(loaded, ReadMask) else ReadMask(loaded)
            mask, thresholded = read.labels, read.thresholded
        except FILE_ERRORS as exc:
            _stop_on_project_failure(project, exc)
            project.record_import_item(import_id, planned.mask.item, "skipped", f"mask not used: {exc}")
            flags = (FLAG_MASK_SKIPPED,)
    try:
        try:
            sample, created = _add(project, import_id, planned, mask, flags)
        except MaskError as exc:  # the mask does not fit the image: import the image alone
            assert planned.mask is not None  # only a mask raises MaskError here
            project.record_import_item(import_id, planned.mask.item, "skipped", f"mask not used: {exc}")
            flags = (FLAG_MASK_SKIPPED,)
            thresholded = False
            mask = None
            sample, created = _add(project, import_id, planned, None, flags)
    except FILE_ERRORS as exc:
        _stop_on_project_failure(project, exc)
        project.record_import_item(import_id, planned.item, "skipped", str(exc))
        return
    if created and flags and sample.review != "needs_review":  # the refused mask needs a look
        project.update_samples([sample.id], review="needs_review")
    if project.labeler:  # the source is that labeler's work, whatever the active set keeps
        _keep_as_labelers(project, sample, planned.label, mask)
    if created:
        report.imported += 1
        report.sample_ids.append(sample.id)
        report.masks_thresholded += int(thresholded)
        return
    report.duplicates += 1
    if mask is None or planned.mask is None:
        return
    outcome = _update_mask(project, import_id, planned.mask.item, sample, mask, overwrite_masks)
    if outcome in ("attached", "updated", "overwritten"):
        report.masks_thresholded += int(thresholded)
    if outcome == "attached":
        report.masks_attached += 1
    elif outcome in ("updated", "overwritten"):
        report.masks_updated += 1
        report.masks_overwritten += int(outcome == "overwritten")
    elif outcome == "kept":
        report.masks_kept.append((planned.mask.item, sample.name))


MaskOutcome = Literal["attached", "updated", "overwritten", "kept", "unchanged"]


def mask_outcome(
    project: Project, import_id: int, sample: Sample, mask: np.ndarray, overwrite: bool
) -> MaskOutcome:
    """What importing ``mask`` again does to a sample already in the project.

    A sample without a mask that was never saved gets it (attached). A mask the workbench never
    changed since an import wrote it follows its source (updated). A mask drawn, changed or erased
    in the workbench is kept unless ``overwrite`` (then overwritten). The first of several source
    files with one content wins within one import; a mask empty in the source changes nothing.
    """
    origin = project.mask_origin(sample.id)
    if not mask.any() or (origin is not None and origin.import_id == import_id):
        return "unchanged"
    if not sample.has_mask and sample.mask_rev == 0:
        return "attached"
    if sample.has_mask and np.array_equal(project.read_mask(sample), mask):
        return "unchanged"
    if sample.has_mask and origin is not None and origin.mask_rev == sample.mask_rev:
        return "updated"
    return "overwritten" if overwrite else "kept"


def _update_mask(
    project: Project, import_id: int, item: str, sample: Sample, mask: np.ndarray, overwrite: bool
) -> MaskOutcome:
    """Attach, update or keep the mask of a sample imported before (see :func:`mask_outcome`).

    Masks added or fixed in the source after the first import, and masks an earlier import refused
    (the refusal says to fix the cause and import again), come in this way.
    """
    try:
        outcome = mask_outcome(project, import_id, sample, mask, overwrite)
        if outcome in ("kept", "unchanged"):
            return outcome
        project.write_mask(sample.id, mask, import_id=import_id)
    except FILE_ERRORS as exc:  # a mask that does not fit, or a project mask that cannot be read
        _stop_on_project_failure(project, exc)
        project.record_import_item(import_id, item, "skipped", f"mask not used: {exc}")
        return "unchanged"
    if FLAG_MASK_SKIPPED in sample.flags:
        project.set_flags(sample.id, remove=[FLAG_MASK_SKIPPED])
    if sample.label == "unlabeled":  # as for a new sample: drawn defects make it NG
        project.update_samples([sample.id], label="ng")
    elif sample.label == "ok" and sample.review != "needs_review":  # a defect on a good part: ask
        project.update_samples([sample.id], review="needs_review")
    return outcome


def _keep_as_labelers(project: Project, sample: Sample, label: str, mask: np.ndarray | None) -> None:
    has_defect = mask is not None and bool(mask.any())
    label = "ng" if label == "unlabeled" and has_defect else label
    if label != "unlabeled" or mask is not None:
        assert project.labeler is not None
        project.record_labeler(sample.id, project.labeler, label=label, mask=mask)


def _stop_on_project_failure(project: Project, exc: BaseException) -> None:
    """Raise the project-level error behind ``exc``, if it is one (see ``FILE_ERRORS``)."""
    failure = project_failure(exc, project.root)
    if failure is not None:
        raise failure from exc


def _add(
    project: Project, import_id: int, planned: PlannedItem, mask: np.ndarray | None, flags: tuple[str, ...]
) -> tuple[Sample, bool]:
    has_defect = mask is not None and bool(mask.any())
    label = "ng" if planned.label == "unlabeled" and has_defect else planned.label
    sample, created = project.add_sample(
        list(planned.files),
        name=planned.name,
        label=label,
        split=planned.split,
        tags=planned.tags,
        mask=mask if has_defect else None,
        flags=flags,
        source=str(planned.files[0]),
        import_ref=(import_id, planned.item),
    )
    if created and label == "ok" and has_defect:  # a defect drawn on a good part: a person decides
        project.update_samples([sample.id], review="needs_review")
    return sample, created


def _scan_health(project: Project, report: ImportReport, ids: list[int], progress: Progress) -> None:
    if not ids:
        return
    try:
        from workbench.core.health import scan_project
    except ImportError:  # health checks are optional for importing
        return
    report.health = dict(
        scan_project(project, ids, progress=lambda f, m: progress(IMPORT_SHARE + 0.1 * f, m))
    )
