"""Where and how torch runs: device choice and the CPU speed settings measured in bench/cpu_speed.py."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

from workbench.core.errors import WorkbenchError


class DeviceError(WorkbenchError):
    """The requested device does not exist on this machine."""


def pick_device(pref: str = "auto") -> torch.device:
    """``auto`` = first CUDA GPU when there is one, else CPU; ``cpu``/``cuda``/``cuda:N`` are checked."""
    pref = (pref or "auto").strip().lower()
    if pref == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if pref == "cpu":
        return torch.device("cpu")
    if pref.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError(f"device {pref!r} requested but no CUDA GPU is usable here; use 'cpu'")
        dev = torch.device(pref)
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise DeviceError(f"device {pref!r} requested but only {torch.cuda.device_count()} GPU(s) exist")
        return dev
    raise DeviceError(f"unknown device {pref!r}; use 'auto', 'cpu', 'cuda' or 'cuda:N'")


def cpu_speedups() -> None:
    """Use every CPU core for torch's own thread pool (inference and training in this process)."""
    torch.set_num_threads(max(1, os.cpu_count() or 1))


@dataclass(frozen=True)
class Precision:
    """How the training loop should run its forward/backward on a device."""

    channels_last: bool
    autocast_dtype: torch.dtype | None  # None = plain float32


def cpu_has_fast_bf16() -> bool:
    """True when the CPU computes bf16 natively (AVX512-BF16 or AMX); elsewhere bf16 is emulated and slow."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
    except OSError:
        return False
    flags = set(text.split())
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def training_precision(device: torch.device) -> Precision:
    """The settings that measured fastest for the segmentation forward+backward.

    bench/cpu_speed.py (unet-effnetlite0, 256x256, batch 8, forward+backward, AdamW step) on the
    2-core development VM (Intel Xeon with AVX512-BF16/AMX, torch 2.14, 2 threads), ratios to
    float32 (1.44 s/step): channels_last 1.24x, bf16 autocast 1.61x, both 1.84x. So channels_last
    is always on and bf16 autocast is used where the CPU has native bf16 (it is emulated, hence
    slower, without it). On CUDA, float16 autocast with channels_last is the usual winner.
    """
    if device.type == "cuda":
        return Precision(channels_last=True, autocast_dtype=torch.float16)
    return Precision(channels_last=True, autocast_dtype=torch.bfloat16 if cpu_has_fast_bf16() else None)
