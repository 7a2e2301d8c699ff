"""Numba loops of the 1-D convolution (seqkit/nn/conv.py): one BLAS product per text, then the window sums.

Layout: x (B, T, E) channels last; the weights flat as Wf (E, K*M), column k*M + m holding offset k of
map m, so that Z = x[b] @ Wf (T, K*M) gives every (token, offset) product at once and an output is
    y[b, t, m] = bias[m] + sum_k Z[t + k - pad, k*M + m]      over real tokens t + k - pad only.
mask (B, T) is True at real tokens; a masked token counts as zero (as torch's Conv1d on x * mask).
Conv1d's product runs over the span from a text's first to its last real token, not the padding.
The fused max (ConvMaxPool) multiplies each distinct row once: Z = rows @ Wf (U, K*M), and a token
reads its row through index (B, T); a batch of word vectors repeats most of its words.

Each thread owns a block of texts, so results are deterministic; weight gradients are summed per
block, then over the blocks in a fixed order. The slow references are in tests/nn/test_conv.py.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from seqkit.fast import cache  # noqa: F401  (numba caches kernels on every seqkit source they reach)
from seqkit.runtime import numba_threads


@njit(cache=True, inline="always")
def _block(k, n_blocks, B):
    step = (B + n_blocks - 1) // n_blocks
    return k * step, min(B, (k + 1) * step)


def n_blocks(B: int) -> int:
    """Threads for a batch of B texts (read here, in Python, so that the kernels stay cacheable)."""
    return max(1, min(numba_threads(), B))


@njit(cache=True, inline="always")
def _span(mask_b):
    """(first, last + 1) of the real tokens of one text; (0, 0) for none."""
    T = mask_b.shape[0]
    lo, hi = 0, 0
    for s in range(T):
        if mask_b[s]:
            lo = s
            break
    else:
        return 0, 0
    for s in range(T - 1, -1, -1):
        if mask_b[s]:
            hi = s + 1
            break
    return lo, hi


@njit(cache=True, inline="always")
def _window(Z, rows_b, mask_b, t, pad, K, M, acc):
    """acc += the window sum of output t; True when the window holds a real token. Token s is row rows_b[s] of Z."""
    real = False
    for k in range(K):
        s = t + k - pad
        if s >= 0 and s < mask_b.shape[0] and mask_b[s]:
            real = True
            row = Z[rows_b[s]]
            for m in range(M):
                acc[m] += row[k * M + m]
    return real


@njit(cache=True, parallel=True)
def conv_forward(x, mask, Wf, bias, pad, y, n):
    """y (B, Tout, M) = the convolution of the masked x, bias everywhere (as torch's Conv1d)."""
    B, T, E = x.shape
    M = bias.shape[0]
    K = Wf.shape[1] // M
    Tout = y.shape[1]
    for blk in prange(n):
        b0, b1 = _block(blk, n, B)
        Z = np.empty((T, K * M), x.dtype)
        for b in range(b0, b1):
            lo, hi = _span(mask[b])
            if hi > lo:
                np.dot(x[b, lo:hi], Wf, Z[: hi - lo])
            rows_b = np.arange(T) - lo  # token s is row s - lo of Z
            for t in range(Tout):
                acc = y[b, t]
                acc[:] = bias
                _window(Z, rows_b, mask[b], t, pad, K, M, acc)


@njit(cache=True, parallel=True)
def conv_max_forward(Z, index, mask, bias, pad, top, arg, n):
    """Max over time of the convolution, over the outputs whose window holds a real token. Z (U, K*M) the
    products of the distinct token rows, index (B, T) each token's row; top (B, M) the largest
    pre-activation, arg (B, M) its output step (-1 and 0.0 when a text has no token)."""
    B, T = index.shape
    M = bias.shape[0]
    K = Z.shape[1] // M
    Tout = T + 2 * pad - K + 1
    for blk in prange(n):
        b0, b1 = _block(blk, n, B)
        acc = np.empty(M, Z.dtype)
        for b in range(b0, b1):
            lo, hi = _span(mask[b])
            top[b] = -np.inf
            arg[b] = -1
            for t in range(max(0, lo + pad - K + 1), min(Tout, hi + pad)):
                acc[:] = bias
                if _window(Z, index[b], mask[b], t, pad, K, M, acc):
                    for m in range(M):
                        if acc[m] > top[b, m]:
                            top[b, m] = acc[m]
                            arg[b, m] = t
            for m in range(M):
                if arg[b, m] < 0:
                    top[b, m] = 0.0


@njit(cache=True, parallel=True)
def conv_grad_z(dy, mask, pad, K, dZ, n):
    """dZ (B, T, K*M): the gradient of the products Z from dy (B, Tout, M); zero at masked tokens."""
    B, T = mask.shape
    Tout, M = dy.shape[1], dy.shape[2]
    for blk in prange(n):
        b0, b1 = _block(blk, n, B)
        for b in range(b0, b1):
            for s in range(T):
                row = dZ[b, s]
                for k in range(K):
                    t = s - k + pad
                    if mask[b, s] and t >= 0 and t < Tout:
                        row[k * M : (k + 1) * M] = dy[b, t]
                    else:
                        row[k * M : (k + 1) * M] = 0.0


@njit(cache=True, parallel=True)
def conv_max_backward(x, index, mask, WfT, g, arg, pad, want_dx, dx, dWT_parts, n):
    """The backward of conv_max_forward for g (B, M), the gradient of the max (ReLU's already applied);
    x (U, E) the distinct token rows: dx (B, T, E) += g at each map's winning window (when want_dx);
    dWT_parts[blk] (K*M, E) the blocks' weight gradients."""
    B, T = index.shape
    E = x.shape[1]
    KM = WfT.shape[0]
    M = g.shape[1]
    K = KM // M
    for blk in prange(n):
        b0, b1 = _block(blk, n, B)
        part = dWT_parts[blk]
        part[:] = 0.0
        for b in range(b0, b1):
            for m in range(M):
                gm = g[b, m]
                if gm == 0.0 or arg[b, m] < 0:
                    continue
                for k in range(K):
                    s = arg[b, m] + k - pad
                    if s < 0 or s >= T or not mask[b, s]:
                        continue
                    j = k * M + m
                    xs = x[index[b, s]]
                    for e in range(E):
                        part[j, e] += gm * xs[e]
                    if want_dx:
                        for e in range(E):
                            dx[b, s, e] += gm * WfT[j, e]
