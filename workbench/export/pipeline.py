"""`export_bundle`: a finished run -> ONNX / OpenVINO (FP32, FP16, INT8) -> parity gate -> `.wbx`."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from workbench import __version__
from workbench.core.cancel import CancelToken, Progress, no_progress
from workbench.core.project import Project, now_iso
from workbench.core.run_config import ModelConfig
from workbench.export.bundle_writer import manifest_with_hashes, write_bundle
from workbench.export.errors import ExportError
from workbench.export.golden import golden_entries, pick_golden, tolerances
from workbench.export.onnx_export import export_onnx
from workbench.export.parity import ParityImage, VariantParity, measure
from workbench.export.variants import build_models, calibration_tiles, split_samples
from workbench.learn.infer import load_run
from workbench.runtime.bundle import Bundle
from workbench.runtime.inspector import Inspector
from workbench.runtime.manifest import FP32_TOLERANCE, Golden, Manifest, ModelFiles, Parity

FORMATS = ("onnx", "openvino", "fp16", "int8")


@dataclass
class ExportOptions:
    """Knobs of an export; the defaults suit a CPU export of a few minutes at most."""

    max_val_images: int = 16
    golden_images: int = 4
    calibration_images: int = 16
    tiles_per_image: int = 4
    int8_tolerance: float = 0.02  # largest accepted drop in validation accuracy (or agreement)
    seed: int = 0


@dataclass
class ExportReport:
    """What an export wrote and how each variant compares with the torch model."""

    path: Path
    variants: list[str]
    parity: list[dict[str, Any]]
    int8: str
    golden: int
    notes: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def text(self) -> str:
        head = [f"bundle: {self.path}", f"variants: {', '.join(self.variants)}", "parity vs torch:"]
        tail = [f"INT8: {self.int8}", f"golden images: {self.golden}", *self.notes]
        return "\n".join(head + ["  " + line for line in self.lines] + tail)


def parse_formats(formats: str | list[str]) -> set[str]:
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    wanted = {f.strip().lower() for f in items if f.strip()}
    unknown = wanted - set(FORMATS)
    if unknown or not wanted:
        raise ExportError(f"unknown export format(s) {sorted(unknown)}; choose from {', '.join(FORMATS)}")
    if wanted & {"fp16", "int8"}:
        wanted.add("openvino")
    return wanted


def _parity_items(project: Project, options: ExportOptions, notes: list[str]) -> list[ParityImage]:
    samples = split_samples(project, "val", options.max_val_images, options.seed)
    if not samples:
        samples = split_samples(project, "train", options.max_val_images, options.seed)
        notes.append("the project has no validation split: parity was measured on training images")
    if not samples:
        raise ExportError(f"project {project.root} has no samples to check the export on")
    return [ParityImage(s.name, s.label, project.read_image(s, channel=None)) for s in samples]


def _manifest(project_name: str, run_id: str, config: ModelConfig, models: dict[str, ModelFiles]) -> Manifest:
    return Manifest(
        task=config.task, classes=config.classes, in_channels=config.in_channels, tiling=config.tiling,
        decision=config.shipped_decision(), models=models, created_by=f"defect-workbench {__version__}",
        created_at=now_iso(), project=project_name, run_id=run_id, model=config.model,
    )  # fmt: skip


def _variants(bundle: Bundle) -> list[tuple[VariantParity, Inspector]]:
    plan = []
    if "onnx" in bundle.models:
        plan.append(("onnxruntime fp32", "onnxruntime", "fp32", False, True))
    for precision in ("fp32", "fp16", "int8"):
        if f"openvino_{precision}" in bundle.models:
            plan.append((f"openvino {precision}", "openvino", precision, False, precision == "fp32"))
    if "openvino_fp32" in bundle.models:
        plan.append(("openvino fp32 (device default)", "openvino", "fp32", True, False))
    return [
        (VariantParity(label, precision, gate), Inspector(bundle, backend, "cpu", precision, fast))
        for label, backend, precision, fast, gate in plan
    ]


def _int8_verdict(rows: list[VariantParity], torch_row: VariantParity, tol: float) -> tuple[bool, str]:
    row = next((r for r in rows if r.label == "openvino int8"), None)
    if row is None:
        return False, "not requested"
    if torch_row.accuracy is not None and row.accuracy is not None:
        loss, what = torch_row.accuracy - row.accuracy, "validation accuracy"
    else:
        loss, what = len(row.verdict_changes) / max(row.images, 1), "agreement with torch"
    if loss > tol:
        return (
            False,
            f"REJECTED: {what} drops by {loss * 100:.1f} points (tolerance {tol * 100:.1f}); kept FP32",
        )
    change = round(-loss * 100, 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    return True, f"kept ({what} change {change:+.1f} points, tolerance {tol * 100:.1f})"


def _cached_reference(
    predict: Callable[[np.ndarray], np.ndarray], golden: list[ParityImage]
) -> Callable[[np.ndarray], np.ndarray]:
    """The torch model's map function, remembering golden images' maps so they run once."""
    keep = {id(item.image) for item in golden}
    cache: dict[int, np.ndarray] = {}

    def reference(image: np.ndarray) -> np.ndarray:
        if id(image) in cache:
            return cache[id(image)]
        scores = predict(image)
        if id(image) in keep:
            cache[id(image)] = scores
        return scores

    return reference


def export_bundle(
    project_root: str | os.PathLike[str],
    run_id: str,
    out_path: str | os.PathLike[str] | None = None,
    formats: str | list[str] = "onnx,openvino",
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    options: ExportOptions | None = None,
) -> ExportReport:
    """Export a finished run to a verified bundle; refuses to write one whose FP32 parity fails."""
    options = options or ExportOptions()
    cancel = cancel or CancelToken()
    wanted = parse_formats(formats)
    notes: list[str] = []
    with Project.open(project_root, readonly=True) as project:
        progress(0.02, "loading the run")
        loaded = load_run(project.root, run_id, device="cpu")
        config = loaded.config
        out = Path(out_path) if out_path else project.root / "exports" / f"{run_id}.wbx"
        project_name = project.name
        items = _parity_items(project, options, notes)
        calib = []
        if "int8" in wanted:
            progress(0.05, "reading calibration images")
            calib = calibration_tiles(
                project, config, options.calibration_images, options.tiles_per_image, options.seed
            )
    cancel.raise_if_cancelled()
    progress(0.1, "exporting ONNX")
    onnx_bytes = export_onnx(loaded.score_module, config.in_channels, config.tile_size)
    files, models = build_models(onnx_bytes, wanted, calib, progress, cancel)
    manifest = _manifest(project_name, run_id, config, models)
    decision = manifest.decision
    bundle = Bundle(out, manifest_with_hashes(manifest, files), files)

    reference = _cached_reference(loaded.scores, items)
    variants = _variants(bundle)
    rows = [row for row, _ in variants]
    sub = lambda f, m: progress(0.5 + 0.4 * f, m)  # noqa: E731
    torch_row = measure(items, reference, variants, decision, sub, cancel)
    golden_items = pick_golden(items, options.golden_images)
    lines = [torch_row.line()] + [r.line() for r in rows]
    failed = [r for r in rows if r.gate and not r.passed]
    if failed:
        raise ExportError("FP32 parity failed, no bundle written:\n  " + "\n  ".join(lines))
    keep_int8, int8_text = _int8_verdict(rows, torch_row, options.int8_tolerance)
    if "openvino_int8" in models and not keep_int8:
        for name in models.pop("openvino_int8").names():
            del files[name]
    progress(0.92, "computing golden outputs")
    golden, golden_files = golden_entries(golden_items, reference, decision)
    files.update(golden_files)
    parity = Parity(torch_row.row(), tuple(r.row() for r in rows), int8_text, FP32_TOLERANCE)
    golden_part = Golden(tuple(golden), tolerances(rows))
    manifest = replace(manifest, models=dict(models), golden=golden_part, parity=parity)
    cancel.raise_if_cancelled()
    write_bundle(out, manifest, files)
    progress(1.0, f"wrote {out}")
    measured = [r.to_dict() for r in parity.variants]
    return ExportReport(out, list(models), measured, int8_text, len(golden), notes, lines)
