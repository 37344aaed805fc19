"""Plain value types of the data layer (no behaviour beyond conversion)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from workbench.core.errors import ProjectError

if TYPE_CHECKING:  # run_config reads TASKS from here
    from workbench.core.run_config import RunConfig

# "doubtful": a part the experts do not agree on (a defect of the gray zone); training leaves it
# out by default and evaluation counts it apart from the clear OK and NG parts.
Label = Literal["ok", "ng", "doubtful", "unlabeled"]
Split = Literal["train", "val", "test"]
Review = Literal["", "needs_review", "reviewed"]

LABELS: tuple[Label, ...] = ("ok", "ng", "doubtful", "unlabeled")
CLEAR_LABELS: tuple[Label, ...] = ("ok", "ng")  # the parts whose label nobody disputes
SPLITS: tuple[Split, ...] = ("train", "val", "test")
REVIEW_STATES: tuple[Review, ...] = ("", "needs_review", "reviewed")
# What a project's models do; the one list the project, the trainer, the CLI, the window and the
# runtime (a bundle's task) check against.
TASKS = ("segmentation", "classification", "anomaly")

# Flags set by image health checks and importers; a flag informs, it never rejects a sample.
FLAG_OVEREXPOSED = "overexposed"
FLAG_UNDEREXPOSED = "underexposed"
FLAG_BLURRED = "blurred"
FLAG_SIZE_OUTLIER = "size_outlier"
FLAG_DUPLICATE = "near_duplicate"
FLAG_NG_WITHOUT_MASK = "ng_without_mask"
FLAG_SPLIT_LEAK = "split_leak"


@dataclass(frozen=True)
class DefectClass:
    """A defect class; ``id`` is its value in mask PNGs (1..255)."""

    id: int
    name: str
    color: str
    description: str = ""


@dataclass(frozen=True)
class Channel:
    """One image of a sample (one light source or camera)."""

    idx: int
    file: str
    original_name: str
    sha256: str
    channels: int


@dataclass(frozen=True)
class Sample:
    """One inspected part: 1..N aligned channel images sharing one mask."""

    id: int
    name: str
    content_hash: str
    label: Label
    split: Split | None
    review: Review
    notes: str
    tags: tuple[str, ...]
    flags: tuple[str, ...]
    classes: tuple[int, ...]
    width: int
    height: int
    n_channels: int
    dtype: str
    has_mask: bool
    mask_rev: int
    source: str
    last_score: float | None
    created_at: str
    updated_at: str
    channel_files: tuple[Channel, ...] = field(default=())

    @classmethod
    def from_row(cls, row: dict[str, Any], channels: tuple[Channel, ...] = ()) -> Sample:
        return cls(
            id=int(row["id"]),
            name=row["name"],
            content_hash=row["content_hash"],
            label=row["label"],
            split=row["split"],
            review=row["review"],
            notes=row["notes"],
            tags=tuple(json.loads(row["tags"])),
            flags=tuple(json.loads(row["flags"])),
            classes=tuple(json.loads(row["classes"])),
            width=int(row["width"]),
            height=int(row["height"]),
            n_channels=int(row["n_channels"]),
            dtype=row["dtype"],
            has_mask=bool(row["has_mask"]),
            mask_rev=int(row["mask_rev"]),
            source=row["source"],
            last_score=row["last_score"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            channel_files=channels,
        )


@dataclass(frozen=True)
class Run:
    """A training run as recorded in the project."""

    id: str
    task: str
    status: str
    name: str
    config: RunConfig  # the training settings and, once completed, the model
    metrics: dict[str, Any]
    dataset: dict[str, Any]
    parent: str | None
    pid: int | None
    error: str
    created_at: str
    started_at: str | None
    finished_at: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Run:
        from workbench.core.run_config import RunConfig, RunConfigError

        try:
            config = RunConfig.from_dict(json.loads(row["config"]), row["task"])
            metrics, dataset = json.loads(row["metrics"]), json.loads(row["dataset"])
        except RunConfigError as exc:
            raise ProjectError(f"run {row['id']}: its stored config {exc}") from exc
        except (TypeError, ValueError) as exc:  # JSONDecodeError is a ValueError
            raise ProjectError(f"run {row['id']}: its stored record is not readable JSON ({exc})") from exc
        if not isinstance(metrics, dict) or not isinstance(dataset, dict):
            raise ProjectError(f"run {row['id']}: its stored metrics or dataset is not a JSON object")
        return cls(
            id=row["id"],
            task=row["task"],
            status=row["status"],
            name=row["name"],
            config=config,
            metrics=metrics,
            dataset=dataset,
            parent=row["parent"],
            pid=row["pid"],
            error=row["error"],
            created_at=row["created_at"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
        )
