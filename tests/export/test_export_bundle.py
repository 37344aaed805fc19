"""export_bundle: parity gate, INT8 kept or refused, golden images verify on every backend."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from torch import nn

from workbench.cli import main as workbench_main
from workbench.core.project import Project
from workbench.export import pipeline, variants
from workbench.export.errors import ExportError
from workbench.export.pipeline import ExportOptions, export_bundle, parse_formats
from workbench.learn import infer
from workbench.learn.score_model import ScoreModel
from workbench.runtime.bundle import open_bundle
from workbench.runtime.cli import main as run_main


def test_full_export_passes_parity_and_verifies(tiny_run: tuple[Path, str], capsys) -> None:
    root, run_id = tiny_run
    out = root / "exports" / "line3.wbx"
    code = workbench_main(
        [
            "export",
            str(root),
            "--run",
            run_id,
            "--format",
            "onnx,openvino,fp16,int8",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["variants"] == ["onnx", "openvino_fp32", "openvino_fp16", "openvino_int8"]
    rows = {r["variant"]: r for r in report["parity"]}
    for fp32 in ("onnxruntime fp32", "openvino fp32"):
        assert rows[fp32]["passed"] and rows[fp32]["max_abs_diff"] <= 1e-3
        assert rows[fp32]["decisions_changed"] == []
    assert rows["openvino fp16"]["gate"] is False and "max_abs_diff" in rows["openvino fp16"]
    assert "openvino fp32 (device default)" in rows
    assert report["int8"].startswith("kept")
    bundle = open_bundle(out)
    manifest = bundle.manifest
    assert manifest["tiling"] == {"tile": 64, "overlap": 16, "merge": "blend"}
    assert manifest["normalisation"]["in_graph"] is True
    assert manifest["classes"][0]["name"] == "spot"
    assert manifest["decision"]["classes"][0]["min_area_px"] == 10
    verdicts = {g["verdict"] for g in manifest["golden"]["images"]}
    assert len(manifest["golden"]["images"]) == 4 and verdicts == {"OK", "NG"}
    assert manifest["parity"]["variants"] == report["parity"]
    for args in (["--backend", "onnxruntime"], [], ["--precision", "fp16"], ["--precision", "int8"]):
        assert run_main(["verify", str(out), *args]) == 0, args


def test_fp32_parity_failure_writes_no_bundle(tiny_run: tuple[Path, str], monkeypatch) -> None:
    root, run_id = tiny_run
    real_export = pipeline.export_onnx

    def drifted(module, in_channels: int, tile: int) -> bytes:
        import torch

        with torch.no_grad():
            module.net[2].bias.add_(0.05)  # the exported graph no longer equals the trained model
        data = real_export(module, in_channels, tile)
        with torch.no_grad():
            module.net[2].bias.sub_(0.05)
        return data

    monkeypatch.setattr(pipeline, "export_onnx", drifted)
    out = root / "exports" / "bad.wbx"
    with pytest.raises(
        ExportError, match=r"FP32 parity failed, no bundle written(.|\n)*onnxruntime fp32 .* FAIL"
    ):
        export_bundle(root, run_id, out, "onnx,openvino")
    assert not out.exists()
    assert not list(out.parent.glob(".tmp-*"))


def test_int8_that_loses_accuracy_is_dropped(tiny_run: tuple[Path, str], monkeypatch) -> None:
    root, run_id = tiny_run
    real = variants.calibration_tiles

    def dark_only(*args, **kwargs) -> list[np.ndarray]:
        # Calibrating on defect-free tiles only clips the defect responses: INT8 then misses defects.
        return [t for t in real(*args, **kwargs) if t.max() < 0.5]

    monkeypatch.setattr(pipeline, "calibration_tiles", dark_only)
    report = export_bundle(
        root, run_id, root / "exports" / "q.wbx", "openvino,int8", options=ExportOptions(int8_tolerance=0.02)
    )
    assert report.int8.startswith("REJECTED") and "kept FP32" in report.int8
    assert report.variants == ["openvino_fp32"]
    row = next(r for r in report.parity if r["variant"] == "openvino int8")
    assert row["decisions_changed"] and row["max_abs_diff"] > 0.1
    manifest = open_bundle(report.path).manifest
    assert "openvino_int8" not in manifest["models"]
    assert not any(name.startswith("openvino/int8/") for name in manifest["files"])
    assert "REJECTED" in report.text()


def test_format_list_is_checked() -> None:
    assert parse_formats("onnx, INT8") == {"onnx", "int8", "openvino"}
    with pytest.raises(ExportError, match="unknown export format"):
        parse_formats("onnx,tensorflow")
    with pytest.raises(ExportError, match="unknown export format"):
        parse_formats("")


def test_classification_run_exports_with_max_over_tiles(
    tiny_run: tuple[Path, str], make_tiny_net, monkeypatch
) -> None:
    def cls_net(c: int, k: int) -> nn.Module:
        return nn.Sequential(make_tiny_net(c, k), nn.AdaptiveMaxPool2d(1), nn.Flatten())

    root, seg_run = tiny_run
    monkeypatch.setattr(infer, "get_model", lambda name, c, k, pretrained=False: cls_net(c, k))
    with Project.open(root) as project:
        config = {**project.run(seg_run).config, "task": "classification", "decision": {}}
        run = project.create_run("classification", config)
        infer.save_run_model(
            project.run_dir(run.id), ScoreModel(cls_net(3, 1), [0.5] * 3, [0.25] * 3), config
        )
    report = export_bundle(root, run.id, root / "exports" / "cls.wbx", "onnx,openvino")
    assert all(r["passed"] for r in report.parity if r["gate"])
    bundle = open_bundle(report.path)
    assert bundle.manifest["tiling"]["merge"] == "max"
    assert {g["verdict"] for g in bundle.manifest["golden"]["images"]} == {"OK", "NG"}
    assert run_main(["verify", str(report.path)]) == 0
