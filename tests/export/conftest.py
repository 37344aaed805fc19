"""A tiny project with a finished segmentation run whose model is a small hand-set conv net."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tiny_run import make_tiny_run, tiny_net
from workbench.learn import infer


@pytest.fixture
def tiny_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """(project root, run id): 8 samples (train/val, OK and NG) and a saved tiny run."""
    monkeypatch.setattr(infer, "get_model", lambda name, c, k, pretrained=False: tiny_net(c, k))
    return make_tiny_run(tmp_path)


@pytest.fixture
def make_tiny_net():
    """``make_tiny_net(in_channels, num_classes)``: the hand-set conv net of the tiny run."""
    return tiny_net
