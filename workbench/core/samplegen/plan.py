"""The plan of a sample project: every sample's name, surface, size, label, split and defects.

Planning draws no pixels, so tests and tools can inspect what a recipe will produce at once.
Each planned sample carries its own seed; rendering it alone gives the same image.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

# Entropy words that keep the planning stream apart from the per-sample streams [seed, index].
_PLAN_STREAM = 0x5A3D1E
# Images from this many pixels on count as "large" (tagged, and split as one stratum).
LARGE_PIXELS = 2_000_000


@dataclass(frozen=True)
class DefectPlan:
    """One defect to draw: its class (a defect kind), characteristic size in pixels, faintness."""

    kind: str
    size: int
    faint: bool


@dataclass(frozen=True)
class SamplePlan:
    """One sample to render and import."""

    index: int
    name: str
    surface: str
    width: int
    height: int
    label: str
    split: str
    tags: tuple[str, ...]
    defects: tuple[DefectPlan, ...]
    seed: tuple[int, int]

    @property
    def large(self) -> bool:
        return self.width * self.height >= LARGE_PIXELS


def _is_large(group: dict[str, Any]) -> bool:
    return int(group["width"]) * int(group["height"]) >= LARGE_PIXELS


def _pick(rng: np.random.Generator, weights: dict[str, float]) -> str:
    names = list(weights)
    p = np.array([weights[n] for n in names], float)
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _defect(rng: np.random.Generator, group: dict[str, Any]) -> tuple[str, int]:
    lo, hi = group["defect_size"]
    # Log-uniform: small defects are as common as large ones, as on a real line.
    size = round(math.exp(rng.uniform(math.log(lo), math.log(hi + 0.999))))
    return _pick(rng, group["defects"]), min(size, hi)


def plan_samples(recipe: dict[str, Any], seed: int = 0) -> list[SamplePlan]:
    """Every sample the recipe makes for ``seed``, in import order (deterministic)."""
    rng = np.random.Generator(np.random.PCG64([seed, _PLAN_STREAM]))
    rows: list[dict[str, Any]] = []
    per_surface: dict[str, int] = defaultdict(int)
    for group in recipe["groups"]:
        n_ng = round(group["count"] * group["ng_fraction"])
        ng = set(rng.permutation(group["count"])[:n_ng].tolist())
        for k in range(group["count"]):
            per_surface[group["surface"]] += 1
            row: dict[str, Any] = {"group": group, "label": "ng" if k in ng else "ok", "defects": []}
            row["name"] = f"{group['surface']}_{per_surface[group['surface']]:04d}"
            if k in ng:
                row["defects"].append(_defect(rng, group))
                if rng.random() < recipe["second_defect_fraction"]:
                    row["defects"].append(_defect(rng, group))
            rows.append(row)
    ng_rows = [i for i, r in enumerate(rows) if r["label"] == "ng"]
    n_faint = round(len(ng_rows) * recipe["faint_fraction"])
    faint = {ng_rows[i] for i in rng.permutation(len(ng_rows))[:n_faint].tolist()}
    splits = _assign_splits(rows, recipe["split"], rng)
    plans = []
    for i, row in enumerate(rows):
        group = row["group"]
        large = _is_large(group)
        tiny = bool(row["defects"]) and max(s for _, s in row["defects"]) <= 15
        tags = [group["surface"]] + ["faint"] * (i in faint) + ["large"] * large + ["tiny"] * tiny
        defects = tuple(DefectPlan(kind, size, i in faint) for kind, size in row["defects"])
        plans.append(
            SamplePlan(i, row["name"], group["surface"], group["width"], group["height"], row["label"],
                       splits[i], tuple(tags), defects, (seed, i))
        )  # fmt: skip
    return plans


def _assign_splits(
    rows: list[dict[str, Any]], fractions: dict[str, float], rng: np.random.Generator
) -> list[str]:
    """Stratified by label, and within a label by surface (large images form one stratum).

    Per label, the strata are shuffled and chained, then each sample goes to the split furthest
    behind its share so far: exact shares per label, near-exact per stratum, and small strata
    still reach test and val.
    """
    strata: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, row in enumerate(rows):
        key = "large" if _is_large(row["group"]) else row["group"]["surface"]
        strata[row["label"]][key].append(i)
    total = sum(fractions.values())
    share = {k: fractions[k] / total for k in ("test", "val", "train")}
    out = [""] * len(rows)
    for by_key in strata.values():
        chain = [m[j] for m in by_key.values() for j in rng.permutation(len(m)).tolist()]
        given = dict.fromkeys(share, 0)
        for n, i in enumerate(chain, start=1):
            name = max(share, key=lambda k: share[k] * n - given[k])  # ties: test, then val
            given[name] += 1
            out[i] = name
    return out
