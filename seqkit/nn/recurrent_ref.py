"""NumPy references of the Numba loops in kernels.py: same arguments, same results, easy to read.

Used by the tests to check the kernels, and by layers built with backend="numpy".
"""

from __future__ import annotations

import numpy as np

from seqkit.nn.activations import sigmoid


def _steps(T: int, reverse: bool, backward: bool = False):
    """(t, previous-state index, new-state index) in processing order (or its reverse for backward)."""
    order = range(T - 1, -1, -1) if reverse != backward else range(T)
    for t in order:
        yield t, (t + 1 if reverse else t), (t if reverse else t + 1)


def lstm_forward(xw, W_h, mask, Hs, Cs, gates, tanh_c, reverse):
    Hd = W_h.shape[0]
    for t, p, q in _steps(xw.shape[0], reverse):
        a = xw[t] + Hs[p] @ W_h  # (B, 4H)
        i, f, o = sigmoid(a[:, :Hd]), sigmoid(a[:, Hd : 2 * Hd]), sigmoid(a[:, 3 * Hd :])
        g = np.tanh(a[:, 2 * Hd : 3 * Hd])
        c = f * Cs[p] + i * g  # (B, H)
        tc = np.tanh(c)
        m = mask[t][:, None]  # (B, 1)
        gates[t] = np.concatenate([i, f, g, o], axis=1)
        tanh_c[t] = tc
        Cs[q] = Cs[p] + m * (c - Cs[p])
        Hs[q] = Hs[p] + m * (o * tc - Hs[p])


def lstm_backward(dout, dh, dc, W_hT, mask, Cs, gates, tanh_c, dA, reverse):
    Hd = dh.shape[1]
    for t, p, _ in _steps(dA.shape[0], reverse, backward=True):
        m = mask[t][:, None]
        dht = dh + dout[t]
        dhn, dcn = m * dht, m * dc
        i, f, g, o = (gates[t][:, k * Hd : (k + 1) * Hd] for k in range(4))
        tc = tanh_c[t]
        dcn = dcn + dhn * o * (1 - tc * tc)
        dA[t] = np.concatenate(
            [dcn * g * i * (1 - i), dcn * Cs[p] * f * (1 - f), dcn * i * (1 - g * g), dhn * tc * o * (1 - o)], axis=1
        )
        dc[...] = dcn * f + (1 - m) * dc
        dh[...] = (1 - m) * dht + dA[t] @ W_hT


def gru_forward(xw, W_h, b_h, mask, Hs, gates, hwn, reverse):
    Hd = W_h.shape[0]
    for t, p, q in _steps(xw.shape[0], reverse):
        hw = Hs[p] @ W_h + b_h  # (B, 3H)
        r = sigmoid(xw[t, :, :Hd] + hw[:, :Hd])
        z = sigmoid(xw[t, :, Hd : 2 * Hd] + hw[:, Hd : 2 * Hd])
        n = np.tanh(xw[t, :, 2 * Hd :] + r * hw[:, 2 * Hd :])
        m = mask[t][:, None]
        gates[t] = np.concatenate([r, z, n], axis=1)
        hwn[t] = hw[:, 2 * Hd :]
        Hs[q] = Hs[p] + m * (n + z * (Hs[p] - n) - Hs[p])


def gru_backward(dout, dh, W_hT, mask, Hs, gates, hwn, dXW, dHW, reverse):
    Hd = dh.shape[1]
    for t, p, _ in _steps(dXW.shape[0], reverse, backward=True):
        m = mask[t][:, None]
        dht = dh + dout[t]
        dhn = m * dht
        r, z, n = (gates[t][:, k * Hd : (k + 1) * Hd] for k in range(3))
        dan = dhn * (1 - z) * (1 - n * n)
        daz = dhn * (Hs[p] - n) * z * (1 - z)
        dar = dan * hwn[t] * r * (1 - r)
        dXW[t] = np.concatenate([dar, daz, dan], axis=1)
        dHW[t] = np.concatenate([dar, daz, dan * r], axis=1)
        dh[...] = dhn * z + (1 - m) * dht + dHW[t] @ W_hT


def rnn_forward(xw, W_h, mask, Hs, reverse):
    for t, p, q in _steps(xw.shape[0], reverse):
        h = np.tanh(xw[t] + Hs[p] @ W_h)
        m = mask[t][:, None]
        Hs[q] = Hs[p] + m * (h - Hs[p])


def rnn_backward(dout, dh, W_hT, mask, Hs, dA, reverse):
    for t, _, q in _steps(dA.shape[0], reverse, backward=True):
        m = mask[t][:, None]
        dht = dh + dout[t]
        dA[t] = m * dht * (1 - Hs[q] * Hs[q])
        dh[...] = (1 - m) * dht + dA[t] @ W_hT
