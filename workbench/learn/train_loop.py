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

The limit is a limit (``learn.time_budget``): it counts from the start of the run, and no phase
starts unless its measured cost fits in what is left. Training stops while there is still time for
the run's end (one last validation without the scan, the task's decision, saving); a validation
that no longer fits is skipped (the best validated weights stand) or, when none has run yet,
shrunk to the time left; each such choice is logged in one line.
"""

from __future__ import annotations

import copy
import io
import math
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
from workbench.learn import log_lines
from workbench.learn.device import Precision, describe_precision
from workbench.learn.score_model import ScoreModel
from workbench.learn.time_budget import TimeBudget

VAL_SHARE = 0.15  # validation and the training scan together take at most this share of the budget
TARGET_VALIDATIONS = 4  # a run should be able to validate about this often in its budget
# The precision trial runs one warm-up step per candidate, then TRIAL_ROUNDS timed rounds taking
# the candidates in turn, and keeps each candidate's fastest timed step. Timing each candidate's
# steps back to back (one warm-up step for the whole trial) chose badly: a new memory format keeps
# paying for kernel set-up over its first two steps (channels_last on 2 threads, 20 crops of 160 px,
# Xeon AVX-512: 2.74, 2.19, then 1.63 s), and a noisy machine slowed one candidate's pair alone;
# crackforest's fast run kept 1 thread at 3.35 s/step where 2 threads step in 1.6 s.
TRIAL_ROUNDS = 2
LR_FLOOR = 0.02  # the cosine ends at this fraction of the peak learning rate
# The first validation costs more than the speed probe says: new tensor shapes (whole images and
# windows instead of training crops) pay for allocations and kernel set-up once.
FIRST_VAL_MARGIN = 2.0
# The final weights (trained to the end of the cosine, at a low learning rate) are kept unless an
# earlier validation scored more than this above them: scored on a bounded val set, a small lead of
# an earlier, half-trained model is mostly noise (bsdata: epoch 3 at 0.873 against the final 0.871
# kept epoch 3, pixel Dice 0.52 on the test parts).
FINAL_TIE_MARGIN = 0.02


class Reporter(Protocol):
    """Where the loop reports; ``workbench.jobs.events.EventWriter`` is the usual one."""

    def progress(self, fraction: float, message: str, eta_s: float | None = None) -> None: ...
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
    # (model, last) -> metrics with a "score" (higher = better); an optional "scan_s" (seconds of the
    # training scan inside it) is taken out of the metrics and accounted apart, and so is an optional
    # "probe_s" (seconds spent measuring what the run's end will cost: ``end_cost`` reserves that
    # already, so it does not make a validation look longer). ``last``: no training follows, so the
    # scan (which finds hard examples for later epochs) is left out
    validate: Callable[[ScoreModel, bool], dict[str, Any]]
    # (inference seconds per pixel, seconds one validation may take) -> (a line for the log,
    # the seconds one validation of the plan is expected to take)
    plan: Callable[[float, float], tuple[str, float]] | None = None
    on_best: Callable[[], None] | None = None  # the validation just run is the best so far
    # seconds the task's end (placing the decision on the best validation) is expected to take
    end_cost: Callable[[], float] | None = None
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
    val_longest_s: float = 0.0  # the longest validation so far, without its scan
    last_step_s: float = 0.0  # seconds of the latest training step (0 after a process's first)
    # the first step of each process the run trained in (a resumed run starts again): each pays
    # one-off start-up costs; their seconds are part of train_time
    first_step_s: float = 0.0
    first_steps: int = 0
    save_s: float = 0.0  # seconds of the latest checkpoint save
    spent: float = 0.0  # seconds of the run's budget spent when the checkpoint was saved
    history: list[dict[str, Any]] = field(default_factory=list)


def _lr_at(cfg: TrainConfig, step: int, total: int) -> float:
    if step < cfg.warmup_steps:
        return cfg.lr * (0.1 + 0.9 * step / max(cfg.warmup_steps, 1))
    p = min(1.0, (step - cfg.warmup_steps) / max(total - cfg.warmup_steps, 1))
    return cfg.lr * (LR_FLOOR + (1 - LR_FLOOR) * 0.5 * (1 + math.cos(math.pi * p)))


def _planned_epochs(cfg: TrainConfig, st: LoopState, left: float | None) -> int:
    """Epochs that fit the ``left`` seconds at the measured pace (all of max_epochs without a limit).

    A started epoch counts: on a slow CPU one epoch can be a large part of the budget, and the
    epoch loop stops at the time limit anyway (``TrainLoop._out_of_time``), so the remaining time
    is used for a partial epoch rather than left idle.
    """
    if left is None or st.epoch == 0:
        return cfg.max_epochs
    per_epoch = (st.train_time - st.first_step_s + st.val_time) / st.epoch
    fit = st.epoch + math.ceil(left / max(per_epoch, 1e-6))
    return max(st.epoch, min(cfg.max_epochs, fit))


def _planned_steps(cfg: TrainConfig, st: LoopState, steps_per_epoch: int, left: float | None) -> int:
    """Steps the cosine schedule spans: the planned epochs, or fewer when the measured step time
    says the time limit comes first (so the learning rate is low when the run ends)."""
    by_epochs = _planned_epochs(cfg, st, left) * steps_per_epoch
    if left is None or st.step == 0 or st.train_time == 0:
        return by_epochs
    step_s = _step_pace(st)
    return max(st.step + 1, min(by_epochs, st.step + int(left * (1 - VAL_SHARE) / step_s)))


def _step_pace(st: LoopState) -> float:
    """Seconds per training step so far, without the first step of each process the run trained in:
    that one pays for one-off start-up (a GPU's context and kernel choice: 25 s on an H200 against
    well under a second for the steps after it), which says nothing about the steps to come."""
    rest = st.train_time - st.first_step_s  # train_time grows at epoch ends, first steps at once
    if st.step > st.first_steps and rest > 0:
        return rest / (st.step - st.first_steps)
    return st.train_time / max(st.step, 1)


def _needs_scaler(device: torch.device, candidates: list[Precision]) -> bool:
    """True when a candidate runs float16 autocast on a GPU (bf16 and fp32 need no loss scaling)."""
    return device.type == "cuda" and any(c.autocast_dtype is torch.float16 for c in candidates)


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
        budget: TimeBudget | None = None,
    ) -> None:
        self.budget = budget if budget is not None else TimeBudget(cfg.time_limit)
        self.clock = self.budget.clock
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
        # float16 autocast (CUDA without bf16) needs loss scaling, or small gradients become zero
        self.scaler = torch.amp.GradScaler(device.type, enabled=_needs_scaler(device, candidates))
        self.st = LoopState()
        self._planned = False
        self._started = False  # a step has run in this process (the first pays for start-up)
        self._val_skipped = False  # a validation was left out for time: no later one fits either
        self._last_x: torch.Tensor | None = None
        self._epoch_t0 = 0.0  # when the epoch in progress started (by the budget's clock)
        self.best_state: dict[str, torch.Tensor] = copy.deepcopy(self.model.state_dict())

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(self) -> None:
        t0 = self.clock()
        self.st.spent = self.budget.spent()
        payload = {
            "model": self.model.state_dict(),
            "best_model": self.best_state,
            "optimizer": self.opt.state_dict(),
            "scaler": self.scaler.state_dict(),
            "loop": {k: v for k, v in vars(self.st).items()},
            "sampler": self.parts.sampler_state() if self.parts.sampler_state else None,
        }
        buf = io.BytesIO()
        torch.save(payload, buf)
        atomic_write_bytes(self.ckpt_dir / "last.pt", buf.getvalue())
        self.st.save_s = self.clock() - t0

    def load_checkpoint(self, path: Path) -> None:
        payload = torch.load(path, map_location=self.device, weights_only=True)
        self.model.load_state_dict(payload["model"])
        self.best_state = payload["best_model"]
        self.opt.load_state_dict(payload["optimizer"])
        if payload.get("scaler") and self.scaler.is_enabled():
            self.scaler.load_state_dict(payload["scaler"])
        self.st = LoopState(**payload["loop"])
        self.budget.before = self.st.spent or self.st.train_time + self.st.val_time
        if 0 <= self.st.precision < len(self.candidates):
            self._use(self.candidates[self.st.precision])
        if payload.get("sampler") is not None and self.parts.load_sampler_state:
            self.parts.load_sampler_state(payload["sampler"])
        self.report.log(log_lines.RESUMED(path=path, epoch=self.st.epoch))

    # ------------------------------------------------------------------ loop
    def run(self) -> dict[str, Any]:
        cfg, st = self.cfg, self.st
        start_epoch = st.epoch
        while st.epoch < self._epochs():
            self.cancel.raise_if_cancelled()
            if st.step and self._out_of_time():
                break
            with self.budget.phase("train"):
                loss = self._train_epoch()
                st.epoch += 1
                st.epochs_since_val += 1
            self.report.metric("train.loss", loss, st.epoch)
            entry: dict[str, Any] = {"epoch": st.epoch, "loss": loss}
            last = st.epoch >= self._epochs() or self._out_of_time()
            due = last or self._validation_due()
            if due and not last and not self.budget.fits(self._val_estimate(False) + self._end_reserve()):
                last = True  # a validation with the scan no longer fits: this one is the last
            if due:
                entry.update(self._validate_in_time(last))
            st.history.append(entry)
            if self.parts.on_epoch_end:
                self.parts.on_epoch_end()
            with self.budget.phase("train"):
                self.save_checkpoint()
            if st.since_best >= cfg.patience and st.epoch > start_epoch:
                self.report.log(log_lines.STOPPED_EARLY(count=st.since_best))
                break
            if last:
                break
        # the loop ended between validations: score the final weights too, while the time allows
        if st.epochs_since_val and st.history:
            st.history[-1].update(self._validate_in_time(True))
        self.model.load_state_dict(self.best_state)
        self.report.log(self.time_line())
        return dict(st.best_metrics, epochs=st.epoch, best_epoch=st.best_epoch)

    def time_line(self) -> str:
        """Where the run's time went, in one line."""
        st = self.st
        per_step = _step_pace(st)
        return log_lines.TIME_SUMMARY(
            loading=self.parts.loading_s,
            training=st.train_time,
            steps=st.step,
            batch=self.cfg.batch,
            first=st.first_step_s,
            per_step=per_step,
            precision=describe_precision(self.precision),
            validation=st.val_time - st.scan_time,
            n_val=st.n_val,
            scan=st.scan_time,
        )

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
        total_steps = _planned_steps(cfg, st, steps, self._training_left())
        self.model.train()
        t0 = self._epoch_t0 = self.clock()
        losses: list[float] = []
        for i, (x, y, meta) in enumerate(loader):
            self.cancel.raise_if_cancelled()
            lr = _lr_at(cfg, st.step, total_steps)
            for group in self.opt.param_groups:
                group["lr"] = lr
            trial = self._trial_choice()
            t_step = self.clock()
            loss, per_item = self._step(x, y)
            elapsed = self.clock() - t_step
            if not self._started:
                # one-off start-up: it must not end the epoch as if every step took as long
                self._started = True
                st.first_step_s += elapsed
                st.first_steps += 1
                st.last_step_s = 0.0
            else:
                st.last_step_s = elapsed
            if trial is not None:
                self._trial_record(trial, elapsed, x)
            self._last_x = x
            if st.precision >= 0 and not self._planned and not self.budget.past():
                self._plan(x)
            if self.parts.on_losses:
                self.parts.on_losses(meta, per_item.cpu())
            losses.append(loss)
            st.step += 1
            frac = self._fraction(st.epoch + (i + 1) / steps)
            message = log_lines.STEP(epoch=st.epoch + 1, step=i + 1, steps=steps, loss=loss)
            self.report.progress(frac, message, self._eta(st.epoch + (i + 1) / steps))
            if self._out_of_time():
                self.report.log(log_lines.TIME_LIMIT_IN_EPOCH(epoch=st.epoch + 1, step=i + 1, steps=steps))
                break
        st.train_time += self.clock() - t0
        return float(sum(losses) / max(len(losses), 1))

    # ------------------------------------------------------------------ speed probe
    def _use(self, precision: Precision) -> None:
        self.precision = precision
        if precision.threads:
            torch.set_num_threads(precision.threads)
        fmt = torch.channels_last if precision.channels_last else torch.contiguous_format
        self.model = self.model.to(memory_format=fmt)

    def _trial_order(self) -> list[int]:
        """Candidate indices of the trial's steps: a warm-up round, then the timed rounds."""
        return list(range(len(self.candidates))) * (1 + TRIAL_ROUNDS)

    def _trial_choice(self) -> int | None:
        """The candidate the next step is timed with, or None once the choice is made."""
        st = self.st
        if st.precision >= 0:
            return None
        if len(self.candidates) == 1:
            st.precision = 0
            return None
        order = self._trial_order()
        index = order[min(len(st.trial), len(order) - 1)]
        if self.candidates[index] != self.precision:
            self._use(self.candidates[index])
        return index

    def _trial_timed(self) -> list[float]:
        """Per candidate, its fastest timed trial step (inf while it has none)."""
        order, warm = self._trial_order(), len(self.candidates)
        per = [math.inf] * len(self.candidates)
        for index, seconds in zip(order[warm:], self.st.trial[warm:]):
            per[index] = min(per[index], seconds)
        return per

    def _trial_record(self, index: int, seconds: float, x: torch.Tensor) -> None:
        st = self.st
        st.trial.append(seconds)
        if len(st.trial) < len(self._trial_order()):
            return
        per = self._trial_timed()
        st.precision = int(np.argmin(per))
        self._use(self.candidates[st.precision])
        trials = ", ".join(f"{describe_precision(c)} {t:.2f}" for c, t in zip(self.candidates, per))
        self.report.log(log_lines.PRECISION_TRIAL(trials=trials, chosen=describe_precision(self.precision)))

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
                    t0 = self.clock()
                    self.model(xi)
                    times.append(self.clock() - t0)
                st.infer_s_per_px = min(times) / max(xi.numel() // xi.shape[1], 1)
            self.model.train()
        if self.parts.plan is None:
            return
        timed = [t for t in self._trial_timed() if math.isfinite(t)]
        step_s = min(timed) if timed else _step_pace(st)
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
        self.scaler.scale(loss).backward()
        self.scaler.step(self.opt)
        self.scaler.update()
        return float(loss.detach()), per_item

    def _val_estimate(self, last: bool) -> float:
        """Expected seconds of the next validation (without the scan when ``last``): measured once
        one has run, else the plan's estimate with a margin (or the share one may take)."""
        st = self.st
        if st.n_val:
            # the longest so far, not the mean: on a busy machine a validation can take half as
            # long again as the ones before it, and the last one must still end within the limit
            scan = 0.0 if last else st.scan_time / st.n_val
            return max((st.val_time - st.scan_time) / st.n_val, st.val_longest_s) + scan
        limit = self.cfg.time_limit or 0.0
        return FIRST_VAL_MARGIN * (st.val_estimate_s or VAL_SHARE * limit / TARGET_VALIDATIONS)

    def _end_reserve(self) -> float:
        """Seconds the run needs after its last validation: the task's decision and saving."""
        end = self.parts.end_cost() if self.parts.end_cost is not None else 0.0
        return end + self.st.save_s

    def _training_left(self) -> float | None:
        """Seconds left for training and its validations: the limit less what was spent and what
        the run's end needs (None without a limit)."""
        left = self.budget.left()
        return None if left is None else max(left - self._val_estimate(True) - self._end_reserve(), 0.0)

    def _epochs(self) -> int:
        return _planned_epochs(self.cfg, self.st, self._training_left())

    def _out_of_time(self) -> bool:
        """True once another training step, a last validation and the run's end would not fit."""
        if self.cfg.time_limit is None:
            return False
        needed = self.st.last_step_s + self._val_estimate(True) + self._end_reserve()
        return not self.budget.fits(needed)

    def _fraction(self, epochs_done: float) -> float:
        cfg = self.cfg
        by_epoch = epochs_done / max(self._epochs(), 1)
        if cfg.time_limit is None:
            return min(by_epoch, 0.99)
        return min(max(by_epoch, self.budget.spent() / cfg.time_limit), 0.99)

    def _eta(self, epochs_done: float) -> float:
        """Seconds the run still needs: the rest of the planned epochs at the measured pace, and
        never more than the time limit leaves (the end phases are reserved inside it)."""
        st = self.st
        spent = st.train_time + st.val_time + self.clock() - self._epoch_t0
        by_epochs = spent / max(epochs_done, 1e-6) * (self._epochs() - epochs_done)
        by_epochs += self._val_estimate(True) + self._end_reserve()
        left = self.budget.left()
        return max(0.0, by_epochs if left is None else min(by_epochs, left))

    def _validate_in_time(self, last: bool) -> dict[str, Any]:
        """A validation when it fits in the time left; else none (the best validated weights stand),
        or, when none has run yet, one shrunk to the time left while the limit has not passed."""
        st, budget = self.st, self.budget
        if self._val_skipped:
            return {}
        if budget.past():  # not even the speed probe starts after the limit
            return self._skip_validation()
        if not self._planned and self._last_x is not None:  # an epoch shorter than the trial
            self._plan(self._last_x)
        if budget.fits(self._val_estimate(last) + self._end_reserve()):
            return self._validate(last)
        if st.n_val or budget.past() or self.parts.plan is None:
            return self._skip_validation()
        left = max(float(budget.left() or 0.0) - self._end_reserve(), 0.0)
        line, st.val_estimate_s = self.parts.plan(st.infer_s_per_px, left / FIRST_VAL_MARGIN)
        self._skip(log_lines.VAL_SHRUNK(left=left, plan=line))
        return self._validate(last)

    def _skip_validation(self) -> dict[str, Any]:
        self._val_skipped = True
        line = log_lines.VAL_SKIPPED_KEPT if self.st.n_val else log_lines.VAL_SKIPPED_NONE
        return self._skip(line(epoch=self.st.epoch))

    def _skip(self, line: str) -> dict[str, Any]:
        self.budget.skip(line)
        self.report.log(line)
        return {}

    def _validate(self, last: bool) -> dict[str, Any]:
        st = self.st
        t0, start = self.clock(), self.budget.spent()
        self.model.eval()
        with torch.no_grad():
            metrics = dict(self.parts.validate(self.model, last))
        scan_s = float(metrics.pop("scan_s", 0.0))
        probe_s = float(metrics.pop("probe_s", 0.0))
        end = self.budget.spent()
        self.budget.record("validation", start, end - scan_s)
        if scan_s:
            self.budget.record("scan", end - scan_s, end)
        st.scan_time += scan_s
        st.val_time += self.clock() - t0
        st.val_longest_s = max(st.val_longest_s, self.clock() - t0 - scan_s - probe_s)
        st.n_val += 1
        st.epochs_since_val = 0
        for name, value in metrics.items():
            if isinstance(value, (int, float)) and value is not None:
                self.report.metric(f"val.{name}", float(value), st.epoch)
        better = metrics["score"] > st.best_score + 1e-6
        if (
            last
            and not better
            and st.best_epoch >= 0
            and metrics["score"] >= st.best_score - FINAL_TIE_MARGIN
        ):
            kept = log_lines.FINAL_KEPT(
                score=metrics["score"], best=st.best_score, epoch=st.best_epoch, margin=FINAL_TIE_MARGIN
            )
            self.report.log(kept)
            better = True
        if better:
            st.best_score, st.best_epoch, st.best_metrics = metrics["score"], st.epoch, dict(metrics)
            st.since_best = 0
            self.best_state = copy.deepcopy(self.model.state_dict())
            if self.parts.on_best:
                self.parts.on_best()
        else:
            st.since_best += 1
        shown = ", ".join(f"{k} {v:.4f}" for k, v in metrics.items() if v is not None)
        self.report.log(log_lines.EPOCH_METRICS(epoch=st.epoch, metrics=shown))
        return metrics
