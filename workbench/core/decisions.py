"""OK / NG / GRAY decisions from score maps: rules per defect class and measured defects.

score map -> pixels of each class (``class_pixels``: the one rule when several classes pass their
thresholds at a pixel) -> regions (connected components, 8-connectivity) -> measurements -> class
rules -> verdict. Measurements: box, area (px, and mm^2 when a pixel size is set), length (longest side of
the minimum-area rectangle, see ``decision_regions.region_length``), contrast (mean grey inside
minus a 5-pixel ring around, in 8-bit grey levels; None without an image), max and mean score.

Gray zone (``gray_low`` and ``gray_high`` both set): NG regions are found at ``gray_high`` for
every class (it replaces the class thresholds); when no region makes the image NG, any region
found at ``gray_low`` that passes the geometric rules makes it GRAY (human review). So adding a
gray zone whose upper end equals the old threshold never changes which images are NG.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from workbench.core.class_pixels import Competition, competition
from workbench.core.decision_regions import (
    PreparedMap,
    Region,
    StageMaps,
    find_regions,
    prepare,
    unvetoed_max,
)
from workbench.core.errors import WorkbenchError

Verdict = Literal["OK", "NG", "GRAY"]
CONFIG_VERSION = 1
# The threshold of a class nobody has placed one for: runs before their validation, a run without
# val images, a decision config without rules, and the one threshold of training validation.
DEFAULT_THRESHOLD = 0.5


class DecisionConfigError(WorkbenchError, ValueError):
    """A decision configuration is inconsistent or from an unknown version."""


@dataclass
class ClassRule:
    """Rule for one defect class; a region must pass every rule to count as a defect."""

    class_id: int
    name: str
    threshold: float = DEFAULT_THRESHOLD
    min_area_px: int = 0
    min_area_mm2: float = 0.0
    min_length_px: float = 0.0
    # Compared with the absolute contrast: dark and bright defects both count.
    min_contrast: float = 0.0
    enabled: bool = True
    # The level the class's pixels are drawn at (overlays, proposals, pixel metrics); regions and
    # verdicts stay at ``threshold``. None: drawn at the threshold. Below the threshold, regions
    # that reach it are drawn down to this level (hysteresis). See ``class_pixels``.
    outline_threshold: float | None = None
    # The region classifier's threshold (``region_stage``): a region it looked at counts only when
    # its defect probability reaches this; below, the classifier vetoes it. None: no second stage.
    confirm_threshold: float | None = None


def _check_unit(value: float | None, what: str) -> None:
    if value is not None and not 0.0 < value <= 1.0:
        raise DecisionConfigError(f"{what} must be in (0, 1], got {value}")


@dataclass
class DecisionConfig:
    """Rules of every class (in score-map channel order), pixel size and gray zone."""

    classes: list[ClassRule] = field(default_factory=list)
    pixel_size_mm: float | None = None
    gray_low: float | None = None
    gray_high: float | None = None
    default_threshold: float = DEFAULT_THRESHOLD

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ``DecisionConfigError`` naming the first inconsistent setting."""
        _check_unit(self.default_threshold, "default threshold")
        for rule in self.classes:
            _check_unit(rule.threshold, f"threshold of class {rule.name!r}")
            _check_unit(rule.outline_threshold, f"outline threshold of class {rule.name!r}")
            _check_unit(rule.confirm_threshold, f"classifier threshold of class {rule.name!r}")
            if min(rule.min_area_px, rule.min_area_mm2, rule.min_length_px, rule.min_contrast) < 0:
                raise DecisionConfigError(f"class {rule.name!r} has a negative minimum")
            if rule.min_area_mm2 > 0 and self.pixel_size_mm is None:
                raise DecisionConfigError(
                    f"class {rule.name!r} has a minimum area in mm^2 but no pixel size is set"
                )
        if self.pixel_size_mm is not None and not self.pixel_size_mm > 0:
            raise DecisionConfigError(f"pixel size must be positive, got {self.pixel_size_mm}")
        if (self.gray_low is None) != (self.gray_high is None):
            raise DecisionConfigError("gray zone needs both a lower and an upper threshold")
        if self.gray_low is not None and self.gray_high is not None:
            _check_unit(self.gray_low, "gray zone lower threshold")
            _check_unit(self.gray_high, "gray zone upper threshold")
            if not self.gray_low < self.gray_high:
                raise DecisionConfigError(
                    f"gray zone lower threshold {self.gray_low} must be below upper {self.gray_high}"
                )

    @property
    def has_gray_zone(self) -> bool:
        return self.gray_low is not None and self.gray_high is not None

    def rules_for(self, n_classes: int) -> list[ClassRule]:
        """One rule per score-map channel; default rules (ids 1..K) when none are configured."""
        if not self.classes:
            return [ClassRule(i + 1, f"class {i + 1}", self.default_threshold) for i in range(n_classes)]
        if len(self.classes) != n_classes:
            raise DecisionConfigError(
                f"decision rules cover {len(self.classes)} classes but the score map has {n_classes}"
            )
        return list(self.classes)

    def ng_threshold(self, rule: ClassRule) -> float:
        return self.gray_high if self.gray_high is not None else rule.threshold

    def pixel_thresholds(self, n_classes: int) -> list[float | None]:
        """The threshold each channel's pixels are judged at for NG (``None``: disabled class);
        what ``class_pixels`` takes to say which pixels belong to which class."""
        return [self.ng_threshold(r) if r.enabled else None for r in self.rules_for(n_classes)]

    def outline_levels(self, n_classes: int) -> list[float | None]:
        """The level each channel's pixels are drawn at: its outline threshold, else the threshold
        it is judged at (``None``: disabled class). Below that threshold only regions that reach it
        are drawn (``class_pixels``)."""
        levels: list[float | None] = []
        for r in self.rules_for(n_classes):
            drawn_at = self.ng_threshold(r) if r.outline_threshold is None else r.outline_threshold
            levels.append(drawn_at if r.enabled else None)
        return levels

    def competition(self, n_classes: int) -> Competition:
        """How pixels are shared among classes under this config (see ``class_pixels``)."""
        return competition(self.pixel_thresholds(n_classes))

    def lowest_threshold(self, n_classes: int) -> float:
        """Lowest threshold any enabled class is examined at (the floor ``prepare`` needs)."""
        rules = [r for r in self.rules_for(n_classes) if r.enabled] or self.rules_for(n_classes)
        lowest = min(self.ng_threshold(r) for r in rules)
        return min(lowest, self.gray_low) if self.gray_low is not None else lowest

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": CONFIG_VERSION,
            "classes": [asdict(r) for r in self.classes],
            "pixel_size_mm": self.pixel_size_mm,
            "gray_low": self.gray_low,
            "gray_high": self.gray_high,
            "default_threshold": self.default_threshold,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecisionConfig:
        version = data.get("version", CONFIG_VERSION)
        if version != CONFIG_VERSION:
            raise DecisionConfigError(f"decision config version {version} is not supported")
        try:
            rules = [ClassRule(**r) for r in data.get("classes", [])]
        except TypeError as exc:
            raise DecisionConfigError(f"bad class rule in decision config: {exc}") from exc
        return cls(
            classes=rules,
            pixel_size_mm=data.get("pixel_size_mm"),
            gray_low=data.get("gray_low"),
            gray_high=data.get("gray_high"),
            default_threshold=data.get("default_threshold", DEFAULT_THRESHOLD),
        )


