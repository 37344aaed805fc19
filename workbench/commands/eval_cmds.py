"""`workbench evaluate | redecide | decide | compare | review-mistakes | collect`: measure, choose the
operating point, close the loop."""

from __future__ import annotations

import argparse
import time
from typing import Any

from workbench.commands.common import ProgressBar, open_project, print_json
from workbench.core.compare import compare_evaluations
from workbench.core.errors import WorkbenchError
from workbench.core.evaluation import CLASSIFIER_OFF, EvaluationSession, summary_metrics, with_overrides
from workbench.core.feedback import KINDS, collect_line_results, send_mistakes_to_review
from workbench.core.report import doubtful_sentence
from workbench.runtime.manifest import FP32_TOLERANCE
from workbench.services.evaluation import evaluate


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "evaluate",
        help="run a model on a split, keep its score maps, decide, write metrics and report.html",
        description="Writes evaluations/<id>/ with results.csv/json, metrics.json and report.html.",
    )
    p.add_argument("dir", help="project folder")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", help="id of a finished training run")
    source.add_argument("--bundle", help="a deploy bundle (.wbx), run through the runtime")
    p.add_argument(
        "--engine", choices=("auto", "torch"), default="auto",
        help="for --run on a CPU: 'auto' runs the run's graph exported in memory through OpenVINO once it "
        f"matched torch (within {FP32_TOLERANCE:g}) and was faster on the first images; 'torch' never does",
    )  # fmt: skip
    p.add_argument("--split", default="test", help="split to evaluate (default test; 'all' = every split)")
    p.add_argument("--id", dest="eval_id", help="evaluation id (default: time stamp)")
    _add_decision_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("redecide", help="re-decide a stored evaluation at a new threshold (no model run)")
    p.add_argument("dir", help="project folder")
    p.add_argument("eval_id", help="evaluation id")
    _add_decision_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_redecide)

    p = sub.add_parser(
        "decide",
        help="show or change the decision a run ships (thresholds, gray zone), e.g. one chosen on "
        "an evaluation",
        description="Without an option: print the run's shipped decision and how it was chosen. With "
        "--from-eval, --threshold or --gray: make that the decision the run's evaluations and exports "
        "use (the one training placed is kept; --trained brings it back).",
    )  # fmt: skip
    p.add_argument("dir", help="project folder")
    p.add_argument("--run", help="run id (default: the run that --from-eval evaluated)")
    change = p.add_mutually_exclusive_group()
    change.add_argument(
        "--from-eval", dest="from_eval", help="ship the decision last applied to this evaluation"
    )
    change.add_argument("--trained", action="store_true", help="ship again the decision training placed")
    _add_decision_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_decide)

    p = sub.add_parser("compare", help="compare two evaluations of one test set (fixed / broken images)")
    p.add_argument("dir", help="project folder")
    p.add_argument("eval_a", help="the baseline evaluation")
    p.add_argument("eval_b", help="the new evaluation")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "review-mistakes", help="tag an evaluation's escapes / overkills / gray images for review"
    )
    p.add_argument("dir", help="project folder")
    p.add_argument("eval_id", help="evaluation id")
    p.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_review_mistakes)

    p = sub.add_parser("collect", help="import line images from `workbench-run predict` results for review")
    p.add_argument("dir", help="project folder")
    p.add_argument("results", help="results.csv or results.json written by workbench-run predict")
    p.add_argument("--images", nargs="*", default=[], help="image files, matched to rows by file name")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_collect)


def _add_decision_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--threshold", type=float, help="NG threshold for every class (clears a stored gray zone)")
    p.add_argument("--gray", help="gray zone LOW,HIGH: NG at HIGH, human review between LOW and HIGH")
    p.add_argument(
        "--classifier-threshold",
        dest="classifier",
        type=parse_classifier,
        help="a two-stage run's region classifier: veto regions whose defect probability is below this "
        "(0-1), or 'off' to decide by the segmenter alone",
    )


def parse_classifier(text: str) -> float | str:
    """``"0.3"`` -> 0.3, ``"off"`` -> ``"off"``; a clear error otherwise."""
    if text.strip().lower() == CLASSIFIER_OFF:
        return CLASSIFIER_OFF
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes a number in (0, 1] or 'off', got {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"takes a number in (0, 1] or 'off', got {text!r}")
    return value


