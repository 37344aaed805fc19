"""64-bit perceptual hash of an image and Hamming distances between hashes.

The hash keeps the sign of the 8x8 lowest DCT frequencies of a 32x32 grey downscale relative to
their median, so resizing, recompression and small brightness changes barely move it while a
different part or view changes about half of its bits.
"""

from __future__ import annotations

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
