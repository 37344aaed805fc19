"""A ``labels.csv`` at the top of an imported folder: one row per image, its label from a column.

Any import format reads it after planning, so its labels win over what folder names or labelme
flags say. Columns (header names, any case): the image, as ``file``, ``image``, ``image_files``
(the first of several, as ``workbench export --format csv`` writes them), ``path`` or
``filename``, relative to the folder (or a file name that is unique in it); ``label``: ``ok`` /
``good``, ``ng`` / ``bad`` / ``defect``, ``doubtful``, ``unlabeled``, or empty (no change); and,
when present, ``split``: ``train`` / ``val`` / ``test`` (empty: no change). A table without an
image or a ``label`` column (e.g. one holding only a defect probability) is left alone; a row that
names no planned image, or a value that is none of these, is listed in the import report and
changes nothing.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

from workbench.core.importers.base import Plan, PlannedItem
from workbench.core.types import Label, Split

TABLE_NAME = "labels.csv"
FILE_COLUMNS = ("file", "image", "image_files", "path", "filename")
LIST_SEP = ";"  # several files in one cell (the CSV exporter's separator)
LABEL_WORDS: dict[str, Label] = {
    "ok": "ok",
    "good": "ok",
    "ng": "ng",
    "bad": "ng",
    "defect": "ng",
    "doubtful": "doubtful",
    "unlabeled": "unlabeled",
}
SPLIT_WORDS: dict[str, Split] = {"train": "train", "val": "val", "test": "test"}


def _read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [{str(k).strip().lower(): (v or "").strip() for k, v in row.items() if k} for row in reader]
        header = [str(h).strip().lower() for h in reader.fieldnames or []]
    return header, rows


def apply_label_table(plan: Plan, folder: Path) -> Plan:
    """``plan`` with the labels (and splits) of ``folder/labels.csv``; the plan itself when there is none."""
    path = folder / TABLE_NAME
    if not path.is_file():
        return plan
    try:
        header, rows = _read_rows(path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        plan.skipped.append((TABLE_NAME, f"not read, labels from folder names kept: {exc}"))
        return plan
    file_column = next((c for c in FILE_COLUMNS if c in header), None)
    if file_column is None or "label" not in header:
        return plan
    by_item = {item.item: i for i, item in enumerate(plan.items)}
    by_name: dict[str, list[int]] = {}
    for i, item in enumerate(plan.items):
        by_name.setdefault(item.item.rsplit("/", 1)[-1], []).append(i)
    items = list(plan.items)
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        where = f"{TABLE_NAME} line {line}"
        file = row.get(file_column, "").split(LIST_SEP)[0].strip().replace("\\", "/")
        index = by_item.get(file)
        if index is None and len(by_name.get(file.rsplit("/", 1)[-1], [])) == 1:
            index = by_name[file.rsplit("/", 1)[-1]][0]
        if index is None:
            plan.skipped.append((where, f"names no image of the folder ({file or 'empty'}); nothing changed"))
            continue
        changed = _changed(items[index], row, where, plan)
        if changed is not None:
            items[index] = changed
    plan.items = items
    return plan


def _changed(item: PlannedItem, row: dict[str, str], where: str, plan: Plan) -> PlannedItem | None:
    """``item`` with the row's label and split, or None when the row changes nothing."""
    label_word, split_word = row.get("label", "").lower(), row.get("split", "").lower()
    if label_word and label_word not in LABEL_WORDS:
        words = ", ".join(sorted(LABEL_WORDS))
        plan.skipped.append((where, f"label {label_word!r} is none of {words}; {item.item} keeps its own"))
        return None
    if split_word and split_word not in SPLIT_WORDS:
        plan.skipped.append(
            (where, f"split {split_word!r} is none of train, val, test; {item.item} keeps its own")
        )
        return None
    if not label_word and not split_word:
        return None
    return replace(
        item,
        label=LABEL_WORDS[label_word] if label_word else item.label,
        split=SPLIT_WORDS[split_word] if split_word else item.split,
    )
