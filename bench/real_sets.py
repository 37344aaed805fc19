"""The real data sets of ``../shared/datasets`` as folders the workbench's folder importer reads.

Layout written (one folder per set): ``<split>/OK/<piece>.png`` and
``<split>/NG/<class>/<piece>.png`` with ``<piece>_mask.png`` (0/255) beside each NG piece.

CrackForest and BSData show a defect on every photo, so whole photos give no OK part and no
image AUROC or overkill. Each photo is cut into pieces and a piece is the inspected part: NG
when its mask holds at least ``min_defect_px`` defect pixels, OK when it holds none; pieces in
between are left out as ambiguous (a 3-pixel sliver of crack is neither a clear NG nor an OK).
With an edge margin of ``m`` pixels (``prepare(..., edge_px=m)``; 0, the default, keeps the rule
above alone) a piece is also ambiguous when its defect pixels all lie within ``m`` pixels of its
border (a defect the cut left only a rim of: crackforest's weakest test NG parts were such rims,
5-11 rows of a crack along the piece's edge), or when it has none but the photo has some within
``m`` pixels outside it (a defect the cut left just outside).
Splits are drawn per group of source photos, so pieces of one photo never straddle train and
test; in BSData a group is one spot of the spindle (see :func:`bsdata_group`). elpv cells are
parts as they are (OK/ and NG/; doubtful/ is left out).
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

TEST_SHARE = 0.25
VAL_SHARE = 0.2  # of what is left after the test split
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class SetInfo:
    """How one data set is turned into parts."""

    name: str
    task: str  # the workbench task our side trains
    defect_class: str
    piece: int  # piece edge in pixels; 0 = whole images are the parts


SETS: dict[str, SetInfo] = {
    "crackforest": SetInfo("crackforest", "segmentation", "crack", 160),
    "bsdata": SetInfo("bsdata", "segmentation", "pitting", 384),
    "elpv-mono": SetInfo("elpv-mono", "classification", "defect", 0),
}


@dataclass
class Source:
    """One photo of a data set and how to get its defect mask (None for image-label sets)."""

    stem: str
    image: Path
    mask: Callable[[tuple[int, int]], np.ndarray] | None = None
    label: str = "ng"
    group: str = ""  # photos of one group share a split; "" = the photo is its own group

    @property
    def key(self) -> str:
        return self.group or self.stem


@dataclass
class Prepared:
    """What was written: parts per split and label, and what was left out."""

    folder: Path
    info: SetInfo
    parts: dict[str, Counter[str]] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)
    ambiguous: int = 0
    edge: int = 0  # of the ambiguous pieces, those the edge margin left out
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"folder": str(self.folder), "parts": {k: dict(v) for k, v in self.parts.items()},
                "sources": self.sources, "ambiguous_pieces": self.ambiguous, "edge_pieces": self.edge,
                "notes": self.notes}  # fmt: skip


def crackforest_sources(root: Path) -> list[Source]:
    out = []
    for image in sorted((root / "images").glob("*.jpg")):
        mask_path = root / "masks" / f"{image.stem}.png"
        if mask_path.is_file():
            out.append(Source(image.stem, image, _png_mask(mask_path)))
    return out


def _png_mask(path: Path) -> Callable[[tuple[int, int]], np.ndarray]:
    def load(shape: tuple[int, int]) -> np.ndarray:
        mask = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if mask is None or mask.shape != shape:
            raise ValueError(f"mask {path} is unreadable or does not match its image {shape}")
        return (mask > 0).astype(np.uint8)

    return load


def bsdata_sources(root: Path) -> list[Source]:
    out = []
    for js in sorted(root.glob("*.json")):
        image = root / json.loads(js.read_text(encoding="utf-8"))["imagePath"]
        if image.is_file():
            out.append(Source(js.stem, image, _labelme_mask(js), group=bsdata_group(js.stem)))
    return out


def bsdata_group(stem: str) -> str:
    """The spindle spot a BSData photo shows.

    ``01_<yymmddhhmmss>_<position>_<angle>_crop_<k>`` names one spot photographed again and
    again over weeks while its pitting grows (up to 29 photos per spot), and ``_crop_<k>`` are
    cuts of one photo; a test photo of a spot seen in training would measure memory, not
    inspection, so a whole spot goes to one split.
    """
    return re.sub(r"^\d+_\d{12}_", "", re.sub(r"_crop_\d+$", "", stem))


def _labelme_mask(path: Path) -> Callable[[tuple[int, int]], np.ndarray]:
    """The labelme polygons rasterised: the data set's own ground truth."""

    def load(shape: tuple[int, int]) -> np.ndarray:
        doc = json.loads(path.read_text(encoding="utf-8"))
        mask = np.zeros(shape, np.uint8)
        for s in doc.get("shapes", []):
            if s.get("shape_type", "polygon") != "polygon" or len(s.get("points", [])) < 3:
                continue
            pts = np.round(np.asarray(s["points"], np.float64)).astype(np.int32)
            cv2.fillPoly(mask, [pts.reshape(-1, 1, 2)], 1)
        return mask

    return load


def elpv_sources(root: Path) -> list[Source]:
    return [
        Source(f"{label}_{p.stem}", p, None, label.lower())
        for label in ("OK", "NG")
        for p in sorted((root / label).glob("*.png"))
    ]


