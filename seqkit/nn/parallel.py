"""Matrix products split across Numba's threads, each block on a single-threaded BLAS.

Why not NumPy's threaded BLAS: after each product OpenBLAS's threads spin, waiting for more work, and
take the cores from the Numba kernels that run next (the attention kernels ran 1.5x slower right after
a threaded GEMM on 2 cores). With every parallel region in one thread pool nothing competes.
Row blocks of the output are independent; for A.T @ B the blocks are partial sums, added at the end.
The loops live in parallel_kernels.py, imported only for a product big enough to split, so that a
small one (a one-line prediction) runs without importing Numba.
"""

from __future__ import annotations

import numpy as np

_MIN_ROWS = 256  # below this a product is not worth splitting


def _blocks(N: int) -> int:
    """Row blocks for an N-row product; under 2 * _MIN_ROWS rows one, without asking (importing) Numba."""
    if N < 2 * _MIN_ROWS:
        return 1
    from seqkit.runtime import numba_threads

    return max(1, min(numba_threads(), N // _MIN_ROWS))


def matmul(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A (N, K) @ B (K, M) -> (N, M)."""
    A, B = np.ascontiguousarray(A), np.ascontiguousarray(B)
    n = _blocks(A.shape[0])
    if n == 1:
        return A @ B
    from seqkit.nn.parallel_kernels import mm_rows

    out = np.empty((A.shape[0], B.shape[1]), np.result_type(A, B))
    mm_rows(A, B, out, n)
    return out


def matmul_tn(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A (N, K).T @ B (N, M) -> (K, M): the weight gradient of a linear map over N rows."""
    A, B = np.ascontiguousarray(A), np.ascontiguousarray(B)
    n = _blocks(A.shape[0])
    if n == 1:
        return A.T @ B
    from seqkit.nn.parallel_kernels import mm_tn_partial

    parts = np.empty((n, A.shape[1], B.shape[1]), np.result_type(A, B))
    mm_tn_partial(A, B, parts)
    return parts.sum(axis=0)
