"""Good-only anomaly model: fit on synthetic textures, defects score higher, export parity."""

from __future__ import annotations

import io
import warnings

import numpy as np
import onnxruntime as ort
import pytest
import torch

from workbench.core.cancel import Cancelled, CancelToken
from workbench.core.preprocess import InputError
from workbench.core.tiling import predict_tiled
from workbench.learn.anomaly import (
    AnomalyFitError,
    AnomalyModel,
    RawScores,
    choose_threshold,
    fit_anomaly,
    greedy_coreset,
    normal_spread,
    raw_image_score,
)
from workbench.learn.models import get_model, model_info

TILE, OVERLAP = 64, 16
DYNAMIC = {"image": {0: "n", 2: "h", 3: "w"}, "score": {0: "n", 2: "h", 3: "w"}}


def texture(seed: int, size: int = 96, defect: bool = False) -> np.ndarray:
    """Vertical stripes (aligned part, small shifts) with noise; a defect is a dark rectangle."""
    rng = np.random.default_rng(seed)
    xx = np.mgrid[:size, :size][1]
    img = 0.5 + 0.2 * np.sin(xx / 3.0 + rng.uniform(0, 0.5)) + 0.04 * rng.standard_normal((size, size))
    if defect:
        img[40:52, 30:50] = 0.05
    return np.clip(np.repeat(img[..., None], 3, axis=2), 0, 1).astype(np.float32)


@pytest.fixture(scope="module")
def model() -> AnomalyModel:
    val = [texture(50 + i) for i in range(4)]
    return fit_anomaly([texture(i) for i in range(6)], val, tile=TILE, overlap=OVERLAP)


def score_map(model: torch.nn.Module, image: np.ndarray) -> np.ndarray:
    def fn(batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return model(torch.from_numpy(batch)).numpy()

    return predict_tiled(np.ascontiguousarray(image.transpose(2, 0, 1)), fn, TILE, OVERLAP)[0]


def test_defect_scores_above_threshold_and_good_images_below(model: AnomalyModel) -> None:
    good = score_map(model, texture(99))
    bad = score_map(model, texture(98, defect=True))
    assert good.shape == bad.shape == (96, 96)
    assert good.min() >= 0.0 and bad.max() <= 1.0
    assert np.quantile(good, 0.99) < 0.5 < bad.max()
    # the normalised map saturates at 1 around the defect: peaks are compared on the raw scale
    good_raw = score_map(RawScores(model), texture(99))
    bad_raw = score_map(RawScores(model), texture(98, defect=True))
    assert bad_raw.max() > 4 * good_raw.max() > 0
    assert raw_image_score(model, np.ascontiguousarray(texture(99).transpose(2, 0, 1)), TILE, OVERLAP) == (
        pytest.approx(float(good_raw.max()), rel=1e-4)
    )
    ys, xs = np.unravel_index(np.argmax(bad_raw), bad_raw.shape)
    assert 30 <= ys <= 62 and 20 <= xs <= 60, "the peak sits on the defect"


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


def test_threshold_is_f1_optimal_with_ng_and_has_headroom_without() -> None:
    assert choose_threshold([1.0, 2.0]) == pytest.approx(2.2)
    assert choose_threshold([1.0, 2.0, 3.0], [5.0, 6.0]) == pytest.approx(4.0)
    # overlapping scores: the cut below the 3.5 NG image catches both NG at one false alarm
    assert choose_threshold([1.0, 4.0], [3.5, 6.0]) == pytest.approx(2.25)
    with pytest.raises(AnomalyFitError, match="no OK validation image"):
        choose_threshold([], [1.0])


def test_coreset_picks_spread_out_points() -> None:
    pts = torch.cat([torch.zeros(50, 8), torch.ones(1, 8) * 10, torch.ones(1, 8) * -10])
    chosen = set(greedy_coreset(pts, 3, proj_dim=8).tolist())
    assert {50, 51} <= chosen
    assert len(greedy_coreset(pts, 100)) == 52


def test_fit_without_val_images_holds_out_training_images_and_honours_cancel() -> None:
    model = fit_anomaly([texture(i, size=64) for i in range(5)], [], tile=TILE, overlap=OVERLAP)
    assert float(model.threshold_raw) > 0
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        fit_anomaly([texture(0, size=64)], [texture(1, size=64)], cancel=token, tile=TILE)
    with pytest.raises(InputError, match=r"training image 1: image has 1 channel\(s\), the model expects 3"):
        fit_anomaly([texture(0, size=64), np.zeros((64, 64, 1), np.float32)], [], tile=TILE)


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


def test_threshold_headroom_without_ng_counts_the_subtracted_spread() -> None:
    assert choose_threshold([1.0, 2.0], baseline=10.0) == pytest.approx(2.0 + 0.1 * 12.0)


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
