"""Inference backends: OpenVINO and ONNX Runtime, each a callable on a float32 NCHW batch.

Precision is always explicit. ``fast=False`` pins OpenVINO to f32 arithmetic: on CPUs with
AVX-512 BF16 / AMX, OpenVINO would otherwise pick bf16 by itself, which changes score maps.
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from workbench.runtime.bundle import Bundle, BundleError
from workbench.runtime.cpu_info import ONEDNN_LIMITS, isa_limits

BACKENDS = ("openvino", "onnxruntime")
PRECISIONS = ("fp32", "fp16", "int8")
_OV_VARIANT = {"fp32": "openvino_fp32", "fp16": "openvino_fp16", "int8": "openvino_int8"}


class Backend(Protocol):
    """Maps a float32 batch ``(N, C, H, W)`` in [0, 1] to scores ``(N, K, H, W)``."""

    name: str
    device: str
    precision: str

    def __call__(self, batch: np.ndarray) -> np.ndarray: ...


def openvino_cpu_refusal() -> str | None:
    """Why OpenVINO's CPU plugin is not started in this process; None when nothing speaks against it.

    The plugin carries its own oneDNN, which obeys ``ONEDNN_MAX_CPU_ISA``, while the plugin's own
    kernels keep the CPU's whole instruction set. With ``ONEDNN_MAX_CPU_ISA=AVX2`` set, OpenVINO
    2026.4 could not compile the anomaly model's average pooling ("supported primitive descriptors
    list is empty") and crashed the process (segmentation fault) inferring a small segmentation
    net, on a 2-core AMD EPYC with AVX-512. A crash takes the user's work with it, so the plugin is
    not started then.
    """
    held = onednn_limits()
    if not held:
        return None
    return (
        f"OpenVINO is not started on the CPU while {held} is set: its CPU plugin fails or "
        "crashes under that setting. Unset it to use OpenVINO, or run the FP32 ONNX model with "
        "ONNX Runtime (backend onnxruntime)."
    )


def onednn_limits() -> str:
    """``ONEDNN_MAX_CPU_ISA=AVX2`` (joined by " and " when both names are set); "" when none is."""
    return " and ".join(f"{k}={v}" for k, v in isa_limits(names=ONEDNN_LIMITS).items())


def backend_installed(name: str) -> bool:
    module = {"openvino": "openvino", "onnxruntime": "onnxruntime"}[name]
    return importlib.util.find_spec(module) is not None


def _can_load(*libs: str) -> bool:
    for lib in libs:
        try:
            ctypes.CDLL(lib)
            return True
        except OSError:
            continue
    return False


def nvidia_driver_present() -> bool:
    """True when an NVIDIA driver library loads (checked before asking ORT for CUDA, to stay quiet)."""
    return _can_load("nvcuda.dll") if sys.platform == "win32" else _can_load("libcuda.so.1", "libcuda.so")


def ort_providers(device: str) -> list[str]:
    """The ONNX Runtime providers to request for ``device`` ('auto', 'cpu', 'cuda', 'tensorrt')."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    if device == "cpu":
        return ["CPUExecutionProvider"]
    if device in ("cuda", "tensorrt"):
        wanted = "CUDAExecutionProvider" if device == "cuda" else "TensorrtExecutionProvider"
        if wanted not in available:
            raise BundleError(f"ONNX Runtime here has no {wanted} (available: {', '.join(available)})")
        chain = [wanted] + (["CUDAExecutionProvider"] if device == "tensorrt" else [])
        return [*chain, "CPUExecutionProvider"]
    if device != "auto":
        raise BundleError(f"unknown ONNX Runtime device {device!r}; use auto, cpu, cuda or tensorrt")
    # onnxruntime-gpu lists CUDA even where no GPU exists; asking for it then logs errors.
    if "CUDAExecutionProvider" in available and nvidia_driver_present():
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


@dataclass
class OrtBackend:
    """ONNX Runtime on the bundle's ONNX model (FP32)."""

    session: Any
    input_name: str
    device: str
    name: str = "onnxruntime"
    precision: str = "fp32"

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        out = self.session.run(None, {self.input_name: np.ascontiguousarray(batch, dtype=np.float32)})
        return np.asarray(out[0], dtype=np.float32)


def make_ort(bundle: Bundle, device: str = "auto", threads: int = 0) -> OrtBackend:
    if "onnx" not in bundle.models:
        raise BundleError(f"{bundle.path}: the bundle holds no ONNX model (needed by onnxruntime)")
    return ort_backend(bundle.read(bundle.models["onnx"].path), device, threads)


def ort_backend(data: bytes, device: str = "auto", threads: int = 0) -> OrtBackend:
    """ONNX Runtime on one ONNX model's bytes."""
    import onnxruntime as ort

    providers = ort_providers(device)
    quiet = device == "auto"
    ort.set_default_logger_severity(4 if quiet else 2)
    options = ort.SessionOptions()
    options.log_severity_level = 4 if quiet else 2
    if threads:
        options.intra_op_num_threads = threads
    session = ort.InferenceSession(data, sess_options=options, providers=providers)
    used = session.get_providers()
    if device in ("cuda", "tensorrt") and used[0] != providers[0]:
        raise BundleError(f"ONNX Runtime could not start {providers[0]} (CUDA libraries missing?)")
    label = used[0].replace("ExecutionProvider", "")
    return OrtBackend(session, session.get_inputs()[0].name, label)


