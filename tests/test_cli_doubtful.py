"""Doubtful parts from the command line: import, info, train's setting and evaluate (torch-free)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from core.eval_helpers import PLAN, fake_predictor, make_eval_project, model_info

from workbench.cli import main
from workbench.commands.learn_cmds import _overrides
from workbench.core.project import Project
from workbench.services import evaluation


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_import_and_info_count_doubtful_parts(tmp_path: Path, make_images, capsys) -> None:
    Project.create(tmp_path / "proj").close()
    src = tmp_path / "src"
    make_images(src, ["OK/a.png", "NG/b.png", "doubtful/c.png", "doubtful/d.png"])
    d = str(tmp_path / "proj")
    assert _json(capsys, ["import", d, str(src), "--json"])["imported"] == 4
    info = _json(capsys, ["info", d, "--json"])
    assert info["per_label"] == {"ok": 1, "ng": 1, "doubtful": 2, "unlabeled": 0}
    assert main(["info", d]) == 0
    assert "labels:  ok=1  ng=1  doubtful=2  unlabeled=0" in capsys.readouterr().out


def test_train_takes_the_doubtful_setting() -> None:
    from workbench.cli import build_parser

    args = build_parser().parse_args(["train", "proj", "--doubtful", "low_weight"])
    assert isinstance(args, argparse.Namespace) and _overrides(args)["doubtful"] == "low_weight"
    assert "doubtful" not in _overrides(build_parser().parse_args(["train", "proj"]))


def test_evaluate_reports_doubtful_parts_apart(tmp_path: Path, monkeypatch, capsys) -> None:
    project, maps = make_eval_project(tmp_path / "proj", (*PLAN, ("doubtful", 0.9), ("doubtful", 0.2)))
    project.close()
    monkeypatch.setattr(evaluation, "model_source", lambda *a, **k: (fake_predictor(maps), model_info(0.5)))
    d = str(tmp_path / "proj")
    m = _json(capsys, ["evaluate", d, "--run", "r1", "--id", "e", "--json"])["metrics"]
    assert (m["image.escapes"], m["image.overkills"], m["image.n"]) == (1, 1, 8)
    assert (m["image.doubtful.n"], m["image.doubtful.called_ng"], m["image.doubtful.called_ok"]) == (2, 1, 1)
    assert main(["evaluate", d, "--run", "r1", "--id", "f"]) == 0
    assert (
        "Of 2 doubtful parts (the experts disagree), the model called 1 NG and 1 OK"
        in capsys.readouterr().out
    )
