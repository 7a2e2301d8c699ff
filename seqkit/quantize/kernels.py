"""The quantizer's loops (productquantizer.cc): nearest centroid of each point, centroid means with
fastText's split of empty clusters. Parallel over points; each point's result is independent, so the
codes are the same for any thread count."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from seqkit.fast import cache  # noqa: F401  (numba caches kernels on every seqkit source they reach)


BLOCK = 1024  # points per task: each task owns one distance buffer


@njit(parallel=True, cache=True)
def assign(x, c, codes):
    """codes[i] = nearest centroid of x[i] (Estep / compute_codes), the first on ties; x (n, d),
    c (K, d). Distances to all K centroids at once (the loop over K vectorizes)."""
    n, d, K = x.shape[0], x.shape[1], c.shape[0]
    ct = np.ascontiguousarray(c.T)  # (d, K)
    for b in prange((n + BLOCK - 1) // BLOCK):
        dist = np.empty(K, np.float32)
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            dist[:] = 0.0
            for j in range(d):
                xj = x[i, j]
                for k in range(K):
                    t = xj - ct[j, k]
                    dist[k] += t * t
            best, dm = 0, dist[0]
            for k in range(1, K):
                if dist[k] < dm:
                    best, dm = k, dist[k]
            codes[i] = best


@njit(cache=True)
def update(x, w, c, codes, eps, seed):
    """MStep: each centroid the mean of its points weighted by w (n,) (fastText: all ones); an empty one
    takes a copy of a populous centroid (chosen by counts, as fastText does), the two nudged apart by +-eps."""
    K, d, n = c.shape[0], c.shape[1], x.shape[0]
    np.random.seed(seed)
    nelts = np.zeros(K, np.int64)
    total = np.zeros(K)  # weight of each cluster
    sums = np.zeros((K, d))
    for i in range(n):
        k = codes[i]
        for j in range(d):
            sums[k, j] += w[i] * x[i, j]
        total[k] += w[i]
        nelts[k] += 1
    c[:] = 0.0
    for k in range(K):
        if nelts[k] > 0:
            for j in range(d):
                c[k, j] = sums[k, j] / total[k]
    for k in range(K):
        if nelts[k] == 0:
            m = 0
            while np.random.random() * (n - K) >= nelts[m] - 1:
                m = (m + 1) % K
            for j in range(d):
                sign = np.float32((j % 2) * 2 - 1)
                c[k, j] = c[m, j] + sign * eps
                c[m, j] -= sign * eps
            nelts[k] = nelts[m] // 2
            nelts[m] -= nelts[k]


@njit(cache=True)
def _segment_cost(P, Q, N, j, i):
    """Squared error of groups j..i (inclusive) around their mean; P, Q, N: prefix sums of the values,
    their squares and their counts at the group boundaries."""
    s = P[i + 1] - P[j]
    return Q[i + 1] - Q[j] - s * s / (N[i + 1] - N[j])


@njit(cache=True)
def _best_last_segments(P, Q, N, prev, cur, arg, lo, hi, optlo, opthi):
    """cur[i] = min over j of prev[j - 1] + cost(j..i) for i in [lo, hi): the best split j is monotone in i,
    so the middle i is solved over [optlo, opthi] and each half searches its side (divide and conquer)."""
    if lo >= hi:
        return
    mid = (lo + hi) // 2
    best, bj = np.inf, optlo
    for j in range(optlo, min(mid, opthi) + 1):
        v = prev[j - 1] + _segment_cost(P, Q, N, j, mid)
        if v < best:
            best, bj = v, j
    cur[mid], arg[mid] = best, bj
    _best_last_segments(P, Q, N, prev, cur, arg, lo, mid, optlo, bj)
    _best_last_segments(P, Q, N, prev, cur, arg, mid + 1, hi, bj, opthi)


@njit(cache=True)
def optimal_segments(P, Q, N, K):
    """Starts (K,) of the K contiguous segments of G sorted groups with the least total squared error
    (1-D k-means solved exactly by dynamic programming, O(K G log G)); G >= K."""
    G = P.shape[0] - 1
    prev = np.empty(G)
    for i in range(G):
        prev[i] = _segment_cost(P, Q, N, 0, i)
    arg = np.zeros((K, G), np.int32)  # arg[k, i]: start of the last of k + 1 segments ending at group i
    for k in range(1, K):
        cur = np.full(G, np.inf)
        _best_last_segments(P, Q, N, prev, cur, arg[k], k, G, k, G - 1)
        prev = cur
    starts = np.zeros(K, np.int64)
    end = G - 1
    for k in range(K - 1, 0, -1):
        starts[k] = arg[k, end]
        end = starts[k] - 1
    return starts
