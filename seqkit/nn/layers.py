"""Basic layers: Linear, Embedding, Dropout, LayerNorm, pooling over time with a padding mask, weighted means.

Shapes: B batch, T time steps, D features. A mask is (B, T) bool, True at real (non-padding) tokens.
"""

from __future__ import annotations

import numpy as np

from seqkit.errors import OptionError
from seqkit.nn import init, parallel
from seqkit.nn.module import Module


def lengths_to_mask(lengths: np.ndarray, T: int, pre_padded: bool = False) -> np.ndarray:
    """(B,) lengths -> (B, T) bool mask; with pre_padded the real tokens are at the end of each row."""
    steps = np.arange(T)[None, :]  # (1, T)
    lengths = np.asarray(lengths)[:, None]  # (B, 1)
    return steps >= T - lengths if pre_padded else steps < lengths


class Linear(Module):
    """y = x @ W + b over the last axis of x (any leading shape)."""

    def __init__(self, d_in: int, d_out: int, rng: np.random.Generator, bias: bool = True, init_fn: str = "xavier"):
        super().__init__()
        if init_fn == "he":
            W = init.he_normal(rng, d_in, d_out)
        else:
            W = init.xavier_uniform(rng, d_in, d_out)
        self.add_param("W", W)  # (D_in, D_out)
        if bias:
            self.add_param("b", np.zeros(d_out, np.float32))  # (D_out,)

    def forward(self, x, train=False):
        W = self.params["W"]
        y = parallel.matmul(x.reshape(-1, x.shape[-1]), W).reshape(*x.shape[:-1], W.shape[1])  # (..., D_out)
        if "b" in self.params:
            y += self.params["b"]
        return y, x

    def predict_numpy(self, x):
        """forward's y with NumPy's own product whatever the rows (forward splits many across Numba's threads)."""
        y = x @ self.params["W"]  # (..., D_out)
        if "b" in self.params:
            y += self.params["b"]
        return y

    def backward(self, dy, cache):
        x = cache
        W = self.params["W"]
        x2 = x.reshape(-1, x.shape[-1])  # (N, D_in)
        dy2 = dy.reshape(-1, dy.shape[-1])  # (N, D_out)
        self.grads["W"] += parallel.matmul_tn(x2, dy2)
        if "b" in self.params:
            self.grads["b"] += dy2.sum(axis=0)
        return parallel.matmul(dy2, W.T).reshape(*dy.shape[:-1], W.shape[0])  # (..., D_in)


class Embedding(Module):
    """Rows of a (V, E) table. The padding row stays zero and gets no gradient; frozen tables never train."""

    def __init__(
        self,
        vocab_size: int,
        dim: int,
        rng: np.random.Generator,
        padding_idx: int | None = 0,
        weights: np.ndarray | None = None,
        frozen: bool = False,
        scale: float = 0.1,
    ):
        super().__init__()
        if weights is not None:
            if weights.shape != (vocab_size, dim):
                raise OptionError(f"embedding weights have shape {weights.shape}, expected {(vocab_size, dim)}")
            W = np.array(weights, dtype=np.float32)
        else:
            W = rng.normal(0.0, scale, size=(vocab_size, dim)).astype(np.float32, copy=False)
        if padding_idx is not None:
            W[padding_idx] = 0.0
        self.padding_idx = padding_idx  # its row is all zeros and is never updated
        self.frozen = frozen  # a frozen table lives in buffers: saved, never trained
        if frozen:
            self.buffers["W"] = W
        else:
            self.add_param("W", W)  # (V, E)

    @property
    def weight(self) -> np.ndarray:
        return self.buffers["W"] if self.frozen else self.params["W"]

    def forward(self, ids, train=False):
        return self.weight[ids], ids  # (B, T, E)

    def backward(self, dy, cache):
        if self.frozen:
            return None
        from seqkit.nn.kernels import scatter_add_rows

        G = self.grads["W"]
        ids = np.ascontiguousarray(cache.reshape(-1), dtype=np.int64)
        dy2 = np.ascontiguousarray(dy.reshape(-1, dy.shape[-1]), dtype=G.dtype)  # (B*T, E)
        scatter_add_rows(G, ids, dy2, -1 if self.padding_idx is None else self.padding_idx)
        return None


class Dropout(Module):
    """Inverted dropout: in training, zero each unit with probability p and scale the rest by 1/(1-p)."""

    def __init__(self, p: float, rng: np.random.Generator | None = None):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise OptionError(f"dropout must be in [0, 1), got {p}")
        self.p = p
        self.rng = rng if rng is not None else np.random.default_rng()  # draws the masks

    def forward(self, x, train=False):
        if not train or self.p == 0.0:
            return x, None
        keep = (self.rng.random(x.shape, dtype=np.float32) >= self.p).astype(x.dtype)
        keep *= 1.0 / (1.0 - self.p)
        return x * keep, keep

    def backward(self, dy, cache):
        return dy if cache is None else dy * cache


