"""Training data: crop sampling around defects, no resize, N-channel augmentation, determinism."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tiny_project import make_tiny_project

from workbench.core.decisions import ClassRule, DecisionConfig, decide, image_score
from workbench.core.metrics import auroc
from workbench.core.project import Project
from workbench.learn.augment import AugmentConfig, augment
from workbench.learn.data import (
    CropDataset,
    TrainingDataError,
    choose_samples,
    class_lut,
    dataset_state,
    load_items,
    presence,
)
from workbench.learn.data_sampling import CropSampler, TrainItem, cut, defect_points, fit_crop, fit_input

NO_PHOTO = AugmentConfig(flips=True, rot90=True, brightness=0, contrast=0, blur_p=0, noise_p=0)


def _item(h: int, w: int, label: str, box: tuple[int, int, int, int] | None = None, c: int = 3) -> TrainItem:
    rng = np.random.default_rng(h * w)
    image = rng.integers(0, 255, (h, w, c), dtype=np.uint8)
    target = np.zeros((h, w), np.uint8)
    if box is not None:
        y, x, bh, bw = box
        target[y : y + bh, x : x + bw] = 1
    return TrainItem(1, image, target, label, defect_points(target, rng))


def test_ng_crops_contain_defect_pixels() -> None:
    items = [_item(600, 800, "ng", (500, 700, 6, 9)), _item(300, 300, "ok")]
    sampler = CropSampler(items, 128, ng_fraction=1.0, hard_fraction=0.0)
    rng = np.random.default_rng(0)
    for _ in range(50):
        idx, y0, x0 = sampler.draw(rng)
        assert idx == 0
        assert 0 <= y0 <= 600 - 128 and 0 <= x0 <= 800 - 128
        assert cut(items[idx].target, y0, x0, 128).any()


def test_crops_are_cut_at_full_resolution_never_resized() -> None:
    big = _item(700, 900, "ok")
    window = cut(big.image, 100, 250, 256)
    assert np.array_equal(window, big.image[100:356, 250:506])
    small = _item(40, 50, "ok")
    padded = cut(small.image, (40 - 64) // 2, (50 - 64) // 2, 64)
    assert padded.shape == (64, 64, 3)
    assert np.array_equal(padded[12:52, 7:57], small.image)  # original pixels kept, only padded


def test_same_transform_on_every_channel_and_the_mask() -> None:
    rng = np.random.default_rng(3)
    plane = rng.random((32, 32)).astype(np.float32)
    plane[5:12, 20:30] = 1.0
    image = torch.from_numpy(np.stack([plane] * 5))
    mask = torch.from_numpy((plane == 1.0).astype(np.int64))
    changed = 0
    for seed in range(8):
        out, out_mask = augment(image, mask, NO_PHOTO, np.random.default_rng(seed))
        assert out.shape == (5, 32, 32)
        for ch in range(1, 5):
            assert torch.equal(out[ch], out[0])
        assert torch.equal(out_mask.bool(), out[0] == 1.0)
        changed += int(not torch.equal(out_mask, mask))
    assert changed > 0  # the geometric transforms did act


def test_photometric_augmentation_keeps_channels_in_step() -> None:
    image = torch.rand(1, 16, 16).repeat(4, 1, 1)
    cfg = AugmentConfig(noise_p=0.0, blur_p=1.0)
    out, _ = augment(image, torch.zeros(16, 16, dtype=torch.int64), cfg, np.random.default_rng(1))
    assert all(torch.allclose(out[c], out[0]) for c in range(4))
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0


def test_dataset_is_deterministic_and_n_channel(tmp_path) -> None:
    root = make_tiny_project(tmp_path, n_ok=3, n_ng=3)
    with Project.open(root) as project:
        samples = project.samples()
        items = load_items(project, samples, class_lut([1]))
    sampler = CropSampler(items, 32, ng_fraction=0.5, hard_fraction=0.0)
    a = CropDataset(sampler, 6, AugmentConfig(), seed=5)
    b = CropDataset(sampler, 6, AugmentConfig(), seed=5)
    for i in (0, 3, 5):
        xa, ya, wa = a[i]
        xb, yb, wb = b[i]
        assert torch.equal(xa, xb) and torch.equal(ya, yb) and torch.equal(wa, wb)
    a.set_epoch(1)
    assert not all(torch.equal(a[i][0], b[i][0]) for i in range(6))
    assert xa.shape == (3, 32, 32) and ya.shape == (32, 32)


def test_choose_samples_and_dataset_state(tmp_path) -> None:
    root = make_tiny_project(tmp_path, n_ok=5, n_ng=5)
    with Project.open(root) as project:
        splits = choose_samples(project, "segmentation")
        assert {s.split for s in splits.train} == {"train"} and {s.split for s in splits.val} == {"val"}
        anomaly = choose_samples(project, "anomaly")
        assert all(s.label == "ok" for s in anomaly.train)
        state = dataset_state(splits)
        assert [s.id for s in splits.train] == [r[0] for r in state["train"]]  # type: ignore[index]
        project.update_samples([s.id for s in project.samples()], split=None)
        held = choose_samples(project, "segmentation")
        assert held.val and not {s.id for s in held.val} & {s.id for s in held.train}
        assert "held out" in held.note
        assert dataset_state(held)["hash"] != state["hash"]


def test_choose_samples_refuses_a_project_without_labels(tmp_path) -> None:
    root = make_tiny_project(tmp_path, n_ok=2, n_ng=2)
    with Project.open(root) as project:
        project.update_samples([s.id for s in project.samples()], label="unlabeled")
        with pytest.raises(TrainingDataError, match="no labelled training samples"):
            choose_samples(project, "segmentation")


def test_hard_examples_are_drawn_more_often() -> None:
    items = [_item(512, 512, "ok")]
    sampler = CropSampler(items, 64, ng_fraction=0.0, hard_fraction=1.0)
    sampler.record_losses(np.array([[0, 100, 200], [0, 300, 10]]), np.array([5.0, 0.001]))
    rng = np.random.default_rng(0)
    near = 0
    for _ in range(100):
        _, y0, x0 = sampler.draw(rng)
        near += int(abs(y0 - 100) <= 8 and abs(x0 - 200) <= 8)
    assert near > 90
    sampler.age(0.5)
    assert sampler.hard[(0, 100, 200)] == pytest.approx(2.5)


def test_class_lut_presence_and_metrics() -> None:
    lut = class_lut([3, 7])
    assert lut[3] == 1 and lut[7] == 2 and lut[5] == 0 and lut[0] == 0
    assert class_lut([0])[9] == 1
    target = np.array([[0, 2], [0, 0]], np.uint8)
    assert presence(target, False, 2).tolist() == [0.0, 1.0]
    assert presence(np.zeros((2, 2), np.uint8), True, 2).tolist() == [1.0, 1.0]
    assert auroc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == pytest.approx(0.75)
    assert auroc([0.5, 0.5], [False, True]) == pytest.approx(0.5)
    assert auroc([0.2], [True]) is None
    # validation scores an image as the decision does: one stray pixel above the threshold is NG
    score_map = np.zeros((2, 20, 20), np.float32)
    score_map[1, 5:10, 5:10] = 0.4
    score_map[0, 15, 15] = 0.6
    assert image_score(score_map) == pytest.approx(0.6)
    rules = DecisionConfig([ClassRule(1, "a"), ClassRule(2, "b")])
    decision = decide(score_map, rules)
    assert decision.verdict == "NG" and decision.image_score == pytest.approx(0.6)
    score_map[0, 15, 15] = 0.45
    assert image_score(score_map) == pytest.approx(0.45) and decide(score_map, rules).verdict == "OK"


def test_synthetic_defects_paint_only_defect_free_crops() -> None:
    from workbench.learn.synthetic import SyntheticDefects

    source = _item(200, 200, "ng", (90, 90, 12, 20))
    painter = SyntheticDefects([source], n_classes=1, p=1.0)
    rng = np.random.default_rng(0)
    crop = np.full((96, 96, 3), 120, np.uint8)
    painted = 0
    for _ in range(6):
        image, target = painter(crop, np.zeros((96, 96), np.uint8), rng)
        if target.any():
            painted += 1
            assert set(np.unique(target)) == {0, 1}
            assert not np.array_equal(image[target > 0], crop[target > 0])
    assert painted >= 4
    labelled = np.zeros((96, 96), np.uint8)
    labelled[0, 0] = 1
    image, target = painter(crop, labelled, rng)
    assert image is crop and target is labelled  # crops that show a defect already are left alone


def test_fit_crop_shrinks_to_small_images_and_keeps_pixels_per_step():
    # 160-px parts under a 256-px preset: crops of 160 (no padding), batch grown to ~ the same pixels
    assert fit_crop(256, 8, [(160, 160)] * 20) == (160, 20)
    # images larger than the crop keep the preset
    assert fit_crop(256, 8, [(300, 400), (512, 512)]) == (256, 8)
    # a few small images among large ones do not shrink the crop (90 % of the images fit it)
    assert fit_crop(256, 8, [(100, 100)] * 5 + [(600, 600)] * 95) == (256, 8)
    # the shorter side decides, rounded down to a multiple of 32; growth is capped at 4x
    assert fit_crop(256, 8, [(70, 900)] * 10) == (64, 32)
    assert fit_crop(256, 8, []) == (256, 8)


def test_fit_input_gives_a_classifier_the_whole_part():
    # 300-px cells under a 256-px input: one 320-px input (no crop cutting off the defect)
    assert fit_input(256, 16, [(300, 300)] * 20) == (320, 10)
    # small parts: the input shrinks to them, more images per step (growth capped at 4x)
    assert fit_input(256, 16, [(100, 120)] * 20) == (128, 64)
    # parts far larger than the input keep tiling; parts already the input size change nothing
    assert fit_input(256, 16, [(1000, 1000)] * 20) == (256, 16)
    assert fit_input(256, 16, [(250, 256)] * 20) == (256, 16)
    # at least four images per step
    assert fit_input(256, 4, [(380, 380)] * 5) == (384, 4)


def _stripes(horizontal: bool, seed: int) -> np.ndarray:
    """Grinding-mark-like stripes along one axis, with a little noise."""
    rng = np.random.default_rng(seed)
    line = (128 + 60 * np.sin(np.arange(96) * 0.9 + seed)).astype(np.float32)
    image = np.tile(line[:, None], (1, 128)) if horizontal else np.tile(line[None, :], (128, 1))[:96]
    return np.clip(image + rng.normal(0, 4, image.shape), 0, 255).astype(np.uint8)[..., None]


def test_quarter_turns_only_for_images_without_a_direction() -> None:
    from workbench.learn.augment import ROT90_MAX_ASYMMETRY, axis_asymmetry

    fixtured = [_stripes(True, s) for s in range(8)]  # every part lies the same way
    assert axis_asymmetry(fixtured) > 0.5
    rng = np.random.default_rng(0)
    texture = [rng.integers(0, 255, (96, 128, 1), dtype=np.uint8) for _ in range(8)]
    assert axis_asymmetry(texture) < ROT90_MAX_ASYMMETRY
    # parts at both angles: the set as a whole has no direction
    mixed = [_stripes(s % 2 == 0, s) for s in range(8)]
    assert axis_asymmetry(mixed) < ROT90_MAX_ASYMMETRY
    assert axis_asymmetry([]) == 0.0
