"""The time limit is a limit: the loop, driven by a fake clock, starts no phase after it.

Each training step, validation and the task's end cost a fixed number of fake seconds, so what the
loop decides is the same on any machine; the real clock is never read. A real run with a short limit
then shows, in its recorded phases, that it stopped in time (the structure, not the speed).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import torch
from tiny_project import TINY_SEG, make_tiny_project
from torch import nn

from workbench.cli import main
from workbench.core.cancel import CancelToken
from workbench.core.project import Project
from workbench.core.run_config import RunConfig
from workbench.learn.device import Precision
from workbench.learn.presets import resolve_config
from workbench.learn.score_model import ScoreModel
from workbench.learn.time_budget import TimeBudget
from workbench.learn.train import run_training
from workbench.learn.train_loop import FIRST_VAL_MARGIN, LoopParts, LoopState, TrainLoop, _step_pace

FP32 = Precision(channels_last=False, autocast_dtype=None)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Steps(torch.utils.data.Dataset[Any]):
    """``n`` tiny crops an epoch; the loss below charges each step to the fake clock."""

    def __init__(self, n: int) -> None:
        self.n = n

    def set_epoch(self, epoch: int) -> None:
        pass

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor, int]:
        return torch.rand(1, 8, 8), torch.zeros(1, 8, 8), i


class Costs:
    """What each phase costs in fake seconds, and when each validation started."""

    def __init__(self, clock: FakeClock, step: float, val: float, planned_val: float, end: float,
                 slow_steps: dict[int, float] | None = None,
                 slow_vals: dict[int, float] | None = None) -> None:  # fmt: skip
        self.clock, self.step, self.val, self.planned_val, self.end = clock, step, val, planned_val, end
        self.slow_steps = slow_steps or {}  # step number (from 1) -> its cost instead of ``step``
        self.slow_vals = slow_vals or {}  # validation number (from 1; 0: the last) -> its cost
        self.probe = 0.0  # seconds of the first validation spent measuring the run's end
        self.steps = 0
        self.val_starts: list[tuple[float, bool]] = []  # (seconds into the run, last)

    def parts(self, n: int, start: float) -> LoopParts:
        clock = self.clock

        def loss(logits: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            self.steps += 1
            clock.now += self.slow_steps.get(self.steps, self.step)
            per = ((logits - target) ** 2).mean(dim=(1, 2, 3))
            return per.mean(), per.detach()

        def validate(model: ScoreModel, last: bool) -> dict[str, Any]:
            self.val_starts.append((clock.now - start, last))
            clock.now += self.slow_vals.get(0 if last else len(self.val_starts), self.val)
            metrics = {"score": 0.5 + 0.01 * len(self.val_starts)}
            if len(self.val_starts) == 1 and self.probe:
                metrics["probe_s"] = self.probe  # part of the first validation's cost
            return metrics

        def plan(infer_s_per_px: float, seconds: float) -> tuple[str, float]:
            return "plan", min(self.planned_val, seconds)

        model = ScoreModel(nn.Conv2d(1, 1, 3, padding=1), [0.5], [0.25])
        return LoopParts(model, Steps(n), loss, validate, plan=plan, end_cost=lambda: self.end)


class Log:
    def __init__(self, on_progress: Any = None) -> None:
        self.lines: list[str] = []
        self.etas: list[float | None] = []
        self.on_progress = on_progress

    def progress(self, fraction: float, message: str, eta_s: float | None = None) -> None:
        self.etas.append(eta_s)
        if self.on_progress is not None:
            self.on_progress()

    def metric(self, name: str, value: float, epoch: int | None = None) -> None:
        pass

    def log(self, message: str) -> None:
        self.lines.append(message)

    def artifact(self, path: str) -> None:
        pass


def _loop(
    tmp_path: Path, costs: Costs, limit: float, steps_per_epoch: int, **over: Any
) -> tuple[TrainLoop, Log]:
    budget = TimeBudget(limit, clock=costs.clock)
    cfg = resolve_config("segmentation", "fast", {**TINY_SEG, "batch": 1, "crops_per_epoch": steps_per_epoch,
                                                   "max_epochs": 1000, "patience": 1000, "time_limit": limit,
                                                   **over})  # fmt: skip
    log = Log()
    parts = costs.parts(steps_per_epoch, costs.clock.now)
    loop = TrainLoop(parts, cfg, torch.device("cpu"), [FP32], tmp_path, log, CancelToken(), budget)
    return loop, log


def test_training_stops_in_time_for_the_last_validation_and_the_end(tmp_path: Path) -> None:
    clock = FakeClock()
    costs = Costs(clock, step=1.0, val=4.0, planned_val=2.0, end=2.0)
    loop, log = _loop(tmp_path, costs, limit=60.0, steps_per_epoch=10)
    loop.run()
    spent = loop.budget.spent()
    assert costs.val_starts and all(start < 60.0 for start, _ in costs.val_starts)
    # estimates are exact here (4 s = the plan's 2 s with its margin): the run's end fits too
    assert spent + costs.end <= 60.0
    assert costs.val_starts[-1][1]  # the last validation leaves the scan out
    assert any(line.startswith("time limit reached during epoch") for line in log.lines)
    assert loop.st.epoch < 1000 and not loop.budget.skipped
    names = [p.name for p in loop.budget.phases]
    assert names[0] == "train" and names[-2:] == [
        "validation",
        "train",
    ]  # the last checkpoint counts as training
    assert all(eta is not None and eta <= 60.0 for eta in log.etas)


def test_a_validation_slower_than_planned_overruns_by_at_most_itself(tmp_path: Path) -> None:
    clock = FakeClock()
    # the speed probe promises 1 s, a validation takes 10 s; an epoch of 100 steps outlasts the limit
    costs = Costs(clock, step=1.0, val=10.0, planned_val=1.0, end=0.0)
    loop, _ = _loop(tmp_path, costs, limit=60.0, steps_per_epoch=100)
    loop.run()
    starts = [start for start, _ in costs.val_starts]
    # training stops once a step, the validation (the plan's 1 s with its margin) and the end no
    # longer fit: after 58 steps; the validation starts there, before the limit
    assert starts == [58.0] and FIRST_VAL_MARGIN * 1.0 + 1.0 + 58.0 > 60.0
    assert loop.budget.spent() == 58.0 + costs.val  # the overrun is the one validation that was slower


def test_a_validation_that_no_longer_fits_is_skipped_and_logged_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    costs = Costs(clock, step=1.0, val=5.0, planned_val=2.5, end=0.0)
    loop, log = _loop(tmp_path, costs, limit=60.0, steps_per_epoch=2)
    saves: list[int] = []

    def slow_tenth_save(path: Path, data: bytes) -> None:  # a checkpoint save that suddenly takes 20 s
        saves.append(1)
        clock.now += 20.0 if len(saves) == 10 else 0.0

    monkeypatch.setattr("workbench.learn.train_loop.atomic_write_bytes", slow_tenth_save)
    loop.run()
    # epoch 1 was validated; after epoch 10 the slow save leaves no room for another step or for
    # validating epochs 2-10: the best validated weights stand, and the log says so once
    assert [start for start, _ in costs.val_starts] == [2.0]
    assert loop.st.epoch == 10 and loop.budget.spent() == 45.0
    skipped = [line for line in log.lines if line.startswith("time limit: validation")]
    assert skipped == ["time limit: validation after epoch 10 skipped (the best validated weights are kept)"]
    assert loop.budget.skipped == skipped


def test_without_a_validation_the_first_is_shrunk_to_the_time_left(tmp_path: Path) -> None:
    clock = FakeClock()
    # the 50th step takes 8 s instead of 1: the planned first validation (2 x 2.25 s) no longer fits
    # in the 3 s left, so it is re-planned to them instead of being skipped
    costs = Costs(clock, step=1.0, val=2.0, planned_val=30.0, end=0.0, slow_steps={50: 8.0})
    loop, _ = _loop(tmp_path, costs, limit=60.0, steps_per_epoch=100)
    loop.run()
    assert costs.val_starts == [(57.0, True)]
    assert loop.budget.skipped[0].startswith("time limit: the validation is shrunk to the 3 s left")
    assert loop.budget.spent() == 59.0


def test_a_first_step_past_the_limit_leaves_no_probe_and_no_validation(tmp_path: Path) -> None:
    clock = FakeClock()
    costs = Costs(clock, step=1.0, val=2.0, planned_val=1.0, end=0.0, slow_steps={1: 70.0})
    planned: list[float] = []
    loop, log = _loop(tmp_path, costs, limit=60.0, steps_per_epoch=10)
    plan = loop.parts.plan
    assert plan is not None
    loop.parts.plan = lambda s_per_px, seconds: (planned.append(clock.now), plan(s_per_px, seconds))[1]
    loop.run()
    # the one step the run needs took longer than the limit: neither the speed probe that plans
    # the validation nor a validation starts after it, and the log says so
    assert loop.st.step == 1 and planned == [] and costs.val_starts == []
    assert loop.budget.skipped == ["time limit: validation after epoch 1 skipped (the run has no validation)"]
    assert any(line == loop.budget.skipped[0] for line in log.lines)


def test_the_budget_counts_from_its_start_and_merges_repeated_phases() -> None:
    clock = FakeClock()
    budget = TimeBudget(10.0, clock=clock)
    with budget.phase("loading"):
        clock.now += 3.0
    for _ in range(2):
        with budget.phase("train"):
            clock.now += 2.0
    assert budget.spent() == 7.0 and budget.left() == 3.0
    assert budget.fits(3.0) and not budget.fits(3.5) and not budget.past()
    clock.now += 3.0
    assert budget.past()
    assert budget.to_dict()["phases"] == [{"phase": "loading", "start": 0.0, "end": 3.0},
                                          {"phase": "train", "start": 3.0, "end": 7.0}]  # fmt: skip
    assert TimeBudget(None, clock=clock).fits(1e9)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return make_tiny_project(tmp_path_factory.mktemp("tiny"), n_ok=4, n_ng=4)


def test_a_real_run_with_a_short_limit_records_that_it_stopped_in_time(
    tiny: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    limit = 8.0
    over = {**TINY_SEG, "max_epochs": 100000, "patience": 100000, "pretrained": False, "time_limit": limit}
    cfg = resolve_config("segmentation", "fast", over)
    with Project.open(tiny) as project:
        run_id = project.create_run(RunConfig(cfg)).id
    listed: list[str] = []

    def list_runs() -> None:  # what `workbench runs` says while the job trains
        if not listed:
            assert main(["runs", str(tiny)]) == 0
            listed.append(capsys.readouterr().out)

    log = Log(list_runs)
    metrics = run_training(tiny, run_id, cfg, log, CancelToken())
    assert any(line.startswith(run_id) and " running " in line for line in listed[0].splitlines())
    record = metrics["time"]
    assert record["limit"] == limit
    phases = record["phases"]
    names = [p["phase"] for p in phases]
    assert names[0] == "loading" and names[-1] == "save" and "train" in names
    # budgeted phases never start after the limit, whatever this machine's speed (the first
    # training step is not budgeted: a run needs one); a decision past it stands on a validation
    assert all(p["start"] < limit for p in phases if p["phase"] in ("validation", "scan"))
    assert all(p["start"] < limit or "validation" in names for p in phases if p["phase"] == "decision")
    assert all(a["end"] <= b["start"] + 1e-6 for a, b in itertools.pairwise(phases))  # in order, no overlap
    assert metrics["epochs"] < 100000  # the limit, not the epochs, ended it
    with Project.open(tiny, readonly=True) as project:
        assert project.run(run_id).metrics["time"]["phases"] == phases


class Scored(Costs):
    """Validations that score as listed (the last one is the final weights')."""

    def __init__(self, clock: FakeClock, scores: list[float]) -> None:
        super().__init__(clock, step=1.0, val=1.0, planned_val=1.0, end=1.0)
        self.scores = scores

    def parts(self, n: int, start: float) -> LoopParts:
        parts = super().parts(n, start)

        def validate(model: ScoreModel, last: bool) -> dict[str, Any]:
            self.val_starts.append((self.clock.now - start, last))
            return {"score": self.scores[len(self.val_starts) - 1]}

        parts.validate = validate
        return parts


@pytest.mark.parametrize(
    ("scores", "kept"),
    [
        ([0.70, 0.873, 0.85, 0.871], 4),  # an earlier lead within the margin: the final weights
        ([0.70, 0.90, 0.85, 0.87], 2),  # a clear lead: the earlier weights
        ([0.70, 0.80, 0.85, 0.88], 4),  # the final is best anyway
    ],
)
def test_the_final_weights_win_a_near_tie(tmp_path: Path, scores: list[float], kept: int) -> None:
    from workbench.learn.train_loop import FINAL_TIE_MARGIN

    costs = Scored(FakeClock(), scores)
    loop, log = _loop(tmp_path, costs, 1e9, steps_per_epoch=2, max_epochs=len(scores), time_limit=None)
    metrics = loop.run()
    assert [last for _, last in costs.val_starts] == [False] * (len(scores) - 1) + [True]
    assert metrics["best_epoch"] == kept and metrics["score"] == scores[kept - 1]
    near = kept == len(scores) and max(scores[:-1]) > scores[-1]
    assert any(line.startswith("keeping the final weights") for line in log.lines) is near
    assert FINAL_TIE_MARGIN == 0.02  # the cases above sit on either side of it


class Busy(Costs):
    """Steps that cost ``per_threads[n]`` fake seconds on ``n`` torch threads (a shared machine)."""

    def __init__(self, clock: FakeClock, per_threads: dict[int, float]) -> None:
        super().__init__(clock, step=0.0, val=1.0, planned_val=1.0, end=1.0)
        self.per_threads = per_threads

    def parts(self, n: int, start: float) -> LoopParts:
        parts = super().parts(n, start)
        inner = parts.loss

        def loss(logits: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            self.clock.now += self.per_threads[torch.get_num_threads()]
            return inner(logits, target)

        parts.loss = loss
        return parts


@pytest.mark.parametrize(("per_threads", "chosen"), [({2: 3.0, 1: 1.0}, 1), ({2: 1.0, 1: 1.6}, 2)])
def test_the_trial_keeps_the_thread_count_that_steps_fastest(
    tmp_path: Path, per_threads: dict[int, float], chosen: int
) -> None:
    before = torch.get_num_threads()
    try:
        costs = Busy(FakeClock(), per_threads)
        loop, log = _loop(tmp_path, costs, 1e9, steps_per_epoch=8, max_epochs=1, time_limit=None)
        loop.candidates = [Precision(False, None, threads=2), Precision(False, None, threads=1)]
        loop.run()
        trial = [line for line in log.lines if line.startswith("precision trial")]
        assert trial == [
            f"precision trial (s/step): fp32 threads=2 {per_threads[2]:.2f}, "
            f"fp32 threads=1 {per_threads[1]:.2f}; using fp32 threads={chosen}"
        ]
        assert torch.get_num_threads() == chosen  # validation and the rest of the run use it too
    finally:
        torch.set_num_threads(before)


class WarmingUp(Costs):
    """Steps whose fake cost depends on the candidate in use, a memory format paying ``setup``
    more over its first two steps (kernel set-up, as measured on a Xeon with channels_last)."""

    def __init__(self, clock: FakeClock, steady: dict[tuple[bool, int], float], setup: float) -> None:
        super().__init__(clock, step=0.0, val=1.0, planned_val=1.0, end=1.0)
        self.steady, self.setup = steady, setup
        self.current = (False, 2)
        self.in_format: dict[bool, int] = {}

    def parts(self, n: int, start: float) -> LoopParts:
        parts = super().parts(n, start)
        inner = parts.loss

        def loss(logits: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            fmt = self.current[0]
            seen = self.in_format.get(fmt, 0)
            self.in_format[fmt] = seen + 1
            self.clock.now += self.steady[self.current] + (self.setup if seen < 2 else 0.0)
            return inner(logits, target)

        parts.loss = loss
        return parts


def test_the_trial_warms_every_candidate_up_before_timing_any(tmp_path: Path) -> None:
    # steady s/step: channels_last on 2 threads is fastest, but its format's first two steps pay
    # 2 s of set-up; timed back to back after a single warm-up step, the trial kept channels_last
    # on 1 thread (its format already warm by then)
    steady = {(False, 2): 2.5, (True, 2): 1.0, (False, 1): 4.0, (True, 1): 1.5}
    before = torch.get_num_threads()
    try:
        costs = WarmingUp(FakeClock(), steady, setup=2.0)
        loop, log = _loop(tmp_path, costs, 1e9, steps_per_epoch=16, max_epochs=1, time_limit=None)
        loop.candidates = [Precision(cl, None, threads=t) for cl, t in steady]
        use = loop._use

        def tracked(precision: Precision) -> None:
            costs.current = (precision.channels_last, int(precision.threads or 0))
            use(precision)

        loop._use = tracked  # type: ignore[method-assign]
        loop.run()
        (trial,) = [line for line in log.lines if line.startswith("precision trial")]
        assert trial == (
            "precision trial (s/step): fp32 threads=2 2.50, fp32 channels_last threads=2 1.00, "
            "fp32 threads=1 4.00, fp32 channels_last threads=1 1.50; using fp32 channels_last threads=2"
        )
        assert len(loop.st.trial) == 3 * len(steady)  # a warm-up round and two timed rounds
    finally:
        torch.set_num_threads(before)


def test_half_the_threads_is_a_candidate_unless_the_user_fixed_the_count() -> None:
    from workbench.learn.device import precision_candidates

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(4)
        counts = {c.threads for c in precision_candidates(torch.device("cpu"))}
        assert counts == {4, 2}
        assert {c.threads for c in precision_candidates(torch.device("cpu"), threads_fixed=True)} == {0}
        torch.set_num_threads(1)
        assert {c.threads for c in precision_candidates(torch.device("cpu"))} == {0}
    finally:
        torch.set_num_threads(before)


def test_a_run_that_ends_just_past_the_limit_still_places_its_decision_on_the_validation(
    tiny: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    over = {**TINY_SEG, "max_epochs": 2, "patience": 100, "pretrained": False, "time_limit": 600.0}
    cfg = resolve_config("segmentation", "fast", over)
    with Project.open(tiny) as project:
        run_id = project.create_run(RunConfig(cfg)).id
    real_run = TrainLoop.run

    def run_then_overrun(self: TrainLoop) -> dict[str, Any]:
        metrics = real_run(self)
        self.budget.limit = 1e-3  # the loop's reserve fell short: the limit has just passed
        return metrics

    monkeypatch.setattr(TrainLoop, "run", run_then_overrun)
    log = Log()
    run_training(tiny, run_id, cfg, log, CancelToken())
    assert not any(line.startswith("time limit: the decision was not placed") for line in log.lines)
    with Project.open(tiny, readonly=True) as project:
        origins = project.run(run_id).config.model.decision_origin
    assert origins and all(o.get("reason") != "time_limit" and o["method"] != "default" for o in origins)


def test_the_last_validation_is_expected_to_take_as_long_as_the_longest_so_far(tmp_path: Path) -> None:
    clock = FakeClock()
    # validations take 3 s, but the first took 8 s, and so does the last (a busy machine): reckoned
    # at the mean of those before it (about 4 s), the last one ended 3-4 s past the limit
    costs = Costs(clock, step=1.0, val=3.0, planned_val=2.0, end=0.0, slow_vals={1: 8.0, 0: 8.0})
    loop, _ = _loop(tmp_path, costs, limit=300.0, steps_per_epoch=10)
    loop.run()
    assert len(costs.val_starts) >= 3 and costs.val_starts[-1][1]
    assert loop.budget.spent() <= 300.0


def test_measuring_the_runs_end_does_not_make_a_validation_look_longer(tmp_path: Path) -> None:
    clock = FakeClock()
    # the first validation spends 5 of its 8 s measuring the decision (reserved apart, as end cost)
    costs = Costs(clock, step=1.0, val=3.0, planned_val=2.0, end=0.0, slow_vals={1: 8.0})
    costs.probe = 5.0
    loop, _ = _loop(tmp_path, costs, limit=300.0, steps_per_epoch=10)
    loop.run()
    assert len(costs.val_starts) >= 3 and loop.st.val_longest_s == 3.0


def test_a_slow_first_step_is_start_up_and_does_not_end_the_epoch(tmp_path: Path) -> None:
    # a GPU's first step pays for its context and kernel choice (25 s on an H200, then well under a
    # second a step): judged by it, the run stopped after one step of a 60 s limit
    clock = FakeClock()
    costs = Costs(clock, step=1.0, val=2.0, planned_val=1.0, end=0.0, slow_steps={1: 40.0})
    loop, log = _loop(tmp_path, costs, limit=60.0, steps_per_epoch=100)
    loop.run()
    # after the 40 s step, 1 s steps go on while a step and the last validation still fit: 18 of
    # them, then the 2 s validation ends the run at its limit
    assert loop.st.step == 19 and loop.st.first_step_s == 40.0
    assert costs.val_starts == [(58.0, True)] and loop.budget.spent() == 60.0
    (line,) = [x for x in log.lines if x.startswith("time: loading")]
    assert "19 steps of 1 crops, first 40.0 s, then 1.00 s/step" in line


def test_the_pace_leaves_out_the_first_step_of_each_process() -> None:
    # a run resumed once: two start-up steps (40 s and 30 s), then ten steps of 1 s
    st = LoopState(step=12, train_time=80.0, first_step_s=70.0, first_steps=2)
    assert _step_pace(st) == 1.0
    assert _step_pace(LoopState(step=1, train_time=40.0, first_step_s=40.0, first_steps=1)) == 40.0
    # inside the first epoch train_time is still 0 while the first step is already counted
    assert _step_pace(LoopState(step=5, train_time=0.0, first_step_s=40.0, first_steps=1)) == 0.0
