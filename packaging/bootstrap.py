#!/usr/bin/env python3
"""Set up everything on a fresh machine, then start the app or run the tests.

    python3 packaging/bootstrap.py start   # the window, on the built-in sample project
    python3 packaging/bootstrap.py test    # import contracts, lint, type checks, tests

Creates the virtual environment if missing (``.venv`` beside this repo, or $WORKBENCH_VENV),
installs the workbench and its plugins in it when pyproject files changed, and generates the
sample project if missing. Only the standard library is used here.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("WORKBENCH_VENV", REPO / ".venv"))
SAMPLE = REPO / "sample_projects" / "demo"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def _say(msg: str) -> None:
    print(f"[bootstrap] {msg}", flush=True)


def _run(*args: str | os.PathLike[str], env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=REPO, env=env)


def _plugin_dirs() -> list[Path]:
    return sorted(p.parent for p in (REPO / "plugins").glob("*/pyproject.toml"))


def _stamp() -> str:
    h = hashlib.sha256()
    for f in [REPO / "pyproject.toml", *(d / "pyproject.toml" for d in _plugin_dirs())]:
        h.update(f.read_bytes())
    return h.hexdigest()


def ensure_env() -> None:
    if not PY.exists():
        _say(f"creating virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp_file = VENV / ".workbench-installed"
    if stamp_file.exists() and stamp_file.read_text() == _stamp():
        return
    _say("installing the workbench and its dependencies (first run takes a few minutes)")
    cmd: list[str | os.PathLike[str]] = [PY, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    _run(*cmd, "-e", f"{REPO}[dev]")
    for plugin in _plugin_dirs():
        _run(*cmd, "--no-deps", "-e", plugin)
    stamp_file.write_text(_stamp())


def ensure_sample() -> None:
    if (SAMPLE / "project.db").exists():
        return
    _say(f"generating the sample project in {SAMPLE}")
    _run(BIN / "workbench", "sample", SAMPLE)


# Libraries Qt 6's xcb platform plugin loads that a minimal Debian/Ubuntu lacks, and their packages.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_xcb_packages() -> list[str]:
    """Packages of the xcb libraries the window needs but this Linux cannot load (empty elsewhere)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "xcb")
    if not sys.platform.startswith("linux") or not platform.startswith("xcb"):
        return []
    return [package for soname, package in XCB_LIBRARIES.items() if not _loads(soname)]


def check_window_libraries() -> bool:
    """Say which system packages to install when the window could not start; False when some are missing."""
    missing = missing_xcb_packages()
    if not missing:
        return True
    _say("the window needs system libraries this Linux does not have: " + ", ".join(missing))
    sudo = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
    if shutil.which("apt-get"):
        _say(f"install them with:  {sudo}apt-get install -y {' '.join(missing)}")
    else:
        _say("install the packages that provide them (names above are Debian/Ubuntu's)")
    _say("(set WORKBENCH_SKIP_LIB_CHECK=1 to start anyway)")
    return False


def start(extra: list[str]) -> int:
    if not os.environ.get("WORKBENCH_SKIP_LIB_CHECK") and not check_window_libraries():
        return 1
    ensure_env()
    ensure_sample()
    return subprocess.call([str(BIN / "workbench"), "gui", str(SAMPLE), *extra], cwd=REPO)


def test(extra: list[str]) -> int:
    ensure_env()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    checks = [
        [BIN / "lint-imports"],
        [BIN / "ruff", "check", "workbench", "tests", "plugins", "bench", "packaging"],
        [BIN / "mypy"],
    ]
    for check in checks:
        _say("running " + " ".join(Path(c).name if i == 0 else str(c) for i, c in enumerate(check)))
        if subprocess.call([str(c) for c in check], cwd=REPO, env=env) != 0:
            return 1
    return subprocess.call([str(PY), "-m", "pytest", *extra], cwd=REPO, env=env)


def main() -> int:
    verbs = {"start": start, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in verbs:
        print(__doc__)
        return 2
    return verbs[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
