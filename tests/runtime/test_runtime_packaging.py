"""The PyInstaller runtime folder builds and verifies a bundle without this Python (slow, opt-in).

Run with ``WORKBENCH_BUILD_RUNTIME=1``: the build takes minutes and needs ``pyinstaller``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

BUILD = Path(__file__).resolve().parents[2] / "packaging" / "runtime" / "build.py"


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("WORKBENCH_BUILD_RUNTIME") != "1", reason="set WORKBENCH_BUILD_RUNTIME=1")
@pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None, reason="pyinstaller is not installed")
def test_frozen_runtime_verifies_a_bundle(bundle_path: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    cmd = [sys.executable, str(BUILD), "--dist", str(dist), "--verify", str(bundle_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "verify passed: 2/2" in proc.stdout
    frozen = dist / "workbench-run"
    assert not list(frozen.rglob("libtorch*")), "torch was frozen into the runtime"
