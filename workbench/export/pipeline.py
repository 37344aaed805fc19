"""`export_bundle`: a finished run -> ONNX / OpenVINO (FP32, FP16, INT8) -> parity gate -> `.wbx`.

A two-stage run (``ModelConfig.region_stage``) also exports its region classifier, FP32 only
(``variants.build_region_models``); the gate then compares the classifier's probabilities on the
golden images' crops (``region_parity``) and decides every parity tile with both stages.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.core.atomic import atomic_write_text
from workbench.core.cancel import CancelToken, Progress, no_progress
from workbench.core.project import Project, now_iso
from workbench.core.run_config import ModelConfig
from workbench.core.types import Sample
from workbench.export import job_lines as lines_said
from workbench.export.bundle_writer import manifest_with_hashes, write_bundle
from workbench.export.errors import ExportError
from workbench.export.golden import golden_entries, ng_ok_order, tolerances
from workbench.export.onnx_export import export_onnx, export_region_onnx
from workbench.export.parity import ParityImage, VariantParity, measure
from workbench.export.parity_tiles import choose_golden, parity_tiles
from workbench.export.plain_report import LANGUAGES, ExportChecks, Int8Check
from workbench.export.region_parity import golden_crops, region_rows
from workbench.export.variants import build_models, build_region_models, calibration_tiles, split_samples
from workbench.learn.infer import LoadedRun, load_run
from workbench.runtime.backends import onednn_limits, openvino_cpu_refusal
from workbench.runtime.bundle import Bundle
from workbench.runtime.golden import prob_diff, summary_diff
from workbench.runtime.inspector import Inspector
from workbench.runtime.manifest import (
    FP32_TOLERANCE,
    Golden,
    GoldenImage,
    Manifest,
    ModelFiles,
    Parity,
    ParityRow,
    RegionSection,
)

FORMATS = ("onnx", "openvino", "fp16", "int8")


@dataclass
class ExportOptions:
    """Knobs of an export; the defaults suit a CPU export of a few minutes at most."""

    max_val_images: int = 16  # validation images the golden images are chosen from
    golden_images: int = 4
    parity_tiles: int = 16  # tiles of the golden images torch and every variant are compared on
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
    checks: ExportChecks
    tiles: list[tuple[int, int]] = field(default_factory=list)  # (height, width) of each parity tile
    notes: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def details(self) -> list[str]:
        """The technical part: bundle, variants, each variant's measured row, INT8, golden, notes."""
        c = self.checks
        where = f"{c.tiles} tiles (up to {c.tile_size} px) of {c.images} golden image(s)"
        head = [
            f"bundle: {self.path}",
            f"variants: {', '.join(self.variants)}",
            f"parity vs torch on {where}:",
        ]
        tail = [f"INT8: {self.int8}", f"golden images: {self.golden}", *self.notes]
        return head + ["  " + line for line in self.lines] + tail

    def text(self, language: str = "en") -> str:
        """Plain sentences first, one per check, then the details."""
        return "\n".join([*self.checks.sentences(language), "", *self.details()])

    def file_text(self) -> str:
        """The report file beside the bundle: the sentences in every language, then the details."""
        parts = [line for lang in LANGUAGES for line in (*self.checks.sentences(lang), "")]
        return "\n".join([*parts, *self.details()]) + "\n"


def report_path(bundle: Path) -> Path:
    """Where the report of ``bundle`` is written: ``<name>.report.txt`` beside it."""
    return bundle.with_name(bundle.stem + ".report.txt")


def parse_formats(formats: str | list[str]) -> set[str]:
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    wanted = {f.strip().lower() for f in items if f.strip()}
    unknown = wanted - set(FORMATS)
    if unknown or not wanted:
        raise ExportError(f"unknown export format(s) {sorted(unknown)}; choose from {', '.join(FORMATS)}")
    if wanted & {"fp16", "int8"}:
        wanted.add("openvino")
    return wanted


def _candidates(
    project: Project, options: ExportOptions, notes: list[str]
) -> list[Callable[[], ParityImage]]:
    """Readers of the images golden images are chosen from, NG and OK alternating."""
    samples = split_samples(project, "val", options.max_val_images, options.seed)
    if not samples:
        samples = split_samples(project, "train", options.max_val_images, options.seed)
        notes.append(lines_said.NO_VAL_SPLIT())
    if not samples:
        raise ExportError(f"project {project.root} has no samples to check the export on")

    def reader(s: Sample) -> Callable[[], ParityImage]:
        mask = lambda: project.read_mask(s) if s.has_mask else None  # noqa: E731
        return lambda: ParityImage(s.name, s.label, project.read_image(s, channel=None), mask=mask())

    return [reader(s) for s in ng_ok_order(samples)]


