"""Weight initialisers. Each takes a numpy Generator (or NoDraws) and returns a new float32 array."""

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
    if isinstance(rng, NoDraws):
        return np.zeros((n, m), np.float32)
    a = rng.standard_normal((max(n, m), min(n, m)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))  # a uniform draw over orthogonal matrices
    if n < m:
        q = q.T
    return (gain * q[:n, :m]).astype(np.float32)


def orthogonal_blocks(rng: np.random.Generator, hidden: int, n_gates: int, gain: float = 1.0) -> np.ndarray:
    """A recurrent matrix (H, G*H) made of G orthogonal (H, H) blocks, one per gate."""
    return np.concatenate([orthogonal(rng, hidden, hidden, gain) for _ in range(n_gates)], axis=1)


class NoDraws:
    """Stands in for the Generator when a model is built only to take a file's weights at once
    (TrainedClassifier.load): every draw is zeros of the shape asked (untouched pages until the file's
    arrays are copied in), so a one-line prediction spends no time on the 5 million normal numbers of a
    50,000-word embedding or on QR factorisations (0.5 s each on a busy machine, OpenBLAS's threads
    competing). Dropout layers seeded from it all get seed 0: for prediction only, never training."""

    @staticmethod
    def _zeros(size, dtype=np.float32):
        return np.zeros(() if size is None else size, dtype)

    def uniform(self, low=0.0, high=1.0, size=None):
        return self._zeros(size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self._zeros(size)

    def standard_normal(self, size=None, dtype=np.float32):
        return self._zeros(size, dtype)

    def integers(self, low, high=None, size=None):
        return 0 if size is None else self._zeros(size, np.int64)
