"""What the project records about a training run: its training settings and, once trained, its model.

One type, ``RunConfig``, for the ``runs.config`` column and for ``runs/<id>/config.json``:
``train`` (a ``TrainConfig``: the settings the run was started with, as training adjusted them)
and ``model`` (a ``ModelConfig``: what the trained model is and the decision it ships with;
``None`` until the run completes). The types live in core because the project stores them and
every layer reads them: the trainer writes them, evaluation and export load the model part, the
CLI and the window list runs. ``RunConfig.from_dict`` also reads the two layouts earlier code of
this repository stored (the training settings alone while a run ran; the model settings with the
training settings nested under ``"train"`` once it completed), so runs already on disk list and
load as before.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from workbench.core.decisions import ClassRule, DecisionConfig, DecisionConfigError
from workbench.core.errors import WorkbenchError
from workbench.core.region_stage import RegionStage, RegionStageError
from workbench.core.tiling import Tiling
from workbench.core.types import TASKS

PRESET_NAMES = ("fast", "balanced", "accurate")
DOUBTFUL_MODES = ("exclude", "low_weight")  # what training does with doubtful parts
DEFAULT_PRESET = PRESET_NAMES[0]
MODEL_KEYS = ("task", "model", "in_channels", "classes", "tile_size", "overlap")


class RunConfigError(WorkbenchError):
    """A stored run config lacks a setting or holds one of the wrong kind."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run needs to know; its values come from a preset (``learn.presets``)."""

    task: str = TASKS[0]
    preset: str = DEFAULT_PRESET
    model: str = "unet-effnetlite0"
    pretrained: bool = True
    crop: int = 256  # training crop (segmentation) or input size (classification) or tile (anomaly)
    batch: int = 8
    max_epochs: int = 60
    time_limit: float | None = 420.0  # seconds of training; None trains max_epochs in full
    crops_per_epoch: int = 160
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 10
    patience: int = 8  # validations without improvement before stopping
    ng_fraction: float = 0.5  # share of crops centred on a defect pixel
    hard_fraction: float = 0.3  # share of the other crops drawn from the hard-example pool
    # With each validation, 512-pixel parts of the training images are predicted in turn (up to this
    # share of the val images' pixels) and their false alarms and misses join the hard-example pool
    # (segmentation; learn.mining.TrainingScanner).
    scan_share: float = 0.5
    bce_weight: float = 1.0
    dice_weight: float = 1.0
    focal_gamma: float = 0.0
    label_smoothing: float = 0.05
    # Keep the encoder's stem and its first two stages (strides 2 and 4) at their pretrained weights:
    # generic edge filters that few hundred images barely change, and whose gradients are the most
    # expensive part of a step at full resolution. Only with pretrained weights.
    freeze_early: bool = False
    # "separate": one channel per defect class; "merge": one "defect" channel (learns fastest)
    class_mode: str = "merge"
    augment: dict[str, Any] = field(default_factory=dict)
    synthetic: float = 0.0  # share of defect-free crops painted with a synthetic defect (core.synth)
    # Doubtful parts (the experts disagree) of the train split: "exclude" leaves them out; "low_weight"
    # trains on them (their mask as drawn; none: a good part) with ``doubtful_weight`` times the
    # crops a clear image gets. Never validated on, never fitted by a good-only model.
    doubtful: str = "exclude"
    doubtful_weight: float = 0.25
    # The second stage (segmentation, ``learn.region_train``): after the segmenter, a small classifier
    # learns to name each region it proposes or veto it as "not a defect"; it gets ``region_share`` of
    # the time limit and sees ``region_input``-pixel crops. 96 rather than 64: bsdata (2-core EPYC,
    # AVX-512), the stage retrained on one fast segmenter with three seeds, test overkill of 632 good
    # parts at <= 10 escapes with both thresholds moved 91 / 146 / 80 against 119 / 157 / 148 at 64
    # (at <= 5: 172 / 236 / 162 against 274 / 230 / 221), though in 32 s the classifier takes about
    # half the steps. Evaluation took 2 min 9 s against 2 min 1 s; 128 pixels was no better than 96.
    # At 64, giving the stage 50 % of the limit instead of 20 % (2.4x the steps) gave about the same
    # curve (one seed): the steps are not what holds the classifier back there.
    region_stage: bool = False
    region_share: float = 0.2
    region_input: int = 96
    seed: int = 0
    init_from: str | None = None  # a run folder (this or another project) to start from
    threads: int = 0  # torch CPU threads; 0 = every core
    device: str = "auto"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Stored settings; names no longer known are dropped, missing ones take the default."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class ModelClass:
    """A defect class one score-map channel of a model stands for (a class id of the project)."""

    id: int
    name: str
    color: str = "#D55E00"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "color": self.color}

    @classmethod
    def from_dict(cls, data: Any) -> ModelClass:
        if not isinstance(data, dict) or not _is_int(data.get("id")) or not isinstance(data.get("name"), str):
            raise RunConfigError(f"a model class needs a whole-number 'id' and a 'name', not {data!r}")
        return cls(int(data["id"]), str(data["name"]), str(data.get("color", cls.color)))


