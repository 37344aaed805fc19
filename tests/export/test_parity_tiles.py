"""Parity runs on a bounded set of tiles of the golden images and reports in plain words first."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from workbench.core.decisions import ClassRule, DecisionConfig
from workbench.core.imageio import write_image
from workbench.core.project import Project
from workbench.core.tiling import Tiling
from workbench.export import pipeline
from workbench.export.errors import ExportError
from workbench.export.parity import ParityImage
from workbench.export.parity_tiles import parity_tiles
from workbench.export.pipeline import ExportOptions, export_bundle, report_path
from workbench.export.plain_report import row_sentence
from workbench.runtime.bundle import open_bundle
from workbench.runtime.cli import main as run_main
from workbench.runtime.manifest import ParityRow

CJK = re.compile(r"[\u3400-\u9fff]")
CONFIG = DecisionConfig(classes=[ClassRule(1, "spot", threshold=0.5)])


def _golden(h: int, w: int, peak: tuple[int, int]) -> ParityImage:
    """An image with a scored map: low everywhere, one bright spot at ``peak`` (y, x)."""
    image = np.full((h, w), 50, np.uint8)
    scores = np.full((1, h, w), 0.05, np.float32)
    y, x = peak
    scores[0, y : y + 6, x : x + 6] = 0.9
    return ParityImage(f"{h}x{w}", "ng", image, scores=scores)


def _covers(corner: tuple[int, ...], y: int, x: int) -> bool:
    """Whether the 64-pixel tile at ``corner`` (x, y) holds part of the 6-pixel spot at (y, x)."""
    cx, cy = corner
    return cx < x + 6 and x < cx + 64 and cy < y + 6 and y < cy + 64


@pytest.mark.parametrize("size", [(96, 128), (1200, 1600), (2400, 3200)])
def test_tile_count_and_size_are_bounded_whatever_the_image_size(size: tuple[int, int]) -> None:
    h, w = size
    golden = [_golden(h, w, (h // 2, w // 3)), _golden(h, w, (10, w - 20))]
    golden[1].name += "b"
    tiles = parity_tiles(golden, Tiling(64, 16), CONFIG, total=10)
    assert len(tiles) == 10  # five of each image, however many tiles the image holds
    assert all(t.image.shape[0] <= 64 and t.image.shape[1] <= 64 for t in tiles)
    for g, (y, x) in zip(golden, [(h // 2, w // 3), (10, w - 20)], strict=True):
        mine = [t for t in tiles if t.name.startswith(g.name + " ")]
        assert len(mine) == 5
        # the highest-scoring region is among them, the tile that stands for the NG part
        corners = [tuple(map(int, re.findall(r"\d+", t.name.split("(")[-1]))) for t in mine]
        peak = [t for t, c in zip(mine, corners, strict=True) if _covers(c, y, x)]
        assert peak and any(t.label == "ng" for t in peak)
        assert [t.label for t in mine].count("ng") == 1


def test_background_tiles_come_from_the_low_scoring_part_and_masks_label_tiles() -> None:
    item = _golden(640, 640, (300, 300))
    item.mask = np.zeros((640, 640), np.uint8)
    item.mask[300:306, 300:306] = 1
    tiles = parity_tiles([item], Tiling(64, 16), CONFIG, total=6)
    assert len(tiles) == 6
    corners = [tuple(map(int, re.findall(r"\d+", t.name.split("(")[-1]))) for t in tiles]
    inside = [_covers(c, 300, 300) for c in corners]
    assert [t.label for t in tiles] == ["ng" if i else "ok" for i in inside]  # the mask decides
    assert sum(inside) >= 1 and len(tiles) - sum(inside) >= 2  # background is there too


def _add_large_val(root: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    with Project.open(root) as project:
        for i, ng in enumerate((True, False)):
            img = (40 + rng.integers(0, 20, size=(720, 960, 3))).astype(np.uint8)
            if ng:
                img[400:410, 500:510] = 235
            path = tmp_path / f"large{i}.png"
            write_image(path, img)
            project.add_sample([path], label="ng" if ng else "ok", split="val")


def test_export_compares_on_a_bounded_set_of_tiles_and_says_so_plainly(tiny_run, tmp_path: Path) -> None:
    root, run_id = tiny_run
    _add_large_val(root, tmp_path)  # 720 x 960 parts beside the small ones: still 16 tiles
    options = ExportOptions(golden_images=6, parity_tiles=16)
    report = export_bundle(root, run_id, root / "exports" / "t.wbx", "onnx,openvino", options=options)
    assert len(report.tiles) == 16 and report.checks.tiles == 16
    assert all(h <= 64 and w <= 64 for h, w in report.tiles)  # the run's tile: one model call each
    rows = {r["variant"]: r for r in report.parity}
    assert rows["onnxruntime fp32"]["images"] == 16 and rows["onnxruntime fp32"]["passed"]
    assert len(open_bundle(report.path).manifest.golden.images) == 6  # whole images, verified on target
    assert run_main(["verify", str(report.path)]) == 0

    english, chinese = report.text("en"), report.text("zh_CN")
    first = english.splitlines()[0]
    assert re.match(r"ONNX Runtime \(FP32\) gives the same verdicts and defect counts as the trained model "
                    r"on (\d+) of 16 test tiles.*; its scores differ by at most [\d.e-]+ \(0\.001 allowed\), "
                    r"so it passes\.$", first)  # fmt: skip
    assert english.index("passes.") < english.index("bundle:") < english.index("max|d|")
    assert CJK.search(chinese.splitlines()[0]) and "检查通过" in chinese.splitlines()[0]
    assert chinese.index("检查通过") < chinese.index("bundle:")
    assert "whole golden images" in english and "基准图像" in chinese
    written = report_path(report.path).read_text(encoding="utf-8")
    assert written.index("so it passes.") < written.index("检查通过") < written.index("max|d|")


def test_a_real_disagreement_still_fails_the_gate(tiny_run, monkeypatch) -> None:
    root, run_id = tiny_run
    real_export = pipeline.export_onnx

    def everything_ng(module, in_channels: int, tile: int) -> bytes:
        import torch

        with torch.no_grad():
            module.net[2].bias.add_(20.0)  # every pixel far above the threshold: OK parts turn NG
        data = real_export(module, in_channels, tile)
        with torch.no_grad():
            module.net[2].bias.sub_(20.0)
        return data

    monkeypatch.setattr(pipeline, "export_onnx", everything_ng)
    out = root / "exports" / "ng.wbx"
    with pytest.raises(ExportError) as failed:
        export_bundle(root, run_id, out, "onnx")
    said = str(failed.value)
    assert "so it fails and no bundle is written" in said and "OK->NG" in said
    assert not out.exists() and not report_path(out).exists()


def test_sentences_in_both_languages_count_borderline_tiles_apart() -> None:
    row = ParityRow(
        "openvino fp32", "fp32", 12, 4e-4, 1e-5, (), (), ("a: NG->OK (borderline)",), None, True, True
    )
    en, zh = row_sentence(row, 1e-3, "en"), row_sentence(row, 1e-3, "zh_CN")
    assert en.startswith("OpenVINO (FP32) gives the same verdicts and defect counts as the trained model "
                         "on 11 of 12 test tiles (1 more lie on a threshold")  # fmt: skip
    assert "at most 0.0004 (0.001 allowed), so it passes." in en
    assert zh.startswith("OpenVINO（FP32）在 12 个测试图块中的 11 个上") and "检查通过" in zh
    bad = ParityRow("onnxruntime fp32", "fp32", 12, 0.3, 0.1, ("a: OK->NG",), (), (), None, True, False)
    assert "on 11 of 12 test tiles" in row_sentence(bad, 1e-3, "en") and "fails" in row_sentence(
        bad, 1e-3, "en"
    )
    assert "检查未通过" in row_sentence(bad, 1e-3, "zh_CN")


def test_cli_report_follows_the_language_of_its_environment(tiny_run, monkeypatch, capsys) -> None:
    from workbench.cli import main as workbench_main

    root, run_id = tiny_run
    monkeypatch.setenv("WORKBENCH_LANG", "zh_CN")
    out = root / "exports" / "zh.wbx"
    assert workbench_main(["export", str(root), "--run", run_id, "--format", "onnx", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("ONNX Runtime（FP32）在 16 个测试图块中的") and printed[0].endswith(
        "检查通过。"
    )
    assert "基准图像" in printed[1] and printed[-1] == f"report: {report_path(out)}"
    monkeypatch.setenv("WORKBENCH_LANG", "")
    monkeypatch.setenv("LC_ALL", "")
    monkeypatch.setenv("LC_MESSAGES", "")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert workbench_main(["export", str(root), "--run", run_id, "--format", "onnx", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith("ONNX Runtime (FP32) gives the same verdicts")
