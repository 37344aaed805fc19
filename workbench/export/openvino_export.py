"""ONNX -> OpenVINO IR in FP32, FP16 (compressed weights) and INT8 (post-training quantisation)."""

from __future__ import annotations

import contextlib
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from workbench.export.errors import ExportError


def convert_onnx(onnx_bytes: bytes) -> Any:
    """An ``openvino.Model`` read from ONNX bytes."""
    import openvino as ov

    return ov.Core().read_model(onnx_bytes)


def serialize(model: Any, compress_to_fp16: bool = False) -> tuple[bytes, bytes]:
    """``(xml, bin)`` bytes of an OpenVINO model."""
    import openvino as ov

    with tempfile.TemporaryDirectory(prefix="wb-ov-") as tmp:
        xml = Path(tmp) / "model.xml"
        ov.save_model(model, str(xml), compress_to_fp16=compress_to_fp16)
        return xml.read_bytes(), xml.with_suffix(".bin").read_bytes()


def quantize_int8(model: Any, calibration: Sequence[np.ndarray], preset: str = "mixed") -> Any:
    """INT8 model by NNCF post-training quantisation on ``calibration`` batches ``(1,C,t,t)``.

    The ``mixed`` preset quantises activations asymmetrically, which suits sigmoid/ReLU maps.
    Activation ranges are the min/max over all calibration tiles, not NNCF's default mean of
    per-tile extremes: defects are rare, and averaging would clip exactly the defect responses.
    """
    if not calibration:
        raise ExportError("INT8 needs calibration images from the training split; the run has none")
    # nncf imports torch's extension helper, which logs a CUDA warning on CPU-only machines.
    logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)
    try:
        import nncf
    except ImportError as exc:
        raise ExportError("INT8 export needs the 'nncf' package (pip install nncf)") from exc
    from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters
    from nncf.quantization.range_estimator import RangeEstimatorParametersSet

    advanced = AdvancedQuantizationParameters(
        activations_range_estimator_params=RangeEstimatorParametersSet.MINMAX
    )
    dataset = nncf.Dataset(list(calibration))
    qpreset = nncf.QuantizationPreset.MIXED if preset == "mixed" else nncf.QuantizationPreset.PERFORMANCE
    try:
        # nncf draws progress bars on stdout; keep stdout for results (``workbench export --json``).
        with contextlib.redirect_stdout(sys.stderr):
            return nncf.quantize(
                model, dataset, preset=qpreset, subset_size=len(calibration), advanced_parameters=advanced
            )
    except Exception as exc:  # nncf raises its own and backend errors
        raise ExportError(f"INT8 quantisation failed: {exc}") from exc
