"""The CPU's model name and the instruction-set features that decide inference speed and INT8 accuracy.

Benchmark figures and export verdicts differ between CPUs: OpenVINO INT8 runs on VNNI (or
AVX-VNNI) when present and otherwise on AVX2 arithmetic, and bf16/AMX change the "device default"
speed. Printing these features next to every figure makes figures from two PCs comparable.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Display name -> /proc/cpuinfo flags; a feature is present when any of its flags is.
FEATURES: dict[str, tuple[str, ...]] = {
    "AVX2": ("avx2",),
    "FMA": ("fma",),
    "AVX-512F": ("avx512f",),
    "AVX512_VNNI": ("avx512_vnni",),
    "AVX_VNNI": ("avx_vnni",),  # the VNNI of client CPUs without AVX-512 (Alder Lake and later)
    "AVX512_BF16": ("avx512_bf16",),
    "AMX": ("amx_tile", "amx_bf16", "amx_int8"),
}

# Settings that hold a library below the CPU's instruction set: figures measured under them are
# those of a lesser CPU (one way to see on an AVX-512 machine what an AVX2-only PC will do).
ONEDNN_LIMITS = ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA")  # oneDNN's (torch's and OpenVINO's copies)
ISA_LIMITS = (*ONEDNN_LIMITS, "ATEN_CPU_CAPABILITY")  # the last: torch's own kernels

# IsProcessorFeaturePresent codes (winnt.h, Windows 10 and later); Windows reports no others.
_WINDOWS_FEATURES = {"AVX2": 40, "AVX-512F": 41}


@dataclass(frozen=True)
class CpuInfo:
    """Model name, CPUs this process may use, and features (``None``: this platform cannot tell)."""

    model: str
    cpus: int
    features: dict[str, bool | None] = field(default_factory=dict)
    source: str = "unknown"
    limits: dict[str, str] = field(default_factory=dict)  # ISA_LIMITS set in this process's environment

    def summary(self) -> str:
        """One line for printing above benchmark figures."""
        marks = {True: "yes", False: "no", None: "unknown"}
        feats = ", ".join(f"{name} {marks[value]}" for name, value in self.features.items())
        held = ", ".join(f"{k}={v}" for k, v in self.limits.items())
        line = f"CPU: {self.model} ({self.cpus} CPUs usable) | {feats}"
        return f"{line} | held by {held}" if held else line

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "cpus": self.cpus,
            "features": dict(self.features),
            "source": self.source,
            "limits": dict(self.limits),
        }


def _unknown_features() -> dict[str, bool | None]:
    return dict.fromkeys(FEATURES, None)


def parse_cpuinfo(text: str) -> tuple[str, dict[str, bool | None]] | None:
    """(model name, features) from Linux /proc/cpuinfo text; ``None`` if it lists no flags."""
    model, flags = "", None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key == "model name" and not model:
            model = value.strip()
        elif key == "flags" and flags is None:
            flags = set(value.split())
    if flags is None:  # e.g. ARM kernels write "Features", where none of these x86 flags exist
        return None
    features: dict[str, bool | None] = {
        name: any(f in flags for f in names) for name, names in FEATURES.items()
    }
    return model, features


def _windows() -> tuple[str, dict[str, bool | None]]:
    """Model name from the registry; AVX2 / AVX-512F from the kernel, the rest unknown."""
    features = _unknown_features()
    if sys.platform != "win32":  # also tells mypy that winreg / windll exist below
        return "", features
    import ctypes
    import winreg

    key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"HARDWARE\DESCRIPTION\System\CentralProcessor\0")
    model = str(winreg.QueryValueEx(key, "ProcessorNameString")[0]).strip()
    for name, code in _WINDOWS_FEATURES.items():
        features[name] = bool(ctypes.windll.kernel32.IsProcessorFeaturePresent(code))
    return model, features


def _usable_cpus() -> int:
    # A container or a pinned process may use fewer CPUs than the machine has; figures depend on those.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 0


def isa_limits(environ: Mapping[str, str] | None = None, names: Sequence[str] = ISA_LIMITS) -> dict[str, str]:
    """The settings ``names`` present (and not empty) in ``environ`` (default: this process's)."""
    env = os.environ if environ is None else environ
    return {k: env[k] for k in names if env.get(k, "").strip()}


def cpu_info(cpuinfo_path: str | os.PathLike[str] = "/proc/cpuinfo") -> CpuInfo:
    """What this machine's CPU is and can do; never raises, unknown parts say so."""
    count, limits = _usable_cpus(), isa_limits()
    fallback = platform.processor() or platform.machine() or "unknown CPU"
    try:
        parsed = parse_cpuinfo(Path(cpuinfo_path).read_text(encoding="utf-8", errors="replace"))
    except OSError:
        parsed = None
    if parsed is not None:
        model, features = parsed
        return CpuInfo(model or fallback, count, features, "cpuinfo", limits)
    if sys.platform == "win32":
        try:
            model, features = _windows()
            return CpuInfo(model or fallback, count, features, "windows", limits)
        except (OSError, AttributeError, ImportError):
            pass
    return CpuInfo(fallback, count, _unknown_features(), "platform", limits)
