"""Export of a two-stage run: the region classifier in the bundle (FP32 beside every segmenter
variant), its parity gate, golden vetoes and probabilities that ``verify`` checks."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.two_stage import KEEP_ALL, VETO_ALL, add_region_stage, export_two_stage
from workbench.export import pipeline
from workbench.export.errors import ExportError
from workbench.export.pipeline import export_bundle
from workbench.runtime.bundle import open_bundle
from workbench.runtime.cli import main as run_main
from workbench.runtime.inspector import Inspector
from workbench.runtime.manifest import REGION_NOTE


@pytest.fixture(scope="module")
def two_stage(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(bundle, project root, run id): the tiny run with a classifier that vetoes every region,
    exported with ONNX, OpenVINO FP32 and FP16."""
    return export_two_stage(tmp_path_factory.mktemp("two-stage"), "onnx,openvino,fp16")


def _rewrite(path: Path, out: Path, change) -> Path:
    """A copy of bundle ``path`` whose manifest ``change(manifest)`` edited (member hashes kept)."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(members["manifest.json"])
    change(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


@pytest.mark.openvino_cpu
def test_two_stage_bundle_holds_an_fp32_classifier_and_passes_the_gate(two_stage) -> None:
    bundle_path, _, _ = two_stage
    bundle = open_bundle(bundle_path)
    manifest = bundle.manifest
    assert manifest.format_version == 6
    assert set(manifest.models) == {"onnx", "openvino_fp32", "openvino_fp16"}
    region = manifest.region
    assert region is not None and region.model == "cls-effnetlite0"
    # one classifier for every segmenter variant, FP32 only
    assert set(region.models) == {"onnx", "openvino_fp32"}
    assert region.stage.levels == (0.5,) and region.stage.input_size == 32
    with zipfile.ZipFile(bundle_path) as zf:
        raw = json.loads(zf.read("manifest.json"))
    assert raw["region_stage"]["precision"] == "fp32" and raw["region_stage"]["note"] == REGION_NOTE
    assert raw["decision"]["classes"][0]["confirm_threshold"] == VETO_ALL
    # the classifier graph: dynamic batch, (N, C, S, S) in, (N, 1 + M) out
    import onnx

    graph = onnx.load_from_string(bundle.read(region.models["onnx"].path)).graph
    dims = [d.dim_param or d.dim_value for d in graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["batch", 3, 32, 32]
    assert [d.dim_param or d.dim_value for d in graph.output[0].type.tensor_type.shape.dim] == ["batch", 2]
    parity = manifest.parity
    assert parity is not None
    assert {r.variant for r in parity.region} == {"onnxruntime fp32 classifier", "openvino fp32 classifier"}
    assert all(r.gate and r.passed and r.images > 0 and r.max_abs_diff <= 1e-3 for r in parity.region)
    assert all(r.passed for r in parity.variants if r.gate)
    # every golden NG part's regions were vetoed: the entries say how many, with probabilities
    golden = manifest.golden.images
    assert all(g.n_vetoed is not None for g in golden)
    vetoing = [g for g in golden if g.n_vetoed]
    assert vetoing and all(g.verdict == "OK" and not g.n_defects for g in vetoing)
    assert all(len(g.vetoed_probs) == g.n_vetoed for g in golden)
    assert all(p is not None and 0.0 < p < VETO_ALL for g in vetoing for p in g.vetoed_probs)
    report = bundle_path.with_name(bundle_path.stem + ".report.txt").read_text(encoding="utf-8")
    assert (
        "The region classifier (FP32) on OpenVINO" in report and "区域分类器（FP32）在 OpenVINO 上" in report
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--backend", "onnxruntime"],
        pytest.param(["--backend", "openvino"], marks=pytest.mark.openvino_cpu),
        pytest.param(["--precision", "fp16"], marks=pytest.mark.openvino_cpu),
    ],
)
def test_two_stage_bundle_verifies_on_every_backend(two_stage, args, capsys) -> None:
    bundle_path, _, _ = two_stage
    assert run_main(["verify", str(bundle_path), *args]) == 0
    said = capsys.readouterr().out
    assert "vetoed by the classifier" in said and "region classifier fp32" in said
    assert "fp32 classifier" in said  # what the export measured of the classifier on this backend


def test_verify_fails_when_a_golden_veto_count_differs(two_stage, tmp_path: Path, capsys) -> None:
    bundle_path, _, _ = two_stage

    def tamper(manifest: dict) -> None:
        entry = next(g for g in manifest["golden"]["images"] if g["n_vetoed"])
        entry["n_vetoed"] -= 1

    bad = _rewrite(bundle_path, tmp_path / "tampered.wbx", tamper)
    assert run_main(["verify", str(bad), "--backend", "onnxruntime"]) == 1
    said = capsys.readouterr().out
    fail = [line for line in said.splitlines() if line.startswith("FAIL")]
    assert len(fail) == 1 and "vetoed by the classifier" in fail[0]
    assert "verify FAILED" in said


def test_verify_fails_when_a_golden_probability_differs(two_stage, tmp_path: Path, capsys) -> None:
    bundle_path, _, _ = two_stage

    def tamper(manifest: dict) -> None:
        entry = next(g for g in manifest["golden"]["images"] if g["n_vetoed"])
        entry["vetoed_probs"][0] += 0.01

    bad = _rewrite(bundle_path, tmp_path / "drifted.wbx", tamper)
    assert run_main(["verify", str(bad), "--backend", "onnxruntime"]) == 1
    fail = [line for line in capsys.readouterr().out.splitlines() if line.startswith("FAIL")]
    assert len(fail) == 1 and "classifier probability diff 1.00e-02" in fail[0]


def test_the_bundle_decides_both_stages_as_the_run(two_stage) -> None:
    bundle_path, _, _ = two_stage
    inspector = Inspector(bundle_path, backend="onnxruntime", device="cpu")
    assert inspector.region_stage is not None
    rng = np.random.default_rng(5)
    image = (40 + rng.integers(0, 20, size=(96, 128, 3))).astype(np.uint8)
    image[20:28, 30:38] = 235
    image[60:68, 90:98] = 235
    result = inspector.inspect(image)
    assert result.verdict == "OK" and not result.defects
    assert len(result.vetoed) == 2 and all(v["defect_prob"] < VETO_ALL for v in result.vetoed)


def test_a_keeping_classifier_leaves_ng_parts_ng(tiny_run: tuple[Path, str]) -> None:
    root, run_id = tiny_run
    add_region_stage(root, run_id, KEEP_ALL)
    report = export_bundle(root, run_id, root / "exports" / "keep.wbx", "onnx")
    golden = open_bundle(report.path).manifest.golden.images
    ng = [g for g in golden if g.verdict == "NG"]
    assert ng and all(g.n_vetoed == 0 and len(g.defect_probs) == g.n_defects for g in ng)
    assert all(p is not None and p > KEEP_ALL for g in ng for p in g.defect_probs)


def test_a_classifier_that_drifts_in_export_fails_the_gate(tiny_run: tuple[Path, str], monkeypatch) -> None:
    root, run_id = tiny_run
    add_region_stage(root, run_id)
    real = pipeline.export_region_onnx

    def drifted(module, in_channels: int, size: int) -> bytes:
        import torch

        head = module.net.classifier
        with torch.no_grad():
            head.bias[0] += 0.05  # the exported classifier no longer equals the trained one
        try:
            return real(module, in_channels, size)
        finally:
            with torch.no_grad():
                head.bias[0] -= 0.05

    monkeypatch.setattr(pipeline, "export_region_onnx", drifted)
    out = root / "exports" / "bad.wbx"
    with pytest.raises(ExportError, match=r"FP32 parity failed(.|\n)*onnxruntime fp32 classifier .* FAIL"):
        export_bundle(root, run_id, out, "onnx")
    assert not out.exists()
