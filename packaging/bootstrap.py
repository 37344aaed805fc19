#!/usr/bin/env python3
"""Set up everything on a fresh machine, then start the app or run the tests.

    python3 packaging/bootstrap.py start   # the window, on the built-in sample project
    python3 packaging/bootstrap.py test    # import contracts, lint, type checks, tests

Creates the virtual environment if missing (``.venv`` beside this repo, or $WORKBENCH_VENV),
installs the workbench and its plugins in it when pyproject files changed, and generates the
sample project if missing. Only the standard library is used here.
"""

from __future__ import annotations

import hashlib
import os
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


def start(extra: list[str]) -> int:
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
