"""A second stage added by hand to a finished test run: a fresh region classifier, its config and
its thresholds (shared by the export and runtime tests; the classifier's training is not needed)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import torch
from torch import nn

from workbench.core.region_stage import RegionStage
from workbench.core.run_config import RunConfig
from workbench.learn.infer import CONFIG_NAME, write_run_config
from workbench.learn.region_model import REGION_MODEL, new_region_module, save_region_module

# The fresh classifier's head is calmed so that it answers near chance on every crop (defect
# probabilities within a few hundredths of 1 - 1/(1+M)), varying with the crop: a threshold of
# VETO_ALL vetoes every region it looks at and KEEP_ALL none, far from any backend's rounding.
VETO_ALL = 0.9
KEEP_ALL = 0.1


def add_region_stage(
    root: Path, run_id: str, confirm_threshold: float | None = VETO_ALL, seed: int = 0, input_size: int = 32
) -> RegionStage:
    """Give run ``run_id`` of the project at ``root`` a second stage: ``classifier.pt`` (a fresh
    ``REGION_MODEL``), ``region_stage`` / ``region_model`` in its config.json (levels: the run's
    thresholds) and ``confirm_threshold`` on every class rule."""
    run_dir = Path(root) / "runs" / run_id
    config = RunConfig.from_dict(json.loads((run_dir / CONFIG_NAME).read_text(encoding="utf-8")))
    model = config.model
    assert model is not None, "the run must be finished"
    decision = model.shipped_decision()
    levels = tuple(float(t) for t in decision.pixel_thresholds(len(model.classes)) if t is not None)
    stage = RegionStage(
        levels=levels,
        class_ids=tuple(c.id for c in model.classes),
        names=tuple(c.name for c in model.classes),
        input_size=input_size,
    )
    torch.manual_seed(seed)
    module = new_region_module(REGION_MODEL, model.in_channels, stage.n_outputs, pretrained=False).eval()
    head = [m for m in module.modules() if isinstance(m, nn.Linear)][-1]
    with torch.no_grad():
        head.weight.mul_(0.02)
        head.bias.zero_()
    save_region_module(run_dir, module)
    decision.classes = [replace(rule, confirm_threshold=confirm_threshold) for rule in decision.classes]
    model = replace(model, decision=decision, region_stage=stage, region_model=REGION_MODEL)
    write_run_config(run_dir, replace(config, model=model))
    return stage


def export_two_stage(
    folder: Path, formats: str = "onnx,openvino", confirm_threshold: float | None = VETO_ALL
) -> tuple[Path, Path, str]:
    """(bundle, project root, run id): the tiny run under ``folder`` with a second stage, exported."""
    from tests.tiny_run import make_tiny_run, tiny_models
    from workbench.export.pipeline import export_bundle

    with tiny_models():
        root, run_id = make_tiny_run(folder)
        add_region_stage(root, run_id, confirm_threshold)
        report = export_bundle(root, run_id, root / "exports" / "two_stage.wbx", formats=formats)
    return report.path, root, run_id
