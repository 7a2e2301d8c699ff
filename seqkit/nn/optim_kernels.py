"""Numba kernel of the Adam step: one pass over each parameter instead of NumPy's ten (with five
temporaries), split across threads. The NumPy formulas it replaces are `adam_reference` below, which
the tests compare it with; each element is computed alone, so the result does not depend on threads."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

_CHUNK = 1 << 14  # elements per parallel iteration


@njit(cache=True, parallel=True)
def adam_update(p, g, m, v, coefs):
    """In place on flat arrays: m, v <- moving averages of g, g*g; p -= step * m / (sqrt(v) + eps_hat).
    coefs = (beta1, beta2, step, eps_hat)."""
    b1, b2, step, eps_hat = coefs
    n = p.shape[0]
    for c in prange((n + _CHUNK - 1) // _CHUNK):
        for i in range(c * _CHUNK, min(n, (c + 1) * _CHUNK)):
            gi = g[i]
            mi = b1 * m[i] + (1.0 - b1) * gi
            vi = b2 * v[i] + (1.0 - b2) * (gi * gi)
            m[i] = mi
            v[i] = vi
            p[i] -= step * (mi / (math.sqrt(vi) + eps_hat))


def adam_reference(p, g, m, v, coefs):
    """The same step in NumPy (what seqkit's Adam did before the kernel)."""
    b1, b2, step, eps_hat = coefs
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * (g * g)
    p -= step * (m / (np.sqrt(v) + eps_hat))
