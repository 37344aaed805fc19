"""A tiny project with a completed two-stage run and an evaluation of it, made without a model: the
score maps and the region classifier's maps are planned by hand and stored through
``run_evaluation`` as a real evaluation stores them (GUI tests and screenshots of the second stage).

At threshold 0.5 and classifier threshold 0.5 (``PLAN``):
- ``part_0``, ``part_1``: NG parts whose defect the classifier confirms (named "scratch");
- ``part_2``: an NG part the segmenter misses (an escape, never looked at);
- ``part_3``: a good part with a false alarm the classifier vetoes (OK; NG with the classifier off);
- ``part_4``, ``part_5``: good parts nothing fires on;
- ``part_6``: an NG part with a confirmed dent and a second region the classifier did not look at.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np

from workbench.core.decisions import ClassRule, DecisionConfig
from workbench.core.evaluation import BatchedPredictor, EvaluationSession, run_evaluation
from workbench.core.imageio import write_image
from workbench.core.project import Project
from workbench.core.region_stage import NOT_LOOKED, RegionStage
from workbench.core.run_config import ModelConfig, RunConfig, TrainConfig

SIZE = 96
CONFIRM = 0.5
EVAL_ID = "two-stage"
# name, label, [(peak score, centre x, centre y, radius, defect probability or None: not looked at,
# named class id)]
PLAN = (
    ("part_0", "ng", [(0.92, 30, 40, 7, 0.96, 2)]),
    ("part_1", "ng", [(0.81, 60, 50, 6, 0.88, 1)]),
    ("part_2", "ng", [(0.3, 40, 40, 6, None, 0)]),
    ("part_3", "ok", [(0.74, 50, 30, 5, 0.08, 1)]),
    ("part_4", "ok", []),
    ("part_5", "ok", []),
    ("part_6", "ng", [(0.9, 28, 28, 8, 0.93, 1), (0.62, 70, 70, 4, None, 0)]),
)


def _key(image: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest()


def _maps(
    blobs: list[tuple[float, int, int, int, float | None, int]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[:SIZE, :SIZE]
    scores = np.full((SIZE, SIZE), 0.02, np.float32)
    confirm = np.full((SIZE, SIZE), NOT_LOOKED, np.float32)
    named = np.zeros((SIZE, SIZE), np.uint8)
    for peak, cx, cy, radius, prob, name in blobs:
        inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= radius**2
        scores[inside] = peak
        if prob is not None:
            confirm[inside], named[inside] = prob, name
    return scores[None], confirm, named


def _surface(rng: np.random.Generator) -> np.ndarray:
    """A machined-metal look: a soft gradient, fine grain along the rows."""
    yy, xx = np.mgrid[:SIZE, :SIZE].astype(np.float32)
    base = 120 + 30 * np.sin(xx / SIZE * 2.5 + 0.6) + 10 * yy / SIZE
    grain = cv2.blur(rng.normal(0, 12, (SIZE, SIZE)).astype(np.float32), (9, 1))
    grey = np.clip(base + grain, 0, 255).astype(np.uint8)
    return np.stack([grey, grey, np.clip(grey.astype(np.int16) + 6, 0, 255).astype(np.uint8)], axis=2)


def _add_run(project: Project) -> str:
    rule = ClassRule(1, "scratch", 0.5, confirm_threshold=CONFIRM)
    decision = DecisionConfig(classes=[rule])
    classes = [{"id": 1, "name": "scratch", "color": "#D55E00"}]
    model = ModelConfig.from_dict({
        "task": "segmentation", "model": "tiny", "in_channels": 3, "classes": classes, "tile_size": 64,
        "overlap": 8, "decision": decision.to_dict(),
        "region_stage": RegionStage(levels=(0.5,), class_ids=(1, 2), names=("scratch", "dent")).to_dict(),
        "region_model": "cls-effnetlite0",
    })  # fmt: skip
    train = TrainConfig(task="segmentation", preset="balanced")
    run = project.create_run(RunConfig(train), name="balanced")
    project.move_run(run.id, "running")
    project.move_run(run.id, "completed", metrics={"image": {"auroc": 0.9}}, config=RunConfig(train, model))
    return run.id


def make_two_stage_project(root: Path) -> tuple[Path, str]:
    """The project (closed) and its run id; the evaluation ``EVAL_ID`` is stored in it."""
    project = Project.create(root)
    project.add_class("scratch", "#D55E00")
    project.add_class("dent", "#0072B2")
    by_name: dict[str, tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]] = {}
    rng = np.random.default_rng(3)
    for i, (name, label, blobs) in enumerate(PLAN):
        image = _surface(rng)
        for _peak, cx, cy, radius, _prob, _name in blobs:
            image[cy - radius // 2 : cy + radius // 2, cx - radius : cx + radius] = 40  # a dark mark
        path = root.parent / f"src_{root.name}_{i}.png"
        write_image(path, image)
        mask = None
        if label == "ng":
            mask = np.zeros((SIZE, SIZE), np.uint8)
            _peak, cx, cy, radius, _prob, _name = blobs[0]
            mask[cy - radius : cy + radius, cx - radius : cx + radius] = 1
        project.add_sample([path], name=name, label=label, split="test", mask=mask)
        scores, confirm, named = _maps(blobs)
        by_name[name] = (scores, (confirm, named))
    # keyed by the image as the evaluation reads it back
    planned = {_key(project.read_image(s, None)): by_name[s.name] for s in project.samples()}
    run_id = _add_run(project)

    def many(images: list[np.ndarray], _cancel: object) -> list[np.ndarray]:
        return [planned[_key(im)][0] for im in images]

    predict = BatchedPredictor(
        lambda im: planned[_key(im)][0], many, lambda: "planned maps", lambda im, _m: planned[_key(im)][1]
    )
    run = project.run(run_id)
    assert run.config.model is not None
    info = {"task": "segmentation", "classes": run.config.model.class_dicts(),
            "decision": run.config.model.decision.to_dict(), "run_id": run_id}  # fmt: skip
    session: EvaluationSession = run_evaluation(project, predict, info, split="test", eval_id=EVAL_ID)
    assert session.eval_id == EVAL_ID
    project.close()
    return root, run_id
