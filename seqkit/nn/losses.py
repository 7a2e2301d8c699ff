"""Softmax cross-entropy for any number of classes, with a stable log-softmax."""

from __future__ import annotations

import numpy as np


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(softmax(z)) without overflow: subtract the max first."""
    zs = z - z.max(axis=axis, keepdims=True)
    return zs - np.log(np.exp(zs).sum(axis=axis, keepdims=True))


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_cross_entropy(
    logits: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood of integer labels and its gradient.

    logits (N, C), labels (N,) ints, optional per-example weights (N,). Returns (loss, dlogits (N, C)).
    """
    N = logits.shape[0]
    logp = log_softmax(logits)  # (N, C)
    picked = logp[np.arange(N), labels]  # (N,)
    dlogits = np.exp(logp)  # softmax (N, C)
    dlogits[np.arange(N), labels] -= 1.0
    if weights is None:
        loss = -picked.mean()
        dlogits /= N
    else:
        w = np.asarray(weights, logits.dtype)
        total = w.sum()
        loss = -(picked * w).sum() / total
        dlogits *= (w / total)[:, None]
    return float(loss), dlogits.astype(logits.dtype, copy=False)
