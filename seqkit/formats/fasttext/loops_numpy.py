"""kernels.py's loops in NumPy, for a few short lines: `echo TEXT | seqkit predict model.ftz` then never
imports Numba (its import and compiled kernels cost ~100 MB of memory and ~0.5 s, far more than one
line's work). Same signatures and the same float32 operations in the same order as the kernels, so the
answers are equal bit for bit (tests/formats/test_fasttext_numpy_path.py checks it on every fixture)."""

from __future__ import annotations

import numpy as np

MASK64 = (1 << 64) - 1
NGRAM_MUL = 116049371  # dictionary.cc addWordNgrams (kernels.NGRAM_MUL)


def line_rows(word_rows, word_off, hashes, hash_off, bucket_row, cfg):
    """kernels.line_rows: (rows, offsets) of each line, its words' rows then its word n-grams' rows."""
    nwords, n, bucket, pruned = cfg
    rows, offsets = [], [0]
    for t in range(len(word_off) - 1):
        rows.extend(word_rows[word_off[t]: word_off[t + 1]].tolist())
        if n > 1 and bucket > 0:
            u = [h & MASK64 for h in hashes[hash_off[t]: hash_off[t + 1]].tolist()]  # sign-extended to 64 bits
            for i in range(len(u)):
                h = u[i]
                for j in range(i + 1, min(len(u), i + n)):
                    h = (h * NGRAM_MUL + u[j]) & MASK64
                    r = int(bucket_row[h % bucket]) if pruned else h % bucket
                    if r >= 0:
                        rows.append(nwords + r)
        offsets.append(len(rows))
    return np.array(rows, np.int64), np.array(offsets, np.int64)


def mean_matrix_rows(matrix, rows, offsets, out) -> None:
    """kernels.mean_dense / mean_quantized: out[t] = the rows of line t (a quantized row rebuilt as its
    norm times its centroids) added in order in float32, times float32(1 / count)."""
    for t in range(len(offsets) - 1):
        lo, hi = int(offsets[t]), int(offsets[t + 1])
        if hi == lo:
            continue
        acc = out[t]  # (dim,) view
        for v in matrix.rows(rows[lo:hi]):  # (hi - lo, dim) float32
            acc += v
        acc *= np.float32(1.0 / (hi - lo))


def dot_rows(H, W, row_norm, out) -> None:
    """kernels.dot_rows: out[t, c] = W[c] . H[t], each step's product exact in float64 and the sum
    rounded to float32 after it (fastText's fused multiply-add), times row_norm[c] when given."""
    H64, W64 = H.astype(np.float64), W.astype(np.float64)  # (N, dim), (C, dim)
    acc = np.zeros((H.shape[0], W.shape[0]), np.float32)  # (N, C)
    for j in range(W.shape[1]):
        acc = (acc.astype(np.float64) + H64[:, j, None] * W64[None, :, j]).astype(np.float32)
    out[:] = acc if row_norm.shape[0] == 0 else acc * row_norm[None, :]
