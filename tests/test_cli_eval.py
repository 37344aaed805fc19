"""`workbench evaluate / redecide / compare / review-mistakes / collect` through the CLI, torch-free."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from core.eval_helpers import fake_predictor, make_eval_project, model_info

from workbench.cli import main
from workbench.commands import eval_cmds
from workbench.core.errors import WorkbenchError
from workbench.core.imageio import write_image
from workbench.core.project import Project
from workbench.services import evaluation


@pytest.fixture()
def proj_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project, maps = make_eval_project(tmp_path / "proj")
    project.close()

    def source(root: Path, run_id: str | None, bundle: str | None, engine: str = "auto") -> tuple:
        assert run_id == "r1" and bundle is None
        return fake_predictor(maps), model_info(threshold=0.5)

    monkeypatch.setattr(evaluation, "model_source", source)
    return tmp_path / "proj"


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_evaluate_redecide_compare_review(proj_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(proj_dir)
    out = _json(capsys, ["evaluate", d, "--run", "r1", "--id", "base", "--json"])
    assert out["eval_id"] == "base" and Path(out["report"]).is_file()
    assert out["metrics"]["image.escapes"] == 1 and "image.sweep.thresholds" not in out["metrics"]
    _json(capsys, ["evaluate", d, "--run", "r1", "--id", "low", "--threshold", "0.15", "--json"])
    red = _json(capsys, ["redecide", d, "base", "--threshold", "0.15", "--json"])
    assert red["metrics"]["image.escapes"] == 0 and red["metrics"]["image.overkills"] == 2
    assert isinstance(red["timing"]["decide_s"], float)  # how long it took is bench/'s business
    decision = json.loads((proj_dir / "evaluations" / "base" / "decision.json").read_text())
    assert decision["classes"][0]["threshold"] == 0.15
    cmp = _json(capsys, ["compare", d, "low", "base", "--json"])
    assert cmp["fixed"] == [] and cmp["broken"] == []
    assert 0.0 <= out["metrics"]["image.coverage_at_zero_escape"] <= 1.0
    assert len(out["metrics"]["image.coverage_ci95"]) == 2
    assert main(["evaluate", d, "--run", "r1", "--id", "text"]) == 0
    assert "decided without a person at zero escape: " in capsys.readouterr().out
    assert main(["redecide", d, "base", "--threshold", "0.5"]) == 0
    assert "re-decided 8 images in" in capsys.readouterr().out
    assert main(["compare", d, "base", "low"]) == 0
    text = capsys.readouterr().out
    assert "fixed: 1" in text and "part_2 (#3, ng): escape -> correct" in text
    assert _json(capsys, ["review-mistakes", d, "low", "--kinds", "overkill", "--json"])["tagged"] == 2


def test_gray_option_and_its_errors(proj_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, ["evaluate", str(proj_dir), "--run", "r1", "--gray", "0.25,0.5", "--json"])
    assert out["metrics"]["image.n_gray"] == 1
    assert eval_cmds.parse_gray("0.2,0.4") == (0.2, 0.4)
    with pytest.raises(WorkbenchError, match="LOW,HIGH"):
        eval_cmds.parse_gray("0.4")
    assert main(["evaluate", str(proj_dir), "--run", "r1", "--gray", "0.6,0.4"]) == 1
    assert "below upper" in capsys.readouterr().err


def test_collect_imports_line_images(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Project.create(tmp_path / "p").close()
    write_image(tmp_path / "a.png", np.full((16, 16), 90, np.uint8))
    (tmp_path / "r.json").write_text(json.dumps([{"source": "a.png", "verdict": "NG"}]))
    out = _json(capsys, ["collect", str(tmp_path / "p"), str(tmp_path / "r.json"), "--json"])
    assert out["imported"] == 1 and out["succeeded"]
    with Project.open(tmp_path / "p", readonly=True) as project:
        assert project.samples()[0].tags == ("line", "line:NG")


def test_missing_evaluation_is_a_clean_error(proj_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["redecide", str(proj_dir), "nope", "--threshold", "0.4"]) == 1
    assert "'nope'" in capsys.readouterr().err
