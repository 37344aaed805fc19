"""The latest model's proposal for a sample, and the region of it a person accepts."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from workbench.core import imageio
from workbench.core.project import Project


def latest_proposal(project: Project, sample_id: int) -> tuple[str, Path] | None:
    """``(run_id, path)`` of the newest completed run holding a proposal for the sample, or None.

    `workbench predict` writes ``runs/<run_id>/proposals/<sample_id>.png`` (uint8 class ids).
    """
    done = [r for r in project.runs() if r.status == "completed"]
    # Runs started in one second tie on created_at; the finishing time orders them.
    done.sort(key=lambda r: r.finished_at or r.created_at, reverse=True)
    for run in done:
        path = project.run_dir(run.id) / "proposals" / f"{sample_id}.png"
        if path.is_file():
            return run.id, path
    return None


def read_proposal(path: Path, shape: tuple[int, int]) -> np.ndarray:
    """A proposal label map, checked against the sample size."""
    prop = imageio.read_image(path)
    if prop.ndim != 2 or prop.shape != shape:
        raise ValueError(f"proposal {path} is {prop.shape}, the sample is {shape}")
    return prop.astype(np.uint8)


def proposal_merged(path: Path) -> bool:
    """Whether the run behind a proposal merged every defect class into one (its ids say nothing then).

    Read from ``index.json`` beside the proposal (written by `workbench predict`); a missing or
    unreadable index counts as not merged.
    """
    try:
        index = json.loads((path.parent / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(index, dict) and bool(index.get("merged_classes"))


def proposal_outline(proposal: np.ndarray) -> np.ndarray:
    """The proposal's class ids on the edges of its regions only (0 elsewhere), to draw over an image."""
    edge = cv2.morphologyEx(proposal, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    return np.where(edge & (proposal > 0), proposal, 0).astype(np.uint8)


def proposal_region(proposal: np.ndarray, point: tuple[int, int] | None = None) -> np.ndarray:
    """Boolean region to accept: the connected defect under ``point`` (x, y), or all (None)."""
    if point is None:
        return proposal > 0
    x, y = int(point[0]), int(point[1])
    h, w = proposal.shape
    if not (0 <= x < w and 0 <= y < h) or proposal[y, x] == 0:
        return np.zeros(proposal.shape, bool)
    same = (proposal == proposal[y, x]).astype(np.uint8)
    _, labels = cv2.connectedComponents(same, connectivity=8)
    return labels == labels[y, x]