@dataclass
class OpenVinoBackend:
    """OpenVINO on one IR variant of the bundle, with an explicit inference precision."""

    compiled: Any
    device: str
    precision: str
    inference_precision: str
    name: str = "openvino"

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        out = self.compiled(np.ascontiguousarray(batch, dtype=np.float32))
        return np.asarray(out[0], dtype=np.float32)


def _ov_model(core: Any, bundle: Bundle, precision: str) -> Any:
    import openvino as ov

    variant = _OV_VARIANT.get(precision)
    if variant is None:
        raise BundleError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
    entry = bundle.models.get(variant)
    if entry is None:
        if precision == "fp32" and "onnx" in bundle.models:
            return core.read_model(bundle.read(bundle.models["onnx"].path))
        raise BundleError(f"{bundle.path}: the bundle holds no OpenVINO {precision.upper()} model")
    weights = np.frombuffer(bundle.read(entry.bin), dtype=np.uint8).copy()
    return core.read_model(bundle.read(entry.xml), ov.Tensor(weights))


def make_openvino(
    bundle: Bundle, device: str = "auto", precision: str = "fp32", fast: bool = False, threads: int = 0
) -> OpenVinoBackend:
    _refuse_cpu(device)
    import openvino as ov

    core = ov.Core()
    return _ov_backend(core, _ov_model(core, bundle, precision), device, precision, fast, threads)


def _refuse_cpu(device: str) -> None:
    """Raise before OpenVINO starts anything when its CPU plugin must not run (``openvino_cpu_refusal``)."""
    refusal = openvino_cpu_refusal() if device.lower() in ("auto", "cpu") else None
    if refusal:
        raise BundleError(refusal)


def _ov_backend(
    core: Any, model: Any, device: str, precision: str, fast: bool, threads: int
) -> OpenVinoBackend:
    ov_device = "CPU" if device in ("auto", "cpu") else device.upper()
    _refuse_cpu(ov_device)
    if ov_device not in core.available_devices:
        raise BundleError(f"OpenVINO has no device {ov_device} here ({', '.join(core.available_devices)})")
    config: dict[str, Any] = {} if fast else {"INFERENCE_PRECISION_HINT": "f32"}
    if threads:
        config["INFERENCE_NUM_THREADS"] = threads
    compiled = core.compile_model(model, ov_device, config)
    try:
        hint = compiled.get_property("INFERENCE_PRECISION_HINT")
        used = hint.to_string() if hasattr(hint, "to_string") else str(hint)
    except RuntimeError:  # some devices do not report it
        used = "device default"
    return OpenVinoBackend(compiled, ov_device, precision, used)


def make_region_backend(
    bundle: Bundle, backend: OpenVinoBackend | OrtBackend, device: str = "auto", threads: int = 0
) -> OpenVinoBackend | OrtBackend | None:
    """The bundle's region classifier on the segmenter's backend (None for a one-stage bundle).

    It is FP32 whichever segmenter variant runs, with f32 arithmetic also under ``fast``: its
    probabilities decide vetoes, and the export verified them in FP32.
    """
    region = bundle.manifest.region
    if region is None:
        return None
    files = region.files_for(backend.name)
    if files is None:
        raise BundleError(f"{bundle.path}: the bundle holds no region classifier that {backend.name} can run")
    if backend.name == "onnxruntime":
        ort_device = {"CUDA": "cuda", "Tensorrt": "tensorrt"}.get(backend.device, "cpu")
        return ort_backend(bundle.read(files.path), ort_device, threads)
    _refuse_cpu(backend.device)
    import openvino as ov

    core = ov.Core()
    if files.path:
        model = core.read_model(bundle.read(files.path))
    else:
        weights = np.frombuffer(bundle.read(files.bin), dtype=np.uint8).copy()
        model = core.read_model(bundle.read(files.xml), ov.Tensor(weights))
    return _ov_backend(core, model, backend.device.lower(), "fp32", False, threads)


def make_backend(
    bundle: Bundle,
    backend: str = "auto",
    device: str = "auto",
    precision: str = "fp32",
    fast: bool = False,
    threads: int = 0,
) -> OpenVinoBackend | OrtBackend:
    """Pick and start a backend. 'auto': ONNX Runtime on an NVIDIA GPU, else OpenVINO, else ORT CPU."""
    if backend == "auto":
        backend = _auto_backend(bundle, device, precision)
    if backend == "onnxruntime":
        if precision != "fp32":
            raise BundleError(f"onnxruntime runs the FP32 ONNX model only, not {precision}")
        return make_ort(bundle, device, threads)
    if backend == "openvino":
        return make_openvino(bundle, device, precision, fast, threads)
    raise BundleError(f"unknown backend {backend!r}; use auto, {', '.join(BACKENDS)}")


def _auto_backend(bundle: Bundle, device: str, precision: str) -> str:
    refusal = openvino_cpu_refusal() if device in ("auto", "cpu") else None
    has_ov = (
        not refusal
        and backend_installed("openvino")
        and (
            _OV_VARIANT.get(precision, "") in bundle.models
            or (precision == "fp32" and "onnx" in bundle.models)
        )
    )
    has_ort = backend_installed("onnxruntime") and "onnx" in bundle.models and precision == "fp32"
    wants_gpu = device in ("cuda", "tensorrt") or (device == "auto" and nvidia_driver_present())
    if has_ort and wants_gpu:
        return "onnxruntime"
    if has_ov:
        return "openvino"
    if has_ort:
        return "onnxruntime"
    raise BundleError(f"no installed backend can run the {precision} model of {bundle.path}"
                      + (f" ({refusal})" if refusal else ""))  # fmt: skip
