"""A job's log and progress lines in the window's language: every line id the jobs say (training,
evaluation, export, proposals, the label check) has a catalogue entry with the same fields, the
Chinese catalogue is complete, the Train page shows a line with a known id in Chinese and falls back
to the job's English text otherwise, and the Evaluate page shows its progress lines in Chinese."""

from __future__ import annotations

import importlib
import io
import json
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import workbench.core
import workbench.export
import workbench.jobs
import workbench.learn
import workbench.services
from tests.learn.tiny_project import make_tiny_project
from workbench.core import job_lines as eval_lines
from workbench.core.messages import MESSAGES, Message, fields_of, plain_template
from workbench.core.project import Project
from workbench.core.run_config import RunConfig, TrainConfig
from workbench.export import job_lines as export_lines
from workbench.gui import i18n
from workbench.gui.eval_page import EvaluatePageWidget
from workbench.gui.export_wizard import summary_lines
from workbench.gui.job_client import JobClient, JobRegistry
from workbench.gui.job_messages import CATALOGUE, STRUCTURED, job_line, known_ids
from workbench.gui.train_page import TrainPageWidget
from workbench.jobs.eval_export import said_entry
from workbench.jobs.events import EventWriter, LogEvent, ProgressEvent, parse_event
from workbench.learn import log_lines
from workbench.services.job_specs import PredictSpec

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def english_after(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    i18n.install_language("en")


def registered() -> dict[str, Message]:
    """Every line id the job-side code registers (all the modules of its packages imported)."""
    for package in (workbench.core, workbench.services, workbench.export, workbench.learn, workbench.jobs):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not info.name.endswith("__main__"):  # running it would start a job
                importlib.import_module(info.name)
    return dict(MESSAGES)


def test_every_line_id_of_the_jobs_has_a_catalogue_entry() -> None:
    found = registered()
    assert {"run_started", "time_summary", "decision", "fitting", "scan"} <= set(found)
    said_elsewhere = {"eval_predicting_more", "loading_model", "parity_tile", "export_wrote", "export_done",
                      "predicted", "check_started", "fold_line", "fold_scoring"}  # fmt: skip
    assert said_elsewhere <= set(found)
    assert sorted(set(found) - known_ids()) == []
    assert sorted(known_ids() - set(found)) == []  # no entry is left for a line nobody says


def test_catalogue_templates_have_the_fields_and_english_of_the_jobs() -> None:
    for msg_id, made in registered().items():
        if made.template is None:
            assert msg_id in STRUCTURED, msg_id
            continue
        english = CATALOGUE[msg_id]()
        assert english == plain_template(made.template), msg_id
        assert fields_of(english) == fields_of(made.template), msg_id


def test_every_line_has_a_chinese_template_with_the_same_fields() -> None:
    i18n.install_language("zh_CN")
    for msg_id, make in CATALOGUE.items():
        english = plain_template(MESSAGES[msg_id].template or "")
        chinese = make()
        assert chinese != english, f"{msg_id} has no Chinese translation"
        assert fields_of(chinese) == fields_of(english), msg_id


def test_lines_are_shown_in_chinese_and_unknown_ones_in_english(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_tiny_project(tmp_path, n_ok=2, n_ng=2)
    with Project.open(root) as project:
        run_id = project.create_run(RunConfig(TrainConfig(task="segmentation", preset="fast"))).id
        events = EventWriter(io.StringIO())
        events.set_log(project.run_dir(run_id) / "events.jsonl")
        events.log(log_lines.TIME_LIMIT_IN_EPOCH(epoch=3, step=7, steps=12))
        events.log(log_lines.CROPS_FITTED(crop=96, batch=8, why=log_lines.CROPS_SMALL_IMAGES(crop=256)))
        events.emit(LogEvent("a line of a newer job", 1.0, msg_id="not_in_the_catalogue", args={"n": "1"}))
        events.log("a plain line")
    project = Project.open(root)
    jobs = JobRegistry()
    page = TrainPageWidget(jobs)
    qtbot.addWidget(page)
    try:
        i18n.install_language("zh_CN")
        page.set_project(project)
        page.runs_table.selectRow(0)
        lines = page.log.toPlainText().splitlines()
        assert lines[0] == "第 3 轮中达到时间上限（第 7/12 步）"
        assert lines[1] == "裁剪 96 px，批大小 8（图像小于 256 px；更大的裁剪大部分会是填充）"
        assert lines[2:] == ["a line of a newer job", "a plain line"]
        i18n.install_language("en")  # the lines already shown are worded again
        lines = page.log.toPlainText().splitlines()
        assert lines[0] == "time limit reached during epoch 3 (step 7/12)"
        assert lines[1].startswith("crops of 96 px in batches of 8 (the images are smaller than 256 px")
    finally:
        page.set_project(None)
        project.close()


def test_args_that_do_not_fit_the_template_show_the_english_text() -> None:
    i18n.install_language("zh_CN")
    short = LogEvent(
        "time limit reached during epoch 3", 1.0, msg_id="time_limit_in_epoch", args={"epoch": "3"}
    )
    assert job_line(short) == "time limit reached during epoch 3"
    nested = LogEvent("crops ...", 1.0, msg_id="crops_fitted",
                      args={"crop": "9", "batch": "1", "why": {"msg_id": "unknown", "args": {}}})  # fmt: skip
    assert job_line(nested) == "crops ..."


def test_structured_lines_are_worded_from_their_data() -> None:
    origin = {"name": "scratch", "threshold": 0.4123, "method": "val_zero_escape",
              "zero_escape_threshold": 0.5, "val_ng": 4, "val_ok": 10, "val_overkill": 1}  # fmt: skip
    said = log_lines.DECISION.said("decision scratch: threshold 0.412; ...", origin=origin)
    event = LogEvent(str(said), 1.0, said.msg_id, said.args)
    assert job_line(event).startswith("decision scratch: threshold 0.412 — below the zero-escape point 0.500")
    i18n.install_language("zh_CN")
    chinese = job_line(event)
    assert chinese.startswith("判定规则 scratch：阈值 0.412") and "0.500" in chinese
    warning = log_lines.BELOW_USABLE.said("warning: ...", found=[{"metric": "image.auroc", "value": 0.51,
                                                                   "floor": 0.7}])  # fmt: skip
    shown = job_line(LogEvent(str(warning), 1.0, warning.msg_id, warning.args))
    assert shown.startswith("警告：") and "0.510" in shown and "0.70" in shown


def test_label_check_folds_wrap_a_training_line_and_keep_its_id() -> None:
    line = log_lines.FOLD_LINE(fold=2, folds=5, line=log_lines.STOPPED_EARLY(count=4))
    assert line == "fold 2/5: stopping early: no improvement in 4 validations"
    i18n.install_language("zh_CN")
    shown = job_line(LogEvent(str(line), 1.0, line.msg_id, line.args))
    assert shown.startswith("第 2/5 折：") and "4" in shown and "stopping" not in shown
    loading = log_lines.TRAIN_SPLIT_STEP(line=log_lines.LOADING_IMAGES(done=3, total=10))
    nested = log_lines.FOLD_LINE(fold=1, folds=5, line=loading)
    assert nested == "fold 1/5: train: loading images 3/10"
    assert (
        job_line(LogEvent(str(nested), 1.0, nested.msg_id, nested.args))
        == "第 1/5 折：训练集：正在加载图像 3/10"
    )
    plain = log_lines.FOLD_LINE(fold=1, folds=5, line="a plain line")  # a line without an id stays English
    assert job_line(LogEvent(str(plain), 1.0, plain.msg_id, plain.args)) == "第 1/5 折：a plain line"


def test_the_evaluate_page_shows_a_progress_line_in_chinese(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    written = io.StringIO()
    EventWriter(written).progress(0.25, eval_lines.EVAL_PREDICTING_MORE(name="part_07.png", more=3))
    event = parse_event(written.getvalue().strip())
    assert isinstance(event, ProgressEvent) and event.message == "predicting part_07.png and 3 more"
    page = EvaluatePageWidget(JobRegistry())
    qtbot.addWidget(page)
    page.job = JobClient(PredictSpec(project=str(tmp_path), run_id="r"), tmp_path / "job.json", "job")
    page.job.seen.apply(event)
    i18n.install_language("zh_CN")
    page._on_event(event)
    assert page.state_label.text() == "正在预测 part_07.png 及另外 3 个样本"
    assert page.progress.value() == 250
    i18n.install_language("en")  # the line shown is worded again
    assert page.state_label.text() == "predicting part_07.png and 3 more"


def test_an_export_note_is_shown_in_chinese_in_the_summary() -> None:
    note = export_lines.NO_VAL_SPLIT()
    result = json.loads(json.dumps({"notes": [note], "said_notes": [said_entry(note)]}))  # from a job
    assert summary_lines(result)[-1] == str(note)
    i18n.install_language("zh_CN")
    assert summary_lines(result)[-1] == "项目没有验证集：基准图像和一致性比较用的图块取自训练图像"
    assert summary_lines({"notes": ["an older job's note"]})[-1] == "an older job's note"


def test_the_thread_count_of_a_timed_setting_is_worded() -> None:
    trials = "fp32 threads=2 13.35, fp32 threads=1 4.61"
    said = log_lines.PRECISION_TRIAL(trials=trials, chosen="fp32 threads=1")
    event = LogEvent(str(said), 1.0, said.msg_id, said.args)
    try:
        i18n.install_language("zh_CN")
        chinese = job_line(event)
        assert "threads" not in chinese
        assert "fp32 2 个线程 13.35" in chinese and chinese.endswith("fp32 1 个线程")
    finally:
        i18n.install_language("en")
    assert job_line(event) == (
        "precision trial (s/step): fp32 on 2 threads 13.35, fp32 on 1 threads 4.61; using fp32 on 1 threads"
    )
