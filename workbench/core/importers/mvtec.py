"""The MVTec AD layout: ``train/good``, ``test/good``, ``test/<defect>``, ``ground_truth/<defect>``.

train -> train split, test -> test split (``validation/`` -> val, as in MVTec AD 2). ``good`` is
OK; every other folder is a defect class and NG. The binary mask
``ground_truth/<defect>/<name>_mask.png`` takes the class of its folder.
"""

from __future__ import annotations

from pathlib import Path

from workbench.core.importers.base import Plan, PlanImporter, PlannedItem
from workbench.core.importers.files import find_sibling, image_files, rel_item
from workbench.core.importers.masks import MaskFile
from workbench.core.project import Project
from workbench.core.types import Split

SPLIT_DIRS: tuple[tuple[str, Split], ...] = (("train", "train"), ("validation", "val"), ("test", "test"))
GOOD = "good"
GROUND_TRUTH = "ground_truth"
MASK_SUFFIXES = (".png", ".bmp", ".tif", ".tiff", ".jpg", ".jpeg")  # lossless first


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
        return plan
