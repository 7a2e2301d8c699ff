"""Numba kernels of LayerNorm: one pass per row for the forward, one for the backward, rows split
across threads; the gamma/beta gradients are per-block partial sums added at the end (deterministic
for a given number of threads). The NumPy formulas they replace are in LayerNorm's docstring."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from seqkit.fast import cache  # noqa: F401  (numba caches kernels on every seqkit source they reach)


@njit(cache=True, parallel=True)
def layernorm_forward(x, gamma, beta, eps, y, xhat, rstd):
    """x (N, D) -> y, xhat (N, D) and rstd (N,)."""
    N, D = x.shape
    for n in prange(N):
        mu = 0.0
        for d in range(D):
            mu += x[n, d]
        mu /= D
        var = 0.0
        for d in range(D):
            c = x[n, d] - mu
            var += c * c
        r = 1.0 / np.sqrt(var / D + eps)
        rstd[n] = r
        for d in range(D):
            h = (x[n, d] - mu) * r
            xhat[n, d] = h
            y[n, d] = h * gamma[d] + beta[d]


@njit(cache=True, parallel=True)
def layernorm_backward(dy, xhat, rstd, gamma, dx, dgamma_parts, dbeta_parts):
    """dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * gamma; partial parameter sums per block."""
    N, D = dy.shape
    n_blocks = dgamma_parts.shape[0]
    step = (N + n_blocks - 1) // n_blocks
    for k in prange(n_blocks):
        dgamma_parts[k, :] = 0.0
        dbeta_parts[k, :] = 0.0
        for n in range(k * step, min(N, (k + 1) * step)):
            s1 = 0.0
            s2 = 0.0
            for d in range(D):
                g = dy[n, d] * gamma[d]
                s1 += g
                s2 += g * xhat[n, d]
                dgamma_parts[k, d] += dy[n, d] * xhat[n, d]
                dbeta_parts[k, d] += dy[n, d]
            s1 /= D
            s2 /= D
            r = rstd[n]
            for d in range(D):
                dx[n, d] = r * (dy[n, d] * gamma[d] - s1 - xhat[n, d] * s2)
