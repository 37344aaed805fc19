"""The supervised epoch loop: time-boxed schedule, validation, early stopping, checkpoints, resume.

The learning rate warms up, then follows a cosine over the epochs that fit the time budget; that
plan is re-estimated from the measured epoch time, so a run ends near its time limit with a low
learning rate instead of being cut off mid-schedule. Validation runs as often as its cost allows,
and the best validated weights are what the run keeps.

The time budget is a contract on any CPU, so the loop measures before it plans: its first steps
are real training steps timed with each precision candidate (``device.precision_candidates``),
the fastest is kept, and one timed inference pass gives the seconds per pixel from which the task
sizes its validation set (``LoopParts.plan``). Validation plus the training scan then take at most
``VAL_SHARE`` of the budget, and the run log ends with one line saying where the time went.
"""

from __future__ import annotations

import copy
import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from workbench.core.atomic import atomic_write_bytes
from workbench.core.cancel import CancelToken
from workbench.core.run_config import TrainConfig
from workbench.learn.device import Precision, describe_precision
from workbench.learn.score_model import ScoreModel

VAL_SHARE = 0.15  # validation and the training scan together take at most this share of the budget
TARGET_VALIDATIONS = 4  # a run should be able to validate about this often in its budget
TRIAL_STEPS = 2  # timed steps per precision candidate (after one warm-up step)
LR_FLOOR = 0.02  # the cosine ends at this fraction of the peak learning rate


class Reporter(Protocol):
    """Where the loop reports; ``workbench.jobs.events.EventWriter`` is the usual one."""

    def progress(self, fraction: float, message: str) -> None: ...
    def metric(self, name: str, value: float, epoch: int | None = None) -> None: ...
    def log(self, message: str) -> None: ...
    def artifact(self, path: str) -> None: ...


class EpochDataset(Protocol):
    def set_epoch(self, epoch: int) -> None: ...
    def __len__(self) -> int: ...


@dataclass
class LoopParts:
    """What a task contributes to the shared loop."""

    model: ScoreModel
    dataset: Dataset[Any]
    loss: nn.Module  # (logits, target) -> (loss, per-item loss)
    # returns metrics with a "score" (higher = better); an optional "scan_s" (seconds of the training
    # scan inside it) is taken out of the metrics and accounted apart
    validate: Callable[[ScoreModel], dict[str, Any]]
    # (inference seconds per pixel, seconds one validation may take) -> (a line for the log,
    # the seconds one validation of the plan is expected to take)
    plan: Callable[[float, float], tuple[str, float]] | None = None
    on_best: Callable[[], None] | None = None  # the validation just run is the best so far
    on_losses: Callable[[torch.Tensor, torch.Tensor], None] | None = None
    on_epoch_end: Callable[[], None] | None = None
    sampler_state: Callable[[], Any] | None = None
    load_sampler_state: Callable[[Any], None] | None = None
    loading_s: float = 0.0  # seconds spent reading images before the loop (for the time line)


@dataclass
class LoopState:
    epoch: int = 0
    step: int = 0
    best_score: float = -math.inf
    best_epoch: int = -1
    best_metrics: dict[str, Any] = field(default_factory=dict)
    since_best: int = 0
    train_time: float = 0.0
    val_time: float = 0.0
    scan_time: float = 0.0  # part of val_time
    n_val: int = 0
    epochs_since_val: int = 0
    precision: int = -1  # index into the precision candidates; -1 until the trial has chosen
    trial: list[float] = field(default_factory=list)  # seconds of the timed trial steps
    infer_s_per_px: float = 0.0
    val_estimate_s: float = 0.0  # one validation's expected seconds, from the plan, until measured
    history: list[dict[str, Any]] = field(default_factory=list)


def _lr_at(cfg: TrainConfig, step: int, total: int) -> float:
    if step < cfg.warmup_steps:
        return cfg.lr * (0.1 + 0.9 * step / max(cfg.warmup_steps, 1))
    p = min(1.0, (step - cfg.warmup_steps) / max(total - cfg.warmup_steps, 1))
    return cfg.lr * (LR_FLOOR + (1 - LR_FLOOR) * 0.5 * (1 + math.cos(math.pi * p)))


