"""A tiny project with planned score maps, for evaluation, report, compare and feedback tests."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.decisions import ClassRule, DecisionConfig
from workbench.core.evaluation import EvaluationSession, Predictor, run_evaluation
from workbench.core.imageio import write_image
from workbench.core.project import Project

SIZE = 48
# (label, peak score) per sample: at threshold 0.5, ng@0.3 is an escape and ok@0.7 an overkill.
PLAN: tuple[tuple[str, float], ...] = (
    ("ng", 0.9), ("ng", 0.8), ("ng", 0.3), ("ng", 0.6), ("ok", 0.1), ("ok", 0.2), ("ok", 0.7), ("ok", 0.05),
)  # fmt: skip


def _key(image: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest()


def blob_map(peak: float, cx: int, cy: int, size: int = SIZE, radius: int = 6) -> np.ndarray:
    """A (1,H,W) map: a round blob of ``peak`` score at (cx, cy) on a faint background."""
    yy, xx = np.mgrid[:size, :size]
    m = np.full((size, size), 0.02, np.float32)
    m[(xx - cx) ** 2 + (yy - cy) ** 2 <= radius**2] = peak
    return m[None]


def make_eval_project(
    root: Path, plan: Sequence[tuple[str, float]] = PLAN, split: str = "test"
) -> tuple[Project, dict[str, np.ndarray]]:
    """A project whose samples follow ``plan``; returns it with the score map of each image."""
    project = Project.create(root)
    project.add_class("scratch", "#ff0000")
    maps: dict[str, np.ndarray] = {}
    rng = np.random.default_rng(7)
    for i, (label, peak) in enumerate(plan):
        img = rng.integers(60, 200, (SIZE, SIZE), dtype=np.uint8)
        path = root.parent / f"src_{root.name}_{i}.png"
        write_image(path, img)
        cx, cy = 12 + 3 * i % 24, 20
        mask = None
        if label == "ng":
            mask = np.zeros((SIZE, SIZE), np.uint8)
            mask[cy - 4 : cy + 4, cx - 4 : cx + 4] = 1
        project.add_sample([path], name=f"part_{i}", label=label, split=split, mask=mask)
        maps[_key(img)] = blob_map(peak, cx, cy)
    return project, maps


def fake_predictor(maps: dict[str, np.ndarray]) -> Predictor:
    """A "model" that looks each image up in ``maps`` (the planned score maps)."""

    def predict(image: np.ndarray) -> np.ndarray:
        return maps[_key(image)]

    return predict


def model_info(threshold: float = 0.5, gray: tuple[float, float] | None = None) -> dict[str, Any]:
    config = DecisionConfig(default_threshold=threshold)
    if gray is not None:
        config.gray_low, config.gray_high = gray
    config.classes = [ClassRule(1, "scratch", threshold)]
    return {
        "task": "segmentation",
        "classes": [{"id": 1, "name": "scratch", "color": "#ff0000"}],
        "decision": config.to_dict(),
        "run_id": "run-test",
    }


def evaluate(project: Project, maps: dict[str, np.ndarray], eval_id: str, **kw: Any) -> EvaluationSession:
    return run_evaluation(project, fake_predictor(maps), model_info(**kw), split="test", eval_id=eval_id)
