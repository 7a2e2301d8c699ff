"""FNV-1a over a byte range, in Numba (the slow versions and the constants: fnv.py)."""

from __future__ import annotations

import numpy as np
from numba import njit

from seqkit.fast import cache  # noqa: F401  (numba caches kernels on every seqkit source they reach)
from seqkit.fast import fnv

FNV32_OFFSET, FNV32_PRIME = np.uint32(fnv.FNV32_OFFSET), np.uint32(fnv.FNV32_PRIME)
FNV64_OFFSET, FNV64_PRIME = np.uint64(fnv.FNV64_OFFSET), np.uint64(fnv.FNV64_PRIME)


@njit(inline="always")
def fnv64(buf, lo, hi):
    """64-bit FNV-1a of buf[lo:hi] (uint8), as uint64."""
    h = FNV64_OFFSET
    for j in range(lo, hi):
        h = (h ^ np.uint64(buf[j])) * FNV64_PRIME
    return h


@njit(inline="always")
def fnv32_and_64(buf, lo, hi):
    """(fastText's 32-bit FNV-1a of buf[lo:hi] with signed-byte xor, as int32; the 64-bit key, as int64),
    in one pass over the bytes."""
    h32 = FNV32_OFFSET
    h64 = FNV64_OFFSET
    for j in range(lo, hi):
        b = buf[j]
        h32 = (h32 ^ np.uint32(np.int32(np.int8(b)))) * FNV32_PRIME
        h64 = (h64 ^ np.uint64(b)) * FNV64_PRIME
    return np.int32(h32), np.int64(h64)
