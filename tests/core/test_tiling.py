"""Tiling covers images exactly and stitching reproduces whole-image results."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core.cancel import Cancelled, CancelToken
from workbench.core.tiling import (
    Tiling,
    classify_tiled,
    classify_tiled_many,
    pad_image,
    plan_tiles,
    predict_tiled,
    predict_tiled_many,
    score_maps,
    tile_grid,
    whole_tiles,
)


def _sigmoid_fn(batch: np.ndarray) -> np.ndarray:
    """Pointwise: one output per input pixel, nothing from neighbours."""
    return (1.0 / (1.0 + np.exp(-(batch[:, :1] * 3.0 - 1.0)))).astype(np.float32)


def _linear_fn(batch: np.ndarray) -> np.ndarray:
    """Like a 1x1 convolution: K=2 outputs mixing C=3 inputs per pixel, plus a bias."""
    weights = np.array([[0.5, -0.25, 1.0], [0.1, 0.2, 0.3]], dtype=np.float32)
    return (np.einsum("kc,nchw->nkhw", weights, batch) + 0.125).astype(np.float32)


def _covered(height: int, width: int, tile: int, overlap: int) -> np.ndarray:
    count = np.zeros((height, width), dtype=np.int32)
    for t in tile_grid(height, width, tile, overlap):
        count[t.y : t.y + t.h, t.x : t.x + t.w] += 1
    return count


def test_grid_covers_image_with_full_tiles_ending_at_border():
    tiles = tile_grid(2048, 2448, 512, 64)
    # stride 448: x starts 0, 448, 896, 1344, 1792 and a last one shifted to 2448-512=1936
    xs = sorted({t.x for t in tiles})
    ys = sorted({t.y for t in tiles})
    assert xs == [0, 448, 896, 1344, 1792, 1936]
    # y: 0, 448, 896, 1344 and 2048-512=1536 (ceil((2048-512)/448)+1 = 5 starts)
    assert ys == [0, 448, 896, 1344, 1536]
    assert all(t.h == 512 and t.w == 512 for t in tiles)
    assert _covered(2048, 2448, 512, 64).min() >= 1


def test_grid_exact_fit_and_small_image():
    # 1024 = 512 + 512 with overlap 0: exactly two tiles per axis, no overlap at all
    assert [(t.y, t.x) for t in tile_grid(1024, 1024, 512, 0)] == [(0, 0), (0, 512), (512, 0), (512, 512)]
    (only,) = tile_grid(100, 300, 512, 64)
    assert (only.y, only.x, only.h, only.w) == (0, 0, 100, 300)
    # one axis short, the other long: one row of full-width tiles of the short height
    assert [(t.x, t.h, t.w) for t in tile_grid(100, 700, 512, 64)] == [(0, 100, 512), (188, 100, 512)]


def test_grid_rejects_bad_arguments():
    with pytest.raises(ValueError, match="overlap"):
        tile_grid(100, 100, 64, 64)
    with pytest.raises(ValueError, match="image size"):
        tile_grid(0, 100, 64, 0)


def test_pointwise_fn_is_reproduced_exactly():
    rng = np.random.default_rng(0)
    image = rng.random((1, 300, 421), dtype=np.float32)
    tiled = predict_tiled(image, _sigmoid_fn, tile=128, overlap=32, batch=3)
    full = _sigmoid_fn(image[None])[0]
    assert tiled.dtype == np.float32 and tiled.shape == (1, 300, 421)
    np.testing.assert_array_equal(tiled, full)


def test_linear_fn_matches_full_image():
    rng = np.random.default_rng(1)
    image = rng.random((3, 200, 333), dtype=np.float32)
    tiled = predict_tiled(image, _linear_fn, tile=96, overlap=40)
    full = _linear_fn(image[None])[0]
    assert tiled.shape == (2, 200, 333)
    np.testing.assert_allclose(tiled, full, rtol=0, atol=1e-6)


def test_image_smaller_than_tile_is_padded_then_cropped():
    rng = np.random.default_rng(2)
    image = rng.random((1, 37, 50), dtype=np.float32)
    seen: list[tuple[int, ...]] = []

    def fn(batch: np.ndarray) -> np.ndarray:
        seen.append(batch.shape)
        return _sigmoid_fn(batch)

    tiled = predict_tiled(image, fn, tile=64, overlap=16)
    assert seen == [(1, 1, 64, 64)]
    np.testing.assert_array_equal(tiled, _sigmoid_fn(image[None])[0])


def test_one_pixel_image():
    image = np.full((1, 1, 1), 0.25, dtype=np.float32)
    tiled = predict_tiled(image, _sigmoid_fn, tile=32, overlap=0)
    np.testing.assert_array_equal(tiled, _sigmoid_fn(image[None])[0])


def test_camera_sized_image_blends_neighbourhood_fn_smoothly():
    # A cheap fn that depends on the tile position (mean of the tile): blending must still
    # stay within the range of the tile outputs and cover every pixel.
    image = np.zeros((1, 2048, 2448), dtype=np.float32)
    image[0, :, 1200:] = 1.0
    calls = []

    def fn(batch: np.ndarray) -> np.ndarray:
        calls.append(batch.shape[0])
        return np.broadcast_to(batch.mean(axis=(1, 2, 3))[:, None, None, None], batch.shape).copy()

    out = predict_tiled(image, fn, tile=512, overlap=64, batch=4)
    assert out.shape == (1, 2048, 2448)
    assert sum(calls) == 30 and max(calls) == 4  # 5 rows x 6 columns of tiles
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0
    assert out[0, 0, 0] == 0.0 and out[0, -1, -1] == 1.0


def test_bad_tile_output_shape_is_reported():
    image = np.zeros((1, 64, 64), dtype=np.float32)
    with pytest.raises(ValueError, match="expected"):
        predict_tiled(image, lambda b: b[:, :, :32, :32], tile=64, overlap=0)
    with pytest.raises(ValueError, match="multiple of 32"):
        predict_tiled(image, _sigmoid_fn, tile=50, overlap=0)


def test_cancel_stops_between_batches():
    token = CancelToken()
    calls = []

    def fn(batch: np.ndarray) -> np.ndarray:
        calls.append(1)
        token.cancel()
        return batch

    with pytest.raises(Cancelled):
        predict_tiled(
            np.zeros((1, 256, 256), dtype=np.float32), fn, tile=64, overlap=0, batch=2, cancel=token
        )
    assert len(calls) == 1  # 16 tiles in batches of 2, stopped after the first batch


def _box3_fn(batch: np.ndarray) -> np.ndarray:
    """A tiny conv net: 3x3 box filter (zero padding at the tile border) then a sigmoid."""
    padded = np.pad(batch[:, :1], ((0, 0), (0, 0), (1, 1), (1, 1)))
    h, w = batch.shape[2:]
    box = sum(padded[:, :, dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)) / 9.0
    return (1.0 / (1.0 + np.exp(-(box * 4.0 - 2.0)))).astype(np.float32)


def test_plan_pads_small_axes_to_the_next_multiple_not_to_the_tile():
    small = plan_tiles(300, 300, 512, 64)
    assert (small.padded_h, small.padded_w, len(small.tiles), small.tile_shape) == (320, 320, 1, (320, 320))
    legacy = plan_tiles(300, 300, 512, 64, pad_multiple=None)
    assert (legacy.padded_h, legacy.padded_w, legacy.tile_shape) == (512, 512, (512, 512))
    # one short axis, one long: a row of 320-high full-width tiles with the usual overlap
    strip = plan_tiles(300, 1000, 512, 64)
    assert strip.padded_h == 320 and strip.padded_w == 1000
    assert [(t.x, t.h, t.w) for t in strip.tiles] == [(0, 320, 512), (448, 320, 512), (488, 320, 512)]
    assert plan_tiles(500, 33, 512, 64).tile_shape == (512, 64)  # never above the tile
    assert plan_tiles(1, 1, 512, 0).tile_shape == (32, 32)
    large = plan_tiles(1100, 700, 512, 64)
    assert (large.padded_h, large.padded_w) == (1100, 700) and large.tiles == tuple(
        tile_grid(1100, 700, 512, 64)
    )


def _mixed_images(channels: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(5)
    sizes = [(300, 300), (100, 200), (300, 300), (700, 530), (37, 50), (300, 300)]
    return [rng.random((channels, h, w), dtype=np.float32) for h, w in sizes]


def test_batched_images_equal_the_single_image_path_and_the_whole_image_fn():
    images = _mixed_images()
    calls: list[tuple[int, ...]] = []
    single_calls: list[tuple[int, ...]] = []

    def fn(batch: np.ndarray, log: list[tuple[int, ...]] = calls) -> np.ndarray:
        log.append(batch.shape)
        return _sigmoid_fn(batch)

    maps = predict_tiled_many(images, fn, tile=256, overlap=32, max_pixels=8 * 256 * 256)
    for image, got in zip(images, maps, strict=True):
        assert got.dtype == np.float32 and got.shape == (1, *image.shape[1:])
        alone = predict_tiled(image, lambda b: fn(b, single_calls), tile=256, overlap=32, batch=8)
        np.testing.assert_array_equal(got, alone)
        np.testing.assert_array_equal(got, _sigmoid_fn(image[None])[0])
    assert all(n * h * w <= 8 * 256 * 256 for n, _, h, w in calls)
    # the same tiles, fewer calls: the 256x256 tiles of four images share them
    assert sorted(calls) != sorted(single_calls) and len(calls) < len(single_calls)
    assert sum(n for n, *_ in calls) == sum(n for n, *_ in single_calls)


def test_conv_fn_batched_equals_single_and_small_receptive_fields_ignore_the_pad_size():
    images = _mixed_images()
    maps = predict_tiled_many(images, _box3_fn, tile=256, overlap=32, max_pixels=3 * 256 * 256)
    for image, got in zip(images, maps, strict=True):
        alone = predict_tiled(image, _box3_fn, tile=256, overlap=32, batch=1)
        np.testing.assert_allclose(got, alone, rtol=0, atol=1e-6)
        # Reflect padding is the same whatever its length, so a net whose receptive field fits in
        # the padding gives today's map; deep nets see a little less padding and can differ near
        # the bottom/right border of images smaller than a tile.
        legacy = predict_tiled(image, _box3_fn, tile=256, overlap=32, pad_multiple=None)
        np.testing.assert_allclose(got, legacy, rtol=0, atol=1e-6)


def test_small_images_are_batched_by_pixels_not_by_count():
    images = [np.zeros((1, 100, 100), np.float32)] * 7 + [np.zeros((1, 200, 250), np.float32)]
    calls: list[tuple[int, ...]] = []

    def fn(batch: np.ndarray) -> np.ndarray:
        calls.append(batch.shape)
        return batch

    predict_tiled_many(images, fn, tile=512, overlap=64, max_pixels=512 * 512)
    # 128x128 tiles: 16 fit the budget, so all seven go at once; the 224x256 one alone
    assert calls == [(7, 1, 128, 128), (1, 1, 224, 256)]


def test_batched_classification_takes_each_images_maximum_over_full_tiles():
    rng = np.random.default_rng(3)
    images = [rng.random((2, h, w), dtype=np.float32) for h, w in ((40, 50), (64, 112), (30, 30))]
    seen: list[tuple[int, ...]] = []

    def fn(batch: np.ndarray) -> np.ndarray:
        seen.append(batch.shape)
        return batch.reshape(batch.shape[0], 2, -1).mean(axis=2)  # (N, K) like a classifier head

    maps = classify_tiled_many(images, fn, tile=64, overlap=16, max_pixels=8 * 64 * 64)
    assert seen == [(4, 2, 64, 64)]  # classifiers always see whole tiles; 1 + 2 + 1 tiles, one call
    for image, got in zip(images, maps, strict=True):
        assert got.shape == (2, 1, 1)
        np.testing.assert_array_equal(got, classify_tiled(image, fn, tile=64, overlap=16))


def test_batched_cancel_and_bad_outputs():
    token = CancelToken()
    images = [np.zeros((1, 64, 64), np.float32)] * 4

    def fn(batch: np.ndarray) -> np.ndarray:
        token.cancel()
        return batch

    with pytest.raises(Cancelled):
        predict_tiled_many(images, fn, tile=64, overlap=0, max_pixels=2 * 64 * 64, cancel=token)
    with pytest.raises(ValueError, match="for 2 tiles"):
        predict_tiled_many(images[:2], lambda b: b[:1], tile=64, overlap=0, max_pixels=2 * 64 * 64)


def test_tiling_for_a_task_and_from_a_manifest() -> None:
    seg, cls = Tiling.for_task("segmentation", 64, 16), Tiling.for_task("classification", 64, 16)
    assert (seg.merge, seg.pad_multiple, cls.merge, cls.pad_multiple) == ("blend", 32, "max", None)
    assert seg.to_manifest() == {"tile": 64, "overlap": 16, "merge": "blend", "pad_multiple": 32}
    assert Tiling.from_manifest(seg.to_manifest(), "segmentation") == seg
    assert Tiling.from_manifest(cls.to_manifest(), "classification") == cls
    # what older manifests leave out: merge by task, padding to the whole tile
    assert Tiling.from_manifest({"tile": 64, "overlap": 16}, "classification") == cls
    assert Tiling.from_manifest({"tile": 64, "overlap": 16}, "anomaly").pad_multiple is None
    with pytest.raises(ValueError, match="tile merge"):
        Tiling(64, 16, "mean")


def test_score_maps_merge_as_the_tiling_says() -> None:
    images = [np.random.default_rng(i).random((1, 40 + 30 * i, 90)).astype(np.float32) for i in range(3)]
    blend = score_maps(images, _box3_fn, Tiling(64, 16, "blend", 32), 2 * 64 * 64)
    for image, got in zip(images, blend, strict=True):
        np.testing.assert_array_equal(got, predict_tiled(image, _box3_fn, 64, 16, batch=2))
    top = score_maps(images, _box3_fn, Tiling(64, 16, "max", 32), 2 * 64 * 64)
    for image, got in zip(images, top, strict=True):
        np.testing.assert_array_equal(got, classify_tiled(image, _box3_fn, 64, 16, batch=2))


def test_one_pixel_axes_repeat_their_edge_and_whole_tiles_cover_the_image() -> None:
    column = np.arange(5, dtype=np.float32).reshape(1, 5, 1)
    padded = pad_image(column, 8, 4)
    assert padded.shape == (1, 8, 4)
    np.testing.assert_array_equal(padded[0, :5, 3], column[0, :, 0])  # the width repeats its edge
    np.testing.assert_array_equal(padded[0, 5:, 0], [3, 2, 1])  # the height still reflects
    chw = np.random.default_rng(0).random((2, 40, 100)).astype(np.float32)
    full, tiles = whole_tiles(chw, 64)
    assert full.shape == (2, 64, 100) and [(t.x, t.w, t.h) for t in tiles] == [(0, 64, 64), (36, 64, 64)]
    np.testing.assert_array_equal(full[:, :40], chw)
