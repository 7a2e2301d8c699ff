"""Numba loops of the recurrent layers: the whole time loop of one direction in one call.

Each step does the recurrent product with BLAS (np.dot into a preallocated buffer) and the gate
arithmetic fused in one pass over (B, H), so no temporary arrays are made per step. States H/C are
time-major (T+1, B, H) with the initial state at index 0 (forward) or T (reverse), so the state after
time t is at t+1 (forward) or t (reverse). Everything per token is packed: only the N real tokens have
a row in xw (N, G) (the input projections, bias included), in the saved gates and in the gradients
dA (N, G), so the big GEMMs around the loop skip the padding. rowpos (T, B) maps a step and batch
row to its packed row, -1 at padding, where the state is carried unchanged.

The NumPy reference of every kernel is in seqkit/nn/recurrent_ref.py; tests/nn/test_recurrent.py
checks one against the other. Results are deterministic: rows split across threads never share a sum. In float32 the gate non-linearities use a
rational approximation of tanh (absolute error below 1e-6, float32's own rounding scale); in float64
(gradient checks) they are the exact libm functions.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from seqkit.fast import cache  # noqa: F401  (numba caches kernels on every seqkit source they reach)
from seqkit.runtime import numba_threads


# Eigen's rational approximation of tanh for float32 (|error| < 1e-6 on the clamped range):
# odd degree-13 numerator over even degree-6 denominator; only multiplies and adds, no libm call.
_CLAMP = np.float32(7.90531110763549805)
_A1, _A3, _A5 = np.float32(4.89352455891786e-03), np.float32(6.37261928875436e-04), np.float32(1.48572235717979e-05)
_A7, _A9 = np.float32(5.12229709037114e-08), np.float32(-8.60467152213735e-11)
_A11, _A13 = np.float32(2.00018790482477e-13), np.float32(-2.76076847742355e-16)
_B0, _B2 = np.float32(4.89352518554385e-03), np.float32(2.26843463243900e-03)
_B4, _B6 = np.float32(1.18534705686654e-04), np.float32(1.19825839466702e-06)
_HALF = np.float32(0.5)


@njit(cache=True, inline="always")
def tanh_f32(x):
    """Fast float32 tanh (Eigen's generic_fast_tanh_float)."""
    x = min(max(x, -_CLAMP), _CLAMP)
    x2 = x * x
    p = ((((((_A13 * x2 + _A11) * x2 + _A9) * x2 + _A7) * x2 + _A5) * x2 + _A3) * x2 + _A1) * x
    q = ((_B6 * x2 + _B4) * x2 + _B2) * x2 + _B0
    return p / q


def _tanh(x):  # pragma: no cover - a stub that the overload below replaces inside Numba code
    return math.tanh(x)


def _sig(x):  # pragma: no cover
    return 1.0 / (1.0 + math.exp(-x))


@overload(_tanh, inline="always")
def _tanh_impl(x):
    if x == types.float32:
        return lambda x: tanh_f32(x)
    return lambda x: math.tanh(x)


@overload(_sig, inline="always")
def _sig_impl(x):
    if x == types.float32:
        return lambda x: _HALF + _HALF * tanh_f32(_HALF * x)  # sigmoid(x) = (1 + tanh(x/2)) / 2

    def exact(x):
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)

    return exact


@njit(cache=True, inline="always")
def _active_end(rowpos, t, lo, hi):
    """End of rows lo..hi that still read at step t: the rows after it are padding there and only carry
    their state, so the step's product and gate arithmetic skip them (RecurrentEncoder sorts each
    thread's rows longest first, so that finished rows gather at the end)."""
    while hi > lo and rowpos[t, hi - 1] < 0:
        hi -= 1
    return hi


@njit(cache=True, inline="always")
def _step_product(Hs, W_h, a, rowpos, t, p, q, lo, hi):
    """a = Hs[p] @ W_h for the rows lo..end still inside their text at step t; the finished rows after
    them carry their state from p to q. Returns end."""
    end = _active_end(rowpos, t, lo, hi)
    if end > lo:
        np.dot(Hs[p, lo:end], W_h, a[lo:end])
    for b in range(end, hi):
        Hs[q, b] = Hs[p, b]
    return end


@njit(cache=True, inline="always")
def _step_backprop(dA, rowpos, W_hT, buf, rec, dh, t, lo, end):
    """dh += dA[rows of step t] @ W_h.T over the rows lo..end that took part in the step's product.
    Their packed rows are one contiguous run unless a padded row sits among them (an unsorted mask):
    then they are gathered into buf (B, G), with zeros for the padded rows."""
    if end <= lo:
        return
    r0 = rowpos[t, lo]
    if r0 >= 0 and rowpos[t, end - 1] - r0 == end - 1 - lo:
        np.dot(dA[r0 : r0 + end - lo], W_hT, rec[lo:end])
    else:
        for b in range(lo, end):
            r = rowpos[t, b]
            if r >= 0:
                buf[b] = dA[r]
            else:
                buf[b] = 0.0
        np.dot(buf[lo:end], W_hT, rec[lo:end])
    dh[lo:end] += rec[lo:end]


