"""The fitted golden-template model: scores, the 0.5 threshold, save/load and refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from template_diff_data import DEFECT_END, DEFECT_START, SIZE, pattern, sample

from workbench_template_diff import TemplateDiffModel, TemplateFitError


@pytest.fixture(scope="module")
def parts() -> dict[str, list[np.ndarray]]:
    base, rng = pattern(), np.random.default_rng(7)
    return {
        "train": [sample(base, rng) for _ in range(8)],
        "val": [sample(base, rng) for _ in range(3)],
        "ok": [sample(base, rng) for _ in range(4)],
        "ng": [sample(base, rng, defect=True) for _ in range(4)],
    }


@pytest.fixture(scope="module")
def fitted(parts: dict[str, list[np.ndarray]]) -> TemplateDiffModel:
    return TemplateDiffModel.fit(parts["train"], parts["val"])


def test_defects_score_above_one_half_and_ok_parts_below(
    fitted: TemplateDiffModel, parts: dict[str, list[np.ndarray]]
) -> None:
    for image in parts["ok"]:
        score = fitted.predict(image)
        assert score.shape == (1, SIZE, SIZE) and score.dtype == np.float32
        assert score.min() >= 0.0 and score.max() < 0.5
    for image in parts["ng"]:
        score = fitted.predict(image)[0]
        assert score.max() > 0.5
        y, x = np.unravel_index(np.argmax(score), score.shape)
        # the map is in the image's frame: its peak lies on the scratch drawn there
        assert DEFECT_START[0] - 4 <= x <= DEFECT_END[0] + 4 and DEFECT_START[1] - 4 <= y <= DEFECT_END[1] + 4


def test_save_and_load_give_the_same_scores_without_pickle(
    fitted: TemplateDiffModel, parts: dict[str, list[np.ndarray]], tmp_path: Path
) -> None:
    path = tmp_path / "golden é.npz"
    fitted.save(path)
    with np.load(path, allow_pickle=False) as data:
        assert set(data.files) == {"header", "template", "spread"}
    loaded = TemplateDiffModel.load(path)
    assert loaded.threshold_raw == fitted.threshold_raw and loaded.motion == fitted.motion
    np.testing.assert_array_equal(loaded.predict(parts["ng"][0]), fitted.predict(parts["ng"][0]))
    (tmp_path / "broken.npz").write_bytes(b"not a zip")
    with pytest.raises(TemplateFitError, match=r"broken\.npz is not a template-diff model"):
        TemplateDiffModel.load(tmp_path / "broken.npz")


def test_validation_ng_images_tighten_the_threshold(parts: dict[str, list[np.ndarray]]) -> None:
    calls: list[float] = []
    model = TemplateDiffModel.fit(parts["train"], parts["val"], parts["ng"][:2],
                                  progress=lambda f, _m: calls.append(f))  # fmt: skip
    assert calls == sorted(calls) and calls[-1] == 1.0
    for image in parts["ok"]:
        assert model.predict(image).max() < 0.5
    assert all(model.predict(image).max() > 0.5 for image in parts["ng"][2:])


def test_colour_uint16_images_and_a_held_out_fifth(parts: dict[str, list[np.ndarray]]) -> None:
    colour = [np.repeat(img[..., None], 3, axis=2).astype(np.uint16) * 257 for img in parts["train"]]
    model = TemplateDiffModel.fit(colour, motion="affine")  # no val_ok: the last fifth is held out
    assert model.shape == (SIZE, SIZE, 3)
    defect = np.repeat(parts["ng"][0][..., None], 3, axis=2).astype(np.uint16) * 257
    assert model.predict(defect).max() > 0.5


def test_bad_input_is_refused_naming_the_image(
    fitted: TemplateDiffModel, parts: dict[str, list[np.ndarray]]
) -> None:
    train = parts["train"]
    with pytest.raises(TemplateFitError, match="at least 2 OK training images"):
        TemplateDiffModel.fit(train[:1], train[1:2])
    with pytest.raises(TemplateFitError, match="image 2 is 160x150x1"):
        TemplateDiffModel.fit([train[0], train[1], train[2][:150]], train[3:4])
    with pytest.raises(TemplateFitError, match="OK image 1: an image must be"):
        TemplateDiffModel.fit([train[0], np.zeros(5, np.uint8)], train[3:4])
    with pytest.raises(TemplateFitError, match="image is 80x160 px"):
        fitted.predict(train[0][:, :80])


def test_cancel_stops_fitting(parts: dict[str, list[np.ndarray]]) -> None:
    class Stop(Exception):
        pass

    class Token:
        def raise_if_cancelled(self) -> None:
            raise Stop

    with pytest.raises(Stop):
        TemplateDiffModel.fit(parts["train"], parts["val"], cancel=Token())
