"""`Inspector`: bundle + image -> OK/NG with defects; the code that runs on the industrial PC.

A thin adapter: the bundle's backend is the tile function of core's ``TiledModel``, which runs the
workbench's own pipeline (``model_input`` -> ``score_maps`` with the manifest's tiling and merge ->
``decide``). A two-stage bundle also starts its region classifier on the same backend (always
FP32) and gives it to core as ``region_fn``, so the decision vetoes regions as the workbench's did
(``core.region_stage``). Nothing here imports torch.
"""

from __future__ import annotations

import os

from workbench.core.decisions import DecisionConfig
from workbench.core.inference import InspectionResult, TiledModel
from workbench.core.preprocess import InputError
from workbench.core.region_stage import RegionFn, RegionStage
from workbench.core.tiling import TileFn, Tiling
from workbench.runtime.backends import make_backend, make_region_backend
from workbench.runtime.bundle import Bundle, open_bundle

# The runtime's names since format 1: an image that does not fit the bundle's input, and the
# outcome of one image.
InspectError = InputError
Result = InspectionResult


class Inspector(TiledModel):
    """Runs one bundle on images: ``inspect(image) -> InspectionResult``."""

    def __init__(
        self,
        bundle: Bundle | str | os.PathLike[str],
        backend: str = "auto",
        device: str = "auto",
        precision: str = "fp32",
        fast: bool = False,
        batch: int = 4,
        threads: int = 0,
    ) -> None:
        self.bundle = bundle if isinstance(bundle, Bundle) else open_bundle(bundle)
        self._decision = DecisionConfig.from_dict(self.bundle.manifest.decision.to_dict())  # a copy
        self._tiling = self.bundle.tiling
        self.backend = make_backend(self.bundle, backend, device, precision, fast, threads)
        self.region_backend = make_region_backend(self.bundle, self.backend, device, threads)
        self.batch = batch

    @property
    def task(self) -> str:
        return self.bundle.task

    @property
    def in_channels(self) -> int:
        return self.bundle.in_channels

    @property
    def tiling(self) -> Tiling:
        return self._tiling

    @property
    def decision_config(self) -> DecisionConfig:
        return self._decision

    def tile_fn(self) -> TileFn:
        return self.backend

    @property
    def region_stage(self) -> RegionStage | None:
        region = self.bundle.manifest.region
        return region.stage if region is not None and self.region_backend is not None else None

    def region_fn(self) -> RegionFn:
        if self.region_backend is None:
            return super().region_fn()
        return self.region_backend

    def describe(self) -> str:
        b = self.backend
        extra = f", inference {b.inference_precision}" if hasattr(b, "inference_precision") else ""
        stage = ", region classifier fp32" if self.region_backend is not None else ""
        return f"{b.name} on {b.device}, model {b.precision}{extra}{stage}"