class LayerNorm(Module):
    """Normalise the last axis to zero mean and unit variance, then scale and shift (Ba et al. 2016)."""

    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.add_param("gamma", np.ones(dim, np.float32))
        self.add_param("beta", np.zeros(dim, np.float32))

    def forward(self, x, train=False):
        from seqkit.nn.norm_kernels import layernorm_forward

        p = self.params
        D = x.shape[-1]
        x2 = np.ascontiguousarray(x, dtype=p["gamma"].dtype).reshape(-1, D)  # (N, D)
        y, xhat, rstd = np.empty_like(x2), np.empty_like(x2), np.empty(x2.shape[0], x2.dtype)
        layernorm_forward(x2, p["gamma"], p["beta"], self.eps, y, xhat, rstd)
        return y.reshape(x.shape), (xhat, rstd, x.shape)

    def backward(self, dy, cache):
        # dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * gamma
        from seqkit.nn.norm_kernels import layernorm_backward
        from seqkit.runtime import numba_threads

        xhat, rstd, shape = cache
        D = shape[-1]
        dy2 = np.ascontiguousarray(dy, dtype=xhat.dtype).reshape(-1, D)
        n_blocks = max(1, min(numba_threads(), len(dy2) // 64))
        dx = np.empty_like(dy2)
        dgamma, dbeta = np.empty((n_blocks, D), dx.dtype), np.empty((n_blocks, D), dx.dtype)
        layernorm_backward(dy2, xhat, rstd, self.params["gamma"], dx, dgamma, dbeta)
        self.grads["gamma"] += dgamma.sum(axis=0)
        self.grads["beta"] += dbeta.sum(axis=0)
        return dx.reshape(shape)


def last_valid_index(mask: np.ndarray) -> np.ndarray:
    """(B, T) mask -> (B,) index of the last True step (0 for an all-False row)."""
    T = mask.shape[1]
    rev_first = np.argmax(mask[:, ::-1], axis=1)
    return np.where(mask.any(axis=1), T - 1 - rev_first, 0)


class Pool(Module):
    """Sequence (B, T, D) -> (B, D): 'last' valid step, 'mean' or 'max' over valid steps only."""

    KINDS = ("last", "mean", "max")

    def __init__(self, kind: str = "mean"):
        super().__init__()
        if kind not in self.KINDS:
            raise OptionError(f"pooling must be one of {', '.join(self.KINDS)}, got {kind!r}")
        self.kind = kind

    def forward(self, x, train=False, mask=None):
        B, T, D = x.shape
        if mask is None:
            mask = np.ones((B, T), bool)
        if self.kind == "last":
            idx = last_valid_index(mask)  # (B,)
            return x[np.arange(B), idx], (x.shape, idx)
        if self.kind == "mean":
            m = mask.astype(x.dtype)[:, :, None]  # (B, T, 1)
            count = np.maximum(m.sum(axis=1), 1.0)  # (B, 1)
            return (x * m).sum(axis=1) / count, (m, count)
        masked = np.where(mask[:, :, None], x, -np.inf)
        idx = np.argmax(masked, axis=1)  # (B, D)
        y = np.take_along_axis(x, idx[:, None, :], axis=1)[:, 0]
        return y, (x.shape, idx)

    def backward(self, dy, cache):
        if self.kind == "last":
            shape, idx = cache
            dx = np.zeros(shape, dy.dtype)
            dx[np.arange(shape[0]), idx] = dy
            return dx
        if self.kind == "mean":
            m, count = cache
            return m * (dy / count)[:, None, :]
        shape, idx = cache
        dx = np.zeros(shape, dy.dtype)
        np.put_along_axis(dx, idx[:, None, :], dy[:, None, :], axis=1)
        return dx


class WeightedMean(Module):
    """Rows (B, T, D) and fixed weights (B, T) -> (B, D): sum_t w[b, t] x[b, t] / sum_t w[b, t].

    The weights are inputs, not parameters (padding and left-out words have weight 0); a row whose
    weights are all zero gives a zero vector and no gradient. Used for a text as the (tf-idf) weighted
    mean of its word vectors (seqkit/embed/docvec.py)."""

    def forward(self, x, train=False, weights=None):
        total = weights.sum(axis=1, keepdims=True)  # (B, 1)
        a = (weights / np.where(total > 0, total, 1.0)).astype(x.dtype, copy=False)  # (B, T) sums to 1 or 0
        y = np.matmul(a[:, None, :], x)[:, 0]  # (B, D)
        return y, a

    def backward(self, dy, cache):
        a = cache
        return a[:, :, None] * dy[:, None, :]  # (B, T, D)
