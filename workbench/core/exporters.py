"""Dataset exporters: images + PNG label maps + CSV of labels, or the MVTec AD layout.

Every file is written atomically into a new (or empty) folder; the project is only read.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core import imageio
from workbench.core.atomic import atomic_copy, atomic_write_bytes, atomic_write_text
from workbench.core.cancel import CancelToken, Progress, no_progress
from workbench.core.errors import WorkbenchError
from workbench.core.project import Project
from workbench.core.types import SPLITS, Sample

CSV_COLUMNS = ("sample_id", "name", "label", "split", "classes", "tags", "review", "flags", "image_files",
               "mask_file")  # fmt: skip
LIST_SEP = ";"  # joins several values in one CSV cell
DEFAULT_CLASS = "defect"  # MVTec folder of NG samples that carry no class


class ExportError(WorkbenchError):
    """A dataset export cannot start (bad target folder, unknown format or split)."""


@dataclass
class ExportReport:
    """What an export wrote; ``skipped`` holds ``(sample name, reason)``."""

    format: str
    out: str
    samples: int = 0
    images: int = 0
    masks: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["skipped"] = [{"sample": name, "reason": reason} for name, reason in self.skipped]
        return out


def safe_name(name: str) -> str:
    """A file-name-safe version of a sample name (``train/good/000`` -> ``train_good_000``)."""
    cleaned = re.sub(r"[^\w.-]+", "_", name, flags=re.UNICODE).strip("._")
    return cleaned or "sample"


def file_names(samples: Sequence[Sample]) -> dict[int, str]:
    """One distinct safe file stem per sample (the sample id breaks ties)."""
    # Compared without case: Windows and macOS folders do not tell "A" from "a".
    counts = Counter(safe_name(s.name).lower() for s in samples)
    return {
        s.id: safe_name(s.name) + (f"_{s.id}" if counts[safe_name(s.name).lower()] > 1 else "")
        for s in samples
    }


def select_samples(project: Project, splits: Sequence[str] | None = None) -> list[Sample]:
    """All samples, or those in ``splits`` (``none`` = no split)."""
    if not splits:
        return project.samples()
    unknown = [s for s in splits if s not in (*SPLITS, "none")]
    if unknown:
        raise ExportError(f"unknown split(s) {', '.join(unknown)}; use {', '.join((*SPLITS, 'none'))}")
    return [s for s in project.samples() if (s.split or "none") in splits]


def _prepare_out(out: Path) -> Path:
    out = out.expanduser()
    if out.exists() and not out.is_dir():
        raise ExportError(f"export target {out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        raise ExportError(f"export target {out} is not empty; pick a new or empty folder")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _copy_channels(project: Project, sample: Sample, folder: Path, stem: str) -> list[Path]:
    """Copy a sample's stored channel files (bytes unchanged) as ``stem[_c<k>].<ext>``."""
    several = len(sample.channel_files) > 1
    written = []
    for ch in sample.channel_files:
        src = project.root / ch.file
        dst = folder / f"{stem}{f'_c{ch.idx}' if several else ''}{src.suffix.lower()}"
        atomic_copy(src, dst)
        written.append(dst)
    return written


def _write_png(path: Path, mask: np.ndarray) -> None:
    atomic_write_bytes(path, imageio.encode_image(mask, ".png"))


def _loop(
    samples: list[Sample],
    report: ExportReport,
    progress: Progress,
    cancel: CancelToken | None,
    each: Callable[[Sample], None],
) -> None:
    for n, sample in enumerate(samples):
        if cancel is not None and cancel.cancelled:
            report.cancelled = True
            return
        progress(n / max(len(samples), 1), sample.name)
        try:
            each(sample)
        except (WorkbenchError, OSError) as exc:  # a damaged project file: say so, go on
            report.skipped.append((sample.name, str(exc)))


