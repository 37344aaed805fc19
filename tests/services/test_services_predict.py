"""Which samples a prediction covers by default: never a locked test split unless asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.errors import WorkbenchError
from workbench.core.project import Project
from workbench.services.predict import prediction_samples


def test_a_locked_test_split_is_left_out_unless_named(tmp_path: Path, make_image) -> None:  # type: ignore[no-untyped-def]
    with Project.create(tmp_path / "p") as project:
        ids = {}
        for i, split in enumerate(("train", "val", "test", None)):
            make_image(tmp_path / f"{split}.png", seed=i)
            ids[str(split)] = project.add_sample([tmp_path / f"{split}.png"], split=split)[0].id
        assert {s.id for s in prediction_samples(project)} == set(ids.values())
        project.lock_test_split(True)
        assert ids["test"] not in {s.id for s in prediction_samples(project)}
        assert [s.id for s in prediction_samples(project, split="test")] == [ids["test"]]
        assert [s.id for s in prediction_samples(project, ids=[ids["test"]])] == [ids["test"]]
        with pytest.raises(WorkbenchError, match="no samples selected"):
            prediction_samples(project, ids=[9999])
