"""labelme JSON files next to the images.

Shapes become mask pixels, each shape's label a defect class (created when missing); an image
with shapes is NG; ``flags`` ``{"OK": true}`` / ``{"NG": true}`` set the label otherwise, and
``{"doubtful": true}`` makes it doubtful (shapes drawn on it are kept as its mask).
``imagePath`` is relative to the JSON (or absolute); when it does not resolve, the file of
that name beside the JSON is used, and embedded ``imageData`` only when that is missing too.
Images without a JSON are imported unlabeled.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import shutil
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Any

from workbench.core.cancel import CancelToken, Progress
from workbench.core.imageio import is_image_file
from workbench.core.importers.base import ImportReport, Plan, PlanImporter, PlannedItem
from workbench.core.importers.files import rel_item, walk_files
from workbench.core.importers.labelme_shapes import LabelmeMask
from workbench.core.project import Project
from workbench.core.types import Label

SCRATCH = "labelme-import"  # under the project's cache/: embedded images written out for import
OK_FLAGS = frozenset({"ok", "good"})
NG_FLAGS = frozenset({"ng", "bad", "defect"})
DOUBTFUL_FLAG = "doubtful"


def read_labelme(path: Path) -> dict[str, Any]:
    """Parse a labelme JSON; raise ``ValueError`` saying what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not readable JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("shapes"), list):
        raise ValueError("not a labelme file (no 'shapes' list)")
    if not all(isinstance(s, dict) for s in data["shapes"]):
        raise ValueError("'shapes' holds entries that are not objects")
    return data


def label_from(data: dict[str, Any]) -> Label:
    """doubtful when flagged so; ng when anything is drawn or flagged NG; ok when flagged OK; else
    unlabeled."""
    raw = data.get("flags")
    flags: dict[Any, Any] = raw if isinstance(raw, dict) else {}
    set_flags = {str(k).lower() for k, v in flags.items() if v is True}
    if DOUBTFUL_FLAG in set_flags:
        return "doubtful"
    if data["shapes"] or set_flags & NG_FLAGS:
        return "ng"
    return "ok" if set_flags & OK_FLAGS else "unlabeled"


def _image_path(json_path: Path, data: dict[str, Any]) -> Path | None:
    raw = str(data.get("imagePath") or "")
    if not raw:
        return None
    windows = "\\" in raw or bool(PureWindowsPath(raw).drive)  # written on Windows
    path: PurePath = PureWindowsPath(raw) if windows else PurePosixPath(raw)
    stored: Path | None = json_path.parent.joinpath(*path.parts)
    if path.is_absolute():  # resolves only on the kind of system that wrote it
        stored = Path(*path.parts) if Path(*path.parts).is_absolute() else None
    if stored is not None and stored.is_file():
        return stored
    # Folders get moved and copied after labelling, and an absolute path from another machine
    # never resolves: the image of that name beside its JSON is the one meant.
    beside = json_path.parent / path.name
    return beside if beside.is_file() or stored is None else stored


def _write_embedded(data: dict[str, Any], json_path: Path, scratch: Path, image: Path | None) -> Path:
    try:
        blob = base64.b64decode(str(data.get("imageData") or ""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("imageData is not valid base64") from exc
    if not blob:
        raise ValueError(f"image {image or '(no imagePath)'} not found and no imageData embedded")
    name = image.name if image is not None else json_path.stem + ".png"
    folder = scratch / hashlib.sha256(str(json_path).encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(blob)
    return folder / name


def _item_for(root: Path, image: Path, json_item: str) -> str:
    try:
        return rel_item(image.resolve(), root.resolve())
    except ValueError:  # the image lives outside the folder: the JSON names the item
        return json_item


def _dims(data: dict[str, Any]) -> tuple[int | None, int | None]:
    h, w = data.get("imageHeight"), data.get("imageWidth")
    ok = isinstance(h, int) and isinstance(w, int) and h > 0 and w > 0
    return (h, w) if ok else (None, None)


class LabelmeImporter(PlanImporter):
    """Folders annotated with labelme."""

    name = "labelme"
    priority = 10

    def detect(self, folder: Path) -> bool:
        for n, path in enumerate(p for p in walk_files(Path(folder)) if p.suffix.lower() == ".json"):
            if n >= 20:
                return False
            try:
                read_labelme(path)
            except ValueError:
                continue
            return True
        return False

    def import_into(
        self,
        project: Project,
        folder: Path,
        progress: Progress | None = None,
        cancel: CancelToken | None = None,
        overwrite_masks: bool = False,
    ) -> ImportReport:
        try:
            return super().import_into(project, folder, progress, cancel, overwrite_masks)
        finally:
            shutil.rmtree(project.root / "cache" / SCRATCH, ignore_errors=True)

    def plan(self, project: Project, folder: Path) -> Plan:
        root = Path(folder)
        files = list(walk_files(root))
        plan = Plan()
        annotated: dict[str, str] = {}  # item -> the JSON that annotates it
        for json_path in (p for p in files if p.suffix.lower() == ".json"):
            self._plan_json(project, root, json_path, plan, annotated)
        for image in (p for p in files if is_image_file(p)):
            item = rel_item(image, root)
            if item not in annotated:
                name = item.rsplit(".", 1)[0]
                plan.items.append(PlannedItem(item=item, files=(image,), name=name))
        return plan

    def _plan_json(
        self, project: Project, root: Path, json_path: Path, plan: Plan, annotated: dict[str, str]
    ) -> None:
        json_item = rel_item(json_path, root)
        try:
            data = read_labelme(json_path)
            image = _image_path(json_path, data)
            if image is None or not image.is_file():
                image = _write_embedded(data, json_path, project.root / "cache" / SCRATCH, image)
                item = json_item
            else:
                item = _item_for(root, image, json_item)
        except ValueError as exc:
            plan.skipped.append((json_item, str(exc)))
            return
        if item in annotated:
            plan.skipped.append((json_item, f"{item} is already annotated by {annotated[item]}"))
            return
        annotated[item] = json_item
        height, width = _dims(data)
        shapes = tuple(data["shapes"])
        mask = LabelmeMask(json_item, shapes, image, height, width) if shapes else None
        name = item.rsplit(".", 1)[0]
        label = label_from(data)
        plan.items.append(PlannedItem(item=item, files=(image,), name=name, label=label, mask=mask))
