"""Overlays, proposals, pixel metrics and decisions agree on which pixels are defect, and of which
class, when the class thresholds differ (0.3 and 0.7): all four follow ``core.class_pixels``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from torch import nn

from workbench.core.decisions import DecisionConfig, decide
from workbench.core.evaluation import BatchedPredictor, run_evaluation
from workbench.core.imageio import write_image
from workbench.core.project import Project
from workbench.core.run_config import ModelConfig, RunConfig, TrainConfig
from workbench.learn import proposals
from workbench.learn.infer import LoadedRun
from workbench.runtime.output import overlay

H, W = 120, 160
# (spot score, blob score) in 8-bit steps, the pixel each patch should go to with thresholds
# spot 0.3, blob 0.7 by the documented rule (the class passing its threshold by most)
PATCHES = [
    ((128, 153), 1),  # 0.50 / 0.60: only spot passes (argmax-then-threshold called it background)
    ((204, 242), 1),  # 0.80 / 0.95: both pass, spot by 0.50, blob by 0.25 (highest score: blob)
    ((51, 230), 2),  # 0.20 / 0.90: only blob passes
    ((89, 250), 2),  # 0.35 / 0.98: both pass, blob by more
    ((64, 166), 0),  # 0.25 / 0.65: neither passes
]


class ScorePainter(nn.Module):
    """Scores are the input's red and green planes: the test paints the map it wants."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :2]


