"""Parity of exported variants against the torch model: score differences and changed decisions.

A two-stage run decides with its region classifier on both sides (torch's on the reference, the
variant's own on the variant), so a changed veto counts as a changed decision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from workbench.core.cancel import CancelToken, Progress
from workbench.core.decision_regions import StageMaps
from workbench.core.decisions import Decision, DecisionConfig, decide
from workbench.export.job_lines import COMPARING_TILE, PARITY_DONE
from workbench.runtime.inspector import Inspector
from workbench.runtime.manifest import FP32_TOLERANCE, ParityRow

# A reference decision that flips when every threshold moves by this much is "borderline": a
# backend whose scores agree within tolerance may legitimately decide it the other way.
BORDERLINE_MARGIN = 2 * FP32_TOLERANCE
# The reference's region classifier maps of an image and its score map (None: one stage).
StageFn = Callable[[np.ndarray, np.ndarray], StageMaps | None]


def shifted(config: DecisionConfig, delta: float) -> DecisionConfig:
    """The same rules with every threshold, the classifier's included, moved by ``delta`` (kept
    inside (0, 1])."""
    clamp = lambda t: min(max(t + delta, 1e-4), 1.0)  # noqa: E731
    data = config.to_dict()
    for rule in data["classes"]:
        rule["threshold"] = clamp(rule["threshold"])
        if rule.get("confirm_threshold") is not None:
            rule["confirm_threshold"] = clamp(rule["confirm_threshold"])
    for key in ("gray_low", "gray_high"):
        if data[key] is not None:
            data[key] = clamp(data[key])
    data["default_threshold"] = clamp(data["default_threshold"])
    return DecisionConfig.from_dict(data)


def _key(decision: Decision) -> tuple[str, int, int]:
    return decision.verdict, len(decision.defects), len(decision.vetoed)


def is_borderline(
    ref: np.ndarray, config: DecisionConfig, image: np.ndarray | None = None, stage: StageMaps | None = None
) -> bool:
    """True when the reference decision changes within +-BORDERLINE_MARGIN of the thresholds."""
    low = decide(ref, shifted(config, -BORDERLINE_MARGIN), image=image, stage=stage)
    high = decide(ref, shifted(config, BORDERLINE_MARGIN), image=image, stage=stage)
    return _key(low) != _key(high)


@dataclass
class ParityImage:
    """An image or tile used for parity: its name, label ('ok'/'ng'/'unlabeled') and pixels.

    A golden image also carries its mask (None when it has none) and, once scored, the torch
    reference's whole-image map, which its golden entry and its parity tiles are taken from.
    """

    name: str
    label: str
    image: np.ndarray
    borderline: bool = False
    mask: np.ndarray | None = None
    scores: np.ndarray | None = None
    stage: StageMaps | None = None  # the reference's region classifier maps (a two-stage run)


@dataclass
class VariantParity:
    """How one backend/precision differs from torch over the parity images."""

    label: str
    precision: str
    gate: bool
    max_abs: float = 0.0
    abs_sum: float = 0.0
    n_values: int = 0
    verdict_changes: list[str] = field(default_factory=list)
    count_changes: list[str] = field(default_factory=list)
    borderline_changes: list[str] = field(default_factory=list)
    correct: int = 0
    labelled: int = 0
    images: int = 0

    @property
    def mean_abs(self) -> float:
        return self.abs_sum / max(self.n_values, 1)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.labelled if self.labelled else None

    @property
    def passed(self) -> bool:
        """FP32 gate: scores within ``FP32_TOLERANCE`` and every decision identical except borderline ones."""
        return self.max_abs <= FP32_TOLERANCE and not self.verdict_changes and not self.count_changes

    def add(
        self,
        ref: np.ndarray,
        ref_dec: Decision,
        out: np.ndarray,
        dec: Decision,
        item: ParityImage,
        borderline: bool = False,
    ) -> None:
        diff = np.abs(out.astype(np.float64) - ref.astype(np.float64))
        self.max_abs = max(self.max_abs, float(diff.max()))
        self.abs_sum += float(diff.sum())
        self.n_values += diff.size
        self.images += 1
        change = ""
        if dec.verdict != ref_dec.verdict:
            change = f"{item.name}: {ref_dec.verdict}->{dec.verdict}"
        elif len(dec.defects) != len(ref_dec.defects):
            change = f"{item.name}: {len(ref_dec.defects)}->{len(dec.defects)} defects"
        elif len(dec.vetoed) != len(ref_dec.vetoed):
            change = f"{item.name}: {len(ref_dec.vetoed)}->{len(dec.vetoed)} vetoed by the classifier"
        if change and borderline:
            self.borderline_changes.append(change + " (borderline)")
        elif change and dec.verdict != ref_dec.verdict:
            self.verdict_changes.append(change)
        elif change:
            self.count_changes.append(change)
        if item.label in ("ok", "ng"):
            self.labelled += 1
            self.correct += int(dec.verdict == item.label.upper())

    def row(self) -> ParityRow:
        """What the bundle's manifest records of this variant (``runtime.manifest.ParityRow``)."""
        return ParityRow(
            self.label, self.precision, self.images, self.max_abs, self.mean_abs, tuple(self.verdict_changes),
            tuple(self.count_changes), tuple(self.borderline_changes), self.accuracy, self.gate, self.passed,
        )  # fmt: skip

    def line(self) -> str:
        return self.row().line()


def measure(
    items: Sequence[ParityImage],
    reference: Callable[[np.ndarray], np.ndarray],
    variants: Sequence[tuple[VariantParity, Inspector]],
    config: DecisionConfig,
    progress: Progress,
    cancel: CancelToken | None = None,
    reference_stage: StageFn | None = None,
) -> VariantParity:
    """Fill every variant's parity over ``items`` (tiles); returns the torch reference's own
    accuracy as a row. Items whose reference decision is borderline get ``item.borderline = True``.
    With ``reference_stage`` (a two-stage run) both sides decide with their region classifier.
    """
    torch_row = VariantParity("torch (reference)", "fp32", gate=False)
    for i, item in enumerate(items):
        if cancel is not None:
            cancel.raise_if_cancelled()
        progress(i / max(len(items), 1), COMPARING_TILE(tile=i + 1, tiles=len(items)))
        ref = reference(item.image)
        ref_stage = reference_stage(item.image, ref) if reference_stage is not None else None
        ref_dec = decide(ref, config, image=item.image, stage=ref_stage)
        item.borderline = is_borderline(ref, config, item.image, ref_stage)
        torch_row.add(ref, ref_dec, ref, ref_dec, item)
        for row, inspector in variants:
            out = inspector.scores(item.image, item.name)
            stage = inspector.stage_of(item.image, out, item.name) if ref_stage is not None else None
            dec = decide(out, config, image=item.image, stage=stage)
            row.add(ref, ref_dec, out, dec, item, item.borderline)
    progress(1.0, PARITY_DONE())
    return torch_row
