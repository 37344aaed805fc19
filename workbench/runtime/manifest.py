"""A bundle's ``manifest.json``: one type that the export writes and the runtime reads.

``Manifest.from_dict`` is the one reader and validates every section; what is wrong becomes one
``ManifestError`` phrase naming the section (``runtime.bundle`` puts the bundle's path before it).
Every field is read: ``task``, ``classes``, ``input.channels``, ``tiling``, ``decision`` and
``models`` run the model; ``files`` is checked against the members; ``golden`` is what
``workbench-run verify`` recomputes; ``region_stage`` (format 6) runs the second stage, a region
classifier that is FP32 beside every variant (``RegionSection``); ``parity`` (what the export
measured for each variant) and the origin (``created_by``, ``created_at``, ``project``,
``run_id``, ``model``) are what ``verify`` prints before its checks. Normalisation and the
input's layout, type and range are not written: the graph normalises, and every model takes
``(N, C, H, W)`` float32 in [0, 1] (``core.preprocess.model_input``). Older manifests' extra
sections are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, TypeGuard

from workbench.core.decisions import DecisionConfig, DecisionConfigError
from workbench.core.errors import WorkbenchError
from workbench.core.region_stage import RegionStage, RegionStageError
from workbench.core.run_config import ModelClass
from workbench.core.tiling import Tiling
from workbench.core.types import TASKS

BUNDLE_FORMAT = "defect-workbench-bundle"
# 2: ``tiling.pad_multiple`` (small images padded to a multiple, not to a whole tile); a bundle
# without it is run as version 1 bundles were exported and verified.
# 3: a pixel belongs to one class only, the one passing its threshold by most
# (``core.class_pixels``); before, every class passing its threshold took the pixel. Bundles of
# one class decide alike under both rules and still run; older bundles of several classes are
# refused, since their decisions and golden outputs followed the old rule.
# 4: a class rule may carry ``outline_threshold``, the level its pixels are drawn at in overlays
# (``core.class_pixels``); a version 3 runtime would refuse such a rule, so it is told to update.
# 5: ``outline_threshold`` may lie below the threshold: regions that reach the threshold are drawn
# down to it (hysteresis). A version 4 runtime would draw such a class at its threshold, overlays
# unlike the evaluated ones, so it is told to update. Version 4 bundles draw alike under both.
# 6: ``region_stage``, a second stage (``core.region_stage``): a region classifier that looks at
# each proposed region and may veto it; rules may carry ``confirm_threshold``; golden entries
# record ``n_vetoed`` and the regions' defect probabilities. A version 5 runtime would decide
# with the segmenter alone, so it is told to update. Bundles without the section run one stage.
FORMAT_VERSION = 6
REGION_VERSION = 6
ONE_OWNER_VERSION = 3
# Model variants a bundle may hold, in the order 'auto' prefers them for each backend.
VARIANTS = ("onnx", "openvino_fp32", "openvino_fp16", "openvino_int8")
REQUIRED = ("task", "classes", "input", "tiling", "decision", "models", "files")
# The region classifier's variants: it is FP32 in every bundle, whichever segmenter variant runs.
REGION_VARIANTS = ("onnx", "openvino_fp32")
REGION_NOTE = (
    "the region classifier is FP32 in every variant: ONNX Runtime runs its ONNX model, OpenVINO its "
    "FP32 IR, also beside the FP16 and INT8 segmenter variants"
)
# How far a variant's scores may lie from the workbench's: the export's FP32 parity gate, and per
# precision what ``verify`` allows on golden images when the manifest states no tolerance.
FP32_TOLERANCE = 1e-3
DEFAULT_TOLERANCE = {"fp32": FP32_TOLERANCE, "fp16": 2e-2, "int8": 5e-2}


class ManifestError(WorkbenchError):
    """A manifest that is not a bundle's, from a newer format, or with a section of the wrong shape."""


@dataclass(frozen=True)
class ModelFiles:
    """The members of one model variant: ``path`` of an ONNX model, ``xml`` and ``bin`` of an IR."""

    path: str = ""
    xml: str = ""
    bin: str = ""

    def names(self) -> list[str]:
        return [n for n in (self.path, self.xml, self.bin) if n]

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("path", self.path), ("xml", self.xml), ("bin", self.bin)) if v}


