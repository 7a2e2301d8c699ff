"""Matrix products split across Numba's threads, each block on a single-threaded BLAS.

Why not NumPy's threaded BLAS: after each product OpenBLAS's threads spin, waiting for more work, and
take the cores from the Numba kernels that run next (the attention kernels ran 1.5x slower right after
a threaded GEMM on 2 cores). With every parallel region in one thread pool nothing competes.
Row blocks of the output are independent; for A.T @ B the blocks are partial sums, added at the end.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from seqkit.runtime import numba_threads

_MIN_ROWS = 256  # below this a product is not worth splitting


@njit(cache=True, parallel=True)
def _mm_rows(A, B, out, n_blocks):
    """out = A @ B, by row blocks of A."""
    N = A.shape[0]
    step = (N + n_blocks - 1) // n_blocks
    for k in prange(n_blocks):
        lo, hi = k * step, min(N, (k + 1) * step)
        if lo < hi:
            np.dot(A[lo:hi], B, out[lo:hi])


@njit(cache=True, parallel=True)
def _mm_tn_partial(A, B, parts):
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


def _blocks(N: int) -> int:
    return max(1, min(numba_threads(), N // _MIN_ROWS))


def matmul(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A (N, K) @ B (K, M) -> (N, M)."""
    A, B = np.ascontiguousarray(A), np.ascontiguousarray(B)
    n = _blocks(A.shape[0])
    if n == 1:
        return A @ B
    out = np.empty((A.shape[0], B.shape[1]), np.result_type(A, B))
    _mm_rows(A, B, out, n)
    return out


def matmul_tn(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A (N, K).T @ B (N, M) -> (K, M): the weight gradient of a linear map over N rows."""
    A, B = np.ascontiguousarray(A), np.ascontiguousarray(B)
    n = _blocks(A.shape[0])
    if n == 1:
        return A.T @ B
    parts = np.empty((n, A.shape[1], B.shape[1]), np.result_type(A, B))
    _mm_tn_partial(A, B, parts)
    return parts.sum(axis=0)