@dataclass(frozen=True)
class Defect:
    """A region that passed its class rule; ``verdict`` says whether it made the image NG or GRAY."""

    class_id: int
    class_name: str
    x: int
    y: int
    w: int
    h: int
    area_px: int
    area_mm2: float | None
    length_px: float | None
    contrast: float | None
    max_score: float
    mean_score: float
    verdict: Verdict = "NG"
    # the region classifier's defect probability and the project class id it names (None: no
    # second stage, or it did not look at this region)
    defect_prob: float | None = None
    named_class: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    """The verdict of one image with its defects and scores (max of each class map)."""

    verdict: Verdict
    defects: tuple[Defect, ...]
    image_score: float
    class_scores: dict[int, float]
    gray_reason: str | None = None
    # regions that passed the segmenter's rules but the region classifier said are not defects
    # (``verdict``: what they would have made the image)
    vetoed: tuple[Defect, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "defects": [d.to_dict() for d in self.defects],
            "image_score": self.image_score,
            "class_scores": {str(k): v for k, v in self.class_scores.items()},
            "gray_reason": self.gray_reason,
            "vetoed": [d.to_dict() for d in self.vetoed],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        return cls(
            verdict=data["verdict"],
            defects=tuple(Defect(**d) for d in data["defects"]),
            image_score=float(data["image_score"]),
            class_scores={int(k): float(v) for k, v in data["class_scores"].items()},
            gray_reason=data.get("gray_reason"),
            vetoed=tuple(Defect(**d) for d in data.get("vetoed", [])),
        )


def image_score_of(class_max: Sequence[float], config: DecisionConfig | None = None) -> float:
    """The image score from each class's highest score: the highest over the classes ``config``
    enables (every class without a config); 0 when none is enabled.

    The one definition used by training validation, evaluation, sweeps, proposals and the
    runtime. With one threshold for every class it is the threshold at which the image turns NG
    when no area, length or contrast rule applies, so an AUROC or a sweep over these scores
    describes the decisions that will be deployed; a disabled class never makes an image NG and
    does not count.
    """
    if config is None:
        return float(max(class_max, default=0.0))
    rules = config.rules_for(len(class_max))
    return float(max((m for m, r in zip(class_max, rules) if r.enabled), default=0.0))


def image_score(score_map: np.ndarray, config: DecisionConfig | None = None) -> float:
    """The image score of a ``(K,H,W)`` map (see ``image_score_of``)."""
    if not np.size(score_map):
        return 0.0
    maps = np.asarray(score_map)
    return image_score_of([float(v) for v in maps.reshape(maps.shape[0], -1).max(axis=1)], config)


def _area_mm2(area_px: int, config: DecisionConfig) -> float | None:
    return None if config.pixel_size_mm is None else area_px * config.pixel_size_mm**2


def _passes(region: Region, rule: ClassRule, config: DecisionConfig) -> bool:
    """Geometric rules; the contrast rule is skipped when no image was given."""
    area_mm2 = _area_mm2(region.area_px, config)
    if rule.min_area_mm2 > 0 and area_mm2 is not None and area_mm2 < rule.min_area_mm2:
        return False
    if region.length_px is not None and region.length_px < rule.min_length_px:
        return False
    return not (region.contrast is not None and abs(region.contrast) < rule.min_contrast)


def _to_defect(region: Region, rule: ClassRule, config: DecisionConfig, verdict: Verdict) -> Defect:
    return Defect(
        class_id=rule.class_id,
        class_name=rule.name,
        x=region.x,
        y=region.y,
        w=region.w,
        h=region.h,
        area_px=region.area_px,
        area_mm2=_area_mm2(region.area_px, config),
        length_px=region.length_px,
        contrast=region.contrast,
        max_score=region.max_score,
        mean_score=region.mean_score,
        verdict=verdict,
        defect_prob=region.defect_prob,
        named_class=region.named_class,
    )


def _pixel_regions(
    prepared: PreparedMap, channel: int, rule: ClassRule, t: float, config: DecisionConfig
) -> list[Region]:
    """Regions of a pixel map at threshold ``t`` that pass the class rule."""
    min_px = rule.min_area_px
    if config.pixel_size_mm is not None and rule.min_area_mm2 > 0:
        # Prune by a pixel count just below the mm^2 bound; _passes applies the exact test.
        min_px = max(min_px, int(rule.min_area_mm2 / config.pixel_size_mm**2 * (1 - 1e-9)))
    return [r for r in find_regions(prepared, channel, t, min_px) if _passes(r, rule, config)]


def _whole_image_region(prepared: PreparedMap, channel: int, t: float) -> list[Region]:
    """Classification maps: the whole image is the one region; geometric rules do not apply."""
    score = prepared.owned_max[channel]
    if score < t:
        return []
    area = prepared.height * prepared.width
    return [Region(0, 0, prepared.width, prepared.height, area, None, None, score, score)]


def vetoed_by(region: Region, rule: ClassRule) -> bool:
    """The region classifier looked at the region and its defect probability is below the rule's."""
    return (
        rule.confirm_threshold is not None
        and region.defect_prob is not None
        and region.defect_prob < rule.confirm_threshold
    )


def _found(
    prepared: PreparedMap, channel: int, rule: ClassRule, t: float, config: DecisionConfig, verdict: Verdict
) -> tuple[list[Defect], list[Defect]]:
    """The defects at ``t`` and the regions the region classifier vetoed."""
    if prepared.whole_image:
        regions = _whole_image_region(prepared, channel, t)
    else:
        regions = _pixel_regions(prepared, channel, rule, t, config)
    kept = [_to_defect(r, rule, config, verdict) for r in regions if not vetoed_by(r, rule)]
    vetoed = [_to_defect(r, rule, config, verdict) for r in regions if vetoed_by(r, rule)]
    return kept, vetoed


def _gray_reason(defect: Defect, config: DecisionConfig) -> str:
    where = f"class {defect.class_name!r} region at x={defect.x} y={defect.y}"
    if config.gray_high is not None and defect.max_score >= config.gray_high:
        return f"{where} reaches {defect.max_score:.3f} but passes the rules only above {config.gray_low}"
    zone = f"[{config.gray_low}, {config.gray_high})"
    return f"{where} has max score {defect.max_score:.3f} in the gray zone {zone}"


def decide_prepared(prepared: PreparedMap, config: DecisionConfig) -> Decision:
    """Decide one image from its prepared score map (see ``decision_regions.prepare``); the map
    must have been prepared for ``config``'s competition (its thresholds up to a common shift)."""
    config.validate()
    rules = config.rules_for(prepared.n_classes)
    wanted = config.competition(prepared.n_classes)
    if prepared.competition != wanted:
        raise ValueError(
            f"score map was prepared for class thresholds offset by {prepared.competition}, the "
            f"decision needs {wanted}: prepare it again"
        )
    ng: list[Defect] = []
    gray: list[Defect] = []
    vetoed: list[Defect] = []
    for channel, rule in enumerate(rules):
        if not rule.enabled:
            continue
        kept, lost = _found(prepared, channel, rule, config.ng_threshold(rule), config, "NG")
        ng += kept
        vetoed += lost
        if config.gray_low is not None and not ng:
            kept, lost = _found(prepared, channel, rule, config.gray_low, config, "GRAY")
            gray += kept
            vetoed += [d for d in lost if not _same_box(d, vetoed)]
    scores = {r.class_id: prepared.class_max[i] for i, r in enumerate(rules)}
    score = image_score_of(_class_max(prepared, rules), config)
    if ng:
        return Decision("NG", tuple(ng), score, scores, vetoed=tuple(vetoed))
    if gray:
        return Decision("GRAY", tuple(gray), score, scores, _gray_reason(gray[0], config), tuple(vetoed))
    return Decision("OK", (), score, scores, vetoed=tuple(vetoed))


def _class_max(prepared: PreparedMap, rules: list[ClassRule]) -> list[float]:
    """Each class's highest score, over the pixels the region classifier did not veto when the map
    has its maps and the rule a classifier threshold. The image score is then the threshold at
    which the two-stage decision turns the image NG (exactly so at or above the stage's levels:
    below them, regions that hold no proposal are not vetoed), so sweeps, AUROC and overkill at
    zero escape describe the two stages together."""
    if not prepared.has_stage:
        return list(prepared.class_max)
    out = list(prepared.class_max)
    for i, rule in enumerate(rules):
        if rule.confirm_threshold is not None:
            out[i] = unvetoed_max(prepared, i, rule.confirm_threshold)
    return out


def _same_box(defect: Defect, others: list[Defect]) -> bool:
    return any((d.x, d.y, d.w, d.h) == (defect.x, defect.y, defect.w, defect.h) for d in others)


def decide(
    score_map: np.ndarray,
    config: DecisionConfig,
    image: np.ndarray | None = None,
    stage: StageMaps | None = None,
) -> Decision:
    """OK / NG / GRAY for one ``(K,H,W)`` score map; ``image`` (HxW[xC]) enables contrast;
    ``stage``, the region classifier's maps of the image (``region_stage.stage_maps``), its vetoes."""
    if score_map.ndim != 3:
        raise ValueError(f"score map must have shape (K,H,W), got {tuple(score_map.shape)}")
    config.validate()
    return decide_prepared(prepare_for(score_map, config, image, stage=stage), config)


def prepare_for(
    score_map: np.ndarray,
    config: DecisionConfig,
    image: np.ndarray | None = None,
    floor: float | None = None,
    stage: StageMaps | None = None,
) -> PreparedMap:
    """``score_map`` prepared for deciding under ``config`` (and any shift of all its thresholds
    that stays at or above ``floor``, by default its lowest threshold)."""
    n = score_map.shape[0]
    low = config.lowest_threshold(n) if floor is None else floor
    return prepare(score_map, image, low, config.competition(n), stage)


def redecide(stored_maps: Sequence[PreparedMap | np.ndarray], config: DecisionConfig) -> list[Decision]:
    """Decide many images again under a new config; prepared maps make this fast.

    Evaluation prepares each score map once (``prepare_for(map, config, image, floor)``) and then
    calls this for every threshold it tries; thresholds must not go below each map's floor, and
    class thresholds must keep their differences (else prepare again: pixels change class).
    """
    out = []
    for item in stored_maps:
        if not isinstance(item, PreparedMap):
            item = prepare_for(item, config)
        out.append(decide_prepared(item, config))
    return out
