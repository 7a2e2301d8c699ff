"""Multi-head scaled dot-product self-attention with a key padding mask (Vaswani et al. 2017).

Two backends with one set of weights: "numba" (default) runs each (item, head) pair in cache with the
kernels of seqkit/nn/attention_kernels.py; "numpy" is the readable reference the tests compare with.
"""

from __future__ import annotations

import numpy as np

from seqkit.errors import OptionError
from seqkit.nn import init
from seqkit.nn.layers import Dropout
from seqkit.nn.module import Module


class MultiHeadSelfAttention(Module):
    """x (B, T, D), mask (B, T) bool (True = real token) -> y (B, T, D).

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
        B, T, D = x.shape
        x = np.ascontiguousarray(x, dtype=p["W_qkv"].dtype)
        qkv = parallel.matmul(x.reshape(B * T, D), p["W_qkv"])  # (B*T, 3D)
        qkv += p["b_qkv"]
        qkv = qkv.reshape(B, T, 3 * D)
        keys, n_keys = ak.key_lists(mask, B, T)
        P = self.take_scratch("P", (B, self.heads, T * T), qkv.dtype)  # softmax weights, kept for backward
        o = np.empty((B, T, D), qkv.dtype)
        drop = self.attn_dropout
        seed, thr = (int(drop.rng.integers(2**62)), ak.drop_threshold(drop.p)) if train and drop.p > 0 else (0, 0)
        keep_scale = 1.0 / (1.0 - drop.p)
        runtime.single_thread_step_blas()
        ak.attention_forward(qkv, self.heads, 1.0 / np.sqrt(D // self.heads), keys, n_keys, P, o, seed, thr, keep_scale)
        o2 = o.reshape(B * T, D)
        y = parallel.matmul(o2, p["W_o"])
        y += p["b_o"]
        return y.reshape(B, T, D), (x, qkv, keys, n_keys, P, o2, seed, thr, keep_scale)

    def _backward_fused(self, dy, cache):
        from seqkit.nn import attention_kernels as ak, parallel

        x, qkv, keys, n_keys, P, o2, seed, thr, keep_scale = cache
        p, g = self.params, self.grads
        B, T, D = x.shape
        dy2 = np.ascontiguousarray(dy, dtype=qkv.dtype).reshape(B * T, D)
        g["W_o"] += parallel.matmul_tn(o2, dy2)
        g["b_o"] += dy2.sum(axis=0)
        do = parallel.matmul(dy2, p["W_o"].T).reshape(B, T, D)
        dqkv = np.empty_like(qkv)  # (B, T, 3D)
        ak.attention_backward(qkv, self.heads, 1.0 / np.sqrt(D // self.heads), keys, n_keys, P, do, dqkv,
                              seed, thr, keep_scale)
        self.give_back_scratch("P", P)
        dqkv2 = dqkv.reshape(B * T, 3 * D)
        g["W_qkv"] += parallel.matmul_tn(x.reshape(B * T, D), dqkv2)
        g["b_qkv"] += dqkv2.sum(axis=0)
        return parallel.matmul(dqkv2, p["W_qkv"].T).reshape(B, T, D)
