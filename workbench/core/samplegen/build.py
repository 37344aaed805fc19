"""Build the sample project: plan, render, import with masks, lock the test split."""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from workbench.core.cancel import CancelToken, Progress, no_progress
from workbench.core.errors import ImageWriteError, ProjectError
from workbench.core.project import Project, is_project
from workbench.core.samplegen.plan import SamplePlan, plan_samples
from workbench.core.samplegen.recipe import RecipeError, named_recipe, validate_recipe
from workbench.core.samplegen.render import render_sample

SOURCE = "workbench sample"
# Fixed PNG settings: the same seed must give byte-identical files (and content hashes).
# Run-length strategy: on sensor-noisy images it is both faster and smaller than the default.
_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 3, cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]


def encode_png(img: np.ndarray) -> bytes:
    """PNG bytes of an RGB uint8 image, always written with the same parameters."""
    ok, buf = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), _PNG_PARAMS)
    if not ok:
        raise ImageWriteError(f"cannot encode a {img.shape} sample image as PNG")
    return bytes(buf.tobytes())


def _summary(project: Project, plans: list[SamplePlan], seed: int, seconds: float) -> dict[str, Any]:
    counts = project.counts()
    return {
        "path": str(project.root),
        "name": project.name,
        "seed": seed,
        "samples": counts["total"],
        "per_label": {k: v for k, v in counts["label"].items() if v},
        "per_split": {k: v for k, v in counts["split"].items() if v},
        "per_class": counts["class"],
        "per_surface": dict(Counter(p.surface for p in plans)),
        "faint": sum("faint" in p.tags for p in plans),
        "large": sum(p.large for p in plans),
        "test_locked": project.test_locked,
        "seconds": round(seconds, 2),
    }


def build_sample_project(
    folder: str | os.PathLike[str],
    seed: int = 0,
    recipe: dict[str, Any] | None = None,
    progress: Progress | None = None,
    size: str = "default",
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Generate the synthetic inspection project in ``folder``; return a summary dict.

    ``recipe`` defaults to the built-in recipe called ``size`` ("default" or "small"). The same
    seed and recipe give byte-identical images and masks. A cancelled build leaves the samples
    made so far in an ordinary, usable project.
    """
    if not isinstance(seed, int) or seed < 0:
        raise RecipeError(f"sample seed must be a non-negative integer, not {seed!r}")
    recipe = validate_recipe(recipe if recipe is not None else named_recipe(size))
    root = Path(folder).expanduser().resolve()
    if is_project(root):
        raise ProjectError(f"{root} already holds a project; `workbench sample` only creates new ones")
    progress = progress or no_progress
    plans = plan_samples(recipe, seed)
    start = time.monotonic()
    with Project.create(root, name=recipe.get("name", "Sample inspection project")) as project:
        class_ids = {name: project.add_class(name).id for name in recipe["classes"]}
        project.set_meta("sample_seed", str(seed))
        with tempfile.TemporaryDirectory(prefix="samplegen-", dir=project.root / "cache") as tmp:
            for k, plan in enumerate(plans):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                _add(project, plan, class_ids, Path(tmp))
                progress((k + 1) / len(plans), plan.name)
        project.lock_test_split()
        return _summary(project, plans, seed, time.monotonic() - start)


def _add(project: Project, plan: SamplePlan, class_ids: dict[str, int], tmp: Path) -> None:
    img, mask = render_sample(plan, class_ids)
    path = tmp / f"{plan.name}.png"
    path.write_bytes(encode_png(img))
    _, created = project.add_sample(
        [path],
        name=plan.name,
        label=plan.label,
        split=plan.split,
        tags=plan.tags,
        mask=mask if plan.label == "ng" else None,
        source=SOURCE,
    )
    path.unlink()
    if not created:  # two renders with equal bytes would silently merge into one sample
        raise ProjectError(f"sample {plan.name} rendered identical to an earlier sample; change the seed")
