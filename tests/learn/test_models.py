"""Registry contract: every registered model builds for 1, 3 and 4 channels with the right shapes."""

from __future__ import annotations

import warnings
from importlib import metadata

import numpy as np
import onnxruntime as ort
import pytest
import torch
from torch import nn

from workbench.learn import models
from workbench.learn.models import ModelError, default_normalization, get_model, list_models, model_info
from workbench.learn.score_model import ScoreModel


# Models fitted from OK images (ModelInfo.fit) give score maps, not logits; their own tests cover them.
@pytest.mark.parametrize("name", [n for n in list_models() if model_info(n).fit is None])
@pytest.mark.parametrize("in_channels", [1, 3, 4])
def test_every_model_builds_and_gives_logits_of_the_right_shape(name: str, in_channels: int) -> None:
    info = model_info(name)
    model = get_model(name, in_channels, 2, pretrained=True).eval()
    assert isinstance(model.pretrained_source, str) and model.pretrained_source
    with torch.inference_mode():
        out = model(torch.rand(1, in_channels, 64, 64))
    if info.task == "segmentation":
        assert out.shape == (1, 2, 64, 64)
    else:
        assert out.shape == (1, 2)
    assert torch.isfinite(out).all()


DYNAMIC = {"image": {0: "n", 2: "h", 3: "w"}, "score": {0: "n", 2: "h", 3: "w"}}


def test_builtins_cover_both_tasks_and_describe_themselves() -> None:
    assert {"unet-effnetlite0", "fpn-effnetlite0", "unet-resnet18", "unet-resnet34", "fpn-resnet34"} <= set(
        list_models("segmentation")
    )
    assert set(list_models("classification")) >= {"cls-effnetlite0", "cls-resnet18"}
    assert "anomaly-effnetlite0" in list_models("anomaly")
    info = model_info("unet-effnetlite0")
    assert info.encoder == "tu-efficientnet_lite0" and info.default_crop % 32 == 0 and info.cost > 0


def test_effnet_models_say_they_loaded_imagenet_weights() -> None:
    model = get_model("unet-effnetlite0", 1, 1)
    assert "ImageNet EfficientNet-Lite0" in model.pretrained_source
    assert "3 to 1 channels" in model.pretrained_source
    assert get_model("unet-resnet18", 3, 1, pretrained=False).pretrained_source.startswith("no pretrained")


def test_unknown_model_and_bad_sizes_are_refused() -> None:
    with pytest.raises(ModelError, match="unknown model 'nope'"):
        get_model("nope", 3, 1)
    with pytest.raises(ModelError, match="in_channels"):
        get_model("unet-effnetlite0", 0, 1)


def test_plugin_entry_point_is_listed_and_built(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = metadata.EntryPoint(
        name="toy-identity", value="torch.nn:Identity", group=models.ENTRY_POINT_GROUP
    )
    monkeypatch.setattr(models, "_plugin_entries", lambda: {"toy-identity": entry})
    monkeypatch.setattr(models, "_plugin_cache", {})
    assert "toy-identity" in list_models()
    assert "toy-identity" in list_models("segmentation")
    model = get_model("toy-identity", 3, 1, pretrained=False)
    assert isinstance(model, nn.Identity)


def test_default_normalization_cycles_imagenet_statistics() -> None:
    mean, std = default_normalization("unet-effnetlite0", 4)
    assert mean == pytest.approx([0.485, 0.456, 0.406, 0.485]) and len(std) == 4
    assert len(default_normalization("cls-resnet18", 1)[0]) == 1


def _tiny_net() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(4, 2, 3, stride=2, padding=1),
        nn.Upsample(scale_factor=2, mode="bilinear"),
    )


@pytest.mark.parametrize("head", ["sigmoid", "softmax"])
def test_score_model_exports_to_onnx_with_dynamic_size(tmp_path, head: str) -> None:
    torch.manual_seed(0)
    module = ScoreModel(_tiny_net(), [0.4, 0.5, 0.6], [0.2, 0.25, 0.3], head=head).eval()
    path = tmp_path / "score.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.rand(1, 3, 64, 64),), str(path), input_names=["image"],
                          output_names=["score"], dynamo=False,
                          dynamic_axes=DYNAMIC)  # fmt: skip
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for shape in [(1, 3, 64, 64), (2, 3, 96, 160)]:
        x = torch.rand(*shape)
        got = session.run(None, {"image": x.numpy()})[0]
        with torch.inference_mode():
            want = module(x).numpy()
        assert got.shape == want.shape == (shape[0], 2 if head == "sigmoid" else 1, shape[2], shape[3])
        np.testing.assert_allclose(got, want, atol=1e-4)
        assert got.min() >= 0.0 and got.max() <= 1.0


def test_score_model_classification_gives_one_probability_per_class() -> None:
    net = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 3))
    probs = ScoreModel(net, [0.5] * 3, [0.5] * 3, head="softmax")(torch.rand(2, 3, 32, 32))
    assert probs.shape == (2, 2, 1, 1)
    assert bool((probs.sum(dim=1) < 1.0).all())  # the OK share is left out
    with pytest.raises(ValueError, match="std"):
        ScoreModel(net, [0.5] * 3, [0.5, 0.0, 0.5])


@pytest.mark.parametrize("name", [n for n in list_models() if model_info(n).early])
def test_every_named_early_stage_exists_and_freezes(name: str) -> None:
    model = get_model(name, 3, 1, pretrained=False)
    frozen = models.freeze_early(model, name)
    still = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert frozen == len(still) > 0
    assert any(p.requires_grad for p in model.parameters())  # the rest still learns


def test_build_model_freezes_the_early_stages_only_over_pretrained_weights() -> None:
    from workbench.core.run_config import TrainConfig
    from workbench.learn.train_supervised import build_model

    class Lines:
        def __init__(self) -> None:
            self.lines: list[str] = []

        def log(self, message: str) -> None:
            self.lines.append(message)

    log = Lines()
    model = build_model(TrainConfig(model="unet-effnetlite0", freeze_early=True), 3, 1, log)  # type: ignore[arg-type]
    frozen = {n for n, p in model.net.named_parameters() if not p.requires_grad}
    assert frozen and all(n.startswith(model_info("unet-effnetlite0").early) for n in frozen)
    assert (
        "encoder.model.conv_stem.weight" in frozen and "encoder.model.blocks.2.0.conv_pw.weight" not in frozen
    )
    assert any(line.startswith("the encoder's stem and first two stages keep") for line in log.lines)
    # a step moves the decoder, not the stem
    stem = model.net.encoder.model.conv_stem.weight.detach().clone()
    head = model.net.segmentation_head[0].weight.detach().clone()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.train()
    model.net(torch.rand(2, 3, 64, 64)).mean().backward()
    opt.step()
    assert torch.equal(stem, model.net.encoder.model.conv_stem.weight)
    assert not torch.equal(head, model.net.segmentation_head[0].weight)
    # random weights are never frozen: they have nothing to keep
    scratch = build_model(
        TrainConfig(model="unet-effnetlite0", pretrained=False, freeze_early=True), 3, 1, log
    )  # type: ignore[arg-type]
    assert all(p.requires_grad for p in scratch.parameters())
