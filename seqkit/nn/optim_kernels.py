"""Numba kernel of the Adam step: one pass over each parameter instead of NumPy's ten (with five
temporaries), split across threads. The NumPy formulas it replaces are `adam_reference` below, which
the tests compare it with; each element is computed alone, so the result does not depend on threads."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from seqkit.fast import cache  # noqa: F401  (numba caches kernels on every seqkit source they reach)

_CHUNK = 1 << 14  # elements per parallel iteration


@njit(cache=True, parallel=True, fastmath={"nnan", "ninf", "nsz", "contract"})
def adam_update(p, g, m, v, coefs):
    """In place on flat arrays: m, v <- moving averages of g, g*g; p -= step * m / (sqrt(v) + eps_hat).
    coefs = [beta1, beta2, step, eps_hat] in the parameters' dtype (float64 scalars would keep the
    loop from vectorising); each chunk works on slices, which lets LLVM vectorise it (4x)."""
    b1, b2, step, eps_hat = coefs[0], coefs[1], coefs[2], coefs[3]
    c1, c2 = 1 - b1, 1 - b2
    n = p.shape[0]
    for c in prange((n + _CHUNK - 1) // _CHUNK):
        lo, hi = c * _CHUNK, min(n, (c + 1) * _CHUNK)
        pc, gc, mc, vc = p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi]
        for i in range(hi - lo):
            gi = gc[i]
            mi = b1 * mc[i] + c1 * gi
            vi = b2 * vc[i] + c2 * (gi * gi)
            mc[i] = mi
            vc[i] = vi
            pc[i] -= step * (mi / (np.sqrt(vi) + eps_hat))


def adam_reference(p, g, m, v, coefs):
    """The same step in NumPy (what seqkit's Adam did before the kernel)."""
    b1, b2, step, eps_hat = coefs
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * (g * g)
    p -= step * (m / (np.sqrt(v) + eps_hat))
