"""Multi-head scaled dot-product self-attention with a key padding mask (Vaswani et al. 2017).

Two backends with one set of weights: "numba" (default) runs each (item, head) pair in cache with the
kernels of seqkit/nn/attention_kernels.py; "numpy" is the readable reference the tests compare with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqkit.errors import OptionError
from seqkit.nn import init
from seqkit.nn.layers import Dropout
from seqkit.nn.module import Module


@dataclass(frozen=True)
class PackedBatch:
    """The real tokens of a (B, T) batch as N rows, item after item (what TransformerEncoder runs its
    blocks on, so that no product or norm is spent on padding); passed where a mask goes."""

    rows: np.ndarray | None  # (N,) flat indices b*T + t of the real tokens; None: all are real
    keys: np.ndarray  # (B, T) int64: each item's packed rows, in order (first n_keys[b] are used)
    n_keys: np.ndarray  # (B,) int32: real tokens per item
    B: int
    T: int

    @classmethod
    def of(cls, mask: np.ndarray | None, B: int, T: int) -> "PackedBatch":
        from seqkit.nn.attention_kernels import packed_key_lists

        return cls(*packed_key_lists(mask, B, T), B, T)

    def pack(self, x: np.ndarray) -> np.ndarray:
        """(B, T, D) -> (N, D)."""
        x2 = x.reshape(self.B * self.T, x.shape[-1])
        return x2 if self.rows is None else x2[self.rows]

    def unpack(self, xp: np.ndarray) -> np.ndarray:
        """(N, D) -> (B, T, D), zeros at padding."""
        if self.rows is None:
            return xp.reshape(self.B, self.T, -1)
        out = np.zeros((self.B * self.T, xp.shape[-1]), xp.dtype)
        out[self.rows] = xp
        return out.reshape(self.B, self.T, -1)


class MultiHeadSelfAttention(Module):
    """x (B, T, D), mask (B, T) bool (True = real token) -> y (B, T, D); or x (N, D) with mask a
    PackedBatch (the fused backend only) -> y (N, D).

    Queries, keys and values come from one (D, 3D) projection; padded keys get no attention.
    Dropout on the attention weights in training.
    """

    def __init__(self, d_model: int, heads: int, rng: np.random.Generator, dropout: float = 0.0,
                 backend: str = "numba"):
        super().__init__()
        self.backend = backend
        if d_model % heads:
            raise OptionError(f"d_model={d_model} is not divisible by heads={heads}: each head takes d_model/heads dimensions")
        self.d_model, self.heads = d_model, heads
        self.add_param("W_qkv", init.xavier_uniform(rng, d_model, 3 * d_model))  # (D, 3D)
        self.add_param("b_qkv", np.zeros(3 * d_model, np.float32))
        self.add_param("W_o", init.xavier_uniform(rng, d_model, d_model))  # (D, D)
        self.add_param("b_o", np.zeros(d_model, np.float32))
        self.attn_dropout = Dropout(dropout, np.random.default_rng(rng.integers(2**63)))

    def forward(self, x, train=False, mask=None):
        if self.backend == "numba":
            return self._forward_fused(x, train, mask)
        if isinstance(mask, PackedBatch):
            raise OptionError("the NumPy attention takes (B, T, D) input and a bool mask, not a PackedBatch")
        p = self.params
        B, T, D = x.shape
        h, dh = self.heads, D // self.heads
        qkv = x.reshape(B * T, D) @ p["W_qkv"]  # (B*T, 3D)
        qkv += p["b_qkv"]
        qkv = qkv.reshape(B, T, 3, h, dh).transpose(2, 0, 3, 1, 4)  # (3, B, h, T, dh)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scale = 1.0 / np.sqrt(dh)
        s = np.matmul(q, k.transpose(0, 1, 3, 2))  # (B, h, T, T)
        s *= scale
        if mask is not None:
            s += np.where(mask, 0.0, -1e9).astype(s.dtype)[:, None, None, :]  # padded keys
        s -= s.max(axis=-1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=-1, keepdims=True)
        att = s  # (B, h, T, T) softmax weights
        att_d, drop_cache = self.attn_dropout.forward(att, train)
        o = np.matmul(att_d, v)  # (B, h, T, dh)
        o = o.transpose(0, 2, 1, 3).reshape(B * T, D)  # (B*T, D) heads side by side
        y = o @ p["W_o"]
        y += p["b_o"]
        return y.reshape(B, T, D), (x, q, k, v, att, att_d, drop_cache, o, scale)

    def backward(self, dy, cache):
        if self.backend == "numba":
            return self._backward_fused(dy, cache)
        x, q, k, v, att, att_d, drop_cache, o, scale = cache
        p, g = self.params, self.grads
        B, T, D = x.shape
        h, dh = self.heads, D // self.heads
        dy2 = dy.reshape(B * T, D)
        g["W_o"] += o.T @ dy2
        g["b_o"] += dy2.sum(axis=0)
        do = (dy2 @ p["W_o"].T).reshape(B, T, h, dh).transpose(0, 2, 1, 3)  # (B, h, T, dh)
        dv = np.matmul(att_d.transpose(0, 1, 3, 2), do)  # (B, h, T, dh)
        datt = np.matmul(do, v.transpose(0, 1, 3, 2))  # (B, h, T, T)
        datt = self.attn_dropout.backward(datt, drop_cache)
        # softmax backward: ds = att * (datt - sum(datt * att))
        ds = datt
        ds -= (datt * att).sum(axis=-1, keepdims=True)
        ds *= att
        ds *= scale
        dq = np.matmul(ds, k)  # (B, h, T, dh)
        dk = np.matmul(ds.transpose(0, 1, 3, 2), q)
        dqkv = np.stack([dq, dk, dv])  # (3, B, h, T, dh)
        dqkv = dqkv.transpose(1, 3, 0, 2, 4).reshape(B * T, 3 * D)  # (B*T, 3D)
        g["W_qkv"] += x.reshape(B * T, D).T @ dqkv
        g["b_qkv"] += dqkv.sum(axis=0)
        return (dqkv @ p["W_qkv"].T).reshape(B, T, D)

    def _forward_fused(self, x, train, mask):
        from seqkit import runtime
        from seqkit.nn import attention_kernels as ak, parallel

        p = self.params
        D = self.d_model
        if isinstance(mask, PackedBatch):
            B, T, (keys, n_keys) = mask.B, mask.T, (mask.keys, mask.n_keys)
        else:
            B, T, _ = x.shape
            keys, n_keys = ak.key_lists(mask, B, T)
        x2 = np.ascontiguousarray(x, dtype=p["W_qkv"].dtype).reshape(-1, D)  # (R, D) one row per token
        qkv = parallel.matmul(x2, p["W_qkv"])  # (R, 3D)
        qkv += p["b_qkv"]
        P = self.take_scratch("P", (B, self.heads, T * T), qkv.dtype)  # softmax weights, kept for backward
        o = np.empty((len(x2), D), qkv.dtype)
        drop = self.attn_dropout
        seed, thr = (int(drop.rng.integers(2**62)), ak.drop_threshold(drop.p)) if train and drop.p > 0 else (0, 0)
        keep_scale = 1.0 / (1.0 - drop.p)
        runtime.single_thread_step_blas()
        ak.attention_forward(qkv, self.heads, 1.0 / np.sqrt(D // self.heads), keys, n_keys, P, o, seed, thr, keep_scale)
        y = parallel.matmul(o, p["W_o"])
        y += p["b_o"]
        return y.reshape(x.shape), (x2, qkv, keys, n_keys, P, o, (seed, thr, keep_scale), x.shape)

    def _backward_fused(self, dy, cache):
        from seqkit.nn import attention_kernels as ak, parallel

        x2, qkv, keys, n_keys, P, o2, (seed, thr, keep_scale), shape = cache
        p, g = self.params, self.grads
        D = self.d_model
        dy2 = np.ascontiguousarray(dy, dtype=qkv.dtype).reshape(-1, D)  # (R, D)
        g["W_o"] += parallel.matmul_tn(o2, dy2)
        g["b_o"] += dy2.sum(axis=0)
        do = parallel.matmul(dy2, p["W_o"].T)  # (R, D)
        dqkv = np.empty_like(qkv)  # (R, 3D)
        ak.attention_backward(qkv, self.heads, 1.0 / np.sqrt(D // self.heads), keys, n_keys, P, do, dqkv,
                              seed, thr, keep_scale)
        self.give_back_scratch("P", P)
        g["W_qkv"] += parallel.matmul_tn(x2, dqkv)
        g["b_qkv"] += dqkv.sum(axis=0)
        return parallel.matmul(dqkv, p["W_qkv"].T).reshape(shape)
