"""Build the self-contained runtime folder with PyInstaller, and optionally verify a bundle with it.

    .venv/bin/python packaging/runtime/build.py [--dist DIR] [--verify BUNDLE.wbx]

Needs `pip install pyinstaller` in the build environment (not on the industrial PC). The result,
``DIST/workbench-run/``, is copied as a whole to the target; run ``workbench-run`` inside it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from common import clean_env, exe_name, folder_size_mb, run_pyinstaller  # noqa: E402


def build(dist: Path, work: Path) -> Path:
    """Run PyInstaller on the spec; returns the path of the built executable."""
    run_pyinstaller(HERE / "workbench-run.spec", dist, work)
    exe = dist / "workbench-run" / exe_name("workbench-run")
    if not exe.is_file():
        raise SystemExit(f"PyInstaller finished but {exe} is missing")
    return exe


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=str(HERE.parents[1] / "dist"), help="output folder")
    parser.add_argument("--work", default=None, help="PyInstaller work folder (default: a temp one)")
    parser.add_argument("--verify", help="a .wbx bundle to verify with the built runtime")
    args = parser.parse_args()
    dist = Path(args.dist)
    work = Path(args.work) if args.work else dist.parent / "build-runtime"
    start = time.monotonic()
    exe = build(dist, work)
    shutil.rmtree(work, ignore_errors=True)
    size = folder_size_mb(exe.parent)
    print(f"built {exe} ({size:.0f} MB) in {time.monotonic() - start:.0f} s")
    if not args.verify:
        return 0
    # A clean environment: the frozen runtime must not lean on this machine's Python or venv.
    return subprocess.run([str(exe), "verify", args.verify], env=clean_env()).returncode


if __name__ == "__main__":
    sys.exit(main())