@njit(cache=True, inline="always")
def _carry_padding(dh, dout, t, lo, hi):
    """Rows lo..hi are padding at step t: dh takes dout and is carried (dc too, untouched)."""
    for b in range(lo, hi):
        dh[b] += dout[t, b]


@njit(cache=True, inline="always")
def _lstm_forward_rows(xw, W_h, rowpos, Hs, Cs, gates, tanh_c, reverse, lo, hi):
    """Gates i, f, g, o (PyTorch order). Writes Hs, Cs (T+1, B, H), gates (N, 4H), tanh_c (N, H)."""
    T, B = rowpos.shape
    Hd = W_h.shape[0]
    a = np.empty((B, 4 * Hd), xw.dtype)
    for s in range(T):
        t = T - 1 - s if reverse else s
        p = t + 1 if reverse else t  # previous state
        q = t if reverse else t + 1  # new state
        end = _step_product(Hs, W_h, a, rowpos, t, p, q, lo, hi)
        for b in range(lo, hi):
            r = rowpos[t, b] if b < end else -1
            if r < 0:  # padding: the state is carried
                Hs[q, b] = Hs[p, b]
                Cs[q, b] = Cs[p, b]
                continue
            for j in range(Hd):
                i_ = _sig(a[b, j] + xw[r, j])
                f_ = _sig(a[b, Hd + j] + xw[r, Hd + j])
                g_ = _tanh(a[b, 2 * Hd + j] + xw[r, 2 * Hd + j])
                o_ = _sig(a[b, 3 * Hd + j] + xw[r, 3 * Hd + j])
                c = f_ * Cs[p, b, j] + i_ * g_
                tc = _tanh(c)
                gates[r, j] = i_
                gates[r, Hd + j] = f_
                gates[r, 2 * Hd + j] = g_
                gates[r, 3 * Hd + j] = o_
                tanh_c[r, j] = tc
                Cs[q, b, j] = c
                Hs[q, b, j] = o_ * tc


@njit(cache=True, inline="always")
def _lstm_backward_rows(dout, dh, dc, W_hT, rowpos, Cs, gates, tanh_c, dA, reverse, lo, hi):
    """Fills dA (N, 4H), the gradient of the gate pre-activations; dh, dc (B, H) carry in and out."""
    T, B = rowpos.shape
    Hd = dh.shape[1]
    rec = np.empty((B, Hd), dA.dtype)
    buf = np.empty((B, 4 * Hd), dA.dtype)
    for s in range(T):
        t = s if reverse else T - 1 - s
        p = t + 1 if reverse else t
        end = _active_end(rowpos, t, lo, hi)
        _carry_padding(dh, dout, t, end, hi)
        for b in range(lo, end):
            r = rowpos[t, b]
            if r < 0:
                _carry_padding(dh, dout, t, b, b + 1)
                continue
            for j in range(Hd):
                dht = dh[b, j] + dout[t, b, j]
                i_ = gates[r, j]
                f_ = gates[r, Hd + j]
                g_ = gates[r, 2 * Hd + j]
                o_ = gates[r, 3 * Hd + j]
                tc = tanh_c[r, j]
                dcn = dc[b, j] + dht * o_ * (1.0 - tc * tc)
                dA[r, j] = dcn * g_ * i_ * (1.0 - i_)
                dA[r, Hd + j] = dcn * Cs[p, b, j] * f_ * (1.0 - f_)
                dA[r, 2 * Hd + j] = dcn * i_ * (1.0 - g_ * g_)
                dA[r, 3 * Hd + j] = dht * tc * o_ * (1.0 - o_)
                dc[b, j] = dcn * f_
                dh[b, j] = 0.0
        _step_backprop(dA, rowpos, W_hT, buf, rec, dh, t, lo, end)


