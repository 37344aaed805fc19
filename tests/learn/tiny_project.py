"""A tiny project for training tests: 64x64 textured images, NG ones with a bright square defect."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from workbench.core.project import Project


def make_tiny_project(root: Path, n_ok: int = 5, n_ng: int = 5, size: int = 64, channels: int = 3,
                      seed: int = 0, task: str = "segmentation") -> Path:  # fmt: skip
    """Create a ``task`` project with ``n_ok`` OK and ``n_ng`` NG samples (masks with class "spot");
    60 % of each label in train, the rest in val."""
    rng = np.random.default_rng(seed)
    folder = root / "proj"
    files_dir = root / "src"
    files_dir.mkdir(parents=True, exist_ok=True)
    with Project.create(folder, name="tiny", task=task) as project:
        spot = project.add_class("spot")
        for i in range(n_ok + n_ng):
            ng = i >= n_ok
            base = rng.normal(90, 12, (size, size, channels)).clip(0, 255).astype(np.uint8)
            mask = np.zeros((size, size), np.uint8)
            if ng:
                y, x = rng.integers(4, size - 20, 2)
                base[y : y + 14, x : x + 14] = 230
                mask[y : y + 14, x : x + 14] = spot.id
            path = files_dir / f"img{i:02d}.png"
            cv2.imwrite(str(path), base if channels != 1 else base[..., 0])
            k = i if not ng else i - n_ok
            n = n_ok if not ng else n_ng
            split = "train" if k < round(0.6 * n) else "val"
            project.add_sample([path], label="ng" if ng else "ok", split=split, mask=mask if ng else None)
    return folder


TINY_SEG = {
    "task": "segmentation",
    "preset": "fast",
    "model": "fpn-effnetlite0",
    "crop": 64,
    "batch": 4,
    "crops_per_epoch": 8,
    "max_epochs": 2,
    "time_limit": None,
    "warmup_steps": 2,
    "threads": 2,
}

# a label check's fold training on the tiny project: a few seconds a fold
TINY_CHECK = {"model": "fpn-effnetlite0", "crop": 64, "batch": 4, "crops_per_epoch": 8, "max_epochs": 2,
              "warmup_steps": 2, "threads": 2}  # fmt: skip


def make_flipped_project(root: Path) -> tuple[Path, int, int]:
    """Eight OK and eight NG parts; one NG part, its mask removed, is labelled OK (the planted flip);
    another NG part is moved to the test split. Returns (folder, flipped id, test id)."""
    folder = make_tiny_project(root, n_ok=8, n_ng=8)
    with Project.open(folder) as project:
        ng = [s for s in project.samples() if s.label == "ng"]
        flipped, test = ng[0], ng[-1]
        project.update_samples([flipped.id], label="ok")
        project.write_mask(flipped.id, np.zeros((flipped.height, flipped.width), np.uint8))
        project.update_samples([test.id], split="test")
    return folder, flipped.id, test.id