def parse_gray(text: str | None) -> tuple[float, float] | None:
    """``"0.3,0.6"`` -> (0.3, 0.6); a clear error otherwise."""
    if text is None:
        return None
    try:
        low, high = (float(v) for v in text.split(","))
    except ValueError:
        raise WorkbenchError(f"--gray takes LOW,HIGH (two numbers), got {text!r}") from None
    return low, high


def cmd_evaluate(args: argparse.Namespace) -> int:
    gray = parse_gray(args.gray)
    bar = ProgressBar("evaluate", enabled=not args.json)
    with open_project(args.dir) as project:
        session = evaluate(
            project, args.run, args.bundle, args.split, engine=args.engine, threshold=args.threshold,
            gray=gray, classifier=args.classifier, eval_id=args.eval_id, progress=bar,
        )  # fmt: skip
        report = str(session.dir / "report.html")
        metrics = summary_metrics(session.metrics_flat)
        out = {"eval_id": session.eval_id, "dir": str(session.dir), "report": report, "metrics": metrics}
    _emit(out, args.json, [*summary_lines(metrics), f"report: {report}"])
    return 0


def cmd_redecide(args: argparse.Namespace) -> int:
    gray = parse_gray(args.gray)
    with open_project(args.dir) as project:
        start = time.perf_counter()
        session = EvaluationSession.load(project, args.eval_id)
        config = with_overrides(session.current_config().to_dict(), args.threshold, gray, args.classifier)
        session.prepare_for(config)
        loaded = time.perf_counter()
        session.image_level(config)
        decided = time.perf_counter()
        metrics = session.write_results(config)
        written = time.perf_counter()
        meta = session.meta
        project.add_evaluation(session.eval_id, meta["model"].get("run_id"), meta["model"].get("bundle"),
                               meta.get("split"), summary_metrics(metrics))  # fmt: skip
    timing = {"load_s": loaded - start, "decide_s": decided - loaded, "write_s": written - decided}
    out = {"eval_id": args.eval_id, "timing": timing, "metrics": summary_metrics(metrics)}
    lines = [
        f"re-decided {metrics['image.n']} images in {timing['decide_s'] * 1000:.0f} ms from the stored "
        f"score maps (loading and preparing them {timing['load_s']:.2f} s, "
        f"writing results and report {timing['write_s']:.2f} s)"
    ]
    _emit(out, args.json, [*lines, *summary_lines(out["metrics"])])
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    from workbench.services.decision import restore_trained, ship_decision

    gray = parse_gray(args.gray)
    changes = args.threshold is not None or gray is not None or args.classifier is not None
    if args.trained and changes:
        raise WorkbenchError("--trained restores the trained decision; it takes no --threshold or --gray")
    with open_project(args.dir, readonly=not (changes or args.trained or args.from_eval)) as project:
        run_id, eval_id = args.run, args.from_eval
        if eval_id is not None:
            session = EvaluationSession.load(project, eval_id)
            evaluated = session.meta.get("model", {}).get("run_id")
            if not evaluated:
                raise WorkbenchError(
                    f"evaluation {eval_id} ran a bundle, not a run: ship from a run's evaluation"
                )
            if run_id is not None and run_id != evaluated:
                raise WorkbenchError(f"evaluation {eval_id} evaluated run {evaluated}, not {run_id}")
            run_id = str(evaluated)
            base = session.current_config().to_dict()
        elif run_id is None:
            raise WorkbenchError("name the run (--run) or the evaluation to ship from (--from-eval)")
        else:
            model = project.run(run_id).config.model
            base = model.shipped_decision().to_dict() if model is not None else {}
        if args.trained:
            restore_trained(project, run_id)
        elif eval_id is not None or changes:
            config = with_overrides(base, args.threshold, gray, args.classifier)
            ship_decision(project, run_id, config, eval_id)
        run = project.run(run_id)
    model = run.config.model
    if model is None:
        raise WorkbenchError(f"run {run_id} is {run.status}: it has no decision yet")
    decision = model.shipped_decision()
    origin = [dict(o) for o in model.decision_origin]
    out = {"run_id": run_id, "decision": decision.to_dict(), "origin": origin, "trained": model.trained}
    lines = [f"run {run_id} ships:"]
    for rule in decision.classes:
        lines.append(
            f"  {rule.name}: NG at {decision.ng_threshold(rule):.3f}, min area {rule.min_area_px} px"
        )
    if decision.has_gray_zone:
        lines.append(f"  gray zone {decision.gray_low:g} to {decision.gray_high:g}: a person decides")
    by_user = [o for o in model.decision_origin if o.get("method") == "user"]
    if by_user:
        where = f" on evaluation {by_user[0]['eval_id']}" if by_user[0].get("eval_id") else ""
        lines.append(
            f"  set by a person{where} at {by_user[0].get('set_at')}; `--trained` restores training's"
        )
    else:
        lines.append("  placed by training (see `workbench runs`)")
    _emit(out, args.json, lines)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    with open_project(args.dir, readonly=True) as project:
        result = compare_evaluations(project, args.eval_a, args.eval_b)
    _emit(result, args.json, compare_lines(result))
    return 0


