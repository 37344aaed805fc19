"""Alignment of a posed part back onto its template: ECC, and ORB when ECC cannot find the pose."""

from __future__ import annotations

import numpy as np
import pytest
from template_diff_data import max_point_error, pattern, posed

from workbench_template_diff.align import align, ecc_align


@pytest.mark.parametrize(("dx", "dy", "angle"), [(2.3, -1.7, 1.5), (-4.6, 3.2, -3.0), (0.3, 0.2, 0.0)])
def test_ecc_recovers_a_known_shift_and_rotation_to_half_a_pixel(dx: float, dy: float, angle: float) -> None:
    template = pattern()
    image, truth = posed(template, dx, dy, angle)
    found = align(template, image)
    assert found.method == "ecc" and found.correlation > 0.95
    assert max_point_error(found.matrix, truth) < 0.5


def test_a_pose_ecc_cannot_reach_falls_back_to_orb_and_is_refined() -> None:
    template = pattern(seed=3)
    image, truth = posed(template, 6.0, -4.0, 180.0)
    ecc = ecc_align(template, image)  # a half turn is far outside what ECC converges from
    assert ecc is None or max_point_error(ecc, truth) > 5
    found = align(template, image)
    assert found.method == "orb"
    assert max_point_error(found.matrix, truth) < 0.5


def test_translation_motion_and_a_size_mismatch() -> None:
    template = pattern()
    image, truth = posed(template, 3.4, -2.1, 0.0)
    found = align(template, image, motion="translation")
    assert found.ok and max_point_error(found.matrix, truth) < 0.5
    with pytest.raises(ValueError, match="160x159 px but the template is 160x160"):
        align(template, image[:-1])
    with pytest.raises(ValueError, match="unknown motion 'warp'"):
        align(template, image, motion="warp")


def test_an_unrelated_image_is_not_reported_as_well_aligned() -> None:
    template = pattern(seed=1)
    noise = np.random.default_rng(5).random(template.shape).astype(np.float32)
    assert align(template, noise).correlation < 0.5
