"""An anomaly run (good images only) exports with FP32 parity and verifies from its bundle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench.core.imageio import write_image
from workbench.core.project import Project
from workbench.export.pipeline import ExportOptions, export_bundle
from workbench.learn.anomaly import fit_anomaly
from workbench.learn.infer import save_run_model
from workbench.runtime.bundle import open_bundle
from workbench.runtime.cli import main as run_main

TILE, OVERLAP = 64, 16


def texture(seed: int, size: int = 96, defect: bool = False) -> np.ndarray:
    """Stripes with noise as uint8 RGB; a defect is a dark rectangle."""
    rng = np.random.default_rng(seed)
    xx = np.mgrid[:size, :size][1]
    img = 0.5 + 0.2 * np.sin(xx / 3.0 + rng.uniform(0, 0.5)) + 0.04 * rng.standard_normal((size, size))
    if defect:
        img[40:52, 30:50] = 0.05
    return (np.clip(np.repeat(img[..., None], 3, axis=2), 0, 1) * 255).astype(np.uint8)


@pytest.mark.slow
def test_anomaly_export_parity_and_verify(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    with Project.create(root, task="anomaly") as project:
        defect = project.add_class("defect")
        for i in range(6):
            ng = i == 5
            path = tmp_path / f"t{i}.png"
            write_image(path, texture(i, defect=ng))
            split = "train" if i < 4 else "val"
            project.add_sample([path], label="ng" if ng else "ok", split=split)
        unit = [texture(i).astype(np.float32) / 255 for i in range(4)]
        val = [texture(4).astype(np.float32) / 255]
        model = fit_anomaly(unit, val, tile=TILE, overlap=OVERLAP, bank_size=256, device="cpu")
        config = {
            "task": "anomaly",
            "model": "anomaly",
            "in_channels": 3,
            "tile_size": TILE,
            "overlap": OVERLAP,
            "classes": [{"id": defect.id, "name": "defect", "color": defect.color}],
        }
        run = project.create_run("anomaly", config)
        save_run_model(project.run_dir(run.id), model, config)
    report = export_bundle(
        root,
        run.id,
        root / "exports" / "anomaly.wbx",
        "onnx,openvino,fp16",
        options=ExportOptions(golden_images=2),
    )
    rows = {r["variant"]: r for r in report.parity}
    assert rows["onnxruntime fp32"]["passed"] and rows["openvino fp32"]["passed"]
    assert rows["openvino fp32"]["max_abs_diff"] <= 1e-3
    golden = open_bundle(report.path).manifest["golden"]["images"]
    assert {g["verdict"] for g in golden} == {"OK", "NG"}
    assert run_main(["verify", str(report.path)]) == 0
    assert run_main(["verify", str(report.path), "--backend", "onnxruntime"]) == 0
