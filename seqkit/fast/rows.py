"""The mean of a set of matrix rows and the update that gives one gradient to each of them: a subword
model's word (its own row and its n-gram rows) and a linear classifier's text (its words and n-grams)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(inline="always")
def mean_of_rows(W, rows, r0, r1, h):
    """h = mean of W[rows[r0:r1]] (float32, rows added in order; r1 > r0)."""
    dim = h.shape[0]
    for c in range(dim):
        h[c] = 0.0
    for k in range(r0, r1):
        row = W[rows[k]]
        for c in range(dim):
            h[c] += row[c]
    inv = np.float32(1.0) / np.float32(r1 - r0)
    for c in range(dim):
        h[c] *= inv


@njit(inline="always")
def add_to_rows(W, rows, r0, r1, grad):
    """W[rows[k]] += grad for every k in r0..r1-1, in order."""
    dim = grad.shape[0]
    for k in range(r0, r1):
        row = W[rows[k]]
        for c in range(dim):
            row[c] += grad[c]
