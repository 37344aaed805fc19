"""The desktop recipe's choices, kept out of the spec so tests can check them: plugins, fonts, CPU-only.

Standard library only: the spec loads this file by path inside PyInstaller, the tests import it.
"""

from __future__ import annotations

import importlib.util
import sys
from importlib.metadata import distributions
from pathlib import Path

APP_NAME = "workbench"  # the executable
FOLDER_NAME = "defect-workbench"  # the folder that is copied to the user's PC
DIST_NAME = "defect-workbench"  # its metadata carries the built-in entry points
ENTRY_POINT_PREFIX = "workbench."

# A CJK font from the build machine, with the licence that must travel with it. Debian / Ubuntu
# (fonts-noto-cjk), Fedora (google-noto-sans-cjk-ttc-fonts), Arch (noto-fonts-cjk). All three are
# Noto Sans CJK under the SIL Open Font License 1.1; the .ttc holds the SC, TC, JP and KR faces.
CJK_FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/doc/fonts-noto-cjk/copyright"),
    (
        "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
        "/usr/share/licenses/google-noto-sans-cjk-fonts/LICENSE",
    ),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/licenses/noto-fonts-cjk/LICENSE"),
)
FONT_DIR = "fonts"  # inside the frozen folder's data directory; workbench.gui.fonts looks there

# Libraries that torch (CUDA wheel) and ONNX Runtime load only when a GPU is used: measured with
# /proc/self/maps after CPU training steps. The rest of torch's CUDA libraries are linked at
# import time and cannot be left out of a CUDA wheel's build.
GPU_ONLY_LIBS = (
    "cudnn_",  # cuDNN 9 sub-libraries (engines, heuristics); libcudnn itself is linked
    "cusolvermg",
    "nvrtc.alt",
    "torch_cuda_linalg",
    "onnxruntime_providers_cuda",
    "onnxruntime_providers_tensorrt",
)


def plugin_modules() -> dict[str, set[str]]:
    """Distribution name -> top-level modules of every installed entry point in a workbench.* group."""
    found: dict[str, set[str]] = {}
    for dist in distributions():
        for ep in dist.entry_points:
            if ep.group.startswith(ENTRY_POINT_PREFIX):
                found.setdefault(dist.metadata["Name"], set()).add(ep.value.split(":")[0].split(".")[0])
    return found


def source_roots(modules: set[str]) -> list[str]:
    """Folders holding these top-level packages (editable installs are found only this way)."""
    roots = set()
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise SystemExit(f"plugin module {name!r} is registered but cannot be imported")
        roots.add(str(Path(spec.origin).resolve().parents[1 if spec.submodule_search_locations else 0]))
    return sorted(roots)


def find_cjk_font(font: str | None = None, licence: str | None = None) -> tuple[Path, Path] | None:
    """The CJK font to bundle and its licence: the given pair, else the first candidate present."""
    if font:
        if not licence:
            raise SystemExit(f"--font {font} needs --font-license: the licence must ship with the font")
        pair = (Path(font), Path(licence))
        for path in pair:
            if not path.is_file():
                raise SystemExit(f"font file {path} does not exist")
        return pair
    for font_path, licence_path in CJK_FONT_CANDIDATES:
        if Path(font_path).is_file() and Path(licence_path).is_file():
            return Path(font_path), Path(licence_path)
    return None


def font_datas(pair: tuple[Path, Path] | None) -> list[tuple[str, str, str]]:
    """PyInstaller data entries (dest, src, "DATA") putting the font and its licence in fonts/."""
    if pair is None:
        return []
    font, licence = pair
    return [
        (f"{FONT_DIR}/{font.name}", str(font), "DATA"),
        (f"{FONT_DIR}/{font.stem}-LICENSE.txt", str(licence), "DATA"),
    ]


def is_gpu_only(dest_name: str) -> bool:
    """Whether a collected binary is loaded only on a GPU (dropped from a --cpu-only build)."""
    name = Path(dest_name).name.lower().removeprefix("lib")
    return any(name.startswith(p.lower()) for p in GPU_ONLY_LIBS)


def wants_cjk_font() -> bool:
    """Windows ships Microsoft YaHei and macOS PingFang; only Linux builds bundle a CJK font."""
    return sys.platform.startswith("linux")