@dataclass(frozen=True)
class GoldenImage:
    """A reference image and what the workbench decided on it."""

    file: str
    name: str
    verdict: str
    n_defects: int
    summary: dict[str, list[float]]  # ``core.inference.score_summary``: per-class max and mean
    # a two-stage bundle's (else None): regions the classifier vetoed, and the defect probability
    # of each defect and of each vetoed region, in the decision's order (None: not looked at)
    n_vetoed: int | None = None
    defect_probs: tuple[float | None, ...] = ()
    vetoed_probs: tuple[float | None, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "name": self.name, "verdict": self.verdict,
                               "n_defects": self.n_defects, "summary": self.summary}  # fmt: skip
        if self.n_vetoed is not None:
            out |= {"n_vetoed": self.n_vetoed, "defect_probs": list(self.defect_probs),
                    "vetoed_probs": list(self.vetoed_probs)}  # fmt: skip
        return out


@dataclass(frozen=True)
class Golden:
    images: tuple[GoldenImage, ...] = ()
    tolerance: dict[str, float] = field(default_factory=dict)  # score tolerance per precision

    def tolerance_for(self, precision: str) -> float:
        return float(self.tolerance.get(precision, DEFAULT_TOLERANCE[precision]))

    def to_dict(self) -> dict[str, Any]:
        return {"images": [g.to_dict() for g in self.images], "tolerance": dict(self.tolerance)}


@dataclass(frozen=True)
class ParityRow:
    """How one variant's scores and decisions compared with the trained model's at export."""

    variant: str  # "onnxruntime fp32", "openvino int8", "torch (reference)", ...
    precision: str
    images: int
    max_abs_diff: float
    mean_abs_diff: float
    decisions_changed: tuple[str, ...] = ()
    defect_counts_changed: tuple[str, ...] = ()
    borderline_changes: tuple[str, ...] = ()
    accuracy: float | None = None
    gate: bool = False  # the FP32 gate applies to it
    passed: bool = True

    def line(self) -> str:
        acc = f"{self.accuracy * 100:5.1f}%" if self.accuracy is not None else "  n/a"
        verdict = ("PASS" if self.passed else "FAIL") if self.gate else "info"
        return (
            f"{self.variant:34} max|d| {self.max_abs_diff:9.2e}  mean|d| {self.mean_abs_diff:9.2e}  "
            f"decisions changed {len(self.decisions_changed):3d}  defect counts changed "
            f"{len(self.defect_counts_changed):3d}  borderline {len(self.borderline_changes):2d}  "
            f"accuracy {acc}  {verdict}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"variant": self.variant, "precision": self.precision, "images": self.images,
                "max_abs_diff": self.max_abs_diff, "mean_abs_diff": self.mean_abs_diff,
                "decisions_changed": list(self.decisions_changed),
                "defect_counts_changed": list(self.defect_counts_changed),
                "borderline_changes": list(self.borderline_changes), "accuracy": self.accuracy,
                "gate": self.gate, "passed": self.passed}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Any) -> ParityRow:
        try:
            return cls(
                str(data["variant"]), str(data["precision"]), int(data["images"]),
                float(data["max_abs_diff"]), float(data["mean_abs_diff"]),
                tuple(map(str, data["decisions_changed"])), tuple(map(str, data["defect_counts_changed"])),
                tuple(map(str, data["borderline_changes"])),
                None if data["accuracy"] is None else float(data["accuracy"]), bool(data["gate"]),
                bool(data["passed"]),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise ManifestError(f"manifest.json is unusable: 'parity' holds a row without {exc}") from exc


@dataclass(frozen=True)
class Parity:
    """What the export measured: the trained model's own accuracy, each variant against it."""

    reference: ParityRow
    variants: tuple[ParityRow, ...]
    int8: str  # whether INT8 was kept, and why
    fp32_tolerance: float
    # the region classifier's probabilities on the golden images' crops, per backend (FP32 gate)
    region: tuple[ParityRow, ...] = ()

    def lines_for(self, backend: str, precision: str) -> list[str]:
        """What the export measured for the variant ``verify`` runs (INT8 with the reference)."""
        rows = [r for r in self.variants if r.variant == f"{backend} {precision}"]
        rows += [r for r in self.region if r.variant.split()[0] == backend]
        out = [f"at export: {r.line()} (FP32 gate {self.fp32_tolerance:.0e})" for r in rows]
        if precision == "int8":
            out += [f"at export: {self.reference.line()}", f"at export: INT8 {self.int8}"]
        return out

    def to_dict(self) -> dict[str, Any]:
        out = {"reference": self.reference.to_dict(), "variants": [r.to_dict() for r in self.variants],
               "int8": self.int8, "fp32_tolerance": self.fp32_tolerance}  # fmt: skip
        if self.region:
            out["region_classifier"] = [r.to_dict() for r in self.region]
        return out


@dataclass(frozen=True)
class RegionSection:
    """The bundle's second stage: what the decision needs of it and the classifier's files."""

    stage: RegionStage
    model: str  # the classifier's architecture (``ModelConfig.region_model``)
    models: dict[str, ModelFiles]  # of ``REGION_VARIANTS``; FP32 beside every segmenter variant

    def files_for(self, backend: str) -> ModelFiles | None:
        """The classifier a segmenter on ``backend`` runs beside it (OpenVINO reads ONNX too)."""
        order = ("onnx",) if backend == "onnxruntime" else ("openvino_fp32", "onnx")
        return next((self.models[v] for v in order if v in self.models), None)

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage.to_dict(), "model": self.model, "precision": "fp32", "note": REGION_NOTE,
                "models": {k: v.to_dict() for k, v in self.models.items()}}  # fmt: skip


