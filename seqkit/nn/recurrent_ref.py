"""NumPy references of the Numba loops in kernels.py: same arguments, same results, easy to read.

Used by the tests to check the kernels, and by layers built with backend="numpy". Per-token arrays
are packed (N rows, one per real token); rowpos (T, B) gives a step's packed rows, -1 at padding.
"""

from __future__ import annotations

import numpy as np

from seqkit.nn.activations import sigmoid


def _steps(T: int, reverse: bool, backward: bool = False):
    """(t, previous-state index, new-state index) in processing order (or its reverse for backward)."""
    order = range(T - 1, -1, -1) if reverse != backward else range(T)
    for t in order:
        yield t, (t + 1 if reverse else t), (t if reverse else t + 1)


def _real(rowpos, t):
    """(B,) bool: the rows with a real token at step t, and their packed rows."""
    real = rowpos[t] >= 0
    return real, rowpos[t][real]


def lstm_forward(xw, W_h, rowpos, Hs, Cs, gates, tanh_c, reverse):
    Hd = W_h.shape[0]
    for t, p, q in _steps(rowpos.shape[0], reverse):
        real, r = _real(rowpos, t)
        a = xw[r] + Hs[p, real] @ W_h  # (n, 4H)
        i, f, o = sigmoid(a[:, :Hd]), sigmoid(a[:, Hd : 2 * Hd]), sigmoid(a[:, 3 * Hd :])
        g = np.tanh(a[:, 2 * Hd : 3 * Hd])
        c = f * Cs[p, real] + i * g  # (n, H)
        gates[r] = np.concatenate([i, f, g, o], axis=1)
        tanh_c[r] = np.tanh(c)
        Hs[q], Cs[q] = Hs[p], Cs[p]  # carried at padding
        Hs[q, real], Cs[q, real] = o * tanh_c[r], c


def lstm_backward(dout, dh, dc, W_hT, rowpos, Cs, gates, tanh_c, dA, reverse):
    Hd = dh.shape[1]
    for t, p, _ in _steps(rowpos.shape[0], reverse, backward=True):
        real, r = _real(rowpos, t)
        dh += dout[t]  # (B, H) carried as it is at padding
        d = dh[real]  # (n, H)
        i, f, g, o = (gates[r][:, k * Hd : (k + 1) * Hd] for k in range(4))
        tc = tanh_c[r]
        dcn = dc[real] + d * o * (1 - tc * tc)
        dA[r] = np.concatenate(
            [dcn * g * i * (1 - i), dcn * Cs[p, real] * f * (1 - f), dcn * i * (1 - g * g), d * tc * o * (1 - o)], axis=1
        )
        dc[real] = dcn * f
        dh[real] = dA[r] @ W_hT


def gru_forward(xw, W_h, b_h, rowpos, Hs, gates, hwn, reverse):
    Hd = W_h.shape[0]
    for t, p, q in _steps(rowpos.shape[0], reverse):
        real, k = _real(rowpos, t)
        hp = Hs[p, real]  # (n, H)
        hw = hp @ W_h + b_h  # (n, 3H)
        r = sigmoid(xw[k, :Hd] + hw[:, :Hd])
        z = sigmoid(xw[k, Hd : 2 * Hd] + hw[:, Hd : 2 * Hd])
        n = np.tanh(xw[k, 2 * Hd :] + r * hw[:, 2 * Hd :])
        gates[k] = np.concatenate([r, z, n], axis=1)
        hwn[k] = hw[:, 2 * Hd :]
        Hs[q] = Hs[p]
        Hs[q, real] = n + z * (hp - n)


def gru_backward(dout, dh, W_hT, rowpos, Hs, gates, hwn, dXW, dHW, reverse):
    Hd = dh.shape[1]
    for t, p, _ in _steps(rowpos.shape[0], reverse, backward=True):
        real, k = _real(rowpos, t)
        dh += dout[t]
        d = dh[real]
        r, z, n = (gates[k][:, j * Hd : (j + 1) * Hd] for j in range(3))
        dan = d * (1 - z) * (1 - n * n)
        daz = d * (Hs[p, real] - n) * z * (1 - z)
        dar = dan * hwn[k] * r * (1 - r)
        dXW[k] = np.concatenate([dar, daz, dan], axis=1)
        dHW[k] = np.concatenate([dar, daz, dan * r], axis=1)
        dh[real] = d * z + dHW[k] @ W_hT


def rnn_forward(xw, W_h, rowpos, Hs, reverse):
    for t, p, q in _steps(rowpos.shape[0], reverse):
        real, k = _real(rowpos, t)
        Hs[q] = Hs[p]
        Hs[q, real] = np.tanh(xw[k] + Hs[p, real] @ W_h)


def rnn_backward(dout, dh, W_hT, rowpos, Hs, dA, reverse):
    for t, _, q in _steps(rowpos.shape[0], reverse, backward=True):
        real, k = _real(rowpos, t)
        dh += dout[t]
        h = Hs[q, real]
        dA[k] = dh[real] * (1 - h * h)
        dh[real] = dA[k] @ W_hT
