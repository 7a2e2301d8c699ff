"""The quantizer's loops (productquantizer.cc): nearest centroid of each point, centroid means with
fastText's split of empty clusters. Parallel over points; each point's result is independent, so the
codes are the same for any thread count."""

from __future__ import annotations

import numpy as np
from numba import njit, prange


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
def update(x, c, codes, eps, seed):
    """MStep: each centroid the mean of its points; an empty one takes a copy of a populous centroid
    (chosen as fastText does), the two nudged apart by +-eps."""
    K, d, n = c.shape[0], c.shape[1], x.shape[0]
    np.random.seed(seed)
    nelts = np.zeros(K, np.int64)
    c[:] = 0.0
    for i in range(n):
        k = codes[i]
        for j in range(d):
            c[k, j] += x[i, j]
        nelts[k] += 1
    for k in range(K):
        if nelts[k] > 0:
            for j in range(d):
                c[k, j] /= np.float32(nelts[k])
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
