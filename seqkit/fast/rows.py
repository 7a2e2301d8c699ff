"""Rows read through views, the mean of a set of rows and the update that gives one gradient to each of them:
a subword model's word (its own row and its n-gram rows) and a linear classifier's text (its words and n-grams).

A view is what a kernel reads a weight matrix through, so that one document step serves every schedule:

- a matrix: ``row(W, i)`` is W[i] itself;
- ``(matrix, slot, None)``: the same, as a tuple;
- ``(matrix, slot, local)``, local an array: the thread's copies of the hot rows (fast.shards.sync_hot),
  local[slot[i]] where slot[i] >= 0, else matrix[i];
- ``(matrix, slot, (values, rows, count))``: a chunk's overlay under --deterministic (fast/overlay.py), the
  chunk's own copy of row i, made on first touch.

`row` is typed by numba through the overloads (it has no Python body).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload


def row(view, i):
    """Row ``i`` of ``view`` (see the module docstring). Numba only."""
    raise NotImplementedError("numba only")


@overload(row, inline="always")
def _row_shared_or_hot(view, i):
    if isinstance(view, types.Array):
        return lambda view, i: view[i]
    if not isinstance(view, types.BaseTuple):
        return None
    local = view.types[2]
    if isinstance(local, types.NoneType):
        return lambda view, i: view[0][i]
    if isinstance(local, types.Array):
        def hot(view, i):
            k = view[1][i]
            return view[2][k] if k >= 0 else view[0][i]
        return hot
    return None  # an overlay: fast/overlay.py


@njit(inline="always")
def mean_of_rows(W, rows, r0, r1, h):
    """h = mean of the rows rows[r0:r1] of W, a view (float32, rows added in order; r1 > r0)."""
    dim = h.shape[0]
    for c in range(dim):
        h[c] = 0.0
    for k in range(r0, r1):
        v = row(W, rows[k])
        for c in range(dim):
            h[c] += v[c]
    inv = np.float32(1.0) / np.float32(r1 - r0)
    for c in range(dim):
        h[c] *= inv


@njit(inline="always")
def add_to_rows(W, rows, r0, r1, grad):
    """row(W, rows[k]) += grad for every k in r0..r1-1, in order (W a view)."""
    dim = grad.shape[0]
    for k in range(r0, r1):
        v = row(W, rows[k])
        for c in range(dim):
            v[c] += grad[c]
