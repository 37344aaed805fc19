"""When a completed run is far below usable: the one rule, and the warning recorded with the run.

A run whose validation says it barely tells good parts from bad ones completes like any other, but
it must not be shipped unnoticed. The rule: image AUROC below ``MIN_IMAGE_AUROC`` (0.5 is a coin
toss), pixel Dice below ``MIN_PIXEL_DICE``, or a shipped decision that rejects at least
``MAX_VAL_OVERKILL`` of the good val parts (``decision.val_overkill``: the thresholds were placed
so that no val NG part escapes, and one NG part scoring like the good ones puts the threshold
among them; shipped as it is, the model stops the line). Each is judged only where it was
measured: the AUROC needs good and NG val images, the Dice NG val images with known masks
(validation records None otherwise), the overkill good val parts, so a run without such images
gets no warning. Training records the result in the
run's metrics (``below_usable``); `workbench runs`, `info`, `train` and `export`, the Train page and
the Export wizard read it through ``shortfalls``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MIN_IMAGE_AUROC = 0.6
MIN_PIXEL_DICE = 0.1
MAX_VAL_OVERKILL = 0.5  # share of good val parts the shipped thresholds reject
RECORD_KEY = "below_usable"  # in a run's metrics: the shortfalls found when it completed
# (group, name, limit, True when the value must stay below the limit)
_RULES = (
    ("image", "auroc", MIN_IMAGE_AUROC, False),
    ("pixel", "dice", MIN_PIXEL_DICE, False),
    ("decision", "val_overkill", MAX_VAL_OVERKILL, True),
)
_NAMES = {"image.auroc": "image AUROC", "pixel.dice": "pixel Dice"}
CEILINGS = frozenset(f"{g}.{n}" for g, n, _, upper in _RULES if upper)


@dataclass(frozen=True)
class Shortfall:
    """A validation metric (``image.auroc`` or ``pixel.dice``) below the value a usable run reaches."""

    metric: str
    value: float
    floor: float

    def text(self) -> str:
        if self.metric in CEILINGS:
            return (
                f"the shipped thresholds reject {self.value:.0%} of the good val parts (usable below "
                f"{self.floor:.0%}; a gray zone sends the uncertain parts to a person instead)"
            )
        return f"{_NAMES.get(self.metric, self.metric)} {self.value:.3f} (usable from {self.floor:.2f})"

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "value": self.value, "floor": self.floor}


def judge(metrics: Mapping[str, Any] | None) -> list[Shortfall]:
    """The rule, applied to a run's metrics (``metrics.json`` layout); empty when nothing was measured."""
    found = []
    for group, name, limit, upper in _RULES:
        value = ((metrics or {}).get(group) or {}).get(name)
        if isinstance(value, (int, float)) and (value >= limit if upper else value < limit):
            found.append(Shortfall(f"{group}.{name}", float(value), limit))
    return found


def decision_metrics(origins: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``metrics.json``'s ``decision`` group from how a run placed its thresholds (``decision_origin``):
    ``val_overkill``, the largest share of good val parts one class's threshold rejects (a lower
    bound of the image-level share), with its counts; empty where no good val part was scored."""
    worst: tuple[float, int, int] | None = None
    for origin in origins:
        n_ok, rejected = origin.get("val_ok"), origin.get("val_overkill")
        if isinstance(n_ok, int) and n_ok > 0 and isinstance(rejected, int):
            share = (rejected / n_ok, rejected, n_ok)
            worst = share if worst is None or share > worst else worst
    if worst is None:
        return {}
    return {"val_overkill": round(worst[0], 4), "val_overkill_parts": worst[1], "val_ok_parts": worst[2]}


def shortfalls(metrics: Mapping[str, Any] | None) -> list[Shortfall]:
    """What a run's metrics record as below usable (runs completed before the record: the rule)."""
    if not metrics:
        return []
    recorded = metrics.get(RECORD_KEY)
    if not isinstance(recorded, list):
        return judge(metrics)
    return [Shortfall(str(r["metric"]), float(r["value"]), float(r["floor"])) for r in recorded]


def warning_text(found: list[Shortfall]) -> str:
    """One English sentence for logs and the CLI; '' when nothing is below usable."""
    if not found:
        return ""
    return "far below usable: " + ", ".join(s.text() for s in found) + "; do not ship it without checking"
