"""Numba loops of seqkit/nn/parallel.py: row blocks of a matrix product, one block per thread."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from seqkit.fast import cache  # noqa: F401  (numba caches kernels on every seqkit source they reach)


@njit(cache=True, parallel=True)
def mm_rows(A, B, out, n_blocks):
    """out = A @ B, by row blocks of A."""
    N = A.shape[0]
    step = (N + n_blocks - 1) // n_blocks
    for k in prange(n_blocks):
        lo, hi = k * step, min(N, (k + 1) * step)
        if lo < hi:
            np.dot(A[lo:hi], B, out[lo:hi])


@njit(cache=True, parallel=True)
def mm_tn_partial(A, B, parts):
    """parts[k] = A[block k].T @ B[block k]."""
    N = A.shape[0]
    n_blocks = parts.shape[0]
    step = (N + n_blocks - 1) // n_blocks
    for k in prange(n_blocks):
        lo, hi = k * step, min(N, (k + 1) * step)
        if lo < hi:
            np.dot(A[lo:hi].T, B[lo:hi], parts[k])
        else:
            parts[k][:] = 0.0
