"""The runtime imports, loads a bundle and inspects an image with torch made unimportable."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from workbench.core.imageio import write_image

BLOCKER = """
import importlib.abc, sys

class _NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torchvision", "segmentation_models_pytorch", "timm", "PySide6"):
            raise ImportError(f"{name} is blocked: the runtime must not need it")
        return None

sys.meta_path.insert(0, _NoTorch())
"""


def _run_without_torch(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    (tmp_path / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    repo = Path(__file__).resolve().parents[2]
    env = {"PYTHONPATH": f"{tmp_path}:{repo}", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_runtime_works_without_torch(bundle_path: Path, spot, tmp_path: Path) -> None:
    image = tmp_path / "part.png"
    write_image(image, spot(7, spots=2))
    code = textwrap.dedent(f"""
        import sys
        try:
            import torch
        except ImportError:
            pass
        else:
            raise SystemExit("torch was importable: the blocker did not work")
        from workbench.runtime import Inspector
        from workbench.runtime.cli import main
        result = Inspector({str(bundle_path)!r}).inspect({str(image)!r})
        print("VERDICT", result.verdict, len(result.defects))
        assert main(["verify", {str(bundle_path)!r}]) == 0
        bad = [m for m in sys.modules if m.split(".")[0] in ("torch", "PySide6")]
        print("LOADED", bad)
    """)
    proc = _run_without_torch(code, tmp_path)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "VERDICT NG" in proc.stdout
    assert "LOADED []" in proc.stdout


def test_two_stages_run_without_torch(two_stage_bundle: Path, spot, tmp_path: Path) -> None:
    """Both stages on both backends: the segmenter finds the two spots, the classifier vetoes them."""
    image = tmp_path / "part.png"
    write_image(image, spot(7, spots=2))
    code = textwrap.dedent(f"""
        import sys
        from workbench.runtime import Inspector
        from workbench.runtime.cli import main
        for backend in ("openvino", "onnxruntime"):
            inspector = Inspector({str(two_stage_bundle)!r}, backend=backend, device="cpu")
            assert inspector.region_stage is not None
            result = inspector.inspect({str(image)!r})
            print("TWO-STAGE", backend, result.verdict, len(result.defects), len(result.vetoed))
            assert main(["verify", {str(two_stage_bundle)!r}, "--backend", backend]) == 0
        bad = [m for m in sys.modules if m.split(".")[0] in ("torch", "PySide6")]
        print("LOADED", bad)
    """)
    proc = _run_without_torch(code, tmp_path)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "TWO-STAGE openvino OK 0 2" in proc.stdout
    assert "TWO-STAGE onnxruntime OK 0 2" in proc.stdout
    assert "LOADED []" in proc.stdout
