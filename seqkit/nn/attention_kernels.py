"""Numba kernels of multi-head self-attention: one (batch item, head) pair per parallel iteration.

Each pair's (L, L) score matrix stays in cache from the scores through the softmax to the weighted
sum, instead of NumPy's passes over the whole (B, heads, T, T) array. Only the L real keys of a
sequence are gathered and attended to (padded keys get weight exactly 0, as exp(-1e9) does in the
NumPy reference, seqkit/nn/attention.py, which the tests compare with), and only its L real positions
ask queries: the outputs at padded positions are 0, as in PyTorch's nested-tensor path, and no
masked pooling reads them. In float32 the softmax uses a vectorisable exp (relative error < 3e-7).

Layout: qkv (R, 3D) is the output of the joint projection, one row per token, columns
[q heads | k heads | v heads], head h at columns h*dh:(h+1)*dh of each part; o and do are (R, D) with
heads side by side. The rows are either every position of a (B, T) batch (R = B*T, row b*T + t) or
only its real tokens (packed, as the transformer encoder runs). keys (B, T) lists the rows of each
item's real tokens in order, n_keys (B,) how many; rows no item lists get 0 in o and dqkv. P (B, heads, T, T)
keeps each pair's softmax weights in its first T*L entries, read back by the backward pass.
Attention dropout is a stateless hash of (seed, item, head, query, key), so backward rebuilds the
same mask without storing it and results do not depend on the number of threads.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic, overload

from seqkit.fast import cache  # noqa: F401  (numba caches kernels on every seqkit source they reach)


@njit(cache=True, inline="always")
def _keep(seed, b, h, i, j, threshold):
    """True with probability 1 - p: splitmix64 of the element's coordinates against a threshold."""
    z = np.uint64(seed) ^ (np.uint64(b) << np.uint64(44)) ^ (np.uint64(h) << np.uint64(36)) \
        ^ (np.uint64(i) << np.uint64(18)) ^ np.uint64(j)
    z = (z + np.uint64(0x9E3779B97F4A7C15))
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)) >= np.uint64(threshold)


def drop_threshold(p: float) -> int:
    """The 53-bit threshold below which an element is dropped."""
    return int(p * (1 << 53))


@intrinsic
def _f32_from_bits(typingctx, bits):
    """Reinterpret an int32's bits as a float32 (what a C union would do)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())

    return types.float32(types.int32), codegen


_LOG2E = np.float32(1.4426950408889634)
_C0, _C1, _C2 = np.float32(1.00000007), np.float32(0.69314695), np.float32(0.24022122)
_C3, _C4, _C5 = np.float32(0.05550743), np.float32(0.00967546), np.float32(0.0013267)


@njit(cache=True, inline="always")
def exp_f32(x):
    """exp for float32 x <= 0: 2^n * 2^f with n = round(x log2 e), |f| <= 1/2, 2^f by a degree-5 fit."""
    x = max(x, np.float32(-87.0))
    t = x * _LOG2E
    n = np.floor(t + np.float32(0.5))
    f = t - n
    p = ((((_C5 * f + _C4) * f + _C3) * f + _C2) * f + _C1) * f + _C0
    return p * _f32_from_bits((np.int32(n) + np.int32(127)) << np.int32(23))


def _exp(x):  # pragma: no cover - replaced inside Numba code by the overload below
    return math.exp(x)


@overload(_exp, inline="always")
def _exp_impl(x):
    if x == types.float32:
        return lambda x: exp_f32(x)
    return lambda x: math.exp(x)


_FAST = {"reassoc", "contract"}  # lets LLVM vectorise the row sums


@njit(cache=True, fastmath=_FAST, parallel=True)
def attention_forward(qkv, heads, scale, keys, n_keys, P, o, drop_seed, drop_thr, keep_scale):
    """o (R, D) from qkv; P[b, h] keeps the (L, L) softmax weights in its first L*L entries."""
    B = keys.shape[0]
    D = qkv.shape[1] // 3
    dh = D // heads
    o[:] = 0.0
    for bh in prange(B * heads):
        b, h = bh // heads, bh % heads
        L = np.int64(n_keys[b])
        if L == 0:
            continue
        Q, K, V = _gather(qkv, keys, b, h * dh, D, L, dh, scale)
        S = P[b, h].ravel()[: L * L].reshape((L, L))
        np.dot(Q, K.T, S)  # (L, L) scaled scores
        for i in range(L):
            row = S[i]
            m = row[0]
            for j in range(1, L):
                m = max(m, row[j])
            for j in range(L):
                row[j] = _exp(row[j] - m)
            z = row.dtype.type(0.0)
            for j in range(L):
                z += row[j]
            inv = 1.0 / z
            for j in range(L):
                row[j] *= inv
        if drop_thr > 0:
            Sd = np.empty((L, L), qkv.dtype)
            for i in range(L):
                for j in range(L):
                    Sd[i, j] = S[i, j] * keep_scale if _keep(drop_seed, b, h, i, j, drop_thr) else 0.0
            out = np.dot(Sd, V)
        else:
            out = np.dot(S, V)  # (L, dh)
        for i in range(L):
            t = keys[b, i]
            for d in range(dh):
                o[t, h * dh + d] = out[i, d]


@njit(cache=True, inline="always")
def _gather(qkv, keys, b, col, D, L, dh, scale):
    """The real positions' scaled queries, keys and values of one head: Q, K, V (L, dh)."""
    Q = np.empty((L, dh), qkv.dtype)
    K = np.empty((L, dh), qkv.dtype)
    V = np.empty((L, dh), qkv.dtype)
    for i in range(L):
        t = keys[b, i]
        for d in range(dh):
            Q[i, d] = qkv[t, col + d] * scale
            K[i, d] = qkv[t, D + col + d]
            V[i, d] = qkv[t, 2 * D + col + d]
    return Q, K, V


