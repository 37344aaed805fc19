"""Good-only anomaly model: fitted as training fits it (``ModelInfo.fit``), its threshold placed as
training places it (``anomaly_threshold.place_threshold``); defects score higher, export parity."""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from workbench.core.cancel import Cancelled, CancelToken, no_progress
from workbench.core.decisions import ClassRule, DecisionConfig
from workbench.core.operating_point import tail_margin
from workbench.core.preprocess import InputError
from workbench.core.run_config import ModelClass, ModelConfig
from workbench.core.tiling import predict_tiled
from workbench.learn.anomaly import (
    AnomalyFitError,
    AnomalyModel,
    greedy_coreset,
    normal_spread,
    score_scale,
)
from workbench.learn.anomaly_threshold import PlacedThreshold, hold_out_good, place_threshold
from workbench.learn.data_sampling import TrainItem
from workbench.learn.infer import LoadedRun
from workbench.learn.models import ANOMALY_BUILTIN, get_model, model_info
from workbench.learn.validation import tile_for

TILE, OVERLAP = tile_for("anomaly", 32)  # the tiling a run trained on 32-pixel crops predicts with
DYNAMIC = {"image": {0: "n", 2: "h", 3: "w"}, "score": {0: "n", 2: "h", 3: "w"}}


def texture(seed: int, size: int = 96, defect: bool = False) -> np.ndarray:
    """Vertical stripes (aligned part, small shifts) with noise; a defect is a dark rectangle."""
    rng = np.random.default_rng(seed)
    xx = np.mgrid[:size, :size][1]
    img = 0.5 + 0.2 * np.sin(xx / 3.0 + rng.uniform(0, 0.5)) + 0.04 * rng.standard_normal((size, size))
    if defect:
        img[40:52, 30:50] = 0.05
    return np.clip(np.repeat(img[..., None], 3, axis=2), 0, 1).astype(np.float32)


def fit(images: list[np.ndarray], **settings: object) -> torch.nn.Module:
    """The built-in model fitted through the registry, as a training run fits it."""
    fit_fn = model_info(ANOMALY_BUILTIN).fit
    assert fit_fn is not None
    return fit_fn(images, [], [], tile=TILE, overlap=OVERLAP, seed=0, device="cpu", **settings).eval()


def item(i: int, image: np.ndarray, label: str) -> TrainItem:
    return TrainItem(i, image, np.zeros(image.shape[:2], np.uint8), label)


def loaded(model: torch.nn.Module) -> LoadedRun:
    config = ModelConfig(
        task="anomaly", model=ANOMALY_BUILTIN, in_channels=3, classes=(ModelClass(1, "defect"),),
        tile_size=TILE, overlap=OVERLAP, mean=(0.0,) * 3, std=(1.0,) * 3, decision=DecisionConfig(),
    )  # fmt: skip
    return LoadedRun(Path("."), config, model, torch.device("cpu"))


def placed(model: torch.nn.Module, val: list[TrainItem], ng_train: list[TrainItem]) -> PlacedThreshold:
    decision = DecisionConfig(classes=[ClassRule(1, "defect")])
    return place_threshold(loaded(model), val, [], ng_train, decision, no_progress, CancelToken())


@pytest.fixture(scope="module")
def model() -> AnomalyModel:
    fitted = fit([texture(i) for i in range(6)])
    assert isinstance(fitted, AnomalyModel)
    return fitted