def _planned_epochs(cfg: TrainConfig, st: LoopState) -> int:
    """Epochs that fit the time limit at the measured pace (all of max_epochs without a limit).

    A started epoch counts: on a slow CPU one epoch can be a large part of the budget, and the
    epoch loop stops at the time limit anyway (``TrainLoop._out_of_time``), so the remaining time
    is used for a partial epoch rather than left idle.
    """
    if cfg.time_limit is None or st.epoch == 0:
        return cfg.max_epochs
    per_epoch = (st.train_time + st.val_time) / st.epoch
    fit = st.epoch + math.ceil((cfg.time_limit - st.train_time - st.val_time) / max(per_epoch, 1e-6))
    return max(st.epoch, min(cfg.max_epochs, fit))


def _planned_steps(cfg: TrainConfig, st: LoopState, steps_per_epoch: int) -> int:
    """Steps the cosine schedule spans: the planned epochs, or fewer when the measured step time
    says the time limit comes first (so the learning rate is low when the run ends)."""
    by_epochs = _planned_epochs(cfg, st) * steps_per_epoch
    if cfg.time_limit is None or st.step == 0 or st.train_time == 0:
        return by_epochs
    step_s = st.train_time / st.step
    left = (cfg.time_limit - st.train_time - st.val_time) * (1 - VAL_SHARE)
    return max(st.step + 1, min(by_epochs, st.step + int(left / step_s)))


