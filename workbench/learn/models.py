"""Model registry: built-in architectures plus plugins from the ``workbench.models`` entry points.

Every model returns raw logits: segmentation ``(N, K, H, W)`` at input resolution (H and W
multiples of 32), classification ``(N, K)``. Nothing downloads: libraries are told to build
without weights and pretrained tensors come from :mod:`workbench.learn.weights`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from torch import nn

from workbench.core.errors import WorkbenchError
from workbench.learn import log_lines, weights

ENTRY_POINT_GROUP = "workbench.models"
ANOMALY_BUILTIN = "anomaly-effnetlite0"
Factory = Callable[[int, int, bool], nn.Module]
# A good-only model fitted from OK images instead of trained by gradient (docs/dev/plugins.md):
# fit(train_ok, val_ok, val_ng, progress, cancel, **settings) -> score module ((N,C,H,W) in [0,1] ->
# (N,1,H,W) in [0,1], higher = less normal); images are H x W x C float32 in [0, 1]. The trainer
# places the run's threshold on the module's scores afterwards (learn.train_anomaly).
FitFn = Callable[..., nn.Module]
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class ModelError(WorkbenchError):
    """An unknown model name, or a plugin entry that does not describe a model."""


@dataclass(frozen=True)
class PretrainedSpec:
    """Where pretrained tensors go inside a built model."""

    source: str  # weights.EFFNET_LITE0 or a name in the user's weight store
    submodule: str  # dotted attribute path of the part the tensors load into ("" = whole model)
    first_conv: str  # name of the first conv inside that part, adapted for N input channels
    skip: tuple[str, ...] = ()  # prefixes of the part's own tensors left at their fresh values


@dataclass(frozen=True)
class ModelInfo:
    """What the GUI and trainer need to know about a model before building it."""

    name: str
    task: str
    description: str
    cost: float  # training time relative to unet-effnetlite0 (approximate)
    encoder: str
    default_crop: int
    factory: Factory = field(repr=False, compare=False)
    pretrained: PretrainedSpec | None = None
    fit: FitFn | None = field(default=None, repr=False, compare=False)
    # module paths of the stem and the stride-2 and stride-4 stages (``freeze_early``)
    early: tuple[str, ...] = ()


def _smp(arch: str, encoder: str) -> Factory:
    def build(in_channels: int, num_classes: int, pretrained: bool) -> nn.Module:
        import segmentation_models_pytorch as smp

        weights.offline_env()
        cls = getattr(smp, arch)
        return cls(encoder_name=encoder, encoder_weights=None, in_channels=in_channels, classes=num_classes)

    return build


def _timm_cls(arch: str) -> Factory:
    def build(in_channels: int, num_classes: int, pretrained: bool) -> nn.Module:
        import timm

        weights.offline_env()
        return timm.create_model(arch, pretrained=False, in_chans=in_channels, num_classes=num_classes)

    return build


def _tv_resnet18_cls(in_channels: int, num_classes: int, pretrained: bool) -> nn.Module:
    from torchvision.models import resnet18

    model = resnet18(weights=None, num_classes=num_classes)
    if in_channels != 3:
        model.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return model


def _anomaly_factory(in_channels: int, num_classes: int, pretrained: bool) -> nn.Module:
    from workbench.learn.anomaly import AnomalyModel

    if num_classes != 1:
        raise ModelError(
            f"{ANOMALY_BUILTIN} gives one 'defect' score map; it cannot have {num_classes} classes"
        )
    return AnomalyModel(in_channels, 0)  # empty bank: fit_bank or load_state_dict fills it


def _anomaly_fit(*images: Any, **settings: Any) -> nn.Module:
    from workbench.learn.anomaly import fit_bank  # torch-heavy: imported when a fit runs

    return fit_bank(*images, **settings)


_LITE0_SMP = PretrainedSpec(weights.EFFNET_LITE0, "encoder.model", "conv_stem")
_LITE0_EARLY = tuple(f"encoder.model.{m}" for m in ("conv_stem", "bn1", "blocks.0", "blocks.1"))
_LITE0_CLS_EARLY = ("conv_stem", "bn1", "blocks.0", "blocks.1")
_RESNET_SMP_EARLY = ("encoder.conv1", "encoder.bn1", "encoder.layer1")


def _resnet_smp(name: str) -> PretrainedSpec:
    return PretrainedSpec(name, "encoder", "conv1", skip=("fc.",))


BUILTINS: dict[str, ModelInfo] = {
    info.name: info
    for info in (
        ModelInfo("unet-effnetlite0", "segmentation", "U-Net, EfficientNet-Lite0 encoder (ImageNet); fast",
                  1.0, "tu-efficientnet_lite0", 256, _smp("Unet", "tu-efficientnet_lite0"), _LITE0_SMP,
                  early=_LITE0_EARLY),
        ModelInfo("fpn-effnetlite0", "segmentation", "FPN, EfficientNet-Lite0 encoder (ImageNet); fastest",
                  0.8, "tu-efficientnet_lite0", 256, _smp("FPN", "tu-efficientnet_lite0"), _LITE0_SMP,
                  early=_LITE0_EARLY),
        ModelInfo("unet-resnet18", "segmentation", "U-Net, ResNet-18 encoder; from scratch unless "
                  "'resnet18' weights are imported", 1.8, "resnet18", 256, _smp("Unet", "resnet18"),
                  _resnet_smp("resnet18"), early=_RESNET_SMP_EARLY),
        ModelInfo("unet-resnet34", "segmentation", "U-Net, ResNet-34 encoder; strong, from scratch unless "
                  "'resnet34' weights are imported", 2.8, "resnet34", 320, _smp("Unet", "resnet34"),
                  _resnet_smp("resnet34"), early=_RESNET_SMP_EARLY),
        ModelInfo("fpn-resnet34", "segmentation", "FPN, ResNet-34 encoder; strong, from scratch unless "
                  "'resnet34' weights are imported", 2.2, "resnet34", 320, _smp("FPN", "resnet34"),
                  _resnet_smp("resnet34"), early=_RESNET_SMP_EARLY),
        ModelInfo("cls-effnetlite0", "classification", "EfficientNet-Lite0 classifier (ImageNet) with a "
                  "new head", 0.4, "efficientnet_lite0", 256, _timm_cls("efficientnet_lite0"),
                  PretrainedSpec(weights.EFFNET_LITE0, "", "conv_stem", skip=("classifier.",)),
                  early=_LITE0_CLS_EARLY),
        ModelInfo("cls-resnet18", "classification", "ResNet-18 classifier; from scratch unless 'resnet18' "
                  "weights are imported", 1.0, "resnet18", 256, _tv_resnet18_cls,
                  PretrainedSpec("resnet18", "", "conv1", skip=("fc.",)), early=("conv1", "bn1", "layer1")),
        ModelInfo(ANOMALY_BUILTIN, "anomaly", "Memory bank of EfficientNet-Lite0 patch features (PatchCore "
                  "style); good images only", 0.3, "efficientnet_lite0", 256, _anomaly_factory,
                  PretrainedSpec(weights.EFFNET_LITE0, "features", "conv_stem"), fit=_anomaly_fit),
    )
}  # fmt: skip

_plugin_cache: dict[str, ModelInfo] = {}


def _plugin_entries() -> dict[str, metadata.EntryPoint]:
    entries = {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    for name in set(entries) & set(BUILTINS):
        warnings.warn(f"model plugin {entries[name].value!r} reuses built-in name {name!r}; ignored",
                      stacklevel=3)  # fmt: skip
        del entries[name]
    return entries


def _info_from_entry(ep: metadata.EntryPoint) -> ModelInfo:
    try:
        obj = ep.load()
    except Exception as exc:  # a broken plugin must not take the registry down with it
        raise ModelError(f"model plugin {ep.name!r} ({ep.value}) failed to import: {exc}") from exc
    if isinstance(obj, ModelInfo):
        return obj
    carried = getattr(obj, "model_info", None)
    if isinstance(carried, ModelInfo):
        return carried
    if callable(obj):
        task = getattr(obj, "task", "segmentation")
        doc = (getattr(obj, "__doc__", None) or f"plugin model {ep.name}").strip().splitlines()[0]
        return ModelInfo(ep.name, task, doc, 1.0, "plugin", 256, obj)
    raise ModelError(f"model plugin {ep.name!r} ({ep.value}) is neither a ModelInfo nor a factory")


def list_models(task: str | None = None) -> list[str]:
    """Names of registered models, built-ins first; ``task`` filters (and imports plugins)."""
    names = list(BUILTINS) + sorted(_plugin_entries())
    if task is None:
        return names
    return [n for n in names if model_info(n).task == task]


def model_info(name: str) -> ModelInfo:
    """Description of a registered model; raises :class:`ModelError` for an unknown name."""
    if name in BUILTINS:
        return BUILTINS[name]
    if name not in _plugin_cache:
        entries = _plugin_entries()
        if name not in entries:
            raise ModelError(f"unknown model {name!r}; registered: {', '.join(list_models())}")
        _plugin_cache[name] = _info_from_entry(entries[name])
    return _plugin_cache[name]


def get_model(name: str, in_channels: int, num_classes: int, pretrained: bool = True) -> nn.Module:
    """Build a model returning raw logits; ``model.pretrained_source`` says which weights it got."""
    if in_channels < 1 or num_classes < 1:
        raise ModelError(f"model {name!r} needs in_channels >= 1 and num_classes >= 1")
    info = model_info(name)
    model = info.factory(in_channels, num_classes, pretrained)
    sentence: str = log_lines.NO_PRETRAINED_REQUESTED()
    if pretrained:
        sentence = weights.load_pretrained(model, name, in_channels)
    model.pretrained_source = sentence  # type: ignore[assignment]
    return model


def freeze_early(model: nn.Module, name: str) -> int:
    """Stop gradients into the model's stem and first two stages; returns the tensors frozen.

    Batch-norm statistics there still follow the data (the layers stay in training mode); only the
    weights keep their pretrained values. A model without named early stages is left as it is.
    """
    modules = dict(model.named_modules())
    frozen = 0
    for path in model_info(name).early:
        module = modules.get(path)
        if module is None:
            raise ModelError(f"model {name!r} has no module {path!r} to freeze")
        for p in module.parameters():
            p.requires_grad_(False)
            frozen += 1
    return frozen


def default_normalization(name: str, in_channels: int) -> tuple[list[float], list[float]]:
    """Mean/std per input channel that match the model's pretrained weights (ImageNet, cycled)."""
    model_info(name)
    if in_channels == 1:
        return [sum(IMAGENET_MEAN) / 3], [sum(IMAGENET_STD) / 3]
    mean = [IMAGENET_MEAN[i % 3] for i in range(in_channels)]
    std = [IMAGENET_STD[i % 3] for i in range(in_channels)]
    return mean, std