@dataclass(frozen=True)
class ModelConfig:
    """A trained model: what it takes, what its channels mean, how it tiles and what it decides."""

    task: str
    model: str
    in_channels: int
    classes: tuple[ModelClass, ...]
    tile_size: int
    overlap: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    decision: DecisionConfig
    # per class rule, how its threshold was placed (``core.operating_point.choose_decision``)
    decision_origin: tuple[dict[str, Any], ...] = ()
    head: str = "sigmoid"  # ``learn.score_model.ScoreModel``: "softmax" has a channel for OK
    # the decision training placed, kept once a user ships another one (``services.decision``):
    # {"decision": DecisionConfig dict, "decision_origin": [...]}; None while training's stands
    trained: dict[str, Any] | None = None
    # the second stage (``core.region_stage``): what the decision needs, and the classifier's
    # architecture (a ``learn.models`` classification model; its weights are ``classifier.pt``)
    region_stage: RegionStage | None = None
    region_model: str | None = None

    @property
    def tiling(self) -> Tiling:
        """How the model sees images (the tiling its bundles carry)."""
        return Tiling.for_task(self.task, self.tile_size, self.overlap)

    def shipped_decision(self) -> DecisionConfig:
        """The decision the run ships: its rules, or a default rule per class where none are set."""
        decision = DecisionConfig.from_dict(self.decision.to_dict())
        if not decision.classes:
            t = decision.default_threshold
            decision.classes = [ClassRule(c.id, c.name, t) for c in self.classes]
        return decision

    def class_dicts(self) -> list[dict[str, Any]]:
        return [c.to_dict() for c in self.classes]

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "model": self.model,
            "in_channels": self.in_channels,
            "classes": self.class_dicts(),
            "tile_size": self.tile_size,
            "overlap": self.overlap,
            "mean": list(self.mean),
            "std": list(self.std),
            "decision": self.decision.to_dict(),
            "decision_origin": [dict(o) for o in self.decision_origin],
            "head": self.head,
            **({"trained": self.trained} if self.trained is not None else {}),
            **(
                {"region_stage": self.region_stage.to_dict(), "region_model": self.region_model}
                if self.region_stage is not None
                else {}
            ),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """A stored model config; a missing or malformed setting is a ``RunConfigError`` naming it."""
        missing = [k for k in MODEL_KEYS if k not in data]
        if missing:
            raise RunConfigError(f"lacks {', '.join(missing)}")
        channels = data["in_channels"]
        if data["task"] not in TASKS or not _is_int(channels) or channels < 1:
            raise RunConfigError(f"has task {data['task']!r} and {channels!r} input channels")
        tile, overlap = data["tile_size"], data["overlap"]
        if not (_is_int(tile) and _is_int(overlap) and 0 <= overlap < tile):
            raise RunConfigError(f"has tile {tile!r} and overlap {overlap!r}, not 0 <= overlap < tile")
        classes = data["classes"]
        if not isinstance(classes, list):
            raise RunConfigError("has 'classes' that is not a list")
        try:
            decision = DecisionConfig.from_dict(data.get("decision") or {})
        except (DecisionConfigError, TypeError, AttributeError) as exc:
            raise RunConfigError(f"has an unusable 'decision': {exc}") from exc
        stage = None
        if data.get("region_stage") is not None:
            try:
                stage = RegionStage.from_dict(data["region_stage"])
            except (RegionStageError, TypeError, AttributeError) as exc:
                raise RunConfigError(f"has an unusable 'region_stage': {exc}") from exc
            if not isinstance(data.get("region_model"), str):
                raise RunConfigError("has a region stage without its 'region_model'")
        return cls(
            task=str(data["task"]),
            model=str(data["model"]),
            in_channels=int(channels),
            classes=tuple(ModelClass.from_dict(c) for c in classes),
            tile_size=int(data["tile_size"]),
            overlap=int(data["overlap"]),
            mean=tuple(float(v) for v in data.get("mean") or [0.0] * channels),
            std=tuple(float(v) for v in data.get("std") or [1.0] * channels),
            decision=decision,
            decision_origin=tuple(dict(o) for o in data.get("decision_origin") or []),
            head=str(data.get("head", "sigmoid")),
            trained=dict(data["trained"]) if isinstance(data.get("trained"), dict) else None,
            region_stage=stage,
            region_model=str(data["region_model"]) if stage is not None else None,
        )


@dataclass(frozen=True)
class RunConfig:
    """A run's record: ``train`` from the start, ``model`` once the run completed."""

    train: TrainConfig
    model: ModelConfig | None = None

    @property
    def preset(self) -> str:
        return self.train.preset

    @property
    def model_name(self) -> str:
        """The trained model's name once there is one, else the one the settings ask for."""
        return self.model.model if self.model is not None else self.train.model

    def to_dict(self) -> dict[str, Any]:
        return {"train": self.train.to_dict(), "model": self.model.to_dict() if self.model else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any], task: str | None = None) -> RunConfig:
        """A stored record in this layout or an earlier one; ``task`` (the run's) fills an empty one."""
        if not isinstance(data, dict):
            raise RunConfigError(f"is not a table of settings but {type(data).__name__}")
        if isinstance(data.get("model"), dict) or ("train" in data and data.get("model") is None):
            model = data.get("model")
            return cls(_train(data.get("train") or {}, task), ModelConfig.from_dict(model) if model else None)
        if "in_channels" in data:  # earlier completed runs: model settings, training ones under "train"
            return cls(_train(data.get("train") or {}, task), ModelConfig.from_dict(data))
        return cls(_train(data, task))  # earlier runs that never completed: the training settings


def _train(data: dict[str, Any], task: str | None) -> TrainConfig:
    if not isinstance(data, dict):
        raise RunConfigError(f"has training settings that are not a table but {type(data).__name__}")
    return TrainConfig.from_dict({"task": task, **data} if task and "task" not in data else data)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