@dataclass(frozen=True)
class Manifest:
    """Everything a bundle says about itself; the model files' bytes are the bundle's."""

    task: str
    classes: tuple[ModelClass, ...]
    in_channels: int  # ``input.channels``
    tiling: Tiling
    decision: DecisionConfig
    models: dict[str, ModelFiles]
    files: dict[str, str] = field(default_factory=dict)  # member name -> sha256
    golden: Golden = field(default_factory=Golden)
    parity: Parity | None = None
    region: RegionSection | None = None  # ``region_stage``: the second stage, if the run has one
    format_version: int = FORMAT_VERSION
    created_by: str = ""
    created_at: str = ""
    project: str = ""
    run_id: str = ""
    model: str = ""

    def origin(self) -> str:
        """Where the bundle comes from, in one line (empty for a bundle made in memory)."""
        if not self.run_id:
            return ""
        return (f"bundle of run {self.run_id} of project {self.project!r} ({self.task}, model {self.model}), "
                f"exported {self.created_at} by {self.created_by}")  # fmt: skip

    def with_hashes(self, hashes: dict[str, str]) -> Manifest:
        return replace(self, files=dict(hashes))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": BUNDLE_FORMAT, "format_version": self.format_version, "created_by": self.created_by,
            "created_at": self.created_at, "project": self.project, "run_id": self.run_id,
            "task": self.task, "model": self.model, "classes": [c.to_dict() for c in self.classes],
            "input": {"channels": self.in_channels}, "tiling": self.tiling.to_manifest(),
            "decision": self.decision.to_dict(), "models": {k: v.to_dict() for k, v in self.models.items()},
            "files": dict(self.files), "golden": self.golden.to_dict(),
        }  # fmt: skip
        if self.parity is not None:
            out["parity"] = self.parity.to_dict()
        if self.region is not None:
            out["region_stage"] = self.region.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: object) -> Manifest:
        """The manifest ``data`` describes; a ``ManifestError`` names what is wrong with it."""
        version = _format_version(data)
        assert isinstance(data, dict)
        missing = [k for k in REQUIRED if k not in data]
        if missing:
            raise ManifestError(f"manifest.json lacks {missing[0]!r}")
        task = data["task"]
        if task not in TASKS:
            raise ManifestError(f"manifest.json has task {task!r}; this runtime runs {', '.join(TASKS)}")
        files = _files(data["files"])
        channels = data["input"].get("channels") if isinstance(data["input"], dict) else None
        if not _is_int(channels) or channels < 1:
            raise ManifestError("manifest.json has no whole number of image channels in 'input'")
        classes = _classes(data["classes"])
        if version < ONE_OWNER_VERSION and len(classes) > 1:
            raise ManifestError(
                f"bundle format version {version} with {len(classes)} classes was exported when a pixel "
                f"could belong to several classes; this runtime gives each pixel to one class (format "
                f"{ONE_OWNER_VERSION}), so its decisions would differ from the verified ones: export the "
                f"run again with this workbench"
            )
        models = _models(data["models"], files)
        region = (
            _region(data.get("region_stage"), files, models, len(classes))
            if version >= REGION_VERSION
            else None
        )
        return cls(
            task=str(task), classes=classes, in_channels=channels, tiling=_tiling(data["tiling"], task),
            decision=_decision(data["decision"]), models=models, files=files,
            golden=_golden(data.get("golden"), files), parity=_parity(data.get("parity")), region=region,
            format_version=version, created_by=str(data.get("created_by", "")),
            created_at=str(data.get("created_at", "")), project=str(data.get("project", "")),
            run_id=str(data.get("run_id", "")), model=str(data.get("model", "")),
        )  # fmt: skip


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _unusable(problem: str) -> ManifestError:
    return ManifestError(f"manifest.json is unusable: {problem}")


