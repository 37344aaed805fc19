"""`workbench-run`: the industrial-PC command line (predict, verify, bench, watch). No torch."""

from __future__ import annotations

import argparse
import csv
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from workbench.core.errors import WorkbenchError
from workbench.core.imageio import is_image_file, read_image
from workbench.runtime.bundle import open_bundle
from workbench.runtime.inspector import Inspector, Result
from workbench.runtime.output import CSV_COLUMNS, result_row, write_overlay, write_results
from workbench.runtime.watch import describe_error, watch_folder
from workbench.runtime.words import language_from_env, result_text


def _add_engine_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", default="auto", choices=("auto", "openvino", "onnxruntime"))
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, tensorrt (ORT) or an OpenVINO device")
    p.add_argument("--precision", default="fp32", choices=("fp32", "fp16", "int8"), help="model variant")
    p.add_argument(
        "--fast",
        action="store_true",
        help="let OpenVINO use the device's default arithmetic (e.g. bf16) instead of f32",
    )
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: backend default)")


def _inspector(args: argparse.Namespace) -> Inspector:
    return Inspector(
        args.bundle,
        backend=args.backend,
        device=args.device,
        precision=args.precision,
        fast=args.fast,
        threads=args.threads,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench-run", description="Run a Defect Workbench bundle (.wbx)."
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    p = sub.add_parser("predict", help="inspect images and write a results table")
    p.add_argument("bundle")
    p.add_argument("inputs", nargs="+", help="image files or folders of images")
    p.add_argument("--out", required=True, help="results.csv or results.json")
    p.add_argument("--overlays", help="folder for overlay pictures")
    _add_engine_args(p)
    p.set_defaults(func=cmd_predict)
    p = sub.add_parser("verify", help="re-run the golden images; non-zero exit on any mismatch")
    p.add_argument("bundle")
    _add_engine_args(p)
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("bench", help="latency and throughput of each backend and precision here")
    p.add_argument("bundle")
    p.add_argument("--repeat", type=int, default=10, help="timed runs per figure; the median is shown")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, tensorrt (ORT) or an OpenVINO device")
    p.add_argument("--json", action="store_true", help="print the figures and the CPU as JSON")
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser("watch", help="hot folder: inspect each new image once it is fully written")
    p.add_argument("bundle")
    p.add_argument("folder")
    p.add_argument(
        "--out",
        help="append one CSV row per image to this file; a restart with the same --out skips the "
        "images already reported (listed in .<name>.watched beside it)",
    )
    p.add_argument("--json", action="store_true", help="print JSON lines instead of text")
    p.add_argument("--poll", type=float, default=0.5, help="seconds between polls")
    p.add_argument("--once", action="store_true", help="stop when every file present is done")
    p.add_argument("--timeout", type=float, help="stop after this many seconds")
    p.add_argument("--skip-existing", action="store_true", help="ignore files present at start")
    _add_engine_args(p)
    p.set_defaults(func=cmd_watch)
    return parser


def _expand(inputs: list[str]) -> list[Path]:
    files: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            files.extend(sorted(f for f in p.iterdir() if f.is_file() and is_image_file(f)))
        else:
            files.append(p)
    return files


def cmd_predict(args: argparse.Namespace) -> int:
    inspector = _inspector(args)
    files = _expand(args.inputs)
    if not files:
        raise WorkbenchError("no image files given")
    overlays = Path(args.overlays) if args.overlays else None
    language = language_from_env()
    rows, details, failed = [], [], 0
    for f in files:
        try:
            image = read_image(f)
            result = inspector.inspect(image, return_scores=overlays is not None)
        except Exception as exc:  # one bad file must not stop a batch
            failed += 1
            message = describe_error(exc)
            rows.append(result_row(None, str(f), message))
            details.append({"source": str(f), "verdict": "ERROR", "error": message})
            print(f"{f}: ERROR {message}", file=sys.stderr)
            continue
        result.source = str(f)
        rows.append(result_row(result, str(f)))
        details.append(result.to_dict())
        if overlays is not None:
            write_overlay(
                overlays, str(f), image, result, inspector.bundle.classes, inspector.decision_config
            )
        said = result_text(len(result.defects), result.vetoed, result.time_ms, language)
        print(f"{f}: {result.verdict} ({said})")
    write_results(args.out, rows, details)
    ng = sum(r["verdict"] == "NG" for r in rows)
    print(
        f"{len(files)} images: {ng} NG, {failed} unreadable; results in {args.out} [{inspector.describe()}]"
    )
    return 1 if failed else 0


def cmd_verify(args: argparse.Namespace) -> int:
    from workbench.runtime.golden import verify

    inspector = _inspector(args)
    manifest, backend = inspector.bundle.manifest, inspector.backend
    if manifest.origin():
        print(manifest.origin())
    if manifest.parity is not None:  # what the export measured for this variant, for comparison
        for line in manifest.parity.lines_for(backend.name, backend.precision):
            print(line)
    checks = verify(inspector)
    if not checks:
        print(f"{args.bundle}: the bundle holds no golden images to verify", file=sys.stderr)
        return 1
    for check in checks:
        print(check.line())
    bad = sum(not c.ok for c in checks)
    status = "FAILED" if bad else "passed"
    print(f"verify {status}: {len(checks) - bad}/{len(checks)} golden images match [{inspector.describe()}]")
    return 1 if bad else 0


def cmd_bench(args: argparse.Namespace) -> int:
    from workbench.runtime.bench import LARGE_SHAPE, format_rows, report_dict, run_bench
    from workbench.runtime.cpu_info import cpu_info

    bundle = open_bundle(args.bundle)
    rows = run_bench(bundle, repeat=args.repeat, device=args.device)
    cpu = cpu_info()
    if args.json:
        report = report_dict(rows, bundle.tiling.tile, LARGE_SHAPE, cpu)
        print(json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False))
    else:
        print(format_rows(rows, bundle.tiling.tile, LARGE_SHAPE, cpu))
    return 0


