"""Warm start: begin training from the weights of an earlier run (this project or another)."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from workbench.core.errors import WorkbenchError
from workbench.learn import log_lines

MODEL_FILE = "model.pt"


class WarmStartError(WorkbenchError):
    """The run to start from has no usable weights."""


def warm_start(model: nn.Module, run_dir: Path) -> str:
    """Copy every tensor of ``run_dir/model.pt`` whose name and shape fit ``model``; say how many.

    Layers that differ (another class count, another channel count) keep their fresh values, so
    a model for 3 defect classes can start from one trained for a single "defect" class.
    """
    path = Path(run_dir).expanduser() / MODEL_FILE
    if not path.is_file():
        raise WarmStartError(f"cannot warm-start: {path} does not exist (did that run finish?)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several unrelated types for damaged files
        raise WarmStartError(f"cannot warm-start: {path} is not a readable state dict ({exc})") from exc
    own = model.state_dict()
    fitting = {k: v for k, v in state.items() if k in own and tuple(v.shape) == tuple(own[k].shape)}
    if not any(k.startswith("net.") for k in fitting):
        raise WarmStartError(f"cannot warm-start: no layer of {path} fits this model (another architecture?)")
    model.load_state_dict(fitting, strict=False)
    skipped = len(own) - len(fitting)
    if skipped:
        return log_lines.WARM_START_PARTLY(path=path, loaded=len(fitting), total=len(own), skipped=skipped)
    return log_lines.WARM_START(path=path, loaded=len(fitting), total=len(own))
