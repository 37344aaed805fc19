"""One split evaluated with ``--run`` (torch) and with ``--bundle`` (its FP32 export) decides and
measures alike: both go through core's input, tiling, class-pixel and decision code, and only the
tile function differs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from workbench.cli import main as workbench_main
from workbench.core.imageio import write_image
from workbench.core.project import Project
from workbench.core.run_config import ModelConfig, RunConfig, TrainConfig
from workbench.export.pipeline import export_bundle
from workbench.learn import infer
from workbench.learn.score_model import ScoreModel
from workbench.runtime.manifest import FP32_TOLERANCE

TILE = 64
THRESHOLDS = (0.3, 0.7)  # spot, blob: a red blob also passes the spot threshold, so classes compete


def two_class_net(in_channels: int = 3, num_classes: int = 2) -> nn.Module:
    """Channel 0 rises with brightness (white spots), channel 1 with red over green and blue."""
    net = nn.Conv2d(in_channels, num_classes, 3, padding=1)
    with torch.no_grad():
        net.weight.zero_()
        net.weight[0].fill_(8.0 / 27)
        net.weight[1, 0].fill_(3.0 / 9)
        net.weight[1, 1:].fill_(-1.5 / 9)
        net.bias.copy_(torch.tensor([2.0, -2.0]))
    return net


def part(rng: np.random.Generator, h: int, w: int, spots: int, blobs: int) -> tuple[np.ndarray, np.ndarray]:
    """A grey textured part with white spots (class 1) and red blobs (class 2), and its mask."""
    img = (40 + rng.integers(0, 20, size=(h, w, 3))).astype(np.uint8)
    mask = np.zeros((h, w), np.uint8)
    for n, colour, cid in ((spots, (235, 235, 235), 1), (blobs, (235, 40, 40), 2)):
        for _ in range(n):
            y, x = int(rng.integers(2, h - 12)), int(rng.integers(2, w - 12))
            img[y : y + 8, x : x + 8] = colour
            mask[y : y + 8, x : x + 8] = cid
    return img, mask


@pytest.fixture
def two_class_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    monkeypatch.setattr(infer, "get_model", lambda name, c, k, pretrained=False: two_class_net(c, k))
    root = tmp_path / "proj"
    rng = np.random.default_rng(5)
    # sizes below, at and above the tile, so padding, tiling and blending all take part
    sizes = [(40, 50), (64, 64), (80, 112), (96, 150), (72, 90), (130, 70), (64, 100), (50, 200)]
    with Project.create(root, task="segmentation") as project:
        classes = [project.add_class("spot"), project.add_class("blob")]
        for i, (h, w) in enumerate(sizes):
            ng = i % 2 == 1
            img, mask = part(rng, h, w, spots=1 if ng else 0, blobs=(i % 4 == 1) + (i == 3))
            path = tmp_path / f"part{i}.png"
            write_image(path, img)
            project.add_sample([path], label="ng" if ng else "ok", split="val", mask=mask if ng else None)
        rules = [
            {"class_id": c.id, "name": c.name, "threshold": t, "min_area_px": 4}
            for c, t in zip(classes, THRESHOLDS, strict=True)
        ]
        config = RunConfig(TrainConfig(class_mode="separate"), ModelConfig.from_dict({
            "task": "segmentation", "model": "tiny-test", "in_channels": 3,
            "classes": [{"id": c.id, "name": c.name, "color": c.color} for c in classes],
            "tile_size": TILE, "overlap": 16, "mean": [0.5] * 3, "std": [0.25] * 3,
            "decision": {"classes": rules},
        }))  # fmt: skip
        run = project.create_run(config)
    module = ScoreModel(two_class_net(), [0.5] * 3, [0.25] * 3)
    infer.save_run_model(project.run_dir(run.id), module, config)
    return root, run.id


def _evaluate(capsys: pytest.CaptureFixture[str], root: Path, source: list[str], eval_id: str) -> Path:
    argv = ["evaluate", str(root), *source, "--split", "val", "--id", eval_id, "--json"]
    assert workbench_main(argv) == 0
    capsys.readouterr()
    return root / "evaluations" / eval_id


def _borderline_pixels(maps: list[np.ndarray]) -> int:
    """Pixels where a class score, or the contest between the two classes, is within the FP32
    tolerance of changing: the most a pixel count may differ between two paths that agree."""
    t = np.asarray(THRESHOLDS, np.float32).reshape(-1, 1, 1)
    n = 0
    for m in maps:
        margins = m - t
        near_threshold = (np.abs(margins) <= 2 * FP32_TOLERANCE).any(axis=0)
        near_tie = np.abs(margins[0] - margins[1]) <= 2 * FP32_TOLERANCE
        n += int(np.count_nonzero(near_threshold | near_tie))
    return n


def _assert_metrics_close(torch_m: dict[str, Any], bundle_m: dict[str, Any], pixel_slack: int) -> None:
    assert set(torch_m) == set(bundle_m)
    for key, a in torch_m.items():
        b = bundle_m[key]
        if key == "eval.id":
            continue
        if isinstance(a, bool) or a is None or isinstance(a, (str, dict)):
            assert a == b, key
        elif isinstance(a, int) and key.startswith("pixel."):
            assert abs(a - b) <= pixel_slack, key
        elif isinstance(a, (int, float)):
            assert b == pytest.approx(a, abs=FP32_TOLERANCE if not isinstance(a, int) else 0), key
        else:  # lists: sweeps and curves over the image scores
            assert len(a) == len(b), key
            np.testing.assert_allclose(np.asarray(b, float), np.asarray(a, float), atol=FP32_TOLERANCE)


def test_run_and_fp32_bundle_evaluate_alike(
    two_class_run: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, run_id = two_class_run
    bundle = export_bundle(root, run_id, root / "exports" / "b.wbx", formats="onnx").path
    by_run = _evaluate(capsys, root, ["--run", run_id, "--engine", "torch"], "by-run")
    by_bundle = _evaluate(capsys, root, ["--bundle", str(bundle)], "by-bundle")
    assert "torch" in json.loads((by_run / "meta.json").read_text())["inference"]
    assert "model fp32" in json.loads((by_bundle / "meta.json").read_text())["inference"]

    rows_run = json.loads((by_run / "results.json").read_text())
    rows_bundle = json.loads((by_bundle / "results.json").read_text())
    assert [r["sample_id"] for r in rows_run] == [r["sample_id"] for r in rows_bundle]
    for a, b in zip(rows_run, rows_bundle, strict=True):
        assert (a["verdict"], a["n_defects"]) == (b["verdict"], b["n_defects"]), a["name"]
        assert [d["class_id"] for d in a["defects"]] == [d["class_id"] for d in b["defects"]]
        assert b["image_score"] == pytest.approx(a["image_score"], abs=FP32_TOLERANCE)
    found = {d["class_id"] for r in rows_run for d in r["defects"]}
    assert found == {1, 2}, "both classes must win pixels for the comparison to mean anything"
    assert {r["verdict"] for r in rows_run} == {"OK", "NG"}

    maps = [np.load(p)["scores"].astype(np.float32) / 65535 for p in sorted((by_run / "maps").glob("*.npz"))]
    torch_m = json.loads((by_run / "metrics.json").read_text())
    bundle_m = json.loads((by_bundle / "metrics.json").read_text())
    assert torch_m["pixel.class.1.tp"] > 0 and torch_m["pixel.class.2.tp"] > 0
    _assert_metrics_close(torch_m, bundle_m, _borderline_pixels(maps))