def _format_version(data: object) -> int:
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        raise ManifestError("manifest.json is not a Defect Workbench bundle manifest")
    version = data.get("format_version")
    if not _is_int(version):
        raise ManifestError("manifest.json has no valid format_version")
    if version > FORMAT_VERSION:
        raise ManifestError(
            f"bundle format version {version} is newer than this runtime understands "
            f"(up to {FORMAT_VERSION}); update workbench-run to use it"
        )
    return version


def _files(files: object) -> dict[str, str]:
    if isinstance(files, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return dict(files)
    raise ManifestError("manifest.json has 'files' that is not a table of file names and sha256 hashes")


def _classes(classes: object) -> tuple[ModelClass, ...]:
    if not isinstance(classes, list):
        raise _unusable("'classes' is not a list")
    for c in classes:
        if not isinstance(c, dict) or not _is_int(c.get("id")) or not isinstance(c.get("name"), str):
            raise _unusable(f"'classes' holds {c!r}, not a class with a whole-number 'id' and a 'name'")
    return tuple(ModelClass.from_dict(c) for c in classes)


def _tiling(tiling: object, task: str) -> Tiling:
    if not isinstance(tiling, dict):
        raise _unusable("'tiling' is not a table")
    tile, overlap, multiple = tiling.get("tile"), tiling.get("overlap"), tiling.get("pad_multiple")
    if not (_is_int(tile) and _is_int(overlap) and 0 <= overlap < tile):
        raise _unusable(
            f"'tiling' needs whole numbers 0 <= overlap < tile, not tile {tile!r}, overlap {overlap!r}"
        )
    if not (multiple is None or (_is_int(multiple) and multiple > 0)):
        raise _unusable(f"'tiling' has pad_multiple {multiple!r}, not a positive whole number")
    try:
        return Tiling.from_manifest(tiling, task)
    except (TypeError, ValueError) as exc:
        raise ManifestError(f"manifest.json has an unusable 'tiling': {exc}") from exc


def _decision(decision: object) -> DecisionConfig:
    try:
        if not isinstance(decision, dict):
            raise TypeError(f"it is a {type(decision).__name__}, not a table")
        return DecisionConfig.from_dict(decision)
    except (DecisionConfigError, KeyError, TypeError, ValueError, AttributeError) as exc:
        reason = f"it lacks {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ManifestError(f"manifest.json has an unusable 'decision': {reason}") from exc


def _models(
    models: object, files: dict[str, str], section: str = "'models'", variants: tuple[str, ...] = VARIANTS
) -> dict[str, ModelFiles]:
    if not isinstance(models, dict) or not models:
        raise _unusable(f"{section} names no model")
    out = {}
    for variant, entry in models.items():
        if variant not in variants:
            raise _unusable(f"{section} has variant {variant!r}; this runtime runs {', '.join(variants)}")
        keys = ("path",) if variant == "onnx" else ("xml", "bin")
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in keys):
            raise _unusable(
                f"{section} entry {variant!r} lacks its file name(s) {', '.join(map(repr, keys))}"
            )
        missing = [entry[k] for k in keys if entry[k] not in files]
        if missing:
            raise _unusable(f"{section} entry {variant!r} names {missing[0]!r}, which 'files' does not list")
        out[variant] = ModelFiles(**{k: entry[k] for k in keys})
    return out


