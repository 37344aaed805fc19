"""What the PyInstaller recipes in packaging/ share: the OpenVINO / ONNX Runtime collection and the build run.

The spec files load this module by path (``load_common`` in each spec); the build scripts import
it with packaging/ on ``sys.path``. Only the standard library is imported at module level, so the
tests can read the constants without PyInstaller; the ``collect_*`` helpers need it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
REPO = PACKAGING.parent

# OpenVINO loads its device plugins and model readers at run time from its libs folder; keep the
# CPU/GPU/NPU plugins and the IR + ONNX readers, drop the readers of frameworks a bundle never holds.
UNUSED_OV_FRONTENDS = ("tensorflow", "paddle", "pytorch", "jax", "gguf")
OV_DATA_EXCLUDES = ["**/*.h", "**/*.hpp", "**/cmake/**", "**/include/**"]
# ONNX Runtime loads these providers only when asked for a GPU; a CPU-only folder can drop them.
ORT_GPU_PROVIDERS = ("onnxruntime_providers_cuda", "onnxruntime_providers_tensorrt")

Toc = list[tuple[str, str]]


def openvino_parts() -> tuple[Toc, Toc, list[str]]:
    """OpenVINO's (binaries, datas, hiddenimports), without the unused framework frontends."""
    from PyInstaller.utils.hooks import collect_data_files, collect_dynamic_libs, collect_submodules

    binaries = [
        b
        for b in collect_dynamic_libs("openvino")
        if not any(f"{u}_frontend" in b[0] for u in UNUSED_OV_FRONTENDS)
    ]
    modules = collect_submodules(
        "openvino",
        filter=lambda name: (
            not any(f"frontend.{u}" in name for u in UNUSED_OV_FRONTENDS) and ".tools" not in name
        ),
    )
    return binaries, collect_data_files("openvino", excludes=OV_DATA_EXCLUDES), modules


def onnxruntime_binaries(cpu_only: bool = False) -> Toc:
    """ONNX Runtime's shared libraries; without the CUDA / TensorRT providers when ``cpu_only``."""
    from PyInstaller.utils.hooks import collect_dynamic_libs

    binaries = collect_dynamic_libs("onnxruntime")
    if cpu_only:
        binaries = [b for b in binaries if not any(p in Path(b[0]).name for p in ORT_GPU_PROVIDERS)]
    return binaries


def exe_name(name: str) -> str:
    """The executable's file name on this platform."""
    return f"{name}.exe" if sys.platform == "win32" else name


def run_pyinstaller(spec: Path, dist: Path, work: Path, spec_args: Sequence[str] = ()) -> None:
    """Run PyInstaller on ``spec``; ``spec_args`` reach the spec as its ``sys.argv[1:]``."""
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN"]
    dist, work = dist.resolve(), work.resolve()
    cmd += ["--distpath", str(dist), "--workpath", str(work), str(spec.resolve())]
    if spec_args:
        cmd += ["--", *spec_args]
    # Run from an empty folder: from the repo root, `-m` would put its stale *.egg-info on the
    # path ahead of the installed metadata that copy_metadata must find.
    with tempfile.TemporaryDirectory(prefix="pyinstaller-cwd-") as cwd:
        subprocess.run(cmd, check=True, cwd=cwd)


def folder_size_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def clean_env(**extra: str) -> dict[str, str]:
    """An environment without this machine's Python or venv, to prove a frozen folder stands alone."""
    if sys.platform == "win32":
        root = os.environ.get("SYSTEMROOT", r"C:\Windows")
        env = {"PATH": rf"{root}\system32;{root}", "SYSTEMROOT": root}
        env.update({k: os.environ[k] for k in ("TEMP", "TMP", "USERPROFILE", "APPDATA") if k in os.environ})
    else:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "LANG": "C.UTF-8"}
    env.update(extra)
    return env
