"""What every importer shares: the report, the importer protocol, and planned items.

A built-in importer only *plans*: it walks the source folder and lists what each image is
(label, split, mask source). :func:`workbench.core.importers.runner.run_plan` then does the
work the same way for every format: resumable, one bad file never stops the rest.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from workbench.core.cancel import CancelToken, Progress
from workbench.core.errors import WorkbenchError
from workbench.core.types import Label, Split

if TYPE_CHECKING:
    from workbench.core.project import Project

# Set on a sample whose mask file was refused (wrong size, unknown values); it needs a look.
FLAG_MASK_SKIPPED = "mask_skipped"


@dataclass
class ImportReport:
    """What one import call did. ``skipped`` holds ``(item, reason)`` for every refused file."""

    importer: str
    source: str
    import_id: int = 0
    imported: int = 0
    duplicates: int = 0
    resumed: int = 0  # items done by an earlier, interrupted run of the same import
    skipped: list[tuple[str, str]] = field(default_factory=list)
    sample_ids: list[int] = field(default_factory=list)
    cancelled: bool = False
    health: dict[str, int] = field(default_factory=dict)
    # Masks with grey values (anti-aliasing, resizing, JPEG) cut at half their range: imported, not skipped.
    masks_thresholded: int = 0
    # Samples already in the project (counted as duplicates) whose masks this import changed:
    # attached where they had none, updated where the source changed a mask an import wrote,
    # overwritten (also counted as updated) where the workbench had drawn one, when asked to.
    masks_attached: int = 0
    masks_updated: int = 0
    masks_overwritten: int = 0
    # ``(mask item, sample name)`` of masks drawn in the workbench that differ from the source's, kept.
    masks_kept: list[tuple[str, str]] = field(default_factory=list)
    # Why the import stopped before its end (the disk is full), and how many planned files it had
    # not imported then; the import stays open, and running it again imports those.
    stopped: str = ""
    left: int = 0

    @property
    def succeeded(self) -> bool:
        """True unless nothing at all came in (every file refused, or none found)."""
        return bool(self.imported or self.duplicates or self.resumed)

    def notes(self) -> list[str]:
        """Sentences about what was imported with some interpretation (not refused, but worth knowing)."""
        notes = []
        if self.masks_thresholded:
            notes.append(
                f"{self.masks_thresholded} mask(s) had grey values (anti-aliased edges, resizing or JPEG) "
                "and were thresholded at half their range"
            )
        if self.masks_attached:
            notes.append(
                f"{self.masks_attached} sample(s) already in the project got their mask from the source"
            )
        if self.masks_updated:
            drawn = f" ({self.masks_overwritten} drawn in the workbench, replaced as asked)"
            notes.append(
                f"{self.masks_updated} mask(s) changed in the source were updated"
                + (drawn if self.masks_overwritten else "")
            )
        if self.masks_kept:
            notes.append(
                f"{len(self.masks_kept)} mask(s) drawn or changed in the workbench differ from the source's "
                "and were kept (import again with overwrite to replace them)"
            )
        return notes

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["skipped"] = [{"item": item, "reason": reason} for item, reason in self.skipped]
        out["masks_kept"] = [{"item": item, "sample": name} for item, name in self.masks_kept]
        out["succeeded"] = self.succeeded
        return out


class ImportStoppedError(WorkbenchError):
    """An import stopped part-way because the project can take no more (its disk is full).

    ``report`` says what came in before; running the same import again resumes with the rest.
    """

    def __init__(self, report: ImportReport) -> None:
        super().__init__(
            f"import stopped: {report.stopped}; {report.imported} new sample(s) came in and "
            f"{report.left} file(s) are left: run the same import again to add them"
        )
        self.report = report


@runtime_checkable
class Importer(Protocol):
    """A dataset format: recognise a folder, import it into a project."""

    name: str
    priority: int  # auto-detection asks higher priorities first

    def detect(self, folder: Path) -> bool: ...

    def import_into(
        self,
        project: Project,
        folder: Path,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
    ) -> ImportReport: ...


@dataclass(frozen=True)
class ReadMask:
    """A label map and whether grey values had to be thresholded to get it (the report counts those)."""

    labels: np.ndarray
    thresholded: bool = False


class MaskSource(Protocol):
    """Where a planned item's mask comes from; ``item`` names it in skip records.

    ``load`` returns the label map, or a :class:`ReadMask` when it says how the map was read.
    """

    @property
    def item(self) -> str: ...

    def load(self, project: Project) -> np.ndarray | ReadMask: ...


@dataclass(frozen=True)
class PlannedItem:
    """One sample to import; ``item`` (source-relative, posix) is the resume key."""

    item: str
    files: tuple[Path, ...]
    name: str
    label: Label = "unlabeled"
    split: Split | None = None
    tags: tuple[str, ...] = ()
    mask: MaskSource | None = None


@dataclass
class Plan:
    """Everything an importer found, plus files it refused while looking."""

    items: list[PlannedItem] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


class PlanImporter(ABC):
    """Base of importers that plan first; subclasses implement ``detect`` and ``plan``."""

    name = ""
    priority = 0

    @abstractmethod
    def detect(self, folder: Path) -> bool:
        """True when ``folder`` looks like this format."""

    @abstractmethod
    def plan(self, project: Project, folder: Path) -> Plan:
        """List the samples in ``folder`` (no pixels are read here)."""

    def import_into(
        self,
        project: Project,
        folder: Path,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
        overwrite_masks: bool = False,
    ) -> ImportReport:
        from workbench.core.importers.label_table import apply_label_table
        from workbench.core.importers.runner import run_plan

        folder = Path(folder)
        plan = apply_label_table(self.plan(project, folder), folder)
        return run_plan(project, folder, self.name, plan, progress, cancel, overwrite_masks)
