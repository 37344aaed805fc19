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
    threads: int = 0  # torch CPU threads while this setting runs; 0 = leave the process's count


def cpu_has_fast_bf16(cpuinfo: str | os.PathLike[str] = "/proc/cpuinfo") -> bool:
    """True when the CPU computes bf16 natively (AVX512-BF16 or AMX) and oneDNN may use it; elsewhere
    bf16 is emulated and slow.

    oneDNN, which runs torch's CPU convolutions, can be held below the CPU's instruction set by its
    documented ``ONEDNN_MAX_CPU_ISA`` setting (for instance to see on a newer CPU what an AVX2-only
    PC will do). Held at AVX2, a 3x3 convolution of an 8 x 32 x 256 x 256 batch took 22 s in bf16
    against 0.2 s in fp32 (2-core AMD EPYC with AVX512_BF16), so the CPU's flags alone would offer
    a setting whose first timed steps eat minutes of the budget; oneDNN's own answer is asked too.
    """
    try:
        text = Path(cpuinfo).read_text(encoding="ascii", errors="ignore")
    except OSError:
        return False
    if not set(text.split()) & {"avx512_bf16", "amx_bf16"}:
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch without the op, or built without oneDNN
        return False


def precision_candidates(device: torch.device, threads_fixed: bool = False) -> list[Precision]:
    """The settings worth timing on ``device`` at the start of a run; the first is the fallback.

    On CUDA, autocast with channels_last is the usual winner and is not re-measured: bfloat16 where
    the GPU computes it (Ampere and later), which needs no loss scaling, else float16, which the
    training loop pairs with a gradient scaler (small fp16 gradients underflow to zero). On a
    CPU, channels_last helps some kernels and hurts others (depthwise convolutions on AVX2), and
    bf16 autocast is only a candidate where the CPU computes bf16 natively (AVX512-BF16 or AMX):
    elsewhere it is emulated and slower. ``TrainLoop`` times its first steps with each candidate
    and keeps the fastest, so the choice is a measurement on this machine, not a guess.

    Unless the user fixed the thread count (``threads_fixed``), the float32 settings are also timed
    on half the cores: on a machine where something else keeps a core busy, torch's threads wait
    for each other at every layer, and all cores can be several times slower than half of them
    (seen on a 2-core machine: 13.4 s per step on both cores against 4.6 s on one).
    """
    if device.type == "cuda":
        with torch.cuda.device(device):
            dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return [Precision(channels_last=True, autocast_dtype=dtype)]
    cores = torch.get_num_threads()
    full = 0 if threads_fixed or cores < 2 else cores
    out = [
        Precision(channels_last=False, autocast_dtype=None, threads=full),
        Precision(channels_last=True, autocast_dtype=None, threads=full),
    ]
    if cpu_has_fast_bf16():
        out += [Precision(channels_last=True, autocast_dtype=torch.bfloat16, threads=full),
                Precision(channels_last=False, autocast_dtype=torch.bfloat16, threads=full)]  # fmt: skip
    if full:
        out += [Precision(channels_last=False, autocast_dtype=None, threads=full // 2),
                Precision(channels_last=True, autocast_dtype=None, threads=full // 2)]  # fmt: skip
    return out


def describe_precision(p: Precision) -> str:
    """``fp32 channels_last threads=2``: the words are the log's data, shown as they are."""
    dtype = {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}.get(p.autocast_dtype, "fp32")
    threads = f" threads={p.threads}" if p.threads else ""
    return f"{dtype}{' channels_last' if p.channels_last else ''}{threads}"


def training_precision(device: torch.device) -> Precision:
    """The fallback before anything is measured (the first candidate)."""
    return precision_candidates(device)[0]
