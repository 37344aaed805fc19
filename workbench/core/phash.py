"""Image fingerprints: a 64-bit perceptual hash, and the detail that tells a copy from a look-alike.

The hash keeps the sign of the 8x8 lowest DCT frequencies of a 32x32 grey downscale relative to
their median, so resizing, recompression and small brightness changes barely move it while a
different scene changes about half of its bits. Pictures of one uniform surface (steel, film,
paper) share those frequencies, though: the line's lamp, not the part, sets them. So
:func:`similar_pairs` compares what the lamp does not set: the fine detail of a thumbnail and of
the row and column means, with the lighting fitted out, with what the whole set shares removed,
and aligned to a fraction of a pixel. A re-saved or shifted copy keeps its detail; another part of
the same surface does not.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import cv2
import numpy as np

from workbench.core.imageio import to_gray8

HASH_BITS = 64
_SIDE = 32
_LOW = 8


def phash(img: np.ndarray) -> int:
    """Perceptual hash of an image of any dtype and channel count, as an unsigned 64-bit int."""
    gray = to_gray8(img)
    small = cv2.resize(gray, (_SIDE, _SIDE), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:_LOW, :_LOW].flatten()
    # The DC term (mean brightness) dwarfs the others; keeping it out of the median keeps the
    # threshold about structure, not exposure.
    median = float(np.median(low[1:]))
    bits = low > median
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return value


def hamming(a: int, b: int) -> int:
    """Number of differing bits of two hashes."""
    return bin((a ^ b) & ((1 << HASH_BITS) - 1)).count("1")


_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)
_BLOCK = 256  # rows compared at once in near_pairs: bounded memory, few Python iterations


def _popcount(x: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(x).astype(np.int64)
    per_byte = _BYTE_BITS[x.view(np.uint8).reshape(*x.shape, 8)]
    return per_byte.sum(axis=-1, dtype=np.int64)


def hamming_to_many(h: int, others: np.ndarray) -> np.ndarray:
    """Hamming distances of one hash to an array of uint64 hashes (vectorised)."""
    return _popcount(np.bitwise_xor(np.asarray(others, dtype=np.uint64), np.uint64(h)))


def near_pairs(hashes: list[int], max_distance: int) -> list[tuple[int, int, int]]:
    """Index pairs ``(i, j, distance)``, ``i < j``, of hashes at most ``max_distance`` bits apart."""
    arr = np.asarray(hashes, dtype=np.uint64)
    pairs: list[tuple[int, int, int]] = []
    for start in range(0, len(arr), _BLOCK):
        block = arr[start : start + _BLOCK]
        dist = _popcount(np.bitwise_xor(block[:, None], arr[None, start:]))
        rows, cols = np.nonzero(dist <= max_distance)
        for r, c in zip(rows.tolist(), cols.tolist()):
            if c > r:  # columns start at the block's first row: keep each pair once, skip self
                pairs.append((start + r, start + c, int(dist[r, c])))
    return pairs


# ---------------------------------------------------------------------- fingerprint pixel check
THUMB_SIDE = 32
PROFILE_LENGTH = 256
_DETAIL_SIGMA = 2.0  # thumbnail pixels: lighting is coarser than this, texture finer
_PROFILE_SIGMA = 6.0  # profile samples, for the same reason
_TRIM = 4  # thumbnail pixels at each border left out: the blur and the alignment invent them
_PROFILE_TRIM = 12  # profile samples at each end left out, for the same reason
_PROFILE_SHIFT = 8  # profile samples: the largest offset tried (2 px of a 64 px image)
_MAX_SHIFT = 2.0  # thumbnail pixels; a larger offset is another view, not a re-saved copy
_FLAT = 1e-3  # grey levels of detail (RMS) below which a picture has nothing to compare
CANDIDATE_SIMILARITY = 0.1  # unaligned thumbnail correlation that earns a closer look
# Unrelated pictures (other parts of one surface, other scenes) stay below this on both measures.
LOOKALIKE_SIMILARITY = 0.3
SHARED_WEIGHT = 3.5  # pictures' worth of one pattern before it counts as shared (a copy pair: 2)
_SHARED_MAX = 4  # shared patterns removed at most
_SHARED_SAMPLE = 4096  # rows the shared patterns are looked for in
_SHARED_ITERATIONS = 12
_GRAM_BLOCK = 512
_PAIR_CHUNK = 16384  # candidate pairs whose profiles are compared at once (bounded memory)
_WINDOW = cv2.createHanningWindow((THUMB_SIDE, THUMB_SIDE), cv2.CV_32F)
_SIZES = (THUMB_SIDE * THUMB_SIDE, 2 * PROFILE_LENGTH)


class _Quadratics:
    """Least-squares quadratic in 1 or 2 dimensions: the lighting of a line (ramps, falloff)."""

    def __init__(self, *shape: int) -> None:
        axes = np.meshgrid(*[np.linspace(-1.0, 1.0, n) for n in shape], indexing="ij")
        terms = [np.ones(shape), *axes] + [a * b for i, a in enumerate(axes) for b in axes[i:]]
        self.basis = np.stack([t.ravel() for t in terms], axis=1).astype(np.float32)
        self.solve = np.linalg.pinv(self.basis).astype(np.float32)

    def remove(self, values: np.ndarray) -> np.ndarray:
        flat = values.ravel()
        return (flat - self.basis @ (self.solve @ flat)).reshape(values.shape)


_THUMB_LIGHTING = _Quadratics(THUMB_SIDE, THUMB_SIDE)
_PROFILE_LIGHTING = _Quadratics(PROFILE_LENGTH)


@dataclass(frozen=True)
class Fingerprint:
    """The detail of a grey thumbnail and of the image's row and column means.

    Detail is what is left once the lighting (a quadratic fit: ramps, lens falloff) and
    everything coarser than a few samples are removed, kept as floats because the grain of a
    uniform surface can be a fraction of a grey level at thumbnail scale. The thumbnail compares
    the picture in two dimensions but has few pixels: the streaks of a brushed or rolled surface
    leave it about one number per row, and two random sets of 32 numbers can correlate. The
    profiles keep ``PROFILE_LENGTH`` samples along each axis, enough to tell streaks apart.
    """

    thumb: np.ndarray  # (THUMB_SIDE, THUMB_SIDE) float32
    profiles: np.ndarray  # (2, PROFILE_LENGTH) float32: rows, columns

    def encode(self) -> str:
        """Text form for a JSON cache (each array as int8 with its own float32 scale)."""
        parts = []
        for values in (self.thumb.ravel(), self.profiles.ravel()):
            scale = max(float(np.abs(values).max()) / 127.0, 1e-12)
            parts.append(np.float32(scale).astype("<f4").tobytes())
            parts.append(np.round(values / scale).astype(np.int8).tobytes())
        return base64.b64encode(b"".join(parts)).decode("ascii")

    @classmethod
    def decode(cls, text: str) -> Fingerprint:
        """Inverse of :meth:`encode`; a damaged text raises ``ValueError``."""
        raw = base64.b64decode(text.encode("ascii"), validate=True)
        if len(raw) != sum(_SIZES) + 8:
            raise ValueError(f"fingerprint of {len(raw)} bytes, expected {sum(_SIZES) + 8}")
        arrays, at = [], 0
        for size in _SIZES:
            scale = float(np.frombuffer(raw[at : at + 4], "<f4")[0])
            if not np.isfinite(scale) or scale <= 0:
                raise ValueError("fingerprint scale is not a positive number")
            arrays.append(np.frombuffer(raw[at + 4 : at + 4 + size], np.int8).astype(np.float32) * scale)
            at += 4 + size
        return cls(arrays[0].reshape(THUMB_SIDE, THUMB_SIDE), arrays[1].reshape(2, PROFILE_LENGTH))


def _resample(values: np.ndarray) -> np.ndarray:
    column = values.astype(np.float32).reshape(-1, 1)
    method = cv2.INTER_AREA if len(values) >= PROFILE_LENGTH else cv2.INTER_LINEAR
    return cv2.resize(column, (1, PROFILE_LENGTH), interpolation=method).ravel()


def _thumb_detail(small: np.ndarray) -> np.ndarray:
    unlit = _THUMB_LIGHTING.remove(small)
    return unlit - cv2.GaussianBlur(unlit, (0, 0), _DETAIL_SIGMA)


def _profile_detail(profile: np.ndarray) -> np.ndarray:
    unlit = _PROFILE_LIGHTING.remove(profile)
    return unlit - cv2.GaussianBlur(unlit.reshape(1, -1), (0, 0), _PROFILE_SIGMA, sigmaY=1e-3).ravel()


def fingerprint(img: np.ndarray) -> Fingerprint:
    """Fingerprint of an image of any dtype and channel count (see :class:`Fingerprint`)."""
    plane = to_gray8(img).astype(np.float32)  # float before averaging: 8-bit rounding hides grain
    small = cv2.resize(plane, (THUMB_SIDE, THUMB_SIDE), interpolation=cv2.INTER_AREA)
    rows, cols = _resample(plane.mean(axis=1)), _resample(plane.mean(axis=0))
    profiles = np.stack([_profile_detail(rows), _profile_detail(cols)])
    return Fingerprint(_thumb_detail(small).astype(np.float32), profiles.astype(np.float32))


def _unit(x: np.ndarray) -> np.ndarray | None:
    x = x - x.mean()
    norm = float(np.linalg.norm(x))
    return x / norm if norm > _FLAT * np.sqrt(x.size) else None


def _shifted(x: np.ndarray, dx: float, dy: float) -> np.ndarray:
    m = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
    size = (x.shape[1], x.shape[0])
    return cv2.warpAffine(x, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _inner(x: np.ndarray) -> np.ndarray:
    return x[_TRIM:-_TRIM, _TRIM:-_TRIM]


def _shared_directions(rows: np.ndarray) -> np.ndarray:
    """Orthonormal patterns that many of the (unit) rows hold: the lamp, the product's layout.

    A pattern counts when the rows' squared projections on it add up to more than
    ``SHARED_WEIGHT`` rows' worth, and to more than random rows would reach (the
    Marchenko-Pastur edge), so the two members of a copy pair never make one.
    """
    n, d = rows.shape
    if n < 3:
        return np.zeros((0, d), np.float32)
    step = max(1, n // _SHARED_SAMPLE)
    sample = rows[::step].astype(np.float64)
    # Only the strongest few patterns matter: a subspace iteration finds them for a fraction of
    # the cost of a full decomposition (seeded, so a scan gives the same flags every time).
    basis = np.random.default_rng(0).standard_normal((d, min(d, _SHARED_MAX + 4)))
    for _ in range(_SHARED_ITERATIONS):
        basis, _ = np.linalg.qr(sample.T @ (sample @ basis))
    projected = sample @ basis
    weights, vectors = np.linalg.eigh(projected.T @ projected)
    order = np.argsort(weights)[::-1][:_SHARED_MAX]
    weights, directions = weights[order] * step, (basis @ vectors[:, order]).T
    bar = max(SHARED_WEIGHT, 2.0 * n / d * (1.0 + np.sqrt(d / n)) ** 2)
    count = int(np.argmin(np.append(weights >= bar, False)))  # leading run of strong patterns
    return directions[:count].astype(np.float32)


def _without(x: np.ndarray, shared: np.ndarray) -> np.ndarray | None:
    """Unit vector of ``x`` after removing its projection on the ``shared`` directions."""
    flat = x.ravel()
    return _unit(flat - (shared @ flat) @ shared)


def pixel_similarity(a: Fingerprint, b: Fingerprint, shared: np.ndarray | None = None) -> float:
    """Correlation of two thumbnails' detail after aligning them (1 = same picture).

    Brightness, contrast and lighting drop out, and so does a shift of up to ``_MAX_SHIFT``
    thumbnail pixels; a picture without detail (a flat frame) scores 0. ``shared``: orthonormal
    patterns of the whole set (an uneven lamp), removed from both before comparing.
    """
    if shared is None:
        shared = np.zeros((0, (THUMB_SIDE - 2 * _TRIM) ** 2), np.float32)
    (dx, dy), _ = cv2.phaseCorrelate(a.thumb, b.thumb, _WINDOW)
    if abs(dx) > _MAX_SHIFT or abs(dy) > _MAX_SHIFT:
        dx = dy = 0.0
    # Half the shift on each side: both get the same interpolation blur, so a copy still scores ~1.
    ua = _without(_inner(_shifted(a.thumb, dx / 2, dy / 2)), shared)
    ub = _without(_inner(_shifted(b.thumb, -dx / 2, -dy / 2)), shared)
    if ua is None or ub is None:
        return 0.0
    return float((ua * ub).sum())


_WINDOW_START = _PROFILE_TRIM + _PROFILE_SHIFT
_WINDOW_STOP = PROFILE_LENGTH - _PROFILE_TRIM - _PROFILE_SHIFT


class _Screen:
    """Unaligned similarities of blocks of fingerprints, as matrix products.

    A line's lamp lights every picture alike, and its unevenness survives in the detail; the
    patterns many pictures of the set share are removed from each in proportion to how much of
    them the picture holds, so a picture without them is left alone.
    """

    def __init__(self, prints: list[Fingerprint]) -> None:
        units = [_unit(_inner(p.thumb)) for p in prints]
        self.ids = [i for i, u in enumerate(units) if u is not None]
        flat = [u.ravel() for u in units if u is not None]
        rows = np.stack(flat) if flat else np.zeros((0, (THUMB_SIDE - 2 * _TRIM) ** 2), np.float32)
        self.shared = _shared_directions(rows)
        rows = rows - (rows @ self.shared.T) @ self.shared
        # A picture that is nothing but the shared patterns has nothing left: its row stays ~0.
        norms = np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-3)
        self.thumbs = (rows / norms).astype(np.float32)
        empty = np.zeros((0, 2, PROFILE_LENGTH), np.float32)
        profiles = np.stack([prints[i].profiles for i in self.ids]) if self.ids else empty
        # Each profile is compared over one centre window at every shift. Both axes share one
        # norm, so the axis that carries the detail (across streaks) dominates the score.
        window = slice(_WINDOW_START, _WINDOW_STOP)
        profiles = profiles - profiles[:, :, window].mean(axis=2, keepdims=True)
        for axis in range(2):
            centre = profiles[:, axis, window]
            shared = _shared_directions(centre / (np.linalg.norm(centre, axis=1, keepdims=True) + 1e-12))
            # The patterns are found on the window and removed from the whole profile with the
            # window's weights, so a shifted copy of a profile loses the same share as its original.
            weights = centre @ shared.T
            padded = np.zeros((len(shared), PROFILE_LENGTH), np.float32)
            padded[:, window] = shared
            profiles[:, axis] -= weights @ padded
        self.profiles = profiles
        self.norms = np.sqrt((profiles[:, :, _WINDOW_START:_WINDOW_STOP] ** 2).sum(axis=(1, 2))) + 1e-12

    def candidates(
        self, thumb_bar: float, profile_bar: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Pairs ``a < b`` whose unaligned thumbnails and profiles reach the bars.

        Returns ``(a, b, thumb, profile)`` arrays. The profiles, slower to compare (every shift
        of each axis), are compared only for pairs whose thumbnails pass.
        """
        found: list[tuple[np.ndarray, ...]] = []
        n = len(self.ids)
        for r0 in range(0, n, _GRAM_BLOCK):
            for c0 in range(r0, n, _GRAM_BLOCK):
                block = self.thumbs[r0 : r0 + _GRAM_BLOCK] @ self.thumbs[c0 : c0 + _GRAM_BLOCK].T
                rows, cols = np.nonzero(block >= thumb_bar)
                keep = rows + r0 < cols + c0  # diagonal blocks hold each pair twice, and self-pairs
                rows, cols = rows[keep], cols[keep]
                for i in range(0, len(rows), _PAIR_CHUNK):
                    a, b = rows[i : i + _PAIR_CHUNK] + r0, cols[i : i + _PAIR_CHUNK] + c0
                    profile = self._profiles(a, b)
                    hit = profile >= profile_bar
                    thumb = block[rows[i : i + _PAIR_CHUNK], cols[i : i + _PAIR_CHUNK]]
                    found.append((a[hit], b[hit], thumb[hit], profile[hit]))
        if not found:
            none = np.zeros(0, np.int64)
            return none, none, none.astype(np.float32), none.astype(np.float32)
        a, b, thumb, profile = (np.concatenate(parts) for parts in zip(*found))
        return a, b, thumb, profile

    def _profiles(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        centre = self.profiles[b, :, _WINDOW_START:_WINDOW_STOP]
        dots = np.zeros(len(a), np.float32)
        for axis in range(2):
            best = np.full(len(a), -np.inf, np.float32)
            for shift in range(-_PROFILE_SHIFT, _PROFILE_SHIFT + 1):
                moved = self.profiles[a, axis, _WINDOW_START + shift : _WINDOW_STOP + shift]
                np.maximum(best, np.einsum("ij,ij->i", moved, centre[:, axis]), out=best)
            dots += best
        return dots / (self.norms[a] * self.norms[b])


def similar_pairs(
    prints: list[Fingerprint],
    min_similarity: float,
    max_lookalikes: int | None = None,
    lookalike_similarity: float = LOOKALIKE_SIMILARITY,
) -> list[tuple[int, int, float]]:
    """Index pairs ``(i, j, similarity)``, ``i < j``, of fingerprints that match.

    A pair matches when its profiles and its aligned thumbnails (:func:`pixel_similarity`)
    both correlate at ``min_similarity`` or more; ``similarity`` is the smaller of the two.
    Every pair is screened at once with matrix products (no hash can hide a copy); only
    pairs whose unaligned thumbnails fall short get the aligned check.

    With ``max_lookalikes``, a fingerprint that still resembles more than that many others at
    ``lookalike_similarity`` (unaligned, well above what unrelated pictures reach) once the
    patterns of the whole set are removed belongs to a family of look-alike parts, not copies:
    its pairs are left out. A copy within such a family is missed; fingerprints cannot tell.
    """
    screen = _Screen(prints)
    bars = (min(CANDIDATE_SIMILARITY, lookalike_similarity), min(lookalike_similarity, min_similarity))
    a, b, thumb, profile = screen.candidates(*bars)
    counts = np.zeros(len(screen.ids), np.int64)
    alike = (thumb >= lookalike_similarity) & (profile >= lookalike_similarity)
    np.add.at(counts, a[alike], 1)
    np.add.at(counts, b[alike], 1)
    limit = max_lookalikes if max_lookalikes is not None else len(screen.ids)
    pairs: list[tuple[int, int, float]] = []
    for i in np.flatnonzero(profile >= min_similarity):
        x, y = int(a[i]), int(b[i])
        sim = float(thumb[i])
        if sim < min_similarity:
            if max(counts[x], counts[y]) > limit:
                continue  # left out whatever the aligned check says
            sim = pixel_similarity(prints[screen.ids[x]], prints[screen.ids[y]], screen.shared)
            if sim < min_similarity:
                continue
            if thumb[i] < lookalike_similarity:  # a look-alike the unaligned count missed
                counts[x] += 1
                counts[y] += 1
        pairs.append((x, y, min(sim, float(profile[i]))))
    kept = [(x, y, v) for x, y, v in pairs if max(counts[x], counts[y]) <= limit]
    return sorted((screen.ids[x], screen.ids[y], v) for x, y, v in kept)
