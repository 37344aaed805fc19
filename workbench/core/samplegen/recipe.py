"""Recipes of the sample project: how many samples of which surface, size, label mix and defects.

``DEFAULT_RECIPE`` is the project that ``workbench sample`` builds (``sample_projects/recipe.json``
holds the same recipe for people to read and copy); ``SMALL_RECIPE`` is a quick variant for tests.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from workbench.core.errors import WorkbenchError

# Fixed order: mask value k is DEFECT_KINDS[k - 1] in every generated project.
DEFECT_KINDS = ("scratch", "spot", "crack", "missing_part")
SURFACES = ("metal", "weave", "pcb")

DEFAULT_RECIPE: dict[str, Any] = {
    "format": 1,
    "name": "Sample inspection project",
    "classes": list(DEFECT_KINDS),
    "split": {"train": 0.6, "val": 0.2, "test": 0.2},
    "faint_fraction": 0.12,
    "second_defect_fraction": 0.15,
    "groups": [
        {"surface": "metal", "count": 52, "width": 512, "height": 512, "ng_fraction": 0.3,
         "defect_size": [16, 110], "defects": {"scratch": 4, "spot": 3, "crack": 3}},
        {"surface": "weave", "count": 50, "width": 512, "height": 512, "ng_fraction": 0.3,
         "defect_size": [16, 90], "defects": {"scratch": 1, "spot": 3, "crack": 2, "missing_part": 3}},
        {"surface": "pcb", "count": 50, "width": 512, "height": 512, "ng_fraction": 0.3,
         "defect_size": [12, 80], "defects": {"scratch": 3, "spot": 3, "crack": 1, "missing_part": 4}},
        {"surface": "metal", "count": 3, "width": 2448, "height": 2048, "ng_fraction": 0.67,
         "defect_size": [8, 15], "defects": {"scratch": 1, "spot": 1, "crack": 1}},
        {"surface": "pcb", "count": 3, "width": 2448, "height": 2048, "ng_fraction": 0.34,
         "defect_size": [8, 15], "defects": {"spot": 1, "missing_part": 1}},
        {"surface": "weave", "count": 2, "width": 2448, "height": 2048, "ng_fraction": 0.5,
         "defect_size": [8, 15], "defects": {"spot": 1, "missing_part": 1}},
    ],
}  # fmt: skip

SMALL_RECIPE: dict[str, Any] = {
    "format": 1,
    "name": "Small sample project",
    "classes": list(DEFECT_KINDS),
    "split": {"train": 0.6, "val": 0.2, "test": 0.2},
    "faint_fraction": 0.12,
    "second_defect_fraction": 0.15,
    "groups": [
        {"surface": "metal", "count": 10, "width": 256, "height": 256, "ng_fraction": 0.3,
         "defect_size": [12, 60], "defects": {"scratch": 2, "spot": 1, "crack": 1}},
        {"surface": "weave", "count": 10, "width": 256, "height": 256, "ng_fraction": 0.3,
         "defect_size": [12, 50], "defects": {"spot": 1, "crack": 1, "missing_part": 1}},
        {"surface": "pcb", "count": 10, "width": 256, "height": 256, "ng_fraction": 0.3,
         "defect_size": [10, 40], "defects": {"scratch": 1, "spot": 1, "missing_part": 2}},
        {"surface": "metal", "count": 2, "width": 1024, "height": 768, "ng_fraction": 0.5,
         "defect_size": [8, 15], "defects": {"scratch": 1, "spot": 1}},
    ],
}  # fmt: skip

RECIPES = {"default": DEFAULT_RECIPE, "small": SMALL_RECIPE}


class RecipeError(WorkbenchError):
    """A sample recipe is malformed (the message names the field)."""


def named_recipe(name: str) -> dict[str, Any]:
    """A copy of a built-in recipe: ``"default"`` or ``"small"``."""
    if name not in RECIPES:
        raise RecipeError(f"unknown sample recipe {name!r}; choose one of {', '.join(RECIPES)}")
    return copy.deepcopy(RECIPES[name])


def load_recipe(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check a recipe JSON file."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecipeError(f"cannot read sample recipe {p}: {exc}") from exc
    return validate_recipe(data, str(p))


def _need(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise RecipeError(f"sample recipe {where}: {what}")


def _check_group(group: Any, i: int, classes: list[str], where: str) -> None:
    at = f"{where}, groups[{i}]"
    _need(isinstance(group, dict), at, "must be an object")
    _need(group.get("surface") in SURFACES, at, f"surface must be one of {', '.join(SURFACES)}")
    for key in ("count", "width", "height"):
        _need(isinstance(group.get(key), int) and group[key] > 0, at, f"{key} must be a positive integer")
    _need(min(group["width"], group["height"]) >= 64, at, "width and height must be at least 64")
    ng = group.get("ng_fraction")
    _need(isinstance(ng, (int, float)) and 0 <= ng <= 1, at, "ng_fraction must be between 0 and 1")
    size = group.get("defect_size")
    _need(
        isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) for v in size)
        and 4 <= size[0] <= size[1],
        at, "defect_size must be [min, max] pixels with 4 <= min <= max",
    )  # fmt: skip
    defects = group.get("defects")
    _need(isinstance(defects, dict) and bool(defects), at, "defects must map class names to weights")
    for name, weight in defects.items():
        _need(name in classes, at, f"defect {name!r} is not in the recipe's classes")
        _need(isinstance(weight, (int, float)) and weight > 0, at, f"weight of {name!r} must be > 0")


def validate_recipe(recipe: Any, where: str = "recipe") -> dict[str, Any]:
    """Check a recipe's fields; return it unchanged or raise :class:`RecipeError` naming the field."""
    _need(isinstance(recipe, dict), where, "must be a JSON object")
    _need(recipe.get("format") == 1, where, "format must be 1")
    classes = recipe.get("classes")
    _need(
        isinstance(classes, list) and bool(classes) and all(c in DEFECT_KINDS for c in classes)
        and len(set(classes)) == len(classes),
        where, f"classes must be distinct names out of {', '.join(DEFECT_KINDS)}",
    )  # fmt: skip
    split = recipe.get("split")
    _need(
        isinstance(split, dict) and set(split) == {"train", "val", "test"}
        and all(isinstance(v, (int, float)) and v >= 0 for v in split.values()) and sum(split.values()) > 0,
        where, "split must give non-negative train, val and test fractions",
    )  # fmt: skip
    for key in ("faint_fraction", "second_defect_fraction"):
        v = recipe.get(key)
        _need(isinstance(v, (int, float)) and 0 <= v <= 1, where, f"{key} must be between 0 and 1")
    groups = recipe.get("groups")
    _need(isinstance(groups, list) and bool(groups), where, "groups must be a non-empty list")
    for i, group in enumerate(groups):
        _check_group(group, i, classes, where)
    return recipe
