"""Render one planned sample: surface, defects and camera look, plus its label map."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np

from workbench.core.samplegen.defects import DRAWERS, draw_hole, missing_pad
from workbench.core.samplegen.pcb import BOARD, PcbLayout, pcb_layout, placed, render_pcb
from workbench.core.samplegen.plan import DefectPlan, SamplePlan
from workbench.core.samplegen.surfaces import finish, render_metal, render_weave

# Entropy word of the board-design stream: one design per project seed.
_DESIGN_STREAM = 0x9CB0A7


@functools.lru_cache(maxsize=4)
def _design(seed: int) -> PcbLayout:
    """The product every board in the project is a copy of."""
    return pcb_layout(np.random.Generator(np.random.PCG64([seed, _DESIGN_STREAM])), BOARD, BOARD)


def _render_pcb(
    plan: SamplePlan, rng: np.random.Generator, mask: np.ndarray, class_ids: Mapping[str, int]
) -> tuple[np.ndarray, list[DefectPlan]]:
    """A board with its missing-part defects baked in (pads left out); other defects still to draw."""
    layout = placed(_design(plan.seed[0]), rng, plan.height, plan.width)
    missing = np.zeros((plan.height, plan.width), bool)
    later = []
    for d in plan.defects:
        gone = missing_pad(layout, rng, d.size, d.faint, missing) if d.kind == "missing_part" else None
        if gone is None:
            later.append(d)
            continue
        missing |= gone
        mask[gone] = class_ids[d.kind]
    return render_pcb(layout, rng, missing if missing.any() else None), later


def render_sample(plan: SamplePlan, class_ids: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """The ``H x W x 3`` uint8 RGB image and ``H x W`` uint8 label map of one planned sample."""
    rng = np.random.Generator(np.random.PCG64(list(plan.seed)))
    mask = np.zeros((plan.height, plan.width), np.uint8)
    if plan.surface == "pcb":
        img, todo = _render_pcb(plan, rng, mask, class_ids)
    else:
        render = render_metal if plan.surface == "metal" else render_weave
        img, todo = render(rng, plan.height, plan.width), list(plan.defects)
    for d in todo:
        # A pcb "missing_part" with no pad that fits falls back to missing material (a hole).
        draw = draw_hole if d.kind == "missing_part" else DRAWERS[d.kind]
        draw(img, mask, rng, d.size, d.faint, class_ids[d.kind])
    return finish(img, rng), mask
