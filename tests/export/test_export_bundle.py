"""export_bundle: parity gate, INT8 kept or refused, golden images verify on every backend."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from workbench.cli import main as workbench_main
from workbench.core.decisions import DecisionConfig
from workbench.core.project import Project
from workbench.core.run_config import RunConfig, TrainConfig
from workbench.core.tiling import Tiling
from workbench.export import pipeline, variants
from workbench.export.errors import ExportError
from workbench.export.onnx_export import export_onnx
from workbench.export.openvino_export import convert_onnx
from workbench.export.pipeline import ExportOptions, export_bundle, parse_formats
from workbench.learn import infer
from workbench.learn.score_model import ScoreModel
from workbench.runtime.bundle import open_bundle
from workbench.runtime.cli import main as run_main
from workbench.runtime.manifest import Manifest, ModelFiles

# Whether real INT8 keeps the tiny run's accuracy depends on the CPU (VNNI or not), so tests that
# need a certain verdict replace the quantiser with a stand-in whose accuracy is known everywhere.


def exact_int8(model: Any, calibration: list[np.ndarray]) -> Any:
    """An "INT8" model that is the FP32 graph: no accuracy lost on any CPU."""
    assert calibration, "the pipeline must still hand the quantiser calibration tiles"
    return model


@pytest.fixture
def blind_int8(make_tiny_net: Callable[[int, int], nn.Module]) -> Callable[[Any, list[np.ndarray]], Any]:
    """A quantiser stand-in whose model scores every pixel below threshold: each NG part turns OK."""

    def quantise(model: Any, calibration: list[np.ndarray]) -> Any:
        assert calibration
        net = make_tiny_net(3, 1)
        with torch.no_grad():
            net[2].weight.zero_()
            net[2].bias.fill_(-10.0)  # every score sigmoid(-10), far below the 0.5 threshold
        return convert_onnx(export_onnx(ScoreModel(net, [0.5] * 3, [0.25] * 3), 3, 64))  # the run's tile

    return quantise


@pytest.mark.openvino_cpu
def test_full_export_passes_parity_and_verifies(tiny_run: tuple[Path, str], capsys, monkeypatch) -> None:
    monkeypatch.setattr(variants, "quantize_int8", exact_int8)
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
            "--force",  # the tiny run may be far below usable; this test is about the bundle
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
    assert report["int8"].startswith("kept (validation accuracy change +0.0 points")
    assert rows["openvino int8"]["decisions_changed"] == []
    manifest = open_bundle(out).manifest
    assert manifest.parity is not None and manifest.parity.int8 == report["int8"]
    int8 = ModelFiles(xml="openvino/int8/model.xml", bin="openvino/int8/model.bin")
    assert manifest.models["openvino_int8"] == int8
    assert manifest.tiling == Tiling(64, 16, "blend", 32) and manifest.in_channels == 3
    assert manifest.classes[0].name == "spot" and manifest.decision.classes[0].min_area_px == 10
    assert (manifest.run_id, manifest.project, manifest.model) == (run_id, "proj", "tiny-test")
    verdicts = {g.verdict for g in manifest.golden.images}
    assert len(manifest.golden.images) == 4 and verdicts == {"OK", "NG"}
    assert [r.to_dict() for r in manifest.parity.variants] == report["parity"]
    # every section written is one the runtime reads: no normalisation, precision or input layout
    with zipfile.ZipFile(out) as zf:
        raw = json.loads(zf.read("manifest.json"))
    assert set(raw) == {"format", "format_version", "created_by", "created_at", "project", "run_id", "task",
                        "model", "classes", "input", "tiling", "decision", "models", "files", "golden",
                        "parity"}  # fmt: skip
    assert raw["input"] == {"channels": 3} and raw["models"]["onnx"] == {"path": "model.onnx"}
    assert set(raw["golden"]["images"][0]) == {"file", "name", "verdict", "n_defects", "summary"}
    assert Manifest.from_dict(raw).to_dict() == raw
    capsys.readouterr()
    for args in (["--backend", "onnxruntime"], [], ["--precision", "fp16"], ["--precision", "int8"]):
        assert run_main(["verify", str(out), *args]) == 0, args
        said = capsys.readouterr().out
        assert said.startswith(f"bundle of run {run_id} of project 'proj' (segmentation, model tiny-test)")
        assert "at export: " in said, args


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


@pytest.mark.openvino_cpu
def test_int8_that_loses_accuracy_is_refused_with_its_reason(
    tiny_run: tuple[Path, str], blind_int8, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(variants, "quantize_int8", blind_int8)
    root, run_id = tiny_run
    out = root / "exports" / "blind.wbx"
    args = [
        "export",
        str(root),
        "--run",
        run_id,
        "--format",
        "openvino,int8",
        "--out",
        str(out),
        "--json",
        "--force",
    ]
    assert workbench_main(args) == 0  # a refused INT8 is not a failed export: FP32 is shipped
    report = json.loads(capsys.readouterr().out)
    # The tile where the trained model scores highest stands for each of the 2 NG golden parts (no
    # masks); both turn OK, with the NG tiles of the spots beside them: a drop of many points.
    drop = re.fullmatch(
        r"REJECTED: validation accuracy drops by (\d+\.\d) points \(tolerance 2\.0\); kept FP32",
        report["int8"],
    )
    assert drop is not None and float(drop.group(1)) >= 10.0
    assert report["variants"] == ["openvino_fp32"]
    row = next(r for r in report["parity"] if r["variant"] == "openvino int8")
    assert len(row["decisions_changed"]) >= 2 and all("NG->OK" in c for c in row["decisions_changed"])
    reason = report["int8"]
    assert "left out" in report["sentences"]["en"][-2] and "未保留" in report["sentences"]["zh_CN"][-2]
    manifest = open_bundle(out).manifest
    assert manifest.parity is not None and manifest.parity.int8 == reason
    assert "openvino_int8" not in manifest.models
    assert not any(name.startswith("openvino/int8/") for name in manifest.files)
    assert run_main(["verify", str(out)]) == 0


@pytest.mark.openvino_cpu
def test_calibration_that_misses_defects_is_caught_by_the_gate(
    tiny_run: tuple[Path, str], monkeypatch
) -> None:
    """The real quantiser: ranges fitted on defect-free tiles clip the defect responses.

    The clipped responses sit far below the threshold whatever INT8 arithmetic the CPU has, so
    this verdict is the same on every machine (unlike the verdict of a good calibration).
    """
    root, run_id = tiny_run
    real = variants.calibration_tiles

    def dark_only(*args, **kwargs) -> list[np.ndarray]:
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
    assert "openvino_int8" not in manifest.models
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
        seg = project.run(seg_run).config.model
        assert seg is not None
        model = replace(seg, task="classification", decision=DecisionConfig())
        config = RunConfig(TrainConfig(task="classification"), model)
        run = project.create_run(config)
        infer.save_run_model(
            project.run_dir(run.id), ScoreModel(cls_net(3, 1), [0.5] * 3, [0.25] * 3), config
        )
    report = export_bundle(root, run.id, root / "exports" / "cls.wbx", "onnx,openvino")
    assert all(r["passed"] for r in report.parity if r["gate"])
    bundle = open_bundle(report.path)
    assert bundle.manifest.tiling.merge == "max"
    assert {g.verdict for g in bundle.manifest.golden.images} == {"OK", "NG"}
    assert run_main(["verify", str(report.path)]) == 0


def test_openvino_is_left_out_with_a_note_where_its_cpu_plugin_would_crash(
    tiny_run: tuple[Path, str], monkeypatch
) -> None:
    # what the environment holds is given here: setting ONEDNN_MAX_CPU_ISA in this process could
    # hold torch's and OpenVINO's oneDNN for the tests after this one
    said = "OpenVINO is not started on the CPU while DNNL_MAX_CPU_ISA=AVX2 is set"
    monkeypatch.setattr(pipeline, "openvino_cpu_refusal", lambda: said)
    monkeypatch.setattr(pipeline, "onednn_limits", lambda: "DNNL_MAX_CPU_ISA=AVX2")
    monkeypatch.setattr(variants, "quantize_int8", lambda *a: pytest.fail("INT8 calibration runs OpenVINO"))
    root, run_id = tiny_run
    report = export_bundle(root, run_id, root / "exports" / "b.wbx", "onnx,openvino,fp16,int8")
    assert report.variants == ["onnx"]
    assert [r["variant"] for r in report.parity] == ["onnxruntime fp32"]
    assert any("OpenVINO variants left out" in n and "DNNL_MAX_CPU_ISA=AVX2" in n for n in report.notes)
    assert list(open_bundle(report.path).manifest.models) == ["onnx"]
    with pytest.raises(ExportError, match="not started on the CPU"):
        export_bundle(root, run_id, root / "exports" / "c.wbx", "openvino")
    assert not (root / "exports" / "c.wbx").exists()
