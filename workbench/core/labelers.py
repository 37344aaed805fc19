"""Labels of several labelers: each one's image label and mask per sample, beside the active set.

The sample's own label and mask (``samples.label``, ``masks/<id>.png``) are the active set that
training reads. While a labeler name is set on the open project (``Project.labeler``: the window's
setting, or ``--labeler`` on the command line), every label or mask written through the project is
also kept as that labeler's, in ``labeler_labels`` and ``masks/labelers/<name>/<id>.png``.
``workbench.core.agreement`` compares the labelers and sets the active set from one or a merge.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core import imageio, mask_png
from workbench.core.atomic import atomic_write_bytes
from workbench.core.clock import now_iso
from workbench.core.errors import MaskError, ProjectError
from workbench.core.types import LABELS, DefectClass, Sample

LABELER_NAME_MAX = 64
_FORBIDDEN = set('<>:"/\\|?*')  # not in a folder name on Windows or Linux


def check_labeler_name(name: str) -> str:
    """The name, stripped; a ``ProjectError`` when it cannot name a labeler (and a folder)."""
    name = name.strip()
    if not name:
        raise ProjectError("a labeler needs a name")
    bad = sorted({c for c in name if c in _FORBIDDEN or ord(c) < 32})
    if bad or name.startswith(".") or len(name) > LABELER_NAME_MAX:
        raise ProjectError(
            f"labeler name {name!r} cannot be used: at most {LABELER_NAME_MAX} characters, not "
            f"starting with '.', none of {''.join(sorted(_FORBIDDEN))}"
        )
    return name


@dataclass(frozen=True)
class LabelerEntry:
    """What one labeler said about one sample: an image label (None: none given) and a mask or not."""

    sample_id: int
    labeler: str
    label: str | None
    has_mask: bool
    rev: int = 1  # grows with every write of this record


class ProjectLabelers:
    """The labeler records of a :class:`Project` (a part of it, as a mixin)."""

    labeler: str | None = None

    if TYPE_CHECKING:  # supplied by Project
        root: Path

        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...

        def classes(self) -> list[DefectClass]: ...

        def sample(self, sample_id: int) -> Sample: ...

    def set_labeler(self, name: str | None) -> None:
        """Labels and masks written from now on are also kept as ``name``'s (None: nobody's)."""
        self.labeler = check_labeler_name(name) if name and name.strip() else None

    def labeler_mask_path(self, labeler: str, sample_id: int) -> Path:
        return self.root / "masks" / "labelers" / labeler / f"{sample_id}.png"

    def labeler_names(self) -> list[str]:
        return [
            r["labeler"] for r in self._rows("SELECT DISTINCT labeler FROM labeler_labels ORDER BY labeler")
        ]

    def labeler_entries(self, sample_ids: Iterable[int] | None = None) -> list[LabelerEntry]:
        """Every labeler's record, by sample then labeler; ``sample_ids`` narrows it."""
        wanted = None if sample_ids is None else set(sample_ids)
        rows = self._rows("SELECT * FROM labeler_labels ORDER BY sample_id, labeler")
        return [
            LabelerEntry(int(r["sample_id"]), r["labeler"], r["label"], bool(r["has_mask"]), int(r["rev"]))
            for r in rows
            if wanted is None or r["sample_id"] in wanted
        ]

    def read_labeler_mask(self, labeler: str, sample: Sample) -> np.ndarray | None:
        """The labeler's label map for ``sample``; None when the labeler saved no mask for it."""
        rows = self._rows(
            "SELECT has_mask FROM labeler_labels WHERE sample_id=? AND labeler=?", (sample.id, labeler)
        )
        if not rows or not rows[0]["has_mask"]:
            return None
        path = self.labeler_mask_path(labeler, sample.id)
        if not path.exists():  # saved, but all background
            return np.zeros((sample.height, sample.width), np.uint8)
        mask = imageio.read_image(path)
        if mask.shape != (sample.height, sample.width):
            raise MaskError(
                f"mask {path} is {mask.shape}, sample {sample.name} is {(sample.height, sample.width)}"
            )
        return mask.astype(np.uint8)

    def record_labeler(
        self, sample_id: int, labeler: str, label: str | None = None, mask: np.ndarray | None = None
    ) -> None:
        """Keep ``label`` and/or ``mask`` as ``labeler``'s for the sample (the active set is untouched)."""
        labeler = check_labeler_name(labeler)
        with self.transaction() as conn:
            if label is not None:
                self._keep_label(conn, [sample_id], label, labeler)
            if mask is not None:
                self._keep_mask(conn, self.sample(sample_id), mask, labeler)

    def _keep_label(self, conn: sqlite3.Connection, ids: Iterable[int], label: str, labeler: str) -> None:
        if label not in LABELS:
            raise ProjectError(f"unknown label {label!r}")
        value = None if label == "unlabeled" else label  # taken back
        for sid in ids:
            conn.execute(
                "INSERT INTO labeler_labels(sample_id, labeler, label, has_mask, updated_at)"
                " VALUES(?, ?, ?, 0, ?) ON CONFLICT(sample_id, labeler)"
                " DO UPDATE SET label=excluded.label, rev=rev+1, updated_at=excluded.updated_at",
                (sid, labeler, value, now_iso()),
            )

    def _keep_mask(self, conn: sqlite3.Connection, sample: Sample, mask: np.ndarray, labeler: str) -> None:
        if mask.shape != (sample.height, sample.width):
            raise MaskError(f"mask for sample {sample.name} has shape {mask.shape}")
        path = self.labeler_mask_path(labeler, sample.id)
        if mask.any():
            classes = {c.id: (c.name, c.color) for c in self.classes()}
            files = [c.file for c in sample.channel_files]
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, mask_png.encode_mask(mask.astype(np.uint8), files, classes))
        else:
            path.unlink(missing_ok=True)
        conn.execute(
            "INSERT INTO labeler_labels(sample_id, labeler, label, has_mask, updated_at)"
            " VALUES(?, ?, NULL, 1, ?) ON CONFLICT(sample_id, labeler)"
            " DO UPDATE SET has_mask=1, rev=rev+1, updated_at=excluded.updated_at",
            (sample.id, labeler, now_iso()),
        )

    def _remove_labeler_masks(self, sample_id: int) -> None:
        folder = self.root / "masks" / "labelers"
        if folder.is_dir():
            for sub in folder.iterdir():
                (sub / f"{sample_id}.png").unlink(missing_ok=True)
