"""The built-in synthetic sample project (``workbench sample``): surfaces, defects, recipes."""

from __future__ import annotations

from workbench.core.samplegen.build import build_sample_project
from workbench.core.samplegen.plan import DefectPlan, SamplePlan, plan_samples
from workbench.core.samplegen.recipe import (
    DEFAULT_RECIPE,
    DEFECT_KINDS,
    SMALL_RECIPE,
    RecipeError,
    load_recipe,
    named_recipe,
    validate_recipe,
)
from workbench.core.samplegen.render import render_sample

__all__ = [
    "DEFAULT_RECIPE",
    "DEFECT_KINDS",
    "SMALL_RECIPE",
    "DefectPlan",
    "RecipeError",
    "SamplePlan",
    "build_sample_project",
    "load_recipe",
    "named_recipe",
    "plan_samples",
    "render_sample",
    "validate_recipe",
]