def _manifest(
    project_name: str,
    run_id: str,
    config: ModelConfig,
    models: dict[str, ModelFiles],
    region: RegionSection | None,
) -> Manifest:
    return Manifest(
        task=config.task, classes=config.classes, in_channels=config.in_channels, tiling=config.tiling,
        decision=config.shipped_decision(), models=models, created_by=f"defect-workbench {__version__}",
        created_at=now_iso(), project=project_name, run_id=run_id, model=config.model, region=region,
    )  # fmt: skip


def _region_models(loaded: LoadedRun, wanted: set[str], files: dict[str, bytes]) -> RegionSection | None:
    """The run's region classifier in the bundle (FP32; its files added to ``files``), if it has one."""
    stage, module = loaded.region_stage, loaded.region_module
    if stage is None or module is None:
        return None
    onnx_bytes = export_region_onnx(module, loaded.config.in_channels, stage.input_size)
    region_files, region_models = build_region_models(onnx_bytes, wanted)
    files.update(region_files)
    return RegionSection(stage, loaded.config.region_model or "", region_models)


def _region_parity(
    loaded: LoadedRun, golden: list[ParityImage], variants: list[tuple[VariantParity, Inspector]]
) -> list[ParityRow]:
    """The classifier of each backend against torch's on the golden images' crops."""
    stage = loaded.region_stage
    if stage is None:
        return []
    per_backend: dict[str, Inspector] = {}
    for _, inspector in variants:
        if inspector.region_backend is not None:
            per_backend.setdefault(inspector.backend.name, inspector)
    crops = golden_crops(golden, stage, loaded.config.in_channels)
    pairs = [(f"{name} fp32 classifier", inspector.region_fn()) for name, inspector in per_backend.items()]
    with loaded.running():
        return region_rows(crops, loaded.region_fn(), pairs)


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


