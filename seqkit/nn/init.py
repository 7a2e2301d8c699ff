"""Weight initialisers. Each takes a numpy Generator and returns a new float32 array."""

from __future__ import annotations

import numpy as np


def xavier_uniform(rng: np.random.Generator, fan_in: int, fan_out: int, shape=None, gain: float = 1.0) -> np.ndarray:
    """Glorot & Bengio 2010: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))."""
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape or (fan_in, fan_out)).astype(np.float32)


def he_normal(rng: np.random.Generator, fan_in: int, fan_out: int, shape=None) -> np.ndarray:
    """He et al. 2015, for ReLU layers: N(0, 2 / fan_in)."""
    return (rng.standard_normal(shape or (fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def uniform(rng: np.random.Generator, bound: float, shape) -> np.ndarray:
    """U(-bound, bound); PyTorch's default for recurrent layers uses bound = 1/sqrt(hidden)."""
    return rng.uniform(-bound, bound, size=shape).astype(np.float32)


def orthogonal(rng: np.random.Generator, n: int, m: int, gain: float = 1.0) -> np.ndarray:
    """Saxe et al. 2014: a (n, m) matrix with orthonormal rows or columns (QR of a Gaussian, sign-fixed)."""
    a = rng.standard_normal((max(n, m), min(n, m)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))  # a uniform draw over orthogonal matrices
    if n < m:
        q = q.T
    return (gain * q[:n, :m]).astype(np.float32)


def orthogonal_blocks(rng: np.random.Generator, hidden: int, n_gates: int, gain: float = 1.0) -> np.ndarray:
    """A recurrent matrix (H, G*H) made of G orthogonal (H, H) blocks, one per gate."""
    return np.concatenate([orthogonal(rng, hidden, hidden, gain) for _ in range(n_gates)], axis=1)
