"""Inspector: verdicts, score maps, backends agree, providers are chosen quietly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench.core.imageio import write_image
from workbench.runtime import backends
from workbench.runtime.bundle import BundleError, open_bundle
from workbench.runtime.inspector import InspectError, Inspector


def test_inspect_ok_and_ng(bundle_path: Path, spot, tmp_path: Path) -> None:
    inspector = Inspector(bundle_path)
    ok = inspector.inspect(spot(1, spots=0))
    assert ok.verdict == "OK" and ok.defects == []
    path = tmp_path / "part ü.png"
    write_image(path, spot(2, h=150, w=200, spots=2))
    ng = inspector.inspect(path, return_scores=True)
    assert ng.verdict == "NG"
    assert 1 <= len(ng.defects) <= 2
    assert {"x", "y", "w", "h", "area_px", "max_score"} <= set(ng.defects[0])
    assert ng.score_map is not None and ng.score_map.shape == (1, 150, 200)
    assert ng.source == str(path)
    assert ng.to_dict()["n_defects"] == len(ng.defects)


@pytest.mark.openvino_cpu
def test_backends_agree_and_precision_is_pinned(bundle_path: Path, spot) -> None:
    bundle = open_bundle(bundle_path)
    image = spot(3, spots=2)
    ov = Inspector(bundle, backend="openvino", device="cpu")
    ort = Inspector(bundle, backend="onnxruntime", device="cpu")
    assert ov.backend.inference_precision == "f32"
    assert "onnxruntime on CPU" in ort.describe()
    diff = np.abs(ov.scores(image) - ort.scores(image)).max()
    assert diff < 1e-5
    assert ov.inspect(image).verdict == ort.inspect(image).verdict == "NG"


def test_wrong_channel_count_names_the_image(bundle_path: Path) -> None:
    inspector = Inspector(bundle_path, backend="onnxruntime")
    grey = np.zeros((64, 64), np.uint8)
    with pytest.raises(InspectError, match=r"1 channel.*expects 3"):
        inspector.inspect(grey)


@pytest.mark.openvino_cpu
def test_missing_variant_is_reported(bundle_path: Path) -> None:
    with pytest.raises(BundleError, match="no OpenVINO INT8 model"):
        Inspector(bundle_path, backend="openvino", precision="int8")
    with pytest.raises(BundleError, match="FP32 ONNX model only"):
        Inspector(bundle_path, backend="onnxruntime", precision="fp16")


def test_providers_without_gpu_are_cpu_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "nvidia_driver_present", lambda: False)
    assert backends.ort_providers("auto") == ["CPUExecutionProvider"]
    assert backends.ort_providers("cpu") == ["CPUExecutionProvider"]


def test_providers_with_gpu_prefer_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    import onnxruntime as ort

    monkeypatch.setattr(backends, "nvidia_driver_present", lambda: True)
    monkeypatch.setattr(
        ort, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"]
    )
    assert backends.ort_providers("auto") == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    with pytest.raises(BundleError, match="no TensorrtExecutionProvider"):
        backends.ort_providers("tensorrt")


def test_auto_backend_on_cpu_machine_is_quiet(bundle_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    Inspector(bundle_path, backend="onnxruntime", device="auto")
    err = capfd.readouterr().err
    assert "CUDA" not in err and "Failed" not in err