class TrainLoop:
    """Runs epochs of ``parts`` on ``device``; ``run()`` returns the best metrics."""

    def __init__(
        self,
        parts: LoopParts,
        cfg: TrainConfig,
        device: torch.device,
        candidates: list[Precision],
        ckpt_dir: Path,
        report: Reporter,
        cancel: CancelToken,
    ) -> None:
        self.parts = parts
        self.cfg = cfg
        self.device = device
        self.candidates = candidates
        self.precision = candidates[0]
        self.ckpt_dir = ckpt_dir
        self.report = report
        self.cancel = cancel
        self.model = parts.model.to(device)
        self._use(candidates[0])
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.st = LoopState()
        self._started = time.monotonic()
        self._spent_before = 0.0
        self._planned = False
        self._last_x: torch.Tensor | None = None
        self.best_state: dict[str, torch.Tensor] = copy.deepcopy(self.model.state_dict())

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(self) -> None:
        payload = {
            "model": self.model.state_dict(),
            "best_model": self.best_state,
            "optimizer": self.opt.state_dict(),
            "loop": {k: v for k, v in vars(self.st).items()},
            "sampler": self.parts.sampler_state() if self.parts.sampler_state else None,
        }
        buf = io.BytesIO()
        torch.save(payload, buf)
        atomic_write_bytes(self.ckpt_dir / "last.pt", buf.getvalue())

    def load_checkpoint(self, path: Path) -> None:
        payload = torch.load(path, map_location=self.device, weights_only=True)
        self.model.load_state_dict(payload["model"])
        self.best_state = payload["best_model"]
        self.opt.load_state_dict(payload["optimizer"])
        self.st = LoopState(**payload["loop"])
        self._spent_before = self.st.train_time + self.st.val_time
        if 0 <= self.st.precision < len(self.candidates):
            self._use(self.candidates[self.st.precision])
        if payload.get("sampler") is not None and self.parts.load_sampler_state:
            self.parts.load_sampler_state(payload["sampler"])
        self.report.log(f"resumed from {path} after epoch {self.st.epoch}")

    # ------------------------------------------------------------------ loop
    def run(self) -> dict[str, Any]:
        self._started = time.monotonic()
        cfg, st = self.cfg, self.st
        start_epoch = st.epoch
        while st.epoch < _planned_epochs(cfg, st):
            self.cancel.raise_if_cancelled()
            loss = self._train_epoch()
            st.epoch += 1
            st.epochs_since_val += 1
            self.report.metric("train.loss", loss, st.epoch)
            entry: dict[str, Any] = {"epoch": st.epoch, "loss": loss}
            last = st.epoch >= _planned_epochs(cfg, st) or self._out_of_time()
            if last or self._validation_due():
                entry.update(self._validate())
            st.history.append(entry)
            if self.parts.on_epoch_end:
                self.parts.on_epoch_end()
            self.save_checkpoint()
            if st.since_best >= cfg.patience and st.epoch > start_epoch:
                self.report.log(f"stopping early: no improvement in {st.since_best} validations")
                break
            if last:
                break
        # the loop ended between validations: score the final weights too, unless the time is up
        if st.epochs_since_val and (st.n_val == 0 or not self._past_limit()):
            st.history[-1].update(self._validate())
        self.model.load_state_dict(self.best_state)
        self.report.log(self.time_line())
        return dict(st.best_metrics, epochs=st.epoch, best_epoch=st.best_epoch)

    def time_line(self) -> str:
        """Where the run's time went, in one line."""
        st = self.st
        per_step = st.train_time / max(st.step, 1)
        return (
            f"time: loading {self.parts.loading_s:.0f} s, training {st.train_time:.0f} s ({st.step} steps"
            f" of {self.cfg.batch} crops, {per_step:.2f} s/step, {describe_precision(self.precision)}),"
            f" validation {st.val_time - st.scan_time:.0f} s ({st.n_val}x), scan {st.scan_time:.0f} s"
        )

    def _past_limit(self) -> bool:
        return self.cfg.time_limit is not None and self._spent() >= self.cfg.time_limit

    def _validation_due(self) -> bool:
        st = self.st
        if st.val_time == 0.0 or st.epoch <= 1:
            return True
        per_val = st.val_time / max(1, st.n_val)
        per_epoch = st.train_time / st.epoch
        return st.epochs_since_val * per_epoch * VAL_SHARE >= per_val

    def _train_epoch(self) -> float:
        cfg, st = self.cfg, self.st
        self.parts.dataset.set_epoch(st.epoch)  # type: ignore[attr-defined]
        loader = DataLoader(self.parts.dataset, batch_size=cfg.batch, shuffle=False, drop_last=False)
        steps = len(loader)
        total_steps = _planned_steps(cfg, st, steps)
        self.model.train()
        t0 = time.monotonic()
        losses: list[float] = []
        for i, (x, y, meta) in enumerate(loader):
            self.cancel.raise_if_cancelled()
            lr = _lr_at(cfg, st.step, total_steps)
            for group in self.opt.param_groups:
                group["lr"] = lr
            trial = self._trial_choice()
            t_step = time.monotonic()
            loss, per_item = self._step(x, y)
            if trial is not None:
                self._trial_record(trial, time.monotonic() - t_step, x)
            self._last_x = x
            if st.precision >= 0 and not self._planned:
                self._plan(x)
            if self.parts.on_losses:
                self.parts.on_losses(meta, per_item.cpu())
            losses.append(loss)
            st.step += 1
            frac = self._fraction(st.epoch + (i + 1) / steps)
            self.report.progress(frac, f"epoch {st.epoch + 1} step {i + 1}/{steps} loss {loss:.4f}")
            if self._out_of_time():
                self.report.log(f"time limit reached during epoch {st.epoch + 1} (step {i + 1}/{steps})")
                break
        st.train_time += time.monotonic() - t0
        return float(sum(losses) / max(len(losses), 1))

    # ------------------------------------------------------------------ speed probe
    def _use(self, precision: Precision) -> None:
        self.precision = precision
        fmt = torch.channels_last if precision.channels_last else torch.contiguous_format
        self.model = self.model.to(memory_format=fmt)

    def _trial_choice(self) -> int | None:
        """The candidate the next step is timed with, or None once the choice is made."""
        st = self.st
        if st.precision >= 0:
            return None
        if len(self.candidates) == 1:
            st.precision = 0
            return None
        done = len(st.trial)  # timed steps so far; the first step warms up and is not counted
        index = min(max(done - 1, 0) // TRIAL_STEPS, len(self.candidates) - 1)
        if self.candidates[index] != self.precision:
            self._use(self.candidates[index])
        return index

    def _trial_record(self, index: int, seconds: float, x: torch.Tensor) -> None:
        st = self.st
        st.trial.append(seconds)
        if len(st.trial) < 1 + TRIAL_STEPS * len(self.candidates):
            return
        timed = st.trial[1:]
        per = [min(timed[i * TRIAL_STEPS : (i + 1) * TRIAL_STEPS]) for i in range(len(self.candidates))]
        st.precision = int(np.argmin(per))
        self._use(self.candidates[st.precision])
        self.report.log("precision trial (s/step): " + ", ".join(
            f"{describe_precision(c)} {t:.2f}" for c, t in zip(self.candidates, per)
        ) + f"; using {describe_precision(self.precision)}")  # fmt: skip

    def _plan(self, x: torch.Tensor) -> None:
        """Time one inference pass on ``x`` and let the task size its validation from it."""
        st = self.st
        self._planned = True
        if not st.infer_s_per_px:
            self.model.eval()
            with torch.no_grad():
                xi = x.to(self.device)
                if self.precision.channels_last:
                    xi = xi.contiguous(memory_format=torch.channels_last)
                times = []
                for _ in range(2):  # the first pass in eval mode pays for allocations
                    t0 = time.monotonic()
                    self.model(xi)
                    times.append(time.monotonic() - t0)
                st.infer_s_per_px = min(times) / max(xi.numel() // xi.shape[1], 1)
            self.model.train()
        if self.parts.plan is None:
            return
        step_s = min(st.trial[1:]) if len(st.trial) > 1 else st.train_time / max(st.step, 1)
        total = (
            self.cfg.time_limit or step_s * self.cfg.max_epochs * self.cfg.crops_per_epoch / self.cfg.batch
        )
        line, st.val_estimate_s = self.parts.plan(st.infer_s_per_px, VAL_SHARE * total / TARGET_VALIDATIONS)
        self.report.log(line)

    def _step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, torch.Tensor]:
        x, y = x.to(self.device), y.to(self.device)
        if self.precision.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        dtype = self.precision.autocast_dtype
        with torch.autocast(self.device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
            logits = self.model.net((x - self.model.mean) / self.model.std)
        loss, per_item = self.parts.loss(logits, y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return float(loss.detach()), per_item

    def _spent(self) -> float:
        """Seconds of this run so far, including those before a resume."""
        return self._spent_before + time.monotonic() - self._started

    def _out_of_time(self) -> bool:
        """True once training plus the validation still to come would pass the time limit."""
        if self.cfg.time_limit is None:
            return False
        st = self.st
        if st.n_val:
            val_estimate = st.val_time / st.n_val
        else:  # before the first validation: the plan's estimate, or the share a validation may take
            val_estimate = st.val_estimate_s or VAL_SHARE * self.cfg.time_limit / TARGET_VALIDATIONS
        return self._spent() + val_estimate >= self.cfg.time_limit

    def _fraction(self, epochs_done: float) -> float:
        cfg, st = self.cfg, self.st
        by_epoch = epochs_done / max(_planned_epochs(cfg, st), 1)
        if cfg.time_limit is None:
            return min(by_epoch, 0.99)
        return min(max(by_epoch, self._spent() / cfg.time_limit), 0.99)

    def _validate(self) -> dict[str, Any]:
        st = self.st
        if not self._planned and self._last_x is not None:  # an epoch shorter than the trial
            self._plan(self._last_x)
        t0 = time.monotonic()
        self.model.eval()
        with torch.no_grad():
            metrics = dict(self.parts.validate(self.model))
        st.scan_time += float(metrics.pop("scan_s", 0.0))
        st.val_time += time.monotonic() - t0
        st.n_val += 1
        st.epochs_since_val = 0
        for name, value in metrics.items():
            if isinstance(value, (int, float)) and value is not None:
                self.report.metric(f"val.{name}", float(value), st.epoch)
        if metrics["score"] > st.best_score + 1e-6:
            st.best_score, st.best_epoch, st.best_metrics = metrics["score"], st.epoch, dict(metrics)
            st.since_best = 0
            self.best_state = copy.deepcopy(self.model.state_dict())
            if self.parts.on_best:
                self.parts.on_best()
        else:
            st.since_best += 1
        self.report.log(
            f"epoch {st.epoch}: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items() if v is not None)
        )
        return metrics