@njit(cache=True, inline="always")
def _gru_forward_rows(xw, W_h, b_h, rowpos, Hs, gates, hwn, reverse, lo, hi):
    """Gates r, z, n (PyTorch order, reset applied after the hidden projection):
    r = s(xr + hr), z = s(xz + hz), n = tanh(xn + r * hn), h' = (1 - z) n + z h. Writes Hs, gates, hwn."""
    T, B = rowpos.shape
    Hd = W_h.shape[0]
    a = np.empty((B, 3 * Hd), xw.dtype)
    for s in range(T):
        t = T - 1 - s if reverse else s
        p = t + 1 if reverse else t
        q = t if reverse else t + 1
        end = _step_product(Hs, W_h, a, rowpos, t, p, q, lo, hi)
        for b in range(lo, end):
            k = rowpos[t, b]
            if k < 0:
                Hs[q, b] = Hs[p, b]
                continue
            for j in range(Hd):
                r = _sig(xw[k, j] + a[b, j] + b_h[j])
                z = _sig(xw[k, Hd + j] + a[b, Hd + j] + b_h[Hd + j])
                hn = a[b, 2 * Hd + j] + b_h[2 * Hd + j]
                n = _tanh(xw[k, 2 * Hd + j] + r * hn)
                gates[k, j] = r
                gates[k, Hd + j] = z
                gates[k, 2 * Hd + j] = n
                hwn[k, j] = hn
                Hs[q, b, j] = n + z * (Hs[p, b, j] - n)


@njit(cache=True, inline="always")
def _gru_backward_rows(dout, dh, W_hT, rowpos, Hs, gates, hwn, dXW, dHW, reverse, lo, hi):
    """Fills dXW and dHW (N, 3H), the gradients of the input and hidden projections; dh (B, H) in and out."""
    T, B = rowpos.shape
    Hd = dh.shape[1]
    rec = np.empty((B, Hd), dXW.dtype)
    buf = np.empty((B, 3 * Hd), dXW.dtype)
    for s in range(T):
        t = s if reverse else T - 1 - s
        p = t + 1 if reverse else t
        end = _active_end(rowpos, t, lo, hi)
        _carry_padding(dh, dout, t, end, hi)
        for b in range(lo, end):
            k = rowpos[t, b]
            if k < 0:
                _carry_padding(dh, dout, t, b, b + 1)
                continue
            for j in range(Hd):
                dht = dh[b, j] + dout[t, b, j]
                r = gates[k, j]
                z = gates[k, Hd + j]
                n = gates[k, 2 * Hd + j]
                dan = dht * (1.0 - z) * (1.0 - n * n)
                daz = dht * (Hs[p, b, j] - n) * z * (1.0 - z)
                dar = dan * hwn[k, j] * r * (1.0 - r)
                dXW[k, j] = dar
                dXW[k, Hd + j] = daz
                dXW[k, 2 * Hd + j] = dan
                dHW[k, j] = dar
                dHW[k, Hd + j] = daz
                dHW[k, 2 * Hd + j] = dan * r
                dh[b, j] = dht * z
        _step_backprop(dHW, rowpos, W_hT, buf, rec, dh, t, lo, end)


@njit(cache=True, inline="always")
def _rnn_forward_rows(xw, W_h, rowpos, Hs, reverse, lo, hi):
    """Elman: h' = tanh(xw + h W_h). Writes Hs."""
    T, B = rowpos.shape
    Hd = W_h.shape[0]
    a = np.empty((B, Hd), xw.dtype)
    for s in range(T):
        t = T - 1 - s if reverse else s
        p = t + 1 if reverse else t
        q = t if reverse else t + 1
        end = _step_product(Hs, W_h, a, rowpos, t, p, q, lo, hi)
        for b in range(lo, end):
            k = rowpos[t, b]
            if k < 0:
                Hs[q, b] = Hs[p, b]
                continue
            for j in range(Hd):
                Hs[q, b, j] = _tanh(a[b, j] + xw[k, j])


@njit(cache=True, inline="always")
def _rnn_backward_rows(dout, dh, W_hT, rowpos, Hs, dA, reverse, lo, hi):
    """Fills dA (N, H); dh (B, H) in and out. At real steps Hs holds the new state tanh(a)."""
    T, B = rowpos.shape
    Hd = dh.shape[1]
    rec = np.empty((B, Hd), dA.dtype)
    buf = np.empty((B, Hd), dA.dtype)
    for s in range(T):
        t = s if reverse else T - 1 - s
        q = t if reverse else t + 1
        end = _active_end(rowpos, t, lo, hi)
        _carry_padding(dh, dout, t, end, hi)
        for b in range(lo, end):
            k = rowpos[t, b]
            if k < 0:
                _carry_padding(dh, dout, t, b, b + 1)
                continue
            for j in range(Hd):
                h = Hs[q, b, j]
                dA[k, j] = (dh[b, j] + dout[t, b, j]) * (1.0 - h * h)
                dh[b, j] = 0.0
        _step_backprop(dA, rowpos, W_hT, buf, rec, dh, t, lo, end)