def _region(
    region: object, files: dict[str, str], models: dict[str, ModelFiles], n_classes: int
) -> RegionSection | None:
    """The ``region_stage`` section: its stage, one level per class, and a classifier for every
    backend the segmenter's variants run on; always FP32."""
    if region is None:
        return None
    if not isinstance(region, dict) or not isinstance(region.get("stage"), dict):
        raise _unusable("'region_stage' is not a table with the 'stage' of the region classifier")
    try:
        stage = RegionStage.from_dict(region["stage"])
    except RegionStageError as exc:
        raise _unusable(f"'region_stage' has an unusable 'stage': {exc}") from exc
    if len(stage.levels) != n_classes:
        raise _unusable(
            f"'region_stage' has levels for {len(stage.levels)} classes, the model has {n_classes}"
        )
    if region.get("precision", "fp32") != "fp32":
        raise _unusable(f"'region_stage' has precision {region.get('precision')!r}; the classifier is fp32")
    models_of = _models(region.get("models"), files, "'region_stage' models", REGION_VARIANTS)
    section = RegionSection(stage, str(region.get("model", "")), models_of)
    for backend, needs in (("onnxruntime", "onnx"), ("openvino", "openvino_")):
        if any(v.startswith(needs) for v in models) and section.files_for(backend) is None:
            raise _unusable(f"'region_stage' has no region classifier that {backend} can run")
    return section


def _golden(golden: object, files: dict[str, str]) -> Golden:
    if golden is None:
        return Golden()
    if not isinstance(golden, dict) or not isinstance(golden.get("images", []), list):
        raise _unusable("'golden' is not a table with a list of 'images'")
    tolerance = golden.get("tolerance", {})
    if not isinstance(tolerance, dict) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in tolerance.values()
    ):
        raise _unusable("'golden' has a 'tolerance' that is not a number per precision")
    images = []
    for entry in golden.get("images", []):
        if not (isinstance(entry, dict) and isinstance(entry.get("file"), str)
                and isinstance(entry.get("verdict"), str) and _is_int(entry.get("n_defects"))
                and isinstance(entry.get("summary"), dict)):  # fmt: skip
            raise _unusable(
                "'golden' holds an image entry without its 'file', 'verdict', 'n_defects' and 'summary'"
            )
        if entry["file"] not in files:
            raise _unusable(f"'golden' names {entry['file']!r}, which 'files' does not list")
        file, name = entry["file"], str(entry.get("name", entry["file"]))
        images.append(GoldenImage(file, name, entry["verdict"], entry["n_defects"], entry["summary"],
                                  *_golden_stage(entry)))  # fmt: skip
    return Golden(tuple(images), {str(k): float(v) for k, v in tolerance.items()})


def _golden_stage(
    entry: dict[str, Any],
) -> tuple[int | None, tuple[float | None, ...], tuple[float | None, ...]]:
    """A golden entry's second-stage outputs: ``n_vetoed`` and the regions' defect probabilities."""
    n_vetoed = entry.get("n_vetoed")
    if n_vetoed is None:
        return None, (), ()
    lists = [entry.get("defect_probs"), entry.get("vetoed_probs")]
    usable = _is_int(n_vetoed) and all(
        isinstance(v, list)
        and all(p is None or (isinstance(p, (int, float)) and not isinstance(p, bool)) for p in v)
        for v in lists
    )
    if not usable:
        raise _unusable(
            f"'golden' entry {entry['file']!r} has no whole 'n_vetoed' with its probability lists"
        )
    defect, vetoed = ([None if p is None else float(p) for p in v] for v in lists)  # type: ignore[union-attr]
    return n_vetoed, tuple(defect), tuple(vetoed)


def _parity(parity: object) -> Parity | None:
    if parity is None:
        return None
    if not isinstance(parity, dict) or not isinstance(parity.get("variants"), list):
        raise _unusable("'parity' is not a table with a list of 'variants'")
    try:
        tolerance = float(parity["fp32_tolerance"])
        int8 = str(parity["int8"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _unusable(f"'parity' lacks a usable {exc}") from exc
    variants = tuple(ParityRow.from_dict(r) for r in parity["variants"])
    region = parity.get("region_classifier", [])
    if not isinstance(region, list):
        raise _unusable("'parity' has a 'region_classifier' that is not a list of rows")
    rows = tuple(ParityRow.from_dict(r) for r in region)
    return Parity(ParityRow.from_dict(parity.get("reference")), variants, int8, tolerance, rows)