SOURCE_READERS: dict[str, Callable[[Path], list[Source]]] = {
    "crackforest": crackforest_sources,
    "bsdata": bsdata_sources,
    "elpv-mono": elpv_sources,
}


def _at_edge(mask: np.ndarray, y: int, x: int, size: int, edge: int, defect: bool) -> bool:
    """An NG piece whose defect lies only within ``edge`` px of its border, or an OK piece with
    defect pixels within ``edge`` px outside it."""
    if defect:
        return not mask[y + edge : y + size - edge, x + edge : x + size - edge].any()
    return bool(mask[max(y - edge, 0) : y + size + edge, max(x - edge, 0) : x + size + edge].any())


def starts(length: int, size: int) -> list[int]:
    """Piece offsets along one axis: a remainder under half a piece is trimmed evenly from both
    ends, a larger one gets one more piece shifted inward to end at the edge."""
    if length <= size:
        return [0]
    n, rest = divmod(length, size)
    if rest * 2 >= size:
        return [k * size for k in range(n)] + [length - size]
    return [rest // 2 + k * size for k in range(n)]


def _deal(groups: dict[str, list[str]], seed: int, salt: int) -> dict[str, str]:
    """Whole groups, in seeded order, to test until it holds about TEST_SHARE of the photos,
    then to val until it holds about VAL_SHARE of the rest; the others to train."""
    keys = sorted(groups)
    order = [keys[i] for i in np.random.default_rng([seed, salt]).permutation(len(keys))]
    total = sum(len(v) for v in groups.values())
    goals = {"test": round(total * TEST_SHARE) if len(keys) >= 3 else 0}
    goals["val"] = round((total - goals["test"]) * VAL_SHARE) if len(keys) >= 3 else 0
    out: dict[str, str] = {}
    taken = Counter[str]()
    for key in order:
        # A group joins a split while that brings the split closer to its goal (big spots
        # would otherwise overshoot it by up to 29 photos).
        size = len(groups[key])
        split = next((s for s in ("test", "val") if taken[s] + size / 2 <= goals[s]), "train")
        taken[split] += size
        out.update(dict.fromkeys(groups[key], split))
    return out


def assign(sources: list[Source], seed: int) -> dict[str, str]:
    """Source stem -> split; stratified by image label (only elpv has more than one)."""
    out: dict[str, str] = {}
    for salt, label in enumerate(sorted({s.label for s in sources})):
        groups: dict[str, list[str]] = {}
        for s in sources:
            if s.label == label:
                groups.setdefault(s.key, []).append(s.stem)
        out.update(_deal(groups, seed, salt))
    return out


def subsample(sources: list[Source], n: int | None, seed: int) -> list[Source]:
    """At most ``n`` sources, drawn with the seed, each label keeping its share (at least 3)."""
    if n is None or n >= len(sources):
        return sources
    rng = np.random.default_rng([seed, 99])
    labels = Counter(s.label for s in sources)
    kept: list[Source] = []
    for label, count in sorted(labels.items()):
        group = [s for s in sources if s.label == label]
        take = min(count, max(3, round(n * count / len(sources))))
        kept += [group[i] for i in sorted(rng.choice(len(group), take, replace=False))]
    return kept


def prepare(
    name: str, root: Path, out: Path, seed: int, max_images: int | None, min_defect_px: int, edge_px: int = 0
) -> Prepared:
    """Write the set's parts below ``out`` in the folder importer's layout."""
    info = SETS[name]
    sources = subsample(SOURCE_READERS[name](root), max_images, seed)
    if not sources:
        raise FileNotFoundError(f"no images found in {root}")
    if out.exists():
        shutil.rmtree(out)
    split_of = assign(sources, seed)
    result = Prepared(out, info, {s: Counter() for s in SPLITS}, dict(Counter(split_of.values())))
    for src in sources:
        split = split_of[src.stem]
        if info.piece == 0:
            dst = out / split / src.label.upper() / f"{src.stem}{src.image.suffix}"
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src.image, dst)
            result.parts[split][src.label] += 1
        else:
            _write_pieces(src, out / split, info, (min_defect_px, edge_px), result.parts[split], result)
    return result


def _write_pieces(
    src: Source, folder: Path, info: SetInfo, rule: tuple[int, int], counts: Counter[str], result: Prepared
) -> None:
    min_px, edge = rule
    image = cv2.imread(str(src.image), cv2.IMREAD_UNCHANGED)
    if image is None or src.mask is None:
        result.notes.append(f"{src.image.name}: unreadable, left out")
        return
    mask = src.mask(image.shape[:2])
    size = info.piece
    for y in starts(image.shape[0], size):
        for x in starts(image.shape[1], size):
            piece_mask = mask[y : y + size, x : x + size]
            defect = int(piece_mask.sum())
            if 0 < defect < min_px:
                result.ambiguous += 1
                continue
            if edge and _at_edge(mask, y, x, size, edge, defect > 0):
                result.ambiguous += 1
                result.edge += 1
                continue
            stem = f"{src.stem}_y{y}x{x}"
            sub = folder / "NG" / info.defect_class if defect else folder / "OK"
            sub.mkdir(parents=True, exist_ok=True)
            # PNG: re-encoding a JPEG piece as JPEG would add a second round of artefacts.
            cv2.imwrite(str(sub / f"{stem}.png"), image[y : y + size, x : x + size])
            if defect:
                cv2.imwrite(str(sub / f"{stem}_mask.png"), piece_mask * 255)
            counts["ng" if defect else "ok"] += 1