def cmd_review_mistakes(args: argparse.Namespace) -> int:
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    with open_project(args.dir) as project:
        n = send_mistakes_to_review(project, args.eval_id, kinds)
    line = f"{n} sample(s) tagged {'/'.join(kinds)} + eval:{args.eval_id} and marked needs_review"
    _emit({"eval_id": args.eval_id, "kinds": kinds, "tagged": n}, args.json, [line])
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    with open_project(args.dir) as project:
        report = collect_line_results(project, args.results, args.images)
    lines = [f"{report.imported} line image(s) imported for review, {report.duplicates} already present, "
             f"{report.resumed} done before, {len(report.skipped)} skipped"]  # fmt: skip
    lines += [f"  skipped {item}: {why}" for item, why in report.skipped]
    _emit(report.to_dict(), args.json, lines)
    return 0 if report.succeeded or not report.skipped else 1


def _emit(obj: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        print_json(obj)
    else:
        print("\n".join(lines))


def _rate(m: dict[str, Any], name: str, n_key: str) -> str:
    k, n, rate, ci = (
        m.get(f"image.{name}s"),
        m.get(n_key),
        m.get(f"image.{name}_rate"),
        m.get(f"image.{name}_ci95"),
    )
    if rate is None or ci is None:
        return f"{k} / {n}"
    return f"{k} / {n} = {rate:.1%} (95% {ci[0]:.1%} to {ci[1]:.1%})"


def _num(v: Any, pct: bool = False) -> str:
    if v is None:
        return "n/a"
    return f"{v:.1%}" if pct else f"{v:.3f}"


def summary_lines(m: dict[str, Any]) -> list[str]:
    """The headline numbers of an evaluation as text."""
    return [
        f"escape   (NG passed):   {_rate(m, 'escape', 'image.n_ng')}",
        f"overkill (OK rejected): {_rate(m, 'overkill', 'image.n_ok')}",
        f"gray (to review): {m.get('image.n_gray', 0)}   AUROC: {_num(m.get('image.auroc'))}   "
        f"overkill at zero escape: {_num(m.get('image.overkill_at_zero_escape'), True)}",
        f"pixel Dice: {_num(m.get('pixel.dice'))}   region recall: {_num(m.get('region.recall'), True)}",
        *([doubtful_sentence(m)] if m.get("image.doubtful.n") else []),
        *_coverage_lines(m),
    ]


def _coverage_lines(m: dict[str, Any]) -> list[str]:
    """The share of parts two thresholds decide with no escape and no overkill (gray zone between)."""
    share, ci = m.get("image.coverage_at_zero_escape"), m.get("image.coverage_ci95")
    if share is None or not ci:
        return []
    return [
        f"decided without a person at zero escape: {share:.1%} (95% interval {ci[0]:.1%} to {ci[1]:.1%}); "
        f"pass below {m['image.coverage.pass_below']:.3f}, "
        f"reject above {m['image.coverage.reject_above']:.3f}, review between"
    ]


def compare_lines(r: dict[str, Any]) -> list[str]:
    """A comparison as text: rates, deltas with intervals, fixed and broken images."""
    lines = [f"{r['b']} against {r['a']} on {r['n']} images"]
    for name in ("escape", "overkill", "gray"):
        b = r[name]
        if not b["n"]:
            continue
        lo, hi = b["delta_ci95"]
        lines.append(
            f"{name:<9} {b['a']}/{b['n']} -> {b['b']}/{b['n']}  delta {b['delta']:+.1%} "
            f"(95% {lo:+.1%} to {hi:+.1%}; McNemar p = {b['mcnemar_p']:.3g})"
        )
    for title, key in (("fixed", "fixed"), ("broken", "broken")):
        lines.append(f"{title}: {len(r[key])}")
        lines += [f"  {e['name']} (#{e['sample_id']}, {e['label']}): {e['a']} -> {e['b']}" for e in r[key]]
    return lines
