"""The synthetic sample project: plan, rendering, determinism, project contents, CLI."""

from __future__ import annotations

import copy
import hashlib
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from workbench.cli import main
from workbench.core.cancel import Cancelled, CancelToken
from workbench.core.errors import ProjectError
from workbench.core.project import Project
from workbench.core.samplegen import (
    DEFAULT_RECIPE,
    DEFECT_KINDS,
    SMALL_RECIPE,
    DefectPlan,
    RecipeError,
    SamplePlan,
    build_sample_project,
    load_recipe,
    plan_samples,
    render_sample,
    validate_recipe,
)
from workbench.core.samplegen.build import encode_png

REPO = Path(__file__).resolve().parents[2]
CLASS_IDS = {name: i + 1 for i, name in enumerate(DEFECT_KINDS)}
TINY_RECIPE = {
    **copy.deepcopy(SMALL_RECIPE),
    "name": "Tiny",
    "groups": [
        {"surface": "pcb", "count": 6, "width": 128, "height": 96, "ng_fraction": 0.5,
         "defect_size": [8, 30], "defects": {"missing_part": 1, "scratch": 1}},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def small_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("sample") / "demo"
    calls: list[float] = []
    summary = build_sample_project(root, seed=0, size="small", progress=lambda f, m: calls.append(f))
    assert calls and calls[-1] == 1.0 and calls == sorted(calls)
    return root, summary


def _hashes(root: Path) -> list[tuple[str, str, str]]:
    with Project.open(root, readonly=True) as project:
        out = []
        for s in project.samples():
            mask = hashlib.sha256(project.read_mask(s).tobytes()).hexdigest()
            out.append((s.name, s.content_hash, mask))
        return out


def test_default_plan_mix() -> None:
    plans = plan_samples(DEFAULT_RECIPE, seed=0)
    labels = Counter(p.label for p in plans)
    assert 150 <= len(plans) <= 170
    assert 0.2 <= labels["ng"] / len(plans) <= 0.4
    splits = Counter(p.split for p in plans)
    assert splits["train"] / len(plans) == pytest.approx(0.6, abs=0.03)
    assert splits["test"] / len(plans) == pytest.approx(0.2, abs=0.03)
    assert {p.label for p in plans if p.split == "test"} == {"ok", "ng"}
    faint = [p for p in plans if "faint" in p.tags]
    assert all(p.label == "ng" and all(d.faint for d in p.defects) for p in faint)
    assert 0.09 <= len(faint) / labels["ng"] <= 0.16
    assert {p.surface for p in plans} == {"metal", "weave", "pcb"}
    assert {d.kind for p in plans for d in p.defects} == set(DEFECT_KINDS)
    assert len({p.name for p in plans}) == len(plans)
    assert plans == plan_samples(DEFAULT_RECIPE, seed=0)


def test_default_plan_has_tiny_defects_on_5mp_images() -> None:
    big = [p for p in plan_samples(DEFAULT_RECIPE, seed=0) if (p.width, p.height) == (2448, 2048)]
    assert len(big) >= 6 and {p.label for p in big} == {"ok", "ng"}
    tiny = [p for p in big if p.label == "ng" and max(d.size for d in p.defects) <= 15]
    assert tiny and all("large" in p.tags and "tiny" in p.tags for p in tiny)
    assert {p.split for p in big} == {"train", "val", "test"}


def test_large_tiny_defect_renders_small_mask() -> None:
    plan = next(p for p in plan_samples(DEFAULT_RECIPE, seed=0) if "tiny" in p.tags and p.large)
    img, mask = render_sample(plan, CLASS_IDS)
    assert img.shape == (2048, 2448, 3) and img.dtype == np.uint8
    ys, xs = np.nonzero(mask)
    assert len(ys) > 0
    assert ys.max() - ys.min() < 40 and xs.max() - xs.min() < 40
    assert set(np.unique(mask[mask > 0]).tolist()) <= {CLASS_IDS[d.kind] for d in plan.defects}


@pytest.mark.parametrize("surface", ["metal", "weave", "pcb"])
def test_every_defect_renders_labelled_on_every_surface_even_tiny_images(surface: str) -> None:
    for kind in DEFECT_KINDS:
        for size, faint in ((4, False), (40, True), (300, False)):
            plan = SamplePlan(
                0, "x", surface, 64, 80, "ng", "train", (), (DefectPlan(kind, size, faint),), (1, 2)
            )
            img, mask = render_sample(plan, CLASS_IDS)
            assert img.shape == (80, 64, 3) and img.dtype == np.uint8
            assert set(np.unique(mask).tolist()) == {0, CLASS_IDS[kind]}, (kind, size, faint)
    ok = SamplePlan(1, "y", surface, 64, 80, "ok", "train", (), (), (1, 3))
    img, mask = render_sample(ok, CLASS_IDS)
    assert not mask.any() and 20 < img.mean() < 235


def test_recipe_file_is_the_builtin_default() -> None:
    assert load_recipe(REPO / "sample_projects" / "recipe.json") == DEFAULT_RECIPE


def test_recipe_errors_name_the_field(tmp_path: Path) -> None:
    bad = copy.deepcopy(SMALL_RECIPE)
    bad["groups"][1]["surface"] = "glass"
    with pytest.raises(RecipeError, match=r"groups\[1\].*surface"):
        validate_recipe(bad)
    bad = copy.deepcopy(SMALL_RECIPE)
    bad["groups"][0]["defects"] = {"dent": 1}
    with pytest.raises(RecipeError, match="dent"):
        validate_recipe(bad)
    broken = tmp_path / "recipe.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(RecipeError, match=r"recipe\.json"):
        load_recipe(broken)


def test_small_project_contents(small_project: tuple[Path, dict]) -> None:
    root, summary = small_project
    with Project.open(root, readonly=True) as project:
        assert [(c.id, c.name) for c in project.classes()] == list(enumerate(DEFECT_KINDS, start=1))
        assert project.test_locked
        samples = project.samples()
        assert summary["samples"] == len(samples) == sum(g["count"] for g in SMALL_RECIPE["groups"])
        ng = [s for s in samples if s.label == "ng"]
        assert 0 < len(ng) < len(samples) / 2
        for s in samples:
            mask = project.read_mask(s)
            values = set(np.unique(mask).tolist()) - {0}
            if s.label == "ng":
                assert values and values <= set(CLASS_IDS.values()), s.name
                assert s.has_mask and set(s.classes) == values
            else:
                assert not values and not s.has_mask, s.name
            assert s.n_channels == 3 and s.dtype == "uint8"
        test = [s for s in samples if s.split == "test"]
        assert {s.label for s in test} == {"ok", "ng"}
        assert {t for s in samples for t in s.tags} >= {"metal", "weave", "pcb", "faint"}
        assert all(s.name.startswith(s.tags[0] + "_") for s in samples)
        assert project.meta("sample_seed") == "0"


def test_same_seed_same_bytes(small_project: tuple[Path, dict], tmp_path: Path) -> None:
    root, _ = small_project
    again = tmp_path / "again"
    build_sample_project(again, seed=0, size="small")
    assert _hashes(again) == _hashes(root)


def test_other_seed_other_images() -> None:
    first = plan_samples(SMALL_RECIPE, seed=0)[:3]
    other = plan_samples(SMALL_RECIPE, seed=1)[:3]
    for a, b in zip(first, other):
        assert encode_png(render_sample(a, CLASS_IDS)[0]) != encode_png(render_sample(b, CLASS_IDS)[0])


def test_refuses_a_folder_holding_a_project(small_project: tuple[Path, dict]) -> None:
    root, summary = small_project
    with pytest.raises(ProjectError, match="already holds a project"):
        build_sample_project(root, seed=3, size="small")
    with Project.open(root, readonly=True) as project:
        assert project.count_samples() == summary["samples"]


def test_cancel_keeps_a_usable_partial_project(tmp_path: Path) -> None:
    token = CancelToken()

    def progress(fraction: float, message: str) -> None:
        if fraction >= 2 / 6:
            token.cancel()

    with pytest.raises(Cancelled):
        build_sample_project(tmp_path / "p", recipe=TINY_RECIPE, progress=progress, cancel=token)
    with Project.open(tmp_path / "p", readonly=True) as project:
        assert project.count_samples() == 2


def test_cli_sample_with_recipe_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recipe = tmp_path / "tiny.json"
    recipe.write_text(json.dumps(TINY_RECIPE), encoding="utf-8")
    target = tmp_path / "cli"
    assert main(["sample", str(target), "--seed", "5", "--recipe", str(recipe), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["samples"] == 6 and summary["per_label"] == {"ok": 3, "ng": 3}
    assert summary["test_locked"] is True and summary["seed"] == 5
    assert main(["sample", str(target), "--small"]) == 1
    assert "already holds a project" in capsys.readouterr().err
    assert main(["sample", str(tmp_path / "neg"), "--seed", "-1"]) == 1
    assert "non-negative" in capsys.readouterr().err


def test_pcb_boards_are_one_product_without_overlapping_parts() -> None:
    from workbench.core.samplegen.pcb import BOARD, MAX_SHIFT, _overlaps, pcb_layout, placed

    design = pcb_layout(np.random.default_rng(3), BOARD, BOARD)
    assert len(design.silk) >= 4
    silk = design.silk
    assert not any(_overlaps(a, b) for i, a in enumerate(silk) for b in silk[i + 1 :])
    pads = [p for p in design.pads if not p.round]
    rects = [(p.x - p.w // 2, p.y - p.h // 2, p.x + p.w // 2, p.y + p.h // 2) for p in pads]
    assert not any(_overlaps(a, b) for i, a in enumerate(rects) for b in rects[i + 1 :])
    one = placed(design, np.random.default_rng(1), BOARD, BOARD)
    panel = placed(design, np.random.default_rng(2), 2 * BOARD + 100, BOARD)
    dx, dy = one.pads[0].x - design.pads[0].x, one.pads[0].y - design.pads[0].y
    assert max(abs(dx), abs(dy)) <= MAX_SHIFT
    assert all((p.x - q.x, p.y - q.y) == (dx, dy) for p, q in zip(one.pads, design.pads))  # same design
    # a taller view shows the next boards of the panel (plus a strip revealed by the fixture shift)
    assert len(panel.pads) == 3 * 2 * len(design.pads)
