"""1-D convolution over time and the fused convolution -> ReLU -> max-over-time of Kim's (2014) classifier.

Shapes: x (B, T, E) channels last (what an Embedding gives), mask (B, T) True at real tokens, M maps,
K the width, pad zeros on each side: y (B, T + 2*pad - K + 1, M). Weights W (E, K, M) with
W[e, k, m] = torch's Conv1d weight[m, e, k]; a masked input token counts as zero.
"""

from __future__ import annotations

import numpy as np

from seqkit.errors import OptionError
from seqkit.nn import conv_kernels as ck
from seqkit.nn import init, parallel
from seqkit.nn.module import Module


def _ready(x, mask, dtype):
    """Contiguous x in the weights' dtype and a bool mask (all True when None)."""
    x = np.ascontiguousarray(x, dtype=dtype)  # (B, T, E)
    mask = np.ones(x.shape[:2], bool) if mask is None else np.ascontiguousarray(mask, dtype=bool)  # (B, T)
    return x, mask


class Conv1d(Module):
    """y[b, t, m] = b[m] + sum_{k, e} W[e, k, m] * x[b, t + k - pad, e], zero outside the text and at masked tokens."""

    def __init__(self, in_dim: int, maps: int, width: int, rng: np.random.Generator, padding: int = 0):
        super().__init__()
        if width < 1 or maps < 1 or padding < 0:
            raise OptionError(f"a convolution needs width and maps >= 1 and padding >= 0, not {width}, {maps}, {padding}")
        self.width, self.padding = width, padding
        fan_in = in_dim * width
        # He-uniform for the ReLU that follows: U(-a, a), a = sqrt(6 / fan_in)
        self.add_param("W", init.uniform(rng, np.sqrt(6.0 / fan_in), (in_dim, width, maps)))  # (E, K, M)
        self.add_param("b", np.zeros(maps, np.float32))  # (M,)

    @property
    def maps(self) -> int:
        return self.params["W"].shape[2]

    def out_len(self, T: int) -> int:
        return T + 2 * self.padding - self.width + 1

    def output_mask(self, mask: np.ndarray) -> np.ndarray:
        """(B, T) input mask -> (B, Tout) True where an output's window holds a real token."""
        K, pad = self.width, self.padding
        padded = np.pad(mask.astype(np.int64), ((0, 0), (pad + 1, pad)))  # (B, T + 2*pad + 1), a leading 0
        run = np.cumsum(padded, axis=1)
        return (run[:, K:] - run[:, :-K]) > 0  # (B, Tout): real tokens in each window

    def _flat(self) -> np.ndarray:
        W = self.params["W"]
        return W.reshape(W.shape[0], -1)  # (E, K*M), a view

    def forward(self, x, train=False, mask=None):
        x, mask = _ready(x, mask, self.params["W"].dtype)
        B, T, _ = x.shape
        if self.out_len(T) < 1:
            raise OptionError(f"a text of {T} steps is shorter than the width {self.width} with padding {self.padding}")
        y = np.empty((B, self.out_len(T), self.maps), x.dtype)  # (B, Tout, M)
        ck.conv_forward(x, mask, self._flat(), self.params["b"], self.padding, y, ck.n_blocks(B))
        return y, (x, mask)

    def backward(self, dy, cache):
        x, mask = cache
        B, T, E = x.shape
        dy = np.ascontiguousarray(dy, dtype=x.dtype)  # (B, Tout, M)
        Wf = self._flat()
        dZ = np.empty((B, T, Wf.shape[1]), x.dtype)  # (B, T, K*M)
        ck.conv_grad_z(dy, mask, self.padding, self.width, dZ, ck.n_blocks(B))
        dZ2 = dZ.reshape(B * T, -1)
        self.grads["W"] += parallel.matmul_tn(x.reshape(B * T, E), dZ2).reshape(self.params["W"].shape)
        self.grads["b"] += dy.sum(axis=(0, 1))
        return parallel.matmul(dZ2, Wf.T).reshape(B, T, E)  # (B, T, E)


def distinct_rows(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Token ids (B, T) -> (the distinct ids (U,), index (B, T) of each token among them): ConvMaxPool
    multiplies each distinct word vector by the filters once."""
    uniq, inverse = np.unique(ids, return_inverse=True)
    return uniq, np.ascontiguousarray(inverse.reshape(ids.shape), dtype=np.int64)


class ConvMaxPool(Module):
    """max over the real outputs t of ReLU(Conv1d(x)[b, t, m]) -> (B, M), in one pass: the (B, Tout, M)
    activations are never stored, and backward touches only each map's winning window (Kim 2014).
    An output counts when its window holds a real token; a text without one gives zeros.
    x is (B, T, E), or with index (B, T) the distinct rows (U, E) that the tokens index (distinct_rows)."""

    def __init__(self, in_dim: int, maps: int, width: int, rng: np.random.Generator, padding: int | None = None):
        super().__init__()
        # padding width - 1 (Kim's): every text, even a single token, fills every filter's window once
        self.conv = Conv1d(in_dim, maps, width, rng, width - 1 if padding is None else padding)

    def forward(self, x, train=False, mask=None, need_dx=True, index=None):
        conv = self.conv
        dtype = conv.params["W"].dtype
        if index is None:  # every token its own row
            x, mask = _ready(x, mask, dtype)
            B, T, E = x.shape
            x, index = x.reshape(B * T, E), np.arange(B * T).reshape(B, T)
        else:
            x = np.ascontiguousarray(x, dtype=dtype)  # (U, E)
            mask = np.ones(index.shape, bool) if mask is None else np.ascontiguousarray(mask, dtype=bool)
        B = index.shape[0]
        Z = parallel.matmul(x, conv._flat())  # (U, K*M): every row against every offset of every map
        top = np.empty((B, conv.maps), dtype)  # (B, M) the largest pre-activation
        arg = np.empty((B, conv.maps), np.int64)  # (B, M) its output step
        ck.conv_max_forward(Z, index, mask, conv.params["b"], conv.padding, top, arg, ck.n_blocks(B))
        return np.maximum(top, 0), (x, index, mask, top, arg, need_dx)

    def backward(self, dy, cache):
        """dy (B, M) -> dx (B, T, E) per token, or None when forward was told need_dx=False (frozen inputs)."""
        x, index, mask, top, arg, need_dx = cache
        conv = self.conv
        (B, T), E = index.shape, x.shape[1]
        g = np.where(top > 0, dy, 0).astype(x.dtype)  # (B, M) through the ReLU
        W = conv.params["W"]
        WfT = np.ascontiguousarray(conv._flat().T)  # (K*M, E)
        n = ck.n_blocks(B)
        dx = np.zeros((B, T, E) if need_dx else (1, 1, 1), x.dtype)  # (B, T, E)
        parts = np.empty((n, WfT.shape[0], E), x.dtype)  # (n, K*M, E)
        ck.conv_max_backward(x, index, mask, WfT, g, arg, conv.padding, need_dx, dx, parts, n)
        conv.grads["W"] += parts.sum(axis=0).T.reshape(W.shape)
        conv.grads["b"] += g.sum(axis=0)
        return dx if need_dx else None
