"""Filtering/sorting the sample list and the display conversion (speed: bench/sample_query_speed.py)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from workbench.core.types import Channel, DefectClass, Sample
from workbench.gui.display import COLOUR, channel_choices, default_window, display_image
from workbench.gui.sample_query import SampleFilter, all_tags, query
from workbench.gui.sample_table import SampleTableModel
from workbench.gui.thumbnails import ThumbnailLoader

pytestmark = pytest.mark.gui


def fake_samples(n: int) -> list[Sample]:
    labels, splits = ("ok", "ng", "unlabeled"), ("train", "val", "test", None)
    return [
        Sample(
            id=i + 1,
            name=f"part_{i:05d}",
            content_hash=f"{i:064x}",
            label=labels[i % 3],  # type: ignore[arg-type]
            split=splits[i % 4],
            review="",
            notes="",
            tags=("night",) if i % 5 == 0 else (),  # type: ignore[arg-type]
            flags=(),
            classes=(1 + i % 2,) if i % 3 == 1 else (),
            width=64,
            height=48,
            n_channels=1,
            dtype="uint8",
            has_mask=i % 3 == 1,
            mask_rev=0,
            source="",
            last_score=(i % 7) / 7 if i % 2 else None,
            created_at="",
            updated_at="",
            channel_files=(Channel(0, f"images/{i}.png", f"cam_{i}.png", "", 1),),
        )
        for i in range(n)
    ]


def test_filter_semantics() -> None:
    samples = fake_samples(60)
    assert all(s.label == "ng" for s in query(samples, SampleFilter(label="ng")))
    assert all(s.split is None for s in query(samples, SampleFilter(split="none")))
    assert {s.classes for s in query(samples, SampleFilter(class_id=2))} == {(2,)}
    assert all(not s.classes for s in query(samples, SampleFilter(class_id=0)))
    assert [s.name for s in query(samples, SampleFilter(text="CAM_7."))] == ["part_00007"]
    assert all_tags(samples) == ["night"]
    by_score = query(samples, SampleFilter(), "score")
    scores = [s.last_score for s in by_score if s.last_score is not None]
    assert scores == sorted(scores) and by_score[-1].last_score is None


def test_twenty_thousand_samples_filter_and_sort(qtbot) -> None:  # type: ignore[no-untyped-def]
    samples = fake_samples(20_000)
    loader = ThumbnailLoader()
    model = SampleTableModel(loader)
    model.set_samples(samples, [DefectClass(1, "scratch", "#E69F00"), DefectClass(2, "spot", "#56B4E9")])
    model.set_filter(SampleFilter(label="ng", text="part_1"))
    model.sort(2, Qt.SortOrder.DescendingOrder)
    expected = {s.id for s in samples if s.label == "ng" and "part_1" in s.name}
    shown = [model.sample_at(row) for row in range(model.rowCount())]
    assert {s.id for s in shown} == expected
    classes = [model.data(model.index(row, 2)) for row in range(model.rowCount())]
    assert classes == sorted(classes, reverse=True) and set(classes) == {"scratch", "spot"}
    assert all(model.row_of(s.id) == row for row, s in enumerate(shown))


def test_display_window_and_channels() -> None:
    img16 = np.array([[0, 1000], [2000, 4000]], np.uint16)
    assert display_image(img16, 0, 1000, 3000).tolist() == [[0, 0], [127, 255]]
    lo, hi = default_window(np.arange(10000, dtype=np.uint16).reshape(100, 100))
    assert 0 < lo < 200 and 9800 < hi < 10000
    rgb = np.zeros((4, 4, 3), np.uint8)
    assert channel_choices(rgb) == [COLOUR, 0, 1, 2]
    assert channel_choices(rgb, n_files=3) == [0, 1, 2]
    assert display_image(rgb, COLOUR, 0, 255).shape == (4, 4, 3)
    assert display_image(rgb, 1, 0, 255).shape == (4, 4)