def _install_stop_handlers(stop: threading.Event) -> None:
    def handler(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def results_columns(out: Path) -> tuple[str, ...]:
    """The columns of ``watch --out``: a new file gets ``CSV_COLUMNS`` as its header; a results
    file an older runtime started keeps its own columns (new ones are left out of its rows, and
    stderr says which), so that every row lines up with its header. A file whose header is not a
    results header is refused rather than appended to."""
    if not out.exists() or out.stat().st_size == 0:
        out.write_text(",".join(CSV_COLUMNS) + "\n", encoding="utf-8")
        return CSV_COLUMNS
    with out.open(newline="", encoding="utf-8") as fh:
        header = tuple(next(csv.reader(fh), []))
    if header == CSV_COLUMNS:
        return CSV_COLUMNS
    if not header or set(header) - set(CSV_COLUMNS) or header[0] != CSV_COLUMNS[0]:
        raise WorkbenchError(
            f"{out} is not a results file of workbench-run (its first line is {','.join(header)!r}); "
            "give --out a new file name"
        )
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        print(f"{out} was started by an older workbench-run: its rows keep its columns, "
              f"without {', '.join(missing)}; give --out a new file for them", file=sys.stderr)  # fmt: skip
    return header


def cmd_watch(args: argparse.Namespace) -> int:

    out = Path(args.out) if args.out else None
    columns = CSV_COLUMNS if out is None else results_columns(out)
    inspector = _inspector(args)
    language = language_from_env()

    def report(path: str, result: Result | None, error: str) -> None:
        row = result_row(result, path, error)
        if args.json:
            print(json.dumps(result.to_dict() if result else row, ensure_ascii=False), flush=True)
        else:
            what = error or result_text(
                row["n_defects"], result.vetoed if result else [], row["time_ms"], language
            )
            print(f"{path}\t{row['verdict']}\t{what}", flush=True)
        if out is not None:
            with out.open("a", newline="", encoding="utf-8") as fh:
                csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore").writerow(row)

    stop = threading.Event()
    _install_stop_handlers(stop)
    print(f"watching {args.folder} [{inspector.describe()}]", file=sys.stderr, flush=True)
    count = watch_folder(
        inspector,
        args.folder,
        report,
        stop=stop,
        poll_s=args.poll,
        once=args.once,
        timeout_s=args.timeout,
        skip_existing=args.skip_existing,
        record=None if out is None else out.with_name(f".{out.name}.watched"),
    )
    print(f"stopped after {count} image(s)", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    return dispatch(build_parser(), argv)


def dispatch(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Parse, run the chosen verb's ``func``; user errors become one line on stderr and exit 1."""
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