def score_map(model: torch.nn.Module, image: np.ndarray) -> np.ndarray:
    def fn(batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return model(torch.from_numpy(batch)).numpy()

    return predict_tiled(np.ascontiguousarray(image.transpose(2, 0, 1)), fn, TILE, OVERLAP)[0]


def raw_map(model: AnomalyModel, image: np.ndarray) -> np.ndarray:
    def fn(batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return model.raw_map(torch.from_numpy(batch)).numpy()

    return predict_tiled(np.ascontiguousarray(image.transpose(2, 0, 1)), fn, TILE, OVERLAP)[0]


def test_defects_score_above_the_placed_threshold_and_good_images_below(model: AnomalyModel) -> None:
    val = [item(i, texture(50 + i), "ok") for i in range(4)]
    ng_train = [item(9, texture(97, defect=True), "ng"), item(10, texture(96, defect=True), "ng")]
    result = placed(model, val, ng_train)
    threshold = result.decision.classes[0].threshold
    assert result.threshold["placed_by"] == "ng_images" and result.threshold["ng_escapes"] == 0
    assert result.origins[0]["train_ng"] == 2 and result.origins[0]["method"] == "val_zero_escape"
    good = score_map(model, texture(99))
    bad = score_map(model, texture(98, defect=True))
    assert good.shape == bad.shape == (96, 96)
    assert good.min() >= 0.0 and bad.max() < 1.0  # raw / (raw + scale): never saturates
    assert good.max() < threshold < bad.max()
    good_raw = raw_map(model, texture(99))
    bad_raw = raw_map(model, texture(98, defect=True))
    assert bad_raw.max() > 4 * good_raw.max() > 0
    x = torch.from_numpy(texture(98, size=64, defect=True).transpose(2, 0, 1))[None]
    with torch.inference_mode():
        raw = model.raw_map(x)
        torch.testing.assert_close(model(x), raw / (raw + float(model.scale)))
    ys, xs = np.unravel_index(np.argmax(bad_raw), bad_raw.shape)
    assert 30 <= ys <= 62 and 20 <= xs <= 60, "the peak sits on the defect"


def test_the_bank_is_fitted_on_the_tiles_inference_pads_and_cuts() -> None:
    """A part smaller than a tile is padded to a multiple of 32 at inference (72 -> 96 here), not
    to the whole tile. Fitted on whole reflect-padded tiles (72 -> 128), the bank lacked the border
    inference sees and every good part's border scored about a fifth of a defect (old: good raw
    maxima 6.1-7.2, defects 37.6-39.3), so good parts and faint defects changed places."""
    tile, overlap = tile_for("anomaly", 64)
    assert tile == 128

    def part(seed: int, defect: bool = False) -> np.ndarray:
        img = texture(seed, size=72)
        if defect:
            img[30:40, 20:36] = 0.05
        return img

    fitted = model_info(ANOMALY_BUILTIN).fit
    assert fitted is not None
    small = fitted([part(i) for i in range(6)], [], [], tile=tile, overlap=overlap, seed=0, device="cpu")

    def worst(image: np.ndarray) -> float:
        def fn(batch: np.ndarray) -> np.ndarray:
            with torch.inference_mode():
                return small.eval().raw_map(torch.from_numpy(batch)).numpy()

        chw = np.ascontiguousarray(image.transpose(2, 0, 1))
        return float(predict_tiled(chw, fn, tile, overlap)[0].max())

    good = [worst(part(50 + i)) for i in range(4)]
    bad = [worst(part(80 + i, defect=True)) for i in range(4)]
    assert 10 * max(good) < min(bad), (good, bad)


def test_state_dict_round_trips_through_weights_only_load(model: AnomalyModel) -> None:
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    state = torch.load(io.BytesIO(buf.getvalue()), weights_only=True)
    assert state["bank"].shape[1] == 152 and state["bank"].shape[0] <= 16384
    again = AnomalyModel.from_state_dict(state)
    again.load_state_dict(state)
    x = torch.rand(1, 3, 64, 64)
    with torch.inference_mode():
        assert torch.allclose(again.eval()(x), model(x), atol=1e-6)


def test_registry_builds_an_empty_model_that_loads_a_fitted_state(model: AnomalyModel) -> None:
    empty = get_model("anomaly-effnetlite0", 3, 1)
    assert "ImageNet EfficientNet-Lite0" in empty.pretrained_source and empty.bank.shape[0] == 0
    empty.load_state_dict(model.state_dict())
    x = torch.rand(1, 3, 64, 64)
    with torch.inference_mode():
        assert torch.allclose(empty.eval()(x), model(x), atol=1e-6)
    fitted = model_info("anomaly-effnetlite0").fit
    assert fitted is not None
    with pytest.raises(AnomalyFitError, match="no good training images"):
        fitted([], [texture(0)], tile=TILE, unknown_setting=1)


def test_onnx_export_keeps_dynamic_size(model: AnomalyModel, tmp_path) -> None:
    path = tmp_path / "anomaly.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.rand(1, 3, 64, 64),), str(path), input_names=["image"],
                          output_names=["score"], dynamo=False,
                          dynamic_axes=DYNAMIC)  # fmt: skip
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for size in ((64, 64), (96, 128)):
        x = torch.from_numpy(texture(7, size=max(size), defect=True)[: size[0], : size[1]].transpose(2, 0, 1))
        x = x[None].contiguous()
        with torch.inference_mode():
            want = model(x).numpy()
        got = session.run(None, {"image": x.numpy()})[0]
        assert got.shape == want.shape == (1, 1, *size)
        np.testing.assert_allclose(got, want, atol=1e-4)


def test_the_margin_is_a_ratio_of_raw_distances_whatever_the_scale() -> None:
    """``raw / (raw + scale)`` has log-odds ``log(raw / scale)``: core's log-odds margin below the
    lowest NG score is the mean log-ratio of the lowest raw NG scores, and the placed threshold in
    raw terms does not depend on the scale."""
    raw_ng = np.array([2.0, 2.5, 4.0, 9.0])
    raw_ok = np.linspace(0.2, 1.5, 50)
    raw_thresholds = []
    for scale in (0.5, 1.0, 3.0):
        ng = raw_ng / (raw_ng + scale)
        assert tail_margin(list(ng)) == pytest.approx(math.log(2.5 / 2.0), abs=1e-9)
        # flat images whose score is their grey value (see ``_GreyIsScore``)
        ok = raw_ok / (raw_ok + scale)
        val = [item(i, np.full((8, 8, 3), s, np.float32), "ok") for i, s in enumerate(ok)]
        ng_train = [item(100 + i, np.full((8, 8, 3), s, np.float32), "ng") for i, s in enumerate(ng)]
        result = placed(_GreyIsScore(), val, ng_train)
        t = result.decision.classes[0].threshold
        assert result.threshold == {"placed_by": "ng_images", "value": t, "ng_images": 4, "ng_from_train": 4,
                                    "ng_escapes": 0, "good_images": 50, "good_rejected": 0}  # fmt: skip
        raw_thresholds.append(scale * t / (1 - t))
    # the lowest NG distance divided by the ratio of the two lowest: 2.0 / (2.5 / 2.0)
    np.testing.assert_allclose(raw_thresholds, 1.6, rtol=1e-3)


class _GreyIsScore(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :1]


def test_score_scale_is_the_typical_normal_spread() -> None:
    bank = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    assert score_scale(bank, torch.tensor([1.0, 2.0, 7.0])) == pytest.approx(2.0)
    # one training image: no spread, the median distance to the nearest other bank vector
    assert score_scale(bank, torch.zeros(3)) == pytest.approx(3.0)
    assert score_scale(bank[:1], torch.zeros(1)) == 1.0


def test_coreset_picks_spread_out_points() -> None:
    pts = torch.cat([torch.zeros(50, 8), torch.ones(1, 8) * 10, torch.ones(1, 8) * -10])
    chosen = set(greedy_coreset(pts, 3, proj_dim=8).tolist())
    assert {50, 51} <= chosen
    assert len(greedy_coreset(pts, 100)) == 52


def test_good_images_are_held_out_without_good_val_images_and_fitting_honours_cancel() -> None:
    train = [item(i, texture(i, size=64), "ok") for i in range(10)]
    fit_on, held_out = hold_out_good(train, val_has_good=False)
    assert [it.sample_id for it in held_out] == [4, 9] and len(fit_on) == 8
    assert hold_out_good(train, val_has_good=True) == (train, [])
    assert hold_out_good(train[:4], val_has_good=False) == (train[:4], [])  # too few to spare one
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        fit([texture(0, size=64)], cancel=token)
    with pytest.raises(InputError, match=r"training image 1: image has 1 channel\(s\), the model expects 3"):
        fit([texture(0, size=64), np.zeros((64, 64, 1), np.float32)])


def test_normal_spread_looks_at_other_images_only() -> None:
    # image 0: two near copies; image 1: one vector 5 away from both
    cands = torch.tensor([[0.0, 0.0], [0.1, 0.0], [0.0, 5.0]])
    owner = torch.tensor([0, 0, 1], dtype=torch.int32)
    spread = normal_spread(cands, owner, cands, owner, k=1)
    assert spread[0] == pytest.approx(5.0) and spread[1] == pytest.approx(float(np.hypot(0.1, 5.0)))
    assert spread[2] == pytest.approx(5.0)
    assert torch.equal(normal_spread(cands, torch.zeros(3, dtype=torch.int32), cands,
                                     torch.zeros(3, dtype=torch.int32)), torch.zeros(3))  # fmt: skip


def test_a_model_saved_without_spread_loads_as_plain_nearest_distance(model: AnomalyModel) -> None:
    state = {k: v for k, v in model.state_dict().items() if k != "spread"}
    old = AnomalyModel.from_state_dict(state)
    old.load_state_dict(state)
    assert torch.count_nonzero(old.spread) == 0 and old.spread.shape == model.spread.shape
    x = torch.rand(1, 3, 64, 64)
    with torch.inference_mode():
        assert torch.all(old.raw_map(x) >= model.raw_map(x) - 1e-5)


def test_score_is_continuous_where_two_bank_vectors_are_equally_near() -> None:
    """Float rounding must not flip which spread is subtracted (ONNX vs torch parity)."""
    model = AnomalyModel(3, 0)
    bank = torch.zeros(6, 152)
    bank[0, 0], bank[1, 0] = 1.0, -1.0  # equally near to queries on the x0 = 0 plane
    bank[2:, 1] = torch.tensor([40.0, 50.0, 60.0, 70.0])  # far away
    model.bank, model.spread = bank, torch.tensor([0.0, 2.0, 9.0, 9.0, 9.0, 9.0])
    query = torch.zeros(1, 3, 152)
    query[0, :, 2] = 3.0
    query[0, 0, 0], query[0, 1, 0] = 1e-5, -1e-5  # either side of the tie
    query[0, 2, 0] = 0.8  # clearly nearer to vector 0
    with torch.inference_mode():
        side_a, side_b, near_0 = model.excess(query)[0].tolist()
    assert abs(side_a - side_b) < 1e-3  # a hard nearest-vector choice differs by the full 2.0
    assert side_a == pytest.approx(float(np.sqrt(10.0)) - 1.0, abs=1e-3)  # the two spreads blended
    assert near_0 == pytest.approx(float(np.hypot(0.2, 3.0)), abs=5e-3)  # away from ties: its own spread


def test_the_fit_takes_only_the_images_keep_going_allows() -> None:
    asked: list[int] = []

    def keep_going(done: int) -> bool:
        asked.append(done)
        return done < 2

    images = [texture(i, size=64) for i in range(5)]
    short = fit(images, keep_going=keep_going, patches_per_image=64)
    assert asked == [1, 2]  # never asked after the last image, and not again once it said stop
    full = fit(images, patches_per_image=64)
    # the spread is measured between images: two images' candidates against five images'
    assert short.bank.shape[0] < full.bank.shape[0]


def test_fit_pacer_stops_when_the_threshold_placement_would_not_fit() -> None:
    from workbench.learn.time_budget import TimeBudget
    from workbench.learn.train_anomaly import FIT_END_SHARE, MIN_FIT_IMAGES, SCORE_COST, fit_pacer

    now = [0.0]
    lines: list[str] = []

    def pacer(limit: float | None) -> object:
        now[0] = 0.0
        return fit_pacer(TimeBudget(limit, clock=lambda: now[0]), n_total=2000, n_scored=20, log=lines.append)

    def ask(keep_going: object, done: int) -> bool:
        now[0] = 2.0 + (done - 1)  # the first image takes 2 s (the model is built), each next one 1 s
        return keep_going(done)  # type: ignore[operator]

    need = 1 + SCORE_COST * 20 + FIT_END_SHARE * 1000  # one more image, scoring 20, the fit's end
    last = int(1000 - need - 2 + 1)  # the last count after which one more image still fits
    keep_going = pacer(1000.0)
    assert all(ask(keep_going, d) for d in (1, 2, 100, last)) and not lines
    assert not ask(keep_going, last + 1)
    assert (
        len(lines) == 1 and f"first {last + 1} of 2000 good images" in lines[0] and "on 20 images" in lines[0]
    )
    assert "alone" not in lines[0]
    short = pacer(40.0)  # too short for the threshold placement: the fit still takes its minimum
    assert all(ask(short, d) for d in range(1, MIN_FIT_IMAGES))
    assert not ask(short, MIN_FIT_IMAGES) and "expected to take longer" in lines[-1]
    assert all(ask(pacer(None), d) for d in (1, 5000))


class _ConstantRun:
    """Scores each image as its first pixel's value everywhere (only what place_threshold reads)."""

    def scores(self, image: np.ndarray, source: object = "") -> np.ndarray:
        return np.full((1, *image.shape[:2]), float(image[0, 0, 0]), np.float32)


def test_the_placement_auroc_ranks_val_and_training_images_on_one_scale() -> None:
    """Good val parts score below every NG training part: the AUROC is 1, whatever the threshold."""

    def part(i: int, value: float, label: str) -> TrainItem:
        return item(i, np.full((4, 4, 1), value, np.float32), label)

    val = [part(0, 0.30, "ok"), part(1, 0.32, "ok")]
    ng_train = [part(2, 0.40, "ng"), part(3, 0.45, "ng"), part(4, 0.50, "ng")]
    decision = DecisionConfig(classes=[ClassRule(1, "defect")])
    run = _ConstantRun()
    out = place_threshold(run, val, [], ng_train, decision, no_progress, CancelToken())  # type: ignore[arg-type]
    assert out.threshold["value"] < 0.40 and out.threshold["ng_escapes"] == 0  # every NG part is caught
    assert out.validation["image_auroc"] == 1.0
