"""The whole pipeline through the command line, as a user runs it: sample project -> short
training -> evaluation -> export with parity gate -> torch-free runtime verify and predict.

Quality is not the point here (one short epoch); the point is that every stage consumes what
the previous one wrote, on every CI run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent


def _run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    assert proc.returncode == 0, f"{args[:2]} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_sample_train_evaluate_export_verify_predict(tmp_path: Path) -> None:
    project = tmp_path / "demo"
    _run(BIN / "workbench", "sample", project, "--small")
    info = json.loads(_run(BIN / "workbench", "info", project, "--json").stdout)
    assert info["per_label"]["ng"] > 0 and info["per_label"]["ok"] > 0
    assert info["test_locked"] is True

    train = json.loads(
        _run(
            BIN / "workbench",
            "train",
            project,
            "--task",
            "segmentation",
            "--preset",
            "fast",
            "--epochs",
            "1",
            "--time-limit",
            "20",
            "--seed",
            "1",
            "--json",
        ).stdout
    )
    assert train["status"] == "completed"
    run_id = train["run_id"]
    assert (project / "runs" / run_id / "model.pt").is_file()
    assert (project / "runs" / run_id / "metrics.json").is_file()

    ev = json.loads(_run(BIN / "workbench", "evaluate", project, "--run", run_id, "--json").stdout)
    eval_dir = Path(ev["dir"])
    metrics = json.loads((eval_dir / "metrics.json").read_text())
    for key in ("image.escape_rate", "image.overkill_rate", "image.auroc", "image.n_ok", "image.n_ng"):
        assert key in metrics
    assert (
        metrics["image.n_ok"] + metrics["image.n_ng"]
        == info["per_split_label"]["test"]["ok"] + (info["per_split_label"]["test"]["ng"])
    )
    assert (eval_dir / "report.html").stat().st_size > 10_000

    bundle = tmp_path / "line.wbx"
    # --force: a run this short may be far below usable; the pipeline is what is tested here
    _run(BIN / "workbench", "export", project, "--run", run_id, "--format", "onnx,openvino", "--out", bundle,
         "--force")  # fmt: skip
    assert bundle.is_file()
    _run(BIN / "workbench-run", "verify", bundle)

    images = sorted((project / "images").iterdir())[:3]
    out = tmp_path / "results.json"
    _run(BIN / "workbench-run", "predict", bundle, *images, "--out", out)
    results = json.loads(out.read_text())
    rows = results if isinstance(results, list) else results.get("results", [])
    assert len(rows) == 3
    assert all(str(r.get("verdict", "")).upper() in {"OK", "NG", "GRAY"} for r in rows)