def painted() -> tuple[np.ndarray, np.ndarray]:
    """The image that encodes the scores, and the label map the rule gives it (written by hand)."""
    image = np.full((H, W, 3), 13, np.uint8)  # background scores 0.05
    expected = np.zeros((H, W), np.uint8)
    for i, ((spot, blob), owner) in enumerate(PATCHES):
        y, x = 50 + 35 * (i // 3), 10 + 50 * (i % 3)
        image[y : y + 20, x : x + 30, 0] = spot
        image[y : y + 20, x : x + 30, 1] = blob
        expected[y : y + 20, x : x + 30] = owner
    return image, expected


@pytest.fixture
def project_and_run(tmp_path: Path) -> Iterator[tuple[Project, LoadedRun]]:
    image, expected = painted()
    path = tmp_path / "part.png"
    write_image(path, image)
    project = Project.create(tmp_path / "proj", task="segmentation")
    classes = [project.add_class("spot"), project.add_class("blob")]
    project.add_sample([path], label="ng", split="test", mask=expected)
    config = ModelConfig.from_dict({
        "task": "segmentation", "model": "painter", "in_channels": 3,
        "classes": [{"id": c.id, "name": c.name, "color": c.color} for c in classes],
        "tile_size": 64, "overlap": 16,
        "decision": {"classes": [
            {"class_id": classes[0].id, "name": "spot", "threshold": 0.3},
            {"class_id": classes[1].id, "name": "blob", "threshold": 0.7},
        ]},
    })  # fmt: skip
    run = project.create_run(RunConfig(TrainConfig(class_mode="separate"), config))
    loaded = LoadedRun(project.run_dir(run.id), config, ScorePainter(), torch.device("cpu"))
    yield project, loaded
    project.close()


def test_every_consumer_sees_the_same_class_pixels(
    project_and_run: tuple[Project, LoadedRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, run = project_and_run
    image, expected = painted()
    score_map = run.scores(image)
    assert score_map.shape == (2, H, W)
    config = run.decision_config

    # decisions: the regions of each class cover exactly its pixels
    decision = decide(score_map, config, image=image)
    assert decision.verdict == "NG"
    for cid in (1, 2):
        defects = [d for d in decision.defects if d.class_id == cid]
        assert sum(d.area_px for d in defects) == np.count_nonzero(expected == cid)
        for d in defects:
            assert np.count_nonzero(expected[d.y : d.y + d.h, d.x : d.x + d.w] == cid) == d.area_px

    # proposals: the label map written for review is the expected one
    monkeypatch.setattr(proposals, "load_run", lambda root, run_id: run)
    sample = project.samples()[0]
    proposals.write_proposals(project, run.run_dir.name, [sample])
    written = cv2.imread(str(run.run_dir / "proposals" / f"{sample.id}.png"), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(written, expected)

    # pixel metrics: against a mask that is the expected map, nothing is missed or added
    model = {"task": "segmentation", "classes": run.config.class_dicts(),
             "decision": run.config.decision.to_dict(), "run_id": run.run_dir.name}  # fmt: skip
    session = run_evaluation(project, BatchedPredictor(run.scores, run.scores_many), model, split="test")
    metrics = session.metrics_flat
    for cid in (1, 2):
        assert metrics[f"pixel.class.{cid}.tp"] == np.count_nonzero(expected == cid)
        assert metrics[f"pixel.class.{cid}.fp"] == metrics[f"pixel.class.{cid}.fn"] == 0

    # overlays: exactly the defect pixels are painted, each in its own class's colour
    grey = np.full((H, W, 3), 100, np.uint8)
    picture = overlay(grey, score_map, run.config.class_dicts(), decision.verdict, config)
    below_text = slice(45, H)  # the verdict is written in the top-left corner
    painted_px = (picture != grey).any(axis=2)[below_text]
    np.testing.assert_array_equal(painted_px, expected[below_text] > 0)
    for k, cls in enumerate(run.config.class_dicts()):
        colour = np.array([int(cls["color"][i : i + 2], 16) for i in (1, 3, 5)])
        mine = picture[below_text][expected[below_text] == k + 1].astype(int)
        tint = np.round(0.5 * 100 + 0.5 * colour)
        assert np.all((np.abs(mine - tint) <= 1).all(axis=1) | (mine == colour).all(axis=1))


def test_outline_levels_draw_fewer_pixels_than_the_decision_judges(
    project_and_run: tuple[Project, LoadedRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With outline levels (spot 0.6, blob 0.9) proposals, pixel metrics and the overlay's tint
    show each class's pixels that reach its level; the decision still judges at 0.3 / 0.7 and the
    overlay edges what it judged."""
    project, run = project_and_run
    run.config.decision.classes[0].outline_threshold = 0.6
    run.config.decision.classes[1].outline_threshold = 0.9
    decision_dict = run.config.decision.to_dict()
    image, expected = painted()
    # by hand: patch 0 (spot 0.50) is judged spot but below its outline level 0.6; every other
    # defect patch reaches its class's level (spot 0.80, blob 0.90 and 0.98)
    drawn = expected.copy()
    drawn[50:70, 10:40] = 0
    score_map = run.scores(image)
    config = DecisionConfig.from_dict(decision_dict)

    decision = decide(score_map, config, image=image)
    assert sum(d.area_px for d in decision.defects) == np.count_nonzero(expected)  # judged as before

    monkeypatch.setattr(proposals, "load_run", lambda root, run_id: run)
    assert run.decision_config.outline_levels(2) == [0.6, 0.9]  # the run reads its config's levels
    sample = project.samples()[0]
    proposals.write_proposals(project, run.run_dir.name, [sample])
    written = cv2.imread(str(run.run_dir / "proposals" / f"{sample.id}.png"), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(written, drawn)

    model = {"task": "segmentation", "classes": run.config.class_dicts(), "decision": decision_dict,
             "run_id": run.run_dir.name}  # fmt: skip
    session = run_evaluation(project, BatchedPredictor(run.scores, run.scores_many), model, split="test")
    metrics = session.metrics_flat
    assert metrics["pixel.class.1.fn"] == 20 * 30 and metrics["pixel.class.1.fp"] == 0  # patch 0 undrawn
    assert metrics["pixel.class.2.fn"] == metrics["pixel.class.2.fp"] == 0

    grey = np.full((H, W, 3), 100, np.uint8)
    picture = overlay(grey, score_map, run.config.class_dicts(), decision.verdict, config)
    judged = (expected > 0).astype(np.uint8)
    edge = (judged > 0) & (cv2.erode(judged, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_REPLICATE) == 0)
    painted_px = (picture != grey).any(axis=2)
    below_text = slice(45, H)
    np.testing.assert_array_equal(painted_px[below_text], ((drawn > 0) | edge)[below_text])
    assert not painted_px[52:68, 12:38].any()  # patch 0: its edge only, no tint
