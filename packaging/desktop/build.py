"""Build the desktop application folder with PyInstaller, and optionally check it runs on its own.

    .venv/bin/python packaging/desktop/build.py [--dist DIR] [--cpu-only] [--check]

Needs `pip install pyinstaller` (the `packaging` extra) in the build environment. The result,
``DIST/defect-workbench/``, is copied as a whole to the user's PC; run ``workbench`` inside it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from common import clean_env, exe_name, folder_size_mb, run_pyinstaller  # noqa: E402
from recipe import APP_NAME, FOLDER_NAME  # noqa: E402

# Each check runs the built program in an environment without this Python: (arguments, timeout s).
CHECKS = (
    (["--version"], 120),
    (["sample", "{tmp}/demo", "--small"], 300),
    (["info", "{tmp}/demo"], 120),
    (["gui", "--smoke-test", "{tmp}/demo"], 300),
)
# Training runs as a child job (`workbench -m workbench.jobs SPEC`): torch, the jobs and the
# offline weights; the export then goes through ONNX, OpenVINO, NNCF's INT8 and the parity gate
# (--force: a one-epoch run may be far below usable, and the check is about the machinery).
TRAIN_CHECKS = (
    (["train", "{tmp}/demo", "--epochs", "1", "--time-limit", "30", "--json"], 900),
    (["export", "{tmp}/demo", "--run", "{run}", "--format", "onnx,openvino,int8", "--val-images", "4",
      "--force"], 900),
)  # fmt: skip

BACKENDS = ("onnxruntime fp32", "openvino fp32", "openvino int8")


def build(dist: Path, work: Path, spec_args: list[str]) -> Path:
    """Run PyInstaller on the spec; returns the path of the built executable."""
    run_pyinstaller(HERE / "workbench.spec", dist, work, spec_args)
    exe = dist / FOLDER_NAME / exe_name(APP_NAME)
    if not exe.is_file():
        raise SystemExit(f"PyInstaller finished but {exe} is missing")
    return exe


def check(exe: Path, train: bool) -> int:
    """Run the checks from the built folder with a clean environment; returns the number that failed."""
    failed = 0
    with tempfile.TemporaryDirectory(prefix="workbench-check-") as tmp:
        # Settings (recent projects) go to the temporary folder, not the builder's own.
        env = clean_env(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=tmp)
        names = {"tmp": tmp, "run": ""}
        for args, timeout in (*CHECKS, *TRAIN_CHECKS) if train else CHECKS:
            argv = [a.format(**names) for a in args]
            start = time.monotonic()
            proc = subprocess.run(
                [str(exe), *argv], env=env, cwd=tmp, capture_output=True, text=True, timeout=timeout
            )
            status = "ok" if proc.returncode == 0 else f"FAILED (exit {proc.returncode})"
            if args[0] == "export" and proc.returncode != 0 and all(b in proc.stderr for b in BACKENDS):
                # Every backend ran; a one-epoch model's scores sit on the threshold, so the parity
                # gate may refuse it. That is the gate's call, not a packaging fault.
                status, proc.returncode = "ok (all backends ran; parity gate refused the 1-epoch model)", 0
            print(f"check: workbench {' '.join(args)}: {status} in {time.monotonic() - start:.0f} s")
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-8:]
            print("\n".join(f"    {line}" for line in tail))
            failed += proc.returncode != 0
            if args[0] == "train" and proc.returncode == 0:
                names["run"] = json.loads(proc.stdout)["run_id"]
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=str(HERE.parents[1] / "dist"), help="output folder")
    parser.add_argument(
        "--work", default=None, help="PyInstaller work folder (default: DIST/../build/desktop)"
    )
    parser.add_argument("--cpu-only", action="store_true", help="leave out the libraries only a GPU uses")
    parser.add_argument("--font", help="a CJK font file to bundle (default: Noto Sans CJK when installed)")
    parser.add_argument("--font-license", help="the licence text of --font (it ships beside the font)")
    parser.add_argument("--check", action="store_true", help="run the built program's smoke checks")
    parser.add_argument(
        "--check-train", action="store_true", help="--check plus a 30 s training job and its export"
    )
    args = parser.parse_args()
    dist = Path(args.dist)
    work = Path(args.work) if args.work else dist.parent / "build" / "desktop"
    spec_args = ["--cpu-only"] if args.cpu_only else []
    if args.font:
        spec_args += ["--font", args.font, "--font-license", args.font_license or ""]
    start = time.monotonic()
    exe = build(dist, work, spec_args)
    shutil.rmtree(work, ignore_errors=True)
    print(f"built {exe} ({folder_size_mb(exe.parent):.0f} MB) in {time.monotonic() - start:.0f} s")
    if not (args.check or args.check_train):
        return 0
    return 1 if check(exe, train=args.check_train) else 0


if __name__ == "__main__":
    sys.exit(main())