def _int8_verdict(rows: list[VariantParity], torch_row: VariantParity, tol: float) -> Int8Check:
    row = next((r for r in rows if r.label == "openvino int8"), None)
    if row is None:
        return Int8Check(requested=False, tolerance=tol * 100)
    by_accuracy = torch_row.accuracy is not None and row.accuracy is not None
    if torch_row.accuracy is not None and row.accuracy is not None:
        loss = torch_row.accuracy - row.accuracy
    else:
        loss = len(row.verdict_changes) / max(row.images, 1)
    change = round(-loss * 100, 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    return Int8Check(True, loss <= tol, by_accuracy, change, tol * 100)


def _golden_and_tiles(
    project: Project,
    loaded: LoadedRun,
    options: ExportOptions,
    notes: list[str],
    progress: Progress,
    cancel: CancelToken,
) -> tuple[list[ParityImage], list[ParityImage]]:
    """The golden images (each scored whole by torch once) and the parity tiles cut from them."""
    config = loaded.config
    decision = config.shipped_decision()
    reference = lambda image: loaded.scores_many([image], cancel=cancel)[0]  # noqa: E731
    stage = loaded.stage_of if loaded.region_stage is not None else None
    # At least one image even when no golden image is stored: parity needs tiles to compare on.
    chosen = choose_golden(_candidates(project, options, notes), reference, decision,
                           max(options.golden_images, 1), progress, cancel, stage)  # fmt: skip
    tiles = parity_tiles(chosen, config.tiling, decision, options.parity_tiles, options.seed)
    return chosen[: options.golden_images], tiles


def _checks(
    rows: list[VariantParity],
    tiles: list[ParityImage],
    images: int,
    int8: Int8Check,
    golden: int,
    region: list[ParityRow],
) -> ExportChecks:
    size = max((max(t.image.shape[:2]) for t in tiles), default=0)
    return ExportChecks(tuple(r.row() for r in rows), len(tiles), size, images, int8, golden, FP32_TOLERANCE,
                        tuple(region))  # fmt: skip


def _golden_drift(
    golden: list[GoldenImage],
    items: list[ParityImage],
    variants: list[tuple[VariantParity, Inspector]],
    int8: Int8Check,
) -> dict[str, float]:
    """How far the FP16 / INT8 models' score summaries of the whole golden images lie from torch's,
    so that ``verify`` of a reduced precision passes on this machine (parity saw only tiles)."""
    drift: dict[str, float] = {}
    for row, inspector in variants:
        if row.precision not in ("fp16", "int8") or "device default" in row.label:
            continue
        if row.precision == "int8" and not int8.kept:
            continue
        for entry, item in zip(golden, items, strict=True):
            result = inspector.inspect(item.image)
            diff = max(summary_diff(entry.summary, result.summary), prob_diff(entry, result))
            drift[row.precision] = max(drift.get(row.precision, 0.0), diff)
    return drift


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
    refusal = openvino_cpu_refusal()
    if refusal and "openvino" in wanted:
        # the variants would be parity-checked (and INT8 calibrated) on the CPU plugin, which crashes
        if "onnx" not in wanted:
            raise ExportError(refusal)
        wanted -= {"openvino", "fp16", "int8"}
        notes.append(lines_said.OPENVINO_LEFT_OUT(setting=onednn_limits()))
    with Project.open(project_root, readonly=True) as project:
        progress(0.02, lines_said.LOADING_RUN())
        loaded = load_run(project.root, run_id, device="cpu")
        config = loaded.config
        out = Path(out_path) if out_path else project.root / "exports" / f"{run_id}.wbx"
        project_name = project.name
        sub = lambda f, m: progress(0.03 + 0.27 * f, m)  # noqa: E731
        golden_items, tiles = _golden_and_tiles(project, loaded, options, notes, sub, cancel)
        calib = []
        if "int8" in wanted:
            progress(0.3, lines_said.READING_CALIBRATION())
            calib = calibration_tiles(
                project, config, options.calibration_images, options.tiles_per_image, options.seed
            )
    cancel.raise_if_cancelled()
    progress(0.32, lines_said.EXPORTING_ONNX())
    onnx_bytes = export_onnx(loaded.score_module, config.in_channels, config.tile_size)
    steps = lambda f, m: progress(0.34 + 0.16 * f, m)  # noqa: E731
    files, models = build_models(onnx_bytes, wanted, calib, steps, cancel)
    region = _region_models(loaded, wanted, files)
    manifest = _manifest(project_name, run_id, config, models, region)
    decision = manifest.decision
    bundle = Bundle(out, manifest_with_hashes(manifest, files), files)

    variants = _variants(bundle)
    rows = [row for row, _ in variants]
    sub = lambda f, m: progress(0.5 + 0.4 * f, m)  # noqa: E731
    stage_fn = loaded.stage_of if region is not None else None
    torch_row = measure(tiles, loaded.scores, variants, decision, sub, cancel, stage_fn)
    region_gate = _region_parity(loaded, golden_items, variants)
    lines = [torch_row.line()] + [r.line() for r in rows] + [r.line() for r in region_gate]
    int8 = _int8_verdict(rows, torch_row, options.int8_tolerance)
    checks = _checks(rows, tiles, max(options.golden_images, 1), int8, len(golden_items), region_gate)
    failed = [r for r in rows if r.gate and not r.passed]
    if failed or not all(r.passed for r in region_gate):
        said = [s for s in checks.sentences("en") if "fails" in s]
        changed = [
            f"{r.label} changed {c}" for r in failed for c in (r.verdict_changes + r.count_changes)[:8]
        ]
        raise ExportError("FP32 parity failed, no bundle written:\n  " + "\n  ".join(said + lines + changed))
    if "openvino_int8" in models and not int8.kept:
        for name in models.pop("openvino_int8").names():
            del files[name]
    progress(0.92, lines_said.STORING_GOLDEN())
    golden, golden_files = golden_entries(golden_items, decision)
    files.update(golden_files)
    parity = Parity(
        torch_row.row(), tuple(r.row() for r in rows), int8.text(), FP32_TOLERANCE, tuple(region_gate)
    )
    golden_part = Golden(tuple(golden), tolerances(rows, _golden_drift(golden, golden_items, variants, int8)))
    manifest = replace(manifest, models=dict(models), golden=golden_part, parity=parity)
    cancel.raise_if_cancelled()
    write_bundle(out, manifest, files)
    measured = [r.to_dict() for r in parity.variants]
    shapes = [(int(t.image.shape[0]), int(t.image.shape[1])) for t in tiles]
    report = ExportReport(out, list(models), measured, int8.text(), len(golden), checks, shapes, notes, lines)
    atomic_write_text(report_path(out), report.file_text())
    progress(1.0, lines_said.WROTE(path=out))
    return report
