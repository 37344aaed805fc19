"""Evaluating a run through its exported graph: only after it matched torch and was faster."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from workbench.core.project import Project
from workbench.export import fast_eval
from workbench.export.fast_eval import ExportedOrTorch
from workbench.learn.infer import LoadedRun, load_run
from workbench.runtime.inspector import Inspector


def _setup(tiny_run: tuple[Path, str]) -> tuple[LoadedRun, list[np.ndarray]]:
    root, run_id = tiny_run
    with Project.open(root, readonly=True) as project:
        images = [project.read_image(s, None) for s in project.samples()]
    return load_run(root, run_id, device="cpu"), images


def _clock(monkeypatch: pytest.MonkeyPatch, torch_s: float, exported_s: float) -> None:
    """fast_eval's clock: the first chunk takes ``torch_s`` on torch and ``exported_s`` exported."""
    ticks = iter([0.0, torch_s, 100.0, 100.0 + exported_s])
    monkeypatch.setattr(fast_eval, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))


def _assert_close(got: list[np.ndarray], want: list[np.ndarray], atol: float) -> None:
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=atol)


def test_switches_to_the_exported_graph_when_it_matches_and_is_faster(tiny_run, monkeypatch) -> None:
    loaded, images = _setup(tiny_run)
    chooser = ExportedOrTorch(loaded)
    _clock(monkeypatch, torch_s=10.0, exported_s=2.0)
    _assert_close(chooser.many(images[:4]), loaded.scores_many(images[:4]), 0.0)  # torch's own maps
    assert chooser.exported is None  # nothing exported while the evaluation may be one chunk
    rest = chooser.many(images[4:])
    assert chooser.exported is not None and "5.0x faster" in chooser.describe()
    _assert_close(rest, loaded.scores_many(images[4:]), 1e-3)
    assert chooser.one(images[0]).shape == rest[0].shape[:1] + images[0].shape[:2]


def test_stays_on_torch_when_not_faster_or_not_matching(tiny_run, monkeypatch) -> None:
    loaded, images = _setup(tiny_run)
    slow = ExportedOrTorch(loaded)
    _clock(monkeypatch, torch_s=6.0, exported_s=7.0)
    slow.many(images[:4])
    rest = slow.many(images[4:])
    assert slow.exported is None and "not faster" in slow.describe()
    _assert_close(rest, loaded.scores_many(images[4:]), 0.0)

    real = Inspector.scores_many
    monkeypatch.setattr(
        Inspector, "scores_many", lambda self, ims, cancel=None: [m + 0.01 for m in real(self, ims)]
    )
    off = ExportedOrTorch(loaded)
    _clock(monkeypatch, torch_s=10.0, exported_s=1.0)
    off.many(images[:4])
    off.many(images[4:])
    assert off.exported is None and "differs by up to 1.0e-02" in off.describe()


def test_one_or_fast_chunks_export_nothing_and_unexportable_models_stay_on_torch(
    tiny_run, monkeypatch
) -> None:
    loaded, images = _setup(tiny_run)
    real_bundle = fast_eval.memory_bundle
    monkeypatch.setattr(fast_eval, "memory_bundle", lambda run: pytest.fail("exported for one chunk"))
    short = ExportedOrTorch(loaded)
    short.many(images)
    assert short.describe() == "torch on cpu"
    fast = ExportedOrTorch(loaded)
    _clock(monkeypatch, torch_s=fast_eval.MIN_TORCH_S - 1.0, exported_s=1.0)
    fast.many(images[:4])
    fast.many(images[4:])
    assert fast.exported is None and "fast already" in fast.describe()
    monkeypatch.setattr(fast_eval, "memory_bundle", real_bundle)

    class Opaque(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if torch.onnx.is_in_onnx_export():
                raise RuntimeError("computed outside torch")
            return self.inner(x)

    loaded.score_module = Opaque(loaded.score_module)
    blocked = ExportedOrTorch(loaded)
    _clock(monkeypatch, torch_s=10.0, exported_s=1.0)
    blocked.many(images[:4])
    blocked.many(images[4:])
    assert blocked.exported is None and "cannot run" in blocked.describe()


@pytest.mark.parametrize("engine", ["auto", "torch"])
def test_evaluation_records_the_engine(tiny_run, monkeypatch, engine: str) -> None:
    from workbench.core import evaluation
    from workbench.services.evaluation import model_source

    root, run_id = tiny_run
    monkeypatch.setattr(evaluation, "CHUNK_IMAGES", 2)  # the four val images in two chunks
    monkeypatch.setattr(fast_eval, "MIN_TORCH_S", float("inf"))  # any first chunk counts as fast
    with Project.open(root) as project:
        predict, model = model_source(project.root, run_id, None, engine)
        session = evaluation.run_evaluation(project, predict, model, split="val", eval_id=engine)
    inference = session.meta["inference"]
    if engine == "torch":
        assert inference == "torch on cpu"
    else:
        assert inference.startswith("torch on cpu (the first 2 images took") and "fast already" in inference
    assert len(session.cases) == 4
