"""Image -> model input: unit range, the alpha rule and the channel rule."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core.preprocess import InputError, model_input, model_planes, to_unit_float, unit_range


def test_unit_range_by_dtype() -> None:
    assert unit_range(np.array([0, 255], np.uint8)).tolist() == [0.0, 1.0]
    assert unit_range(np.array([0, 65535], np.uint16)).tolist() == [0.0, 1.0]
    assert unit_range(np.array([-0.5, 0.25, 2.0])).tolist() == [0.0, 0.25, 1.0]
    assert unit_range(np.zeros(2, np.uint8)).dtype == np.float32


def test_alpha_plane_of_one_file_is_dropped_unless_the_model_takes_four_channels() -> None:
    rgba = np.zeros((4, 5, 4), np.uint8)
    rgba[..., 3] = 255
    assert model_planes(rgba).shape == (4, 5, 3)  # training reading a one-file RGBA sample
    assert model_planes(rgba, one_file=False).shape == (4, 5, 4)  # four light sources
    assert model_input(rgba, 3).shape == (3, 4, 5)
    four = model_input(rgba, 4)
    assert four.shape == (4, 4, 5) and float(four[3].min()) == 1.0
    assert to_unit_float(rgba).shape == (4, 5, 3) and to_unit_float(rgba, drop_alpha=False).shape[2] == 4


def test_channel_rule_names_the_image() -> None:
    grey = np.zeros((6, 7), np.uint16)
    assert model_input(grey, 1).shape == (1, 6, 7)
    assert model_input(grey, None).shape == (1, 6, 7)
    with pytest.raises(InputError, match=r"part\.png: image has 1 channel\(s\), the model expects 3"):
        model_input(grey, 3, "part.png")
    with pytest.raises(InputError, match="H x W or H x W x C"):
        model_input(np.zeros((1, 2, 3, 4), np.uint8), 3)
