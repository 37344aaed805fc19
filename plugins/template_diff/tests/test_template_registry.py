"""The plugin as the workbench sees it: entry point, registry, run state dict, tiled prediction."""

from __future__ import annotations

import io
from importlib import metadata

import numpy as np
import pytest
from template_diff_data import pattern, sample

torch = pytest.importorskip("torch")
models = pytest.importorskip("workbench.learn.models")

from workbench.core.preprocess import to_chw, to_unit_float  # noqa: E402
from workbench.core.tiling import predict_tiled  # noqa: E402
from workbench_template_diff.registry import NAME, TemplateDiffModule  # noqa: E402


def _unit(images: list[np.ndarray]) -> list[np.ndarray]:
    return [to_unit_float(img) for img in images]


def test_the_entry_point_is_installed_and_the_registry_lists_it() -> None:
    entries = {ep.name: ep.value for ep in metadata.entry_points(group=models.ENTRY_POINT_GROUP)}
    assert entries.get(NAME) == "workbench_template_diff.registry:MODEL_INFO"
    assert NAME in models.list_models()
    assert NAME in models.list_models("anomaly")
    info = models.model_info(NAME)
    assert info.task == "anomaly" and info.fit is not None


def test_fitted_module_survives_a_weights_only_state_dict_and_predicts_tiled() -> None:
    base, rng = pattern(seed=2), np.random.default_rng(3)
    ok = [sample(base, rng) for _ in range(7)]
    defect = sample(base, rng, defect=True)
    fitted = models.model_info(NAME).fit(_unit(ok[:5]), _unit(ok[5:]), [], tile=256, seed=0)
    buf = io.BytesIO()
    torch.save(fitted.state_dict(), buf)
    buf.seek(0)
    module = models.get_model(NAME, 1, 1, pretrained=False)
    module.load_state_dict(torch.load(buf, weights_only=True))
    direct = fitted.to_model().predict(defect)

    def run(batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return module(torch.from_numpy(batch)).numpy()

    # one tile larger than the image: the tiler pads bottom/right, the module scores the image part
    tiled = predict_tiled(to_chw(to_unit_float(defect)), run, tile=192, overlap=0)
    np.testing.assert_allclose(tiled, direct, atol=1e-4)  # the tiler's blend weights
    assert tiled.max() > 0.5 and predict_tiled(to_chw(to_unit_float(ok[0])), run, 192, 0).max() < 0.5
    with pytest.raises(models.ModelError, match="use a tile at least as large as the image"):
        predict_tiled(to_chw(to_unit_float(defect)), run, tile=64, overlap=0)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # torch deprecates the tracing exporter
def test_unfitted_multi_class_and_traced_uses_are_refused() -> None:
    with pytest.raises(models.ModelError, match="cannot have 2 classes"):
        models.get_model(NAME, 3, 2, pretrained=False)
    empty = models.get_model(NAME, 1, 1, pretrained=False)
    with pytest.raises(models.ModelError, match="fit it on OK images first"):
        empty(torch.zeros(1, 1, 32, 32))
    base, rng = pattern(), np.random.default_rng(0)
    fitted = models.model_info(NAME).fit(
        _unit([sample(base, rng) for _ in range(3)]), _unit([sample(base, rng)])
    )
    assert isinstance(fitted, TemplateDiffModule)
    with pytest.raises(models.ModelError, match="cannot be exported as a graph"):
        torch.jit.trace(fitted, torch.zeros(1, 1, 160, 160))


def test_workbench_trains_and_reloads_the_plugin_model(tmp_path) -> None:
    """`workbench train --task anomaly --model template-diff` fits the plugin, not the built-in."""
    import cv2
    import numpy as np
    from template_diff_data import pattern, sample

    from workbench.core.cancel import CancelToken
    from workbench.core.project import Project
    from workbench.core.run_config import RunConfig
    from workbench.learn.infer import load_run
    from workbench.learn.presets import resolve_config
    from workbench.learn.train import run_training

    rng = np.random.default_rng(5)
    base = pattern()
    folder = tmp_path / "proj"
    with Project.create(folder, task="anomaly") as project:
        for i in range(10):
            ng = i >= 8
            path = tmp_path / f"part{i:02d}.png"
            cv2.imwrite(str(path), sample(base, rng, defect=ng))
            split = "val" if ng or i >= 6 else "train"
            project.add_sample([path], label="ng" if ng else "ok", split=split)
        cfg = resolve_config("anomaly", "fast", {"model": "template-diff"})
        run_id = project.create_run(RunConfig(cfg)).id
    events: list[str] = []

    class Log:
        def progress(self, fraction: float, message: str, eta_s: float | None = None) -> None:
            pass

        def metric(self, name: str, value: float, epoch: int | None = None) -> None:
            pass

        def artifact(self, path: str) -> None:
            pass

        def log(self, message: str) -> None:
            events.append(message)

    run_training(folder, run_id, cfg, Log(), CancelToken())
    assert any("fitting template-diff" in line for line in events)
    loaded = load_run(folder, run_id)
    assert loaded.config.model == "template-diff" and loaded.config.overlap == 0
    # the trainer placed the threshold on the plugin's scores, as for the built-in model
    assert loaded.config.decision_origin[0]["method"] == "val_zero_escape"
    image = sample(base, rng, defect=True)
    score = loaded.scores(image)
    assert score.shape == (1, *image.shape[:2])
    assert float(score.max()) > 0.5  # the scratch is found through the workbench's own inference
