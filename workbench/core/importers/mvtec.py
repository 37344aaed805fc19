"""The MVTec AD layout: ``train/good``, ``test/good``, ``test/<defect>``, ``ground_truth/<defect>``.

train -> train split, test -> test split (``validation/`` -> val, as in MVTec AD 2). ``good`` is
OK; every other folder is a defect class and NG. The binary mask
``ground_truth/<defect>/<name>_mask.png`` takes the class of its folder; a mask there whose image
is missing is reported as an orphan mask and skipped.
"""

from __future__ import annotations

from pathlib import Path

from workbench.core.imageio import is_image_file
from workbench.core.importers.base import Plan, PlanImporter, PlannedItem
from workbench.core.importers.files import find_sibling, image_files, rel_item, walk_files
from workbench.core.importers.masks import MaskFile
from workbench.core.project import Project
from workbench.core.types import Split

SPLIT_DIRS: tuple[tuple[str, Split], ...] = (("train", "train"), ("validation", "val"), ("test", "test"))
GOOD = "good"
GROUND_TRUTH = "ground_truth"
MASK_SUFFIXES = (".png", ".bmp", ".tif", ".tiff", ".jpg", ".jpeg")  # lossless first


def _orphan_masks(root: Path, used: set[tuple[Path, str]]) -> list[tuple[str, str]]:
    """``(item, reason)`` for each file under ``ground_truth/`` that no test image takes."""
    orphans = []
    for path in walk_files(root / GROUND_TRUTH):
        if is_image_file(path) and (path.parent, path.name.lower()) not in used:
            image = f"{path.parent.name}/{path.stem.removesuffix('_mask')}.*"
            reason = f"orphan mask, skipped: no image {image} in train/, validation/ or test/ takes it"
            orphans.append((rel_item(path, root), reason))
    return orphans


def _mask_for(root: Path, defect: str, image: Path) -> Path | None:
    folder = root / GROUND_TRUTH / defect
    return find_sibling(folder, image.stem + "_mask", MASK_SUFFIXES) or find_sibling(
        folder, image.stem, MASK_SUFFIXES
    )


class MVTecImporter(PlanImporter):
    """MVTec AD folders of one object category."""

    name = "mvtec"
    priority = 20

    def detect(self, folder: Path) -> bool:
        root = Path(folder)
        return (root / "train" / GOOD).is_dir() and (root / "test").is_dir()

    def plan(self, project: Project, folder: Path) -> Plan:
        root = Path(folder)
        plan = Plan()
        used: set[tuple[Path, str]] = set()  # (folder, lower-case name): case-blind file systems
        for split_dir, split in SPLIT_DIRS:
            top = root / split_dir
            if not top.is_dir():
                continue
            for category in sorted(d for d in top.iterdir() if d.is_dir() and not d.name.startswith(".")):
                good = category.name.lower() == GOOD
                for image in image_files(category):
                    item = rel_item(image, root)
                    mask = None
                    mask_path = None if good else _mask_for(root, category.name, image)
                    if mask_path is not None:
                        used.add((mask_path.parent, mask_path.name.lower()))
                        mask = MaskFile(rel_item(mask_path, root), mask_path, category.name)
                    plan.items.append(
                        PlannedItem(
                            item=item,
                            files=(image,),
                            name=item.rsplit(".", 1)[0],
                            label="ok" if good else "ng",
                            split=split,
                            tags=() if good else (category.name,),
                            mask=mask,
                        )
                    )
        plan.skipped.extend(_orphan_masks(root, used))
        return plan
