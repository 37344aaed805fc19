"""`workbench agreement` and `workbench import --labeler` (torch-free)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.core.project import Project


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def _two_labelers(tmp_path: Path, make_image, capsys) -> str:
    """Four images; ann calls a, b NG and c, d OK; bo agrees except on b."""
    for i, name in enumerate("abcd"):
        make_image(tmp_path / "img" / f"{name}.png", seed=i)
    for labeler, ng in (("ann", "ab"), ("bo", "a")):
        for name in "abcd":
            dest = tmp_path / labeler / ("NG" if name in ng else "OK") / f"{name}.png"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(tmp_path / "img" / f"{name}.png", dest)
    Project.create(tmp_path / "proj").close()
    d = str(tmp_path / "proj")
    for labeler in ("ann", "bo"):
        _json(capsys, ["import", d, str(tmp_path / labeler), "--labeler", labeler, "--json"])
    return d


def test_agreement_json_and_text(tmp_path: Path, make_image, capsys) -> None:
    d = _two_labelers(tmp_path, make_image, capsys)
    out = _json(capsys, ["agreement", d, "--json"])
    # ng/ng, ng/ok, ok/ok, ok/ok: observed 3/4; ann ng 1/2, bo ng 1/4 -> chance 1/2, kappa 1/2
    assert out["labelers"] == ["ann", "bo"] and out["kappa"] == pytest.approx(0.5)
    assert [(s["name"], s["labels"]) for s in out["disagreements"]] == [("NG/b", {"ann": "ng", "bo": "ok"})]
    assert out["labels_from"] is None and out["compared"] == 4
    assert main(["agreement", d]) == 0
    text = capsys.readouterr().out
    assert "image labels: Cohen's kappa 0.500" in text and "disagreements: 1" in text


def test_agreement_use_sets_the_labels_training_uses(tmp_path: Path, make_image, capsys) -> None:
    d = _two_labelers(tmp_path, make_image, capsys)
    out = _json(capsys, ["agreement", d, "--use", "bo", "--json"])
    assert out["labels_from"] == "bo"
    with Project.open(d, readonly=True) as project:
        assert {s.name[-1]: s.label for s in project.samples()}["b"] == "ok"
    assert _json(capsys, ["agreement", d, "--use", "merged", "--json"])["changed"] == 1
    with Project.open(d, readonly=True) as project:
        assert {s.name[-1]: s.label for s in project.samples()} == {
            "a": "ng",
            "b": "doubtful",
            "c": "ok",
            "d": "ok",
        }
    assert main(["agreement", d, "--use", "nobody"]) != 0
