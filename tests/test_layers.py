"""The layer rules hold at import time: the data layer never pulls in torch or Qt."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "torchvision", "segmentation_models_pytorch", "PySide6", "pyqtgraph")


def _run(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )


def test_every_core_module_imports_without_torch_or_qt() -> None:
    result = _run(
        f"""
        import importlib, pkgutil, sys
        import workbench.core
        names = [m.name for m in pkgutil.walk_packages(workbench.core.__path__, "workbench.core.")]
        for name in names:
            importlib.import_module(name)
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r})
        print(len(names))
        print(",".join(heavy))
        """
    )
    assert result.returncode == 0, result.stderr
    count, heavy = result.stdout.splitlines()
    assert int(count) >= 10  # the walk really found the modules (project, imageio, splits, ...)
    assert heavy == "", f"workbench.core pulled in {heavy}"


def test_acceptance_line() -> None:
    result = _run("import sys, workbench.core; assert not {'torch','PySide6'} & set(sys.modules)")
    assert result.returncode == 0, result.stderr


def test_cli_parser_imports_no_torch_or_qt() -> None:
    # Verb modules import heavy libraries inside their functions, so `workbench --help` stays fast.
    result = _run(
        f"""
        import sys
        from workbench.cli import build_parser
        build_parser()
        print(",".join(sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r})))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
