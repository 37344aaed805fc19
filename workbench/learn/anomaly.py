"""Good-only anomaly model: PatchCore-style memory bank of EfficientNet-Lite0 patch features.

Features of two stages (strides 8 and 16), 3x3 locally averaged and concatenated, describe each
8x8 patch. Training keeps a greedy coreset of the good images' patch features and, for each bank
vector, its *normal spread*: how far it lies from its nearest patches of other good images. A
patch's raw score is its distance to the nearest bank vector minus that vector's spread, so a
region that varies from part to part (print, weave, a busy board) tolerates what it shows on good
parts while a smooth region stays sensitive; without this, one global threshold is set by the
busiest texture and faint defects on calm areas escape. The map is upsampled, Gaussian-smoothed
and mapped into [0, 1) as ``raw / (raw + scale)``, ``scale`` being the bank's typical normal spread
(docs/dev/contracts.md). The log-odds of that score is ``log(raw / scale)``, so the trainer's
threshold placement (``core.operating_point``, which works in log-odds) moves the threshold by
ratios of raw distance, whatever the scale; the threshold itself is the run's decision, not part of
the model. Everything in ``forward`` is plain tensor algebra so the ONNX graph keeps dynamic H and W.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from workbench.core.cancel import CancelToken, Progress, no_progress
from workbench.core.errors import WorkbenchError
from workbench.core.preprocess import model_input
from workbench.core.tiling import Tiling, pad_image
from workbench.learn import log_lines, weights
from workbench.learn.device import pick_device
from workbench.learn.models import IMAGENET_MEAN, IMAGENET_STD

FEATURE_DIM = 40 + 112  # channels of EfficientNet-Lite0 blocks 2 (stride 8) and 4 (stride 16)
# A bank vector's spread is its mean distance to this many nearest patches of other images.
# Image AUROC on the sample project's val / test splits, from patch-level maps of one fit:
# plain nearest distance 0.98 / 0.86; minus the spread over 1, 3, 9 neighbours 0.99 / 0.89,
# 1.00 / 0.91, 1.00 / 0.93 (through the full tiled pipeline, 9 neighbours: 1.00 / 0.92).
SPREAD_NEIGHBOURS = 9
# The spread subtracted from a patch's distance is a blend over its BLEND_K nearest bank vectors.
# Taking only the nearest vector's spread jumps where two vectors are equally near, and float
# rounding then picks different sides in torch and ONNX Runtime (seen: max |d| 0.06 on the sample
# project's golden images, failing the FP32 parity gate). Weights are e_i - e_(K+1), with
# e_i = exp(-(d_i^2 / d_1^2 - 1) / BLEND_TEMPERATURE) over the K+1 nearest: continuous where any two
# neighbours swap ranks (a plain softmax over the K nearest still jumped where the K-th and
# (K+1)-th swap: max |d| 1.1e-3). Vectors 10 % farther than the nearest weigh e^-4 of it or less,
# so away from ties the blend is the nearest vector's spread.
BLEND_K = 4
BLEND_TEMPERATURE = 0.05


class AnomalyFitError(WorkbenchError):
    """The good-only model cannot be fitted from what it was given."""


class Lite0Features(nn.Module):
    """Stem and blocks 0-4 of EfficientNet-Lite0, returning the stride-8 and stride-16 maps."""

    conv_stem: nn.Module
    bn1: nn.Module

    def __init__(self, in_channels: int, pretrained: bool):
        super().__init__()
        import timm

        weights.offline_env()
        full = timm.create_model("efficientnet_lite0", pretrained=False, in_chans=in_channels)
        self.source: str = log_lines.NO_PRETRAINED_FEATURES()
        found = weights.source_state(weights.EFFNET_LITE0) if pretrained else None
        if found is not None:
            state, sentence = found
            weights.load_into(full, state, "conv_stem", in_channels, sentence)
            self.source = sentence
        self.conv_stem = full.get_submodule("conv_stem")
        self.bn1 = full.get_submodule("bn1")
        self.blocks = nn.Sequential(*list(full.blocks.children())[:5])  # type: ignore[union-attr]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.bn1(self.conv_stem(x))
        x = self.blocks[2](self.blocks[1](self.blocks[0](x)))
        return x, self.blocks[4](self.blocks[3](x))


def _gaussian(sigma: float) -> torch.Tensor:
    radius = max(1, math.ceil(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    return k / k.sum()


class AnomalyModel(nn.Module):
    """``(N,C,H,W)`` in [0,1] -> ``(N,1,H,W)`` anomaly score in [0,1) (0.5 = a raw score of ``scale``)."""

    mean: torch.Tensor
    std: torch.Tensor
    bank: torch.Tensor
    spread: torch.Tensor
    scale: torch.Tensor
    sigma: torch.Tensor
    kernel_x: torch.Tensor
    kernel_y: torch.Tensor

    def __init__(self, in_channels: int, bank_size: int, feature_dim: int = FEATURE_DIM,
                 sigma: float = 4.0, pretrained: bool = False):  # fmt: skip
        super().__init__()
        if feature_dim != FEATURE_DIM:
            raise AnomalyFitError(
                f"memory bank vectors have {feature_dim} values; this model uses {FEATURE_DIM}"
            )
        self.features = Lite0Features(in_channels, pretrained)
        self.pretrained_source = self.features.source
        mean = [IMAGENET_MEAN[i % 3] for i in range(in_channels)] if in_channels != 1 else [0.449]
        std = [IMAGENET_STD[i % 3] for i in range(in_channels)] if in_channels != 1 else [0.226]
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1))
        self.register_buffer("bank", torch.zeros(bank_size, feature_dim))
        self.register_buffer("spread", torch.zeros(bank_size))
        self.register_buffer("scale", torch.ones(1))
        self.register_buffer("sigma", torch.tensor([float(sigma)]))
        self._set_kernels(sigma)
        # the bank's size is only known from the state dict being loaded
        self.register_load_state_dict_pre_hook(_fit_loaded_shapes)

    def _set_kernels(self, sigma: float) -> None:
        kernel = _gaussian(sigma).to(self.mean.device)
        self.register_buffer("kernel_x", kernel.view(1, 1, 1, -1), persistent=False)
        self.register_buffer("kernel_y", kernel.view(1, 1, -1, 1), persistent=False)

    @classmethod
    def from_state_dict(cls, state: dict[str, torch.Tensor]) -> AnomalyModel:
        """An empty model whose shapes fit ``state`` (call ``load_state_dict`` next)."""
        try:
            bank_size, dim = state["bank"].shape
            in_channels = state["mean"].numel()
            sigma = float(state["sigma"].reshape(-1)[0])
        except (KeyError, ValueError) as exc:
            raise AnomalyFitError(
                f"state dict is not an anomaly model's (no bank/mean/sigma): {exc}"
            ) from exc
        return cls(int(in_channels), int(bank_size), int(dim), sigma=sigma)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Patch features ``(N, D, H/8, W/8)`` of an input in [0,1]."""
        f8, f16 = self.features((x - self.mean) / self.std)
        f8 = F.avg_pool2d(f8, 3, stride=1, padding=1, count_include_pad=False)
        f16 = F.avg_pool2d(f16, 3, stride=1, padding=1, count_include_pad=False)
        f16 = F.interpolate(f16, size=f8.shape[-2:], mode="bilinear", align_corners=False)
        return torch.cat([f8, f16], dim=1)

    def raw_map(self, x: torch.Tensor) -> torch.Tensor:
        """Smoothed distance beyond normal spread ``(N,1,H,W)`` before normalisation."""
        feat = self.embed(x)
        excess = self.excess(feat.flatten(2).transpose(1, 2))
        patch = excess.reshape(feat.shape[0], 1, feat.shape[2], feat.shape[3])
        score = F.interpolate(patch, size=x.shape[-2:], mode="bilinear", align_corners=False)
        r = int(self.kernel_x.shape[-1]) // 2
        score = F.conv2d(F.pad(score, (r, r, 0, 0), mode="replicate"), self.kernel_x)
        return F.conv2d(F.pad(score, (0, 0, r, r), mode="replicate"), self.kernel_y)

    def excess(self, emb: torch.Tensor) -> torch.Tensor:
        """``(N, P, D)`` patch features -> ``(N, P)`` distance to the bank beyond its normal spread."""
        # min_b ||a-b||^2 = ||a||^2 - 2 max_b (ab - ||b||^2 / 2): one matmul (exports to ONNX, unlike
        # cdist) and only two (N, P, bank) temporaries, which dominate memory on large tiles.
        half_b2 = 0.5 * (self.bank * self.bank).sum(-1)
        k = min(BLEND_K + 1, int(self.bank.shape[0]))
        best, which = (emb @ self.bank.t() - half_b2).topk(k, dim=-1)
        d2 = ((emb * emb).sum(-1, keepdim=True) - 2.0 * best).clamp(min=0.0)  # (N, P, k), ascending
        e = torch.exp(-(d2 / (d2[..., :1] + 1e-6) - 1.0) / BLEND_TEMPERATURE)
        # the (K+1)-th weighs zero; the small floor only guards K+1 exact ties (and a 1-vector bank)
        weight = (e[..., : max(k - 1, 1)] - e[..., k - 1 :] + 1e-6).clamp(min=0.0)
        near = which[..., : weight.shape[-1]]
        spread = (weight * self.spread[near]).sum(-1) / weight.sum(-1)
        return (d2[..., 0].sqrt() - spread).clamp(min=0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raw = self.raw_map(x)
        return raw / (raw + self.scale)


def _fit_loaded_shapes(module: nn.Module, state: dict[str, Any], prefix: str, *_: Any) -> None:
    """Resize the bank (and rebuild the blur) to match the state dict about to be loaded.

    Models saved before the normal spread existed load with a zero spread: plain nearest distance,
    the scores they were validated and exported with.
    """
    assert isinstance(module, AnomalyModel)
    bank = state.get(prefix + "bank")
    if isinstance(bank, torch.Tensor) and bank.dim() == 2 and bank.shape[1] == FEATURE_DIM:
        module.bank = torch.empty(bank.shape, dtype=torch.float32, device=module.mean.device)
        module.spread = torch.empty(bank.shape[0], dtype=torch.float32, device=module.mean.device)
        if prefix + "spread" not in state:
            state[prefix + "spread"] = torch.zeros(bank.shape[0], dtype=torch.float32)
    sigma = state.get(prefix + "sigma")
    if isinstance(sigma, torch.Tensor) and sigma.numel() == 1:
        module._set_kernels(float(sigma.reshape(-1)[0]))


def greedy_coreset(
    feats: torch.Tensor, k: int, proj_dim: int = 64, seed: int = 0, cancel: CancelToken | None = None
) -> torch.Tensor:
    """Indices of ``k`` rows picked farthest-first (k-center greedy) on a random projection."""
    n = feats.shape[0]
    if k >= n:
        return torch.arange(n)
    gen = torch.Generator().manual_seed(seed)
    if feats.shape[1] > proj_dim:
        proj = torch.randn(feats.shape[1], proj_dim, generator=gen) / math.sqrt(proj_dim)
        feats = feats @ proj
    sq = (feats * feats).sum(1)
    chosen = torch.empty(k, dtype=torch.long)
    idx = int(torch.randint(n, (1,), generator=gen))
    min_d = torch.full((n,), float("inf"))
    threads = torch.get_num_threads()
    # thousands of small memory-bound steps: one thread measured several times faster than two
    # (thread hand-offs dominate, and are far worse on a busy CPU)
    torch.set_num_threads(1)
    try:
        for i in range(k):
            if cancel is not None and i % 512 == 0:
                cancel.raise_if_cancelled()
            chosen[i] = idx
            d = torch.addmv(sq, feats, feats[idx], alpha=-2.0).add_(sq[idx])
            torch.minimum(min_d, d, out=min_d)
            idx = int(torch.argmax(min_d))
    finally:
        torch.set_num_threads(threads)
    return chosen


def _tiles(chw: np.ndarray, tiling: Tiling) -> np.ndarray:
    """The tiles inference cuts the image into: padded, planned and cut as ``core.tiling`` does.

    The bank must hold the features of what the model is run on. Fitting on a whole tile instead
    (a 300-pixel cell reflect-padded to 512, while inference pads it to 320) filled the bank with
    reflected image and left out the zero-padded border inference sees, so every test image's
    border scored high: fitted on 50 elpv-mono good cells, 80 held-out cells (40 good, 40 NG) ranked
    at image AUROC 0.77 fitted on whole tiles, 0.93 fitted on the tiles inference cuts.
    """
    plan = tiling.plan(chw.shape[1], chw.shape[2])
    padded = pad_image(chw, plan.padded_h, plan.padded_w)
    return np.stack([padded[:, t.y : t.y + t.h, t.x : t.x + t.w] for t in plan.tiles])


def _image_patches(
    model: AnomalyModel, chw: np.ndarray, tiling: Tiling, per_image: int, rng: np.random.Generator
) -> torch.Tensor:
    tiles = _tiles(chw, tiling)
    dev = model.bank.device
    out = []
    with torch.inference_mode():
        for i in range(0, len(tiles), 8):
            feat = model.embed(torch.from_numpy(tiles[i : i + 8]).to(dev))
            out.append(feat.permute(0, 2, 3, 1).reshape(-1, feat.shape[1]).float().cpu())
    feats = torch.cat(out)
    if feats.shape[0] > per_image:
        feats = feats[torch.from_numpy(rng.choice(feats.shape[0], per_image, replace=False))]
    return feats.clone()  # a normal tensor, not an inference-mode one the bank could not reuse


def fit_bank(
    train_ok: Iterable[np.ndarray],
    val_ok: Iterable[np.ndarray] = (),
    val_ng: Iterable[np.ndarray] = (),
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    *,
    tile: int,
    overlap: int = 0,
    seed: int = 0,
    device: str = "auto",
    bank_size: int = 16384,
    # Wider coverage of normal texture: on the sample project, 2048/100k patches raised val AUROC
    # 0.827 -> 0.841 for ~10 s more fitting on 2 cores (busy textures need more examples).
    patches_per_image: int = 2048,
    max_candidates: int = 100000,
    keep_going: Callable[[int], bool] | None = None,
    **_: Any,  # trainer settings meant for other good-only models
) -> AnomalyModel:
    """The built-in model's ``ModelInfo.fit``: memory bank, normal spread and score scale from good
    ``H x W x C`` images in [0,1], their features taken on the tiles the run's inference cuts
    (``tile`` squares overlapping by ``overlap``, small images padded as ``core.tiling`` pads them).

    The validation images are not needed: the trainer places every good-only run's threshold on
    them afterwards (``learn.anomaly_threshold``). The model stays on ``device`` (CUDA when available).
    ``keep_going(n)`` is asked after the features of each of the first n images: False fits the bank
    on those n (the trainer's time limit, ``learn.train_anomaly``).
    """
    report = progress or no_progress
    token = cancel or CancelToken()
    rng = np.random.default_rng(seed)
    tiling = Tiling.for_task("anomaly", tile, overlap)  # the run's tiling: what inference sees
    total = len(train_ok) if isinstance(train_ok, Sequence) else None
    if total:  # spread the candidate budget evenly so memory stays bounded for any image count
        patches_per_image = min(patches_per_image, max(64, max_candidates // total))
    model: AnomalyModel | None = None
    channels: int | None = None
    feats: list[torch.Tensor] = []
    for i, image in enumerate(train_ok):
        token.raise_if_cancelled()
        chw = model_input(image, channels, f"training image {i}")
        if model is None:
            channels = chw.shape[0]
            model = AnomalyModel(channels, 0, pretrained=True).eval().to(pick_device(device))
        feats.append(_image_patches(model, chw, tiling, patches_per_image, rng))
        report(0.7 * (i + 1) / total if total else 0.35, log_lines.FEATURES_OF_IMAGE(index=i + 1))
        if keep_going is not None and (total is None or i + 1 < total) and not keep_going(i + 1):
            break
    if model is None or not feats:
        raise AnomalyFitError("no good training images to fit the anomaly model on")
    cands = torch.cat(feats)
    owner = torch.cat([torch.full((len(f),), j, dtype=torch.int32) for j, f in enumerate(feats)])
    if cands.shape[0] > max_candidates:
        keep = torch.from_numpy(rng.choice(cands.shape[0], max_candidates, replace=False))
        cands, owner = cands[keep], owner[keep]
    chosen = _select_bank(cands, bank_size, seed, token, report)
    report(0.9, log_lines.MEASURING_SPREAD())
    dev = model.mean.device
    model.bank = cands[chosen].contiguous().to(dev)
    model.spread = normal_spread(model.bank, owner[chosen], cands, owner, cancel=token).to(dev)
    model.scale.fill_(score_scale(model.bank, model.spread))
    report(1.0, log_lines.MEMORY_BANK(count=len(chosen)))
    return model


def score_scale(bank: torch.Tensor, spread: torch.Tensor) -> float:
    """The raw score that maps to 0.5: the bank's median normal spread (how far good patches of
    different parts lie apart); with one training image (no spread), the median distance from a
    bank vector to its nearest other one; 1 for a bank of one vector."""
    typical = float(spread.median()) if spread.numel() else 0.0
    if typical <= 0.0 and bank.shape[0] > 1:
        alone = torch.arange(bank.shape[0], dtype=torch.int32)
        typical = float(normal_spread(bank, alone, bank, alone, k=1).median())
    return typical if typical > 0.0 else 1.0


def _select_bank(
    cands: torch.Tensor, bank_size: int, seed: int, cancel: CancelToken, progress: Progress
) -> torch.Tensor:
    """Indices of a greedy coreset of at most ``bank_size`` candidate vectors."""
    # a quarter of the pool keeps coverage while bounding bank memory and nearest-neighbour time
    k = min(bank_size, max(min(cands.shape[0], 4096), cands.shape[0] // 4))
    progress(0.7, log_lines.CHOOSING_BANK(k=k, total=cands.shape[0]))
    return greedy_coreset(cands, k, seed=seed, cancel=cancel)


def normal_spread(
    bank: torch.Tensor, bank_owner: torch.Tensor, cands: torch.Tensor, owner: torch.Tensor,
    k: int = SPREAD_NEIGHBOURS, cancel: CancelToken | None = None, chunk: int = 512,
) -> torch.Tensor:  # fmt: skip
    """Per bank vector, the mean distance to its ``k`` nearest candidates of *other* images.

    Neighbours from the same image are skipped: overlapping patches of one image are near copies
    and would say nothing about how much good parts differ. With a single training image there is
    nothing to compare with and the spread is zero (plain nearest-neighbour distance).
    """
    out = torch.zeros(bank.shape[0], device=bank.device)
    if int(owner.unique().numel()) < 2:
        return out
    cands = cands.to(bank.device)
    owner = owner.to(bank.device)
    bank_owner = bank_owner.to(bank.device)
    c2 = (cands * cands).sum(1)
    for i in range(0, bank.shape[0], chunk):
        if cancel is not None:
            cancel.raise_if_cancelled()
        b = bank[i : i + chunk]
        d2 = torch.addmm(c2, b, cands.t(), alpha=-2.0).add_((b * b).sum(1, keepdim=True))
        d2.masked_fill_(bank_owner[i : i + chunk, None] == owner[None, :], float("inf"))
        near = d2.topk(min(k, d2.shape[1]), dim=1, largest=False).values
        found = torch.isfinite(near)
        dist = near.clamp(min=0.0).sqrt().where(found, torch.zeros_like(near))
        out[i : i + chunk] = dist.sum(1) / found.sum(1).clamp(min=1)
    return out
