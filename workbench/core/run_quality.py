"""When a completed run is far below usable: the one rule, and the warning recorded with the run.

A run whose validation says it barely tells good parts from bad ones completes like any other, but
it must not be shipped unnoticed. The rule: image AUROC below ``MIN_IMAGE_AUROC`` (0.5 is a coin
toss), or pixel Dice below ``MIN_PIXEL_DICE``. Each is judged only where it was measured: the AUROC
needs good and NG val images, the Dice NG val images with known masks (validation records None
otherwise), so a run without such images gets no warning. Training records the result in the
run's metrics (``below_usable``); `workbench runs`, `info`, `train` and `export`, the Train page and
the Export wizard read it through ``shortfalls``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MIN_IMAGE_AUROC = 0.6
MIN_PIXEL_DICE = 0.1
RECORD_KEY = "below_usable"  # in a run's metrics: the shortfalls found when it completed
_RULES = (("image", "auroc", MIN_IMAGE_AUROC), ("pixel", "dice", MIN_PIXEL_DICE))
_NAMES = {"image.auroc": "image AUROC", "pixel.dice": "pixel Dice"}


@dataclass(frozen=True)
class Shortfall:
    """A validation metric (``image.auroc`` or ``pixel.dice``) below the value a usable run reaches."""

    metric: str
    value: float
    floor: float

    def text(self) -> str:
        return f"{_NAMES.get(self.metric, self.metric)} {self.value:.3f} (usable from {self.floor:.2f})"

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "value": self.value, "floor": self.floor}


def judge(metrics: Mapping[str, Any] | None) -> list[Shortfall]:
    """The rule, applied to a run's metrics (``metrics.json`` layout); empty when nothing was measured."""
    found = []
    for group, name, floor in _RULES:
        value = ((metrics or {}).get(group) or {}).get(name)
        if isinstance(value, (int, float)) and value < floor:
            found.append(Shortfall(f"{group}.{name}", float(value), floor))
    return found


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