def export_csv(
    project: Project,
    out: str | os.PathLike[str],
    splits: Sequence[str] | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportReport:
    """``images/``, ``masks/<name>.png`` (label maps), ``labels.csv`` and ``classes.csv`` in ``out``."""
    progress = progress or no_progress
    samples = select_samples(project, splits)
    root = _prepare_out(Path(out))
    report = ExportReport("csv", str(root))
    names = file_names(samples)
    class_names = {c.id: c.name for c in project.classes()}
    rows: list[list[str]] = []

    def one(s: Sample) -> None:
        images = _copy_channels(project, s, root / "images", names[s.id])
        mask_rel = ""
        if s.has_mask:
            mask_rel = f"masks/{names[s.id]}.png"
            _write_png(root / mask_rel, project.read_mask(s))
            report.masks += 1
        report.images += len(images)
        report.samples += 1
        files = [p.relative_to(root).as_posix() for p in images]
        rows.append(_csv_row(s, class_names, files, mask_rel))

    _loop(samples, report, progress, cancel, one)
    atomic_write_text(root / "labels.csv", _csv_text([list(CSV_COLUMNS), *rows]))
    classes = [["id", "name", "color"], *([str(c.id), c.name, c.color] for c in project.classes())]
    atomic_write_text(root / "classes.csv", _csv_text(classes))
    progress(1.0, f"exported {report.samples} sample(s)")
    return report


def _csv_row(s: Sample, class_names: dict[int, str], files: list[str], mask_rel: str) -> list[str]:
    classes = LIST_SEP.join(class_names.get(c, str(c)) for c in s.classes)
    return [str(s.id), s.name, s.label, s.split or "", classes, LIST_SEP.join(s.tags), s.review,
            LIST_SEP.join(s.flags), LIST_SEP.join(files), mask_rel]  # fmt: skip


def _csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def mvtec_folder(sample: Sample, class_names: dict[int, str]) -> str | None:
    """``train/good``, ``validation/good``, ``test/good`` or ``test/<class>``; None for unlabeled and
    doubtful samples."""
    if sample.label == "ok":
        return {"val": "validation/good", "test": "test/good"}.get(sample.split or "", "train/good")
    if sample.label == "ng":
        name = class_names.get(sample.classes[0], DEFAULT_CLASS) if sample.classes else DEFAULT_CLASS
        return f"test/{safe_name(name)}"
    return None


def export_mvtec(
    project: Project,
    out: str | os.PathLike[str],
    splits: Sequence[str] | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportReport:
    """The MVTec AD layout; masks are binary 0/255 (all defect pixels, whatever their class).

    OK samples go to ``train/good`` (train split or none), ``validation/good`` (val) or
    ``test/good``; NG samples to ``test/<first class>``. Several channels become one TIFF.
    """
    progress = progress or no_progress
    samples = select_samples(project, splits)
    root = _prepare_out(Path(out))
    report = ExportReport("mvtec", str(root))
    names = file_names(samples)
    class_names = {c.id: c.name for c in project.classes()}

    def one(s: Sample) -> None:
        folder = mvtec_folder(s, class_names)
        if folder is None:
            report.skipped.append((s.name, f"{s.label} samples have no place in the MVTec AD layout"))
            return
        if len(s.channel_files) == 1:
            _copy_channels(project, s, root / folder, names[s.id])
        else:
            imageio.write_image(root / folder / f"{names[s.id]}.tif", project.read_image(s, channel=None))
        report.images += 1
        report.samples += 1
        if s.label == "ng" and s.has_mask:
            gt = root / "ground_truth" / folder.split("/", 1)[1] / f"{names[s.id]}_mask.png"
            _write_png(gt, np.where(project.read_mask(s) > 0, 255, 0).astype(np.uint8))
            report.masks += 1

    _loop(samples, report, progress, cancel, one)
    progress(1.0, f"exported {report.samples} sample(s)")
    return report


EXPORTERS: dict[str, Callable[..., ExportReport]] = {"csv": export_csv, "mvtec": export_mvtec}


def export_dataset(
    project: Project,
    out: str | os.PathLike[str],
    fmt: str,
    splits: Sequence[str] | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportReport:
    """Export with the exporter called ``fmt`` (``csv`` or ``mvtec``)."""
    if fmt not in EXPORTERS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORTERS)}")
    return EXPORTERS[fmt](project, out, splits, progress, cancel)
