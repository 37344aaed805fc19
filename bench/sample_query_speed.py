"""Sample list speed: filter + sort of 20,000 samples in the window's table model (not a test).

    .venv/bin/python bench/sample_query_speed.py [--samples 20000] [--repeat 5]

Times what the Data page does when a project of that size is shown, filtered and sorted
(`SampleTableModel.set_samples` + `set_filter` + `sort`), and, as the baseline measured in the same
run, the plain `query()` over the same list: the ratio is the cost the Qt model adds on top of the
filtering and sorting themselves. Target: the table path under 1 s (the window stays responsive).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt

from workbench.core.types import Channel, DefectClass, Sample
from workbench.gui.app import make_app
from workbench.gui.sample_query import COLUMNS, SampleFilter, query
from workbench.gui.sample_table import SampleTableModel
from workbench.gui.thumbnails import ThumbnailLoader
from workbench.runtime.cpu_info import cpu_info

TARGET_S = 1.0
CLASSES = [DefectClass(1, "scratch", "#E69F00"), DefectClass(2, "spot", "#56B4E9")]
FILTER = SampleFilter(label="ng", text="part_1")
SORT_COLUMN = "classes"


def synthetic_samples(n: int) -> list[Sample]:
    """A project's worth of samples with a mix of labels, splits, tags, classes and scores."""
    labels = ("ok", "ng", "unlabeled")
    splits = ("train", "val", "test", None)
    out = []
    for i in range(n):
        ng = i % 3 == 1
        out.append(
            Sample(
                id=i + 1,
                name=f"part_{i:05d}",
                content_hash=f"{i:064x}",
                label=labels[i % 3],  # type: ignore[arg-type]
                split=splits[i % 4],  # type: ignore[arg-type]
                review="",
                notes="",
                tags=("night",) if i % 5 == 0 else (),
                flags=(),
                classes=(1 + i % 2,) if ng else (),
                width=2448,
                height=2048,
                n_channels=1,
                dtype="uint8",
                has_mask=ng,
                mask_rev=0,
                source="",
                last_score=(i % 97) / 97 if i % 2 else None,
                created_at="",
                updated_at="",
                channel_files=(Channel(0, f"images/{i}.png", f"cam_{i}.png", "", 1),),
            )
        )
    return out


def median_s(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: first calls pay for imports, translations and allocator growth
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(cpu_info().summary(), flush=True)
    make_app()
    samples = synthetic_samples(args.samples)
    names = {c.id: c.name for c in CLASSES}
    model = SampleTableModel(ThumbnailLoader())

    def table() -> int:
        model.set_samples(samples, CLASSES)
        model.set_filter(FILTER)
        model.sort(COLUMNS.index(SORT_COLUMN), Qt.SortOrder.DescendingOrder)
        return model.rowCount()

    def plain() -> int:
        return len(query(samples, FILTER, SORT_COLUMN, True, names))

    # The first call is what a person waits for when a project opens; later ones are re-filters.
    start = time.perf_counter()
    rows = table()
    first = time.perf_counter() - start
    if rows != plain():
        raise SystemExit("the table model and query() disagree on the rows: fix that before timing")
    base = median_s(plain, args.repeat)
    t = median_s(table, args.repeat)
    print(f"{args.samples} samples, filter label=ng + text, sort by {SORT_COLUMN} (median of {args.repeat})")
    print(f"query() alone (baseline)            {base * 1000:8.1f} ms  ratio 1.00")
    print(f"table model set + filter + sort     {t * 1000:8.1f} ms  ratio {t / base:.2f} (model / query)")
    print(f"  the same, first call in a fresh model {first * 1000:8.1f} ms  ratio {first / base:.2f}")
    worst = max(first, t)
    print(f"slower table path vs target {TARGET_S:.1f} s: {worst / TARGET_S:.2f} (<1 = within target)")


if __name__ == "__main__":
    main()
