"""Plain folders: ``OK/`` ``NG/`` ``<defect>/`` subfolders, optional ``train/ val/ test/`` on top.

- ``OK`` or ``good`` (any case) -> label ok; ``NG`` -> ng; ``doubtful`` -> doubtful (a part the
  experts disagree on; ``doubtful/<defect>/`` names its class); any other folder name is a defect
  class and means ng (``NG/<defect>/`` works too). Images at the top level are unlabeled.
- A ``labels.csv`` beside the folders, with an image and a ``label`` column, overrides what the
  folder names say (:mod:`workbench.core.importers.label_table`; read for every format).
- Masks are matched by name: ``<name>_mask.png`` beside the image, or ``masks/<name>.png`` (or
  ``masks/<name>_mask.png``) in a folder beside it; for an ``images/`` folder also
  ``../masks/<name>.png``, so ``images/`` + ``masks/`` with matching names imports as is.
  PNG, BMP and TIFF masks are preferred; JPEG masks are read too. A ``<name>_mask`` file is
  never imported as an image: one that no image takes (its image is missing) is reported as an
  orphan mask and skipped, and so is a file in a ``masks/`` folder that no image takes.
- A binary mask takes the class of the image's folder, else the project's only class, else
  "defect"; a label map with values 1..k needs those class ids to exist. Masks with grey edges
  are thresholded only when the class is known (a class folder, the project's only class, or
  "defect" under ``NG/``), not for top-level or ``images/`` images of a project with no or
  several classes: see :mod:`workbench.core.importers.masks`.
"""

from __future__ import annotations

from pathlib import Path

from workbench.core.imageio import is_image_file
from workbench.core.importers.base import Plan, PlanImporter, PlannedItem
from workbench.core.importers.files import find_sibling, image_files, rel_item, walk_files
from workbench.core.importers.masks import MaskFile
from workbench.core.project import Project
from workbench.core.types import Label, Split

SPLIT_NAMES: dict[str, Split] = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "test": "test",
    "testing": "test",
}
OK_NAMES = frozenset({"ok", "good"})
NG_NAME = "ng"
DOUBTFUL_NAME = "doubtful"
IMAGE_DIR_NAMES = frozenset({"images", "imgs"})  # hold images only; say nothing about labels
MASK_DIR = "masks"
# Lossless first, so a PNG wins over a JPEG of the same name; JPEG masks are thresholded.
MASK_SUFFIXES = (".png", ".bmp", ".tif", ".tiff", ".jpg", ".jpeg")
DEFAULT_CLASS = "defect"
MASK_STEM_END = "_mask"  # a file called <name>_mask is a mask, never an image of its own


def folder_meaning(dirs: list[str]) -> tuple[Split | None, Label, str | None]:
    """``(split, label, defect class or None)`` from the folder names above an image."""
    split: Split | None = None
    if dirs and dirs[0].lower() in SPLIT_NAMES:
        split = SPLIT_NAMES[dirs[0].lower()]
        dirs = dirs[1:]
    dirs = [d for d in dirs if d.lower() not in IMAGE_DIR_NAMES]
    if not dirs:
        return split, "unlabeled", None
    first = dirs[0]
    if first.lower() in OK_NAMES:
        return split, "ok", None
    if first.lower() in (NG_NAME, DOUBTFUL_NAME):
        inner = [d for d in dirs[1:] if d.lower() not in OK_NAMES]
        return split, "ng" if first.lower() == NG_NAME else "doubtful", inner[0] if inner else None
    return split, "ng", first


def find_mask(image: Path, root: Path) -> Path | None:
    """The mask file of ``image`` (below ``root``) by either naming convention, or None."""
    found = find_sibling(image.parent, image.stem + "_mask", MASK_SUFFIXES)
    found = found or find_sibling(image.parent / MASK_DIR, image.stem, MASK_SUFFIXES)
    found = found or find_sibling(image.parent / MASK_DIR, image.stem + "_mask", MASK_SUFFIXES)
    if found is None and image.parent != root and image.parent.name.lower() in IMAGE_DIR_NAMES:
        found = find_sibling(image.parent.parent / MASK_DIR, image.stem, MASK_SUFFIXES)
    return found


def _is_mask_name(path: Path) -> bool:
    return path.stem.lower().endswith(MASK_STEM_END)


def _file_key(path: Path) -> tuple[Path, str]:
    # find_sibling may name a file in another case than the folder listing (case-blind file systems)
    return path.parent, path.name.lower()


def _orphan_masks(root: Path, used: set[tuple[Path, str]]) -> list[tuple[str, str]]:
    """``(item, reason)`` for each mask file (``<name>_mask.*``, or in a ``masks/`` folder) no image takes."""
    orphans = []
    for path in walk_files(root):
        in_mask_dir = any(part.lower() == MASK_DIR for part in path.relative_to(root).parts[:-1])
        if not is_image_file(path) or _file_key(path) in used or not (in_mask_dir or _is_mask_name(path)):
            continue
        stem = path.stem[: -len(MASK_STEM_END)] if _is_mask_name(path) else path.stem
        orphans.append((rel_item(path, root), (
            f"orphan mask, skipped: no image called {stem!r} takes it (masks are matched by name: "
            "<name>_mask.* beside the image, or masks/<name>.* in its folder); put its image beside it, "
            "or rename the file if it is itself an image"
        )))  # fmt: skip
    return orphans


class FolderImporter(PlanImporter):
    """Labels from folder names, masks matched by file name."""

    name = "folder"
    priority = -10  # the fallback: any folder with images qualifies

    def detect(self, folder: Path) -> bool:
        return any(is_image_file(p) for p in walk_files(Path(folder), frozenset({MASK_DIR})))

    def plan(self, project: Project, folder: Path) -> Plan:
        root = Path(folder)
        plan = Plan()
        # A project with exactly one defect class gives binary masks outside class folders that class.
        known = project.classes()
        fallback = known[0].name if len(known) == 1 else None
        used: set[tuple[Path, str]] = set()
        for image in image_files(root, frozenset({MASK_DIR})):
            if _is_mask_name(image):
                continue  # a mask: taken by its image below, or reported as an orphan
            item = rel_item(image, root)
            dirs = list(Path(item).parts[:-1])
            split, label, defect = folder_meaning(dirs)
            mask_path = find_mask(image, root)
            mask = None
            if mask_path is not None:
                used.add(_file_key(mask_path))
                # NG/ and doubtful/ name the generic class; top-level and images/ images name none.
                name = defect or fallback or (DEFAULT_CLASS if label in ("ng", "doubtful") else None)
                mask = MaskFile(rel_item(mask_path, root), mask_path, name or DEFAULT_CLASS, name is not None)
            plan.items.append(
                PlannedItem(
                    item=item,
                    files=(image,),
                    name=item.rsplit(".", 1)[0],
                    label=label,
                    split=split,
                    tags=(defect,) if defect else (),
                    mask=mask,
                )
            )
        plan.skipped.extend(_orphan_masks(root, used))
        return plan