# The public kernels: batch rows are independent through the whole sequence, so each thread runs the
# full time loop for its block of rows (one fork-join per layer call, not per step).
@njit(cache=True, inline="always")
def _block(k, n_blocks, B):
    step = (B + n_blocks - 1) // n_blocks
    return k * step, min(B, (k + 1) * step)


def n_blocks(B: int) -> int:
    """Threads for a batch of B rows: at least 8 rows each (the thread count is read here, in Python:
    inside a cached kernel it would be a dynamic global and stop the caching)."""
    return max(1, min(numba_threads(), B // 8))


@njit(cache=True, parallel=True)
def _lstm_forward_par(xw, W_h, rowpos, Hs, Cs, gates, tanh_c, reverse, n):
    B = rowpos.shape[1]
    for k in prange(n):
        lo, hi = _block(k, n, B)
        _lstm_forward_rows(xw, W_h, rowpos, Hs, Cs, gates, tanh_c, reverse, lo, hi)


def lstm_forward(xw, W_h, rowpos, Hs, Cs, gates, tanh_c, reverse):
    _lstm_forward_par(xw, W_h, rowpos, Hs, Cs, gates, tanh_c, reverse, n_blocks(rowpos.shape[1]))


@njit(cache=True, parallel=True)
def _lstm_backward_par(dout, dh, dc, W_hT, rowpos, Cs, gates, tanh_c, dA, reverse, n):
    B = rowpos.shape[1]
    for k in prange(n):
        lo, hi = _block(k, n, B)
        _lstm_backward_rows(dout, dh, dc, W_hT, rowpos, Cs, gates, tanh_c, dA, reverse, lo, hi)


def lstm_backward(dout, dh, dc, W_hT, rowpos, Cs, gates, tanh_c, dA, reverse):
    _lstm_backward_par(dout, dh, dc, W_hT, rowpos, Cs, gates, tanh_c, dA, reverse, n_blocks(rowpos.shape[1]))


@njit(cache=True, parallel=True)
def _gru_forward_par(xw, W_h, b_h, rowpos, Hs, gates, hwn, reverse, n):
    B = rowpos.shape[1]
    for k in prange(n):
        lo, hi = _block(k, n, B)
        _gru_forward_rows(xw, W_h, b_h, rowpos, Hs, gates, hwn, reverse, lo, hi)


def gru_forward(xw, W_h, b_h, rowpos, Hs, gates, hwn, reverse):
    _gru_forward_par(xw, W_h, b_h, rowpos, Hs, gates, hwn, reverse, n_blocks(rowpos.shape[1]))


@njit(cache=True, parallel=True)
def _gru_backward_par(dout, dh, W_hT, rowpos, Hs, gates, hwn, dXW, dHW, reverse, n):
    B = rowpos.shape[1]
    for k in prange(n):
        lo, hi = _block(k, n, B)
        _gru_backward_rows(dout, dh, W_hT, rowpos, Hs, gates, hwn, dXW, dHW, reverse, lo, hi)


def gru_backward(dout, dh, W_hT, rowpos, Hs, gates, hwn, dXW, dHW, reverse):
    _gru_backward_par(dout, dh, W_hT, rowpos, Hs, gates, hwn, dXW, dHW, reverse, n_blocks(rowpos.shape[1]))


@njit(cache=True, parallel=True)
def _rnn_forward_par(xw, W_h, rowpos, Hs, reverse, n):
    B = rowpos.shape[1]
    for k in prange(n):
        lo, hi = _block(k, n, B)
        _rnn_forward_rows(xw, W_h, rowpos, Hs, reverse, lo, hi)


def rnn_forward(xw, W_h, rowpos, Hs, reverse):
    _rnn_forward_par(xw, W_h, rowpos, Hs, reverse, n_blocks(rowpos.shape[1]))


@njit(cache=True, parallel=True)
def _rnn_backward_par(dout, dh, W_hT, rowpos, Hs, dA, reverse, n):
    B = rowpos.shape[1]
    for k in prange(n):
        lo, hi = _block(k, n, B)
        _rnn_backward_rows(dout, dh, W_hT, rowpos, Hs, dA, reverse, lo, hi)


def rnn_backward(dout, dh, W_hT, rowpos, Hs, dA, reverse):
    _rnn_backward_par(dout, dh, W_hT, rowpos, Hs, dA, reverse, n_blocks(rowpos.shape[1]))


@njit(cache=True)
def scatter_add_rows(G, ids, dY, skip):
    """G[ids[i]] += dY[i] for every i with ids[i] != skip (the embedding gradient; np.add.at is 10x slower)."""
    E = G.shape[1]
    for i in range(ids.shape[0]):
        r = ids[i]
        if r == skip:
            continue
        for e in range(E):
            G[r, e] += dY[i, e]
