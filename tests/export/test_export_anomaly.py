"""An anomaly run (good images only), trained as the product trains it, exports with FP32 parity
and verifies from its bundle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench.core.cancel import CancelToken
from workbench.core.imageio import write_image
from workbench.core.project import Project
from workbench.core.run_config import RunConfig
from workbench.export.pipeline import ExportOptions, export_bundle
from workbench.learn.presets import resolve_config
from workbench.learn.train import run_training
from workbench.runtime.bundle import open_bundle
from workbench.runtime.cli import main as run_main


def texture(seed: int, size: int = 96, defect: bool = False) -> np.ndarray:
    """Stripes with noise as uint8 RGB; a defect is a dark rectangle."""
    rng = np.random.default_rng(seed)
    xx = np.mgrid[:size, :size][1]
    img = 0.5 + 0.2 * np.sin(xx / 3.0 + rng.uniform(0, 0.5)) + 0.04 * rng.standard_normal((size, size))
    if defect:
        img[40:52, 30:50] = 0.05
    return (np.clip(np.repeat(img[..., None], 3, axis=2), 0, 1) * 255).astype(np.uint8)


@pytest.mark.openvino_cpu
@pytest.mark.slow
def test_anomaly_export_parity_and_verify(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    with Project.create(root, task="anomaly") as project:
        project.add_class("defect")
        for i in range(7):
            ng = i >= 5
            path = tmp_path / f"t{i}.png"
            write_image(path, texture(i, defect=ng))
            split = "train" if i < 4 or i == 6 else "val"  # one NG image in each split
            project.add_sample([path], label="ng" if ng else "ok", split=split)
    cfg = resolve_config("anomaly", "fast", {"crop": 32, "threads": 2, "device": "cpu"})
    with Project.open(root) as project:
        run = project.create_run(RunConfig(cfg))
    run_training(root, run.id, cfg, _Quiet(), CancelToken())
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
    golden = open_bundle(report.path).manifest.golden.images
    assert {g.verdict for g in golden} == {"OK", "NG"}
    assert run_main(["verify", str(report.path)]) == 0
    assert run_main(["verify", str(report.path), "--backend", "onnxruntime"]) == 0


class _Quiet:
    def progress(self, fraction: float, message: str, eta_s: float | None = None) -> None:
        pass

    def metric(self, name: str, value: float, epoch: int | None = None) -> None:
        pass

    def log(self, message: str) -> None:
        pass

    def artifact(self, path: str) -> None:
        pass
