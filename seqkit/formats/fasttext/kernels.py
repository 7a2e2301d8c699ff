"""Numba loops of fastText prediction: a batch of lines' input rows (their words' rows given, word
n-grams hashed here) and the mean of those rows, from a dense or a product-quantized matrix. Each
line is independent: results do not depend on the thread count."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from seqkit.fast import cache  # noqa: F401  (numba caches kernels on every seqkit source they reach)

NGRAM_MUL = np.uint64(116049371)  # dictionary.cc addWordNgrams


@njit(cache=True)
def line_rows(word_rows, word_off, hashes, hash_off, bucket_row, cfg):
    """(rows, offsets) of each line: its words' rows, then its word n-grams' rows (addWordNgrams).
    cfg = (nwords, wordNgrams, bucket, pruned); bucket_row[b]: row after the words, -1 if dropped."""
    nwords, n, bucket, pruned = cfg
    lines = word_off.shape[0] - 1
    counts = np.zeros(lines, np.int64)
    for t in range(lines):
        k = hash_off[t + 1] - hash_off[t]
        counts[t] = word_off[t + 1] - word_off[t] + (k * (n - 1) if n > 1 and bucket > 0 else 0)
    rows = np.empty(counts.sum(), np.int64)
    offsets = np.zeros(lines + 1, np.int64)
    for t in range(lines):
        at = offsets[t]
        for i in range(word_off[t], word_off[t + 1]):
            rows[at] = word_rows[i]
            at += 1
        if n > 1 and bucket > 0:
            lo, hi = hash_off[t], hash_off[t + 1]
            for i in range(lo, hi):
                h = np.uint64(np.int64(hashes[i]))
                for j in range(i + 1, min(hi, i + n)):
                    h = h * NGRAM_MUL + np.uint64(np.int64(hashes[j]))
                    b = np.int64(h % np.uint64(bucket))
                    r = bucket_row[b] if pruned else b
                    if r >= 0:
                        rows[at] = nwords + r
                        at += 1
        offsets[t + 1] = at
    return rows, offsets


@njit(parallel=True, cache=True)
def mean_dense(W, rows, offsets, out):
    """out[t] = mean of W[rows[offsets[t]:offsets[t+1]]], added in order in float32 (fastText)."""
    for t in prange(offsets.shape[0] - 1):
        lo, hi = offsets[t], offsets[t + 1]
        if hi == lo:
            continue
        for i in range(lo, hi):
            for d in range(W.shape[1]):
                out[t, d] += W[rows[i], d]
        inv = np.float32(1.0 / (hi - lo))
        for d in range(W.shape[1]):
            out[t, d] *= inv


@njit(parallel=True, cache=True)
def mean_quantized(codes, tables, row_norm, rows, offsets, out):
    """As mean_dense, each row rebuilt from its codes: sub-vector m is tables[m, code, :width of m]
    (tables (nsubq, 256, dsub), the last sub-vector's width dim - (nsubq - 1) * dsub), times the
    row's norm (row_norm (m,), or empty: 1)."""
    nsubq, dsub, dim = tables.shape[0], tables.shape[2], out.shape[1]
    for t in prange(offsets.shape[0] - 1):
        lo, hi = offsets[t], offsets[t + 1]
        if hi == lo:
            continue
        for i in range(lo, hi):
            r = rows[i]
            a = np.float32(1.0) if row_norm.shape[0] == 0 else row_norm[r]
            for m in range(nsubq):
                c = codes[r, m]
                for j in range(min(dsub, dim - m * dsub)):
                    out[t, m * dsub + j] += a * tables[m, c, j]
        inv = np.float32(1.0 / (hi - lo))
        for d in range(dim):
            out[t, d] *= inv


@njit(parallel=True, cache=True)
def dot_rows(H, W, row_norm, out):
    """out[t, c] = W[c] . H[t] summed in order in float32 with fused multiply-adds (fastText's dotRow
    and mulcode as g++ -O3 -march=native compiles them), times row_norm[c] when given (qnorm)."""
    for t in prange(H.shape[0]):
        for c in range(W.shape[0]):
            acc = np.float32(0.0)
            for j in range(W.shape[1]):
                acc = np.float32(np.float64(acc) + np.float64(W[c, j]) * np.float64(H[t, j]))
            out[t, c] = acc if row_norm.shape[0] == 0 else acc * row_norm[c]
