"""Where a label check keeps its result, and the review queue it opens in the labeler.

```
label_checks/<check_id>/
  suspects.json        settings, each checked sample's fold and out-of-fold image score, the
                       ranked suspects (reason code, both wordings, suspicion, details)
  maps/<id>.npz        the out-of-fold score map (uint16, as evaluations store theirs)
  proposals/<id>.png   the map as a label map at the fold model's thresholds: the Label page's
                       proposal overlay for the sample
  folds/<k>/           scratch of fold k's training (checkpoints), removed once the fold is done
```

A label check records no run: the fold models are scratch, not runs a person would ship.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.core.atomic import atomic_write_json
from workbench.core.errors import WorkbenchError
from workbench.core.label_check import TAG, Suspect, ranked_samples
from workbench.core.project import Project

CHECKS_DIR = "label_checks"
RESULT_FILE = "suspects.json"


class LabelCheckReadError(WorkbenchError):
    """A label check folder lacks its result or holds an unreadable one."""


def new_check_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]


def check_dir(project_root: str | os.PathLike[str], check_id: str) -> Path:
    return Path(project_root) / CHECKS_DIR / check_id


@dataclass
class LabelCheck:
    """A finished label check as ``suspects.json`` holds it."""

    check_id: str
    dir: Path
    created_at: str
    settings: dict[str, Any]
    samples: dict[int, dict[str, Any]]  # sample id -> {"fold", "label", "image_score", "proposal"}
    suspects: list[Suspect] = field(default_factory=list)
    merged: bool = False  # the fold models merged every class: proposals carry the first class id

    def queue(self) -> list[int]:
        """The suspect samples, most suspicious first."""
        return ranked_samples(self.suspects)

    def reasons(self, sample_id: int) -> list[Suspect]:
        return [s for s in self.suspects if s.sample_id == sample_id]

    def map_path(self, sample_id: int) -> Path:
        return self.dir / "maps" / f"{sample_id}.npz"

    def proposal_path(self, sample_id: int) -> Path | None:
        entry = self.samples.get(sample_id) or {}
        return self.dir / "proposals" / entry["proposal"] if entry.get("proposal") else None

    def to_dict(self) -> dict[str, Any]:
        return {"check_id": self.check_id, "created_at": self.created_at, "settings": self.settings,
                "merged_classes": self.merged,
                "samples": {str(k): v for k, v in sorted(self.samples.items())},
                "suspects": [s.to_dict() for s in self.suspects]}  # fmt: skip


def write_check(check: LabelCheck) -> Path:
    path = check.dir / RESULT_FILE
    atomic_write_json(path, check.to_dict())
    return path


def read_check(project_root: str | Path, check_id: str) -> LabelCheck:
    folder = check_dir(project_root, check_id)
    path = folder / RESULT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LabelCheck(
            check_id=str(data["check_id"]),
            dir=folder,
            created_at=str(data["created_at"]),
            settings=dict(data.get("settings") or {}),
            samples={int(k): dict(v) for k, v in (data.get("samples") or {}).items()},
            suspects=[Suspect.from_dict(s) for s in data.get("suspects") or []],
            merged=bool(data.get("merged_classes")),
        )
    except FileNotFoundError as exc:
        raise LabelCheckReadError(f"label check {check_id} has no {RESULT_FILE}; it did not finish") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LabelCheckReadError(f"{path} is unreadable: {exc}") from exc


def latest_check(project_root: str | Path) -> LabelCheck | None:
    """The newest finished label check of the project, or None."""
    base = Path(project_root) / CHECKS_DIR
    if not base.is_dir():
        return None
    for folder in sorted((p for p in base.iterdir() if p.is_dir()), key=lambda p: p.name, reverse=True):
        if (folder / RESULT_FILE).is_file():
            try:
                return read_check(project_root, folder.name)
            except LabelCheckReadError:
                continue
    return None


def open_review_queue(project: Project, check: LabelCheck) -> list[int]:
    """Tag the check's suspects ``suspect-label`` and mark them for review; samples that carried the
    tag from an earlier check and are no longer suspect lose it. Returns the queue, ranked."""
    present = {s.id for s in project.samples(ids=check.queue())}  # a sample may be gone since
    queue = [sid for sid in check.queue() if sid in present]
    stale = [s.id for s in project.samples(tag=TAG) if s.id not in set(queue)]
    if stale:
        project.update_samples(stale, remove_tags=[TAG])
    if queue:
        project.update_samples(queue, add_tags=[TAG], review="needs_review")
    return queue