@njit(cache=True, fastmath=_FAST, parallel=True)
def attention_backward(qkv, heads, scale, keys, n_keys, P, do, dqkv, drop_seed, drop_thr, keep_scale):
    """Fills dqkv (R, 3D) from do (R, D); padded positions get 0."""
    B = keys.shape[0]
    D = qkv.shape[1] // 3
    dh = D // heads
    dqkv[:] = 0.0
    for bh in prange(B * heads):
        b, h = bh // heads, bh % heads
        L = np.int64(n_keys[b])
        if L == 0:
            continue
        Q, K, V = _gather(qkv, keys, b, h * dh, D, L, dh, scale)
        g = np.empty((L, dh), qkv.dtype)
        for i in range(L):
            t = keys[b, i]
            for d in range(dh):
                g[i, d] = do[t, h * dh + d]
        S = P[b, h].ravel()[: L * L].reshape((L, L))  # softmax weights
        dS = np.dot(g, V.T)  # (L, L) gradient of the (dropped-out) weights
        if drop_thr > 0:
            Sd = np.empty((L, L), qkv.dtype)
            for i in range(L):
                for j in range(L):
                    if _keep(drop_seed, b, h, i, j, drop_thr):
                        Sd[i, j] = S[i, j] * keep_scale
                        dS[i, j] *= keep_scale
                    else:
                        Sd[i, j] = 0.0
                        dS[i, j] = 0.0
            dV = np.dot(Sd.T, g)
        else:
            dV = np.dot(S.T, g)  # (L, dh)
        for i in range(L):  # softmax backward: S * (dS - sum(dS * S))
            acc = dS.dtype.type(0.0)
            for j in range(L):
                acc += dS[i, j] * S[i, j]
            for j in range(L):
                dS[i, j] = S[i, j] * (dS[i, j] - acc)
        dQ = np.dot(dS, K)  # (L, dh), gradient of the scaled queries
        dK = np.dot(dS.T, Q)  # (L, dh)
        for i in range(L):
            t = keys[b, i]
            for d in range(dh):
                dqkv[t, h * dh + d] = dQ[i, d] * scale
                dqkv[t, D + h * dh + d] = dK[i, d]
                dqkv[t, 2 * D + h * dh + d] = dV[i, d]


def key_lists(mask: np.ndarray | None, B: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    """(B, T) bool mask -> keys (B, T) int64, the rows b*T + t of each item's real positions first,
    n_keys (B,) int32."""
    base = (np.arange(B, dtype=np.int64) * T)[:, None]  # (B, 1) each item's first row
    if mask is None:
        return base + np.arange(T, dtype=np.int64), np.full(B, T, np.int32)
    m = np.asarray(mask, bool)
    order = np.argsort(~m, axis=1, kind="stable")  # real positions first, in order
    return np.ascontiguousarray(base + order), m.sum(axis=1).astype(np.int32)


def packed_key_lists(mask: np.ndarray | None, B: int, T: int) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """The real tokens of a (B, T) batch packed item after item: rows (N,), their flat indices b*T + t
    (None when every token is real), and keys, n_keys as key_lists gives them for the packed rows."""
    if mask is None or np.all(mask):
        keys, n_keys = key_lists(None, B, T)
        return None, keys, n_keys
    m = np.asarray(mask, bool)
    n_keys = m.sum(axis=1).astype(np.int32)  # (B,)
    first = np.cumsum(n_keys, dtype=np.int64) - n_keys  # (B,) each item's first packed row
    keys = np.minimum(first[:, None] + np.arange(T, dtype=np.int64), max(int(n_keys.sum()) - 1, 0))
    return np.flatnonzero(m.reshape(-1)), np.ascontiguousarray(keys), n_keys
