"""Rows read through views, the mean of a set of rows and the update that gives one gradient to each of them:
a subword model's word (its own row and its n-gram rows) and a linear classifier's text (its words and n-grams).

A view is what a kernel reads a weight matrix through, so that one document step serves every schedule. Its
parts are (matrix, slot, local):

- a matrix alone, or ``(matrix, slot, None)``: row i is matrix[i];
- ``(matrix, slot, local)``, local an array: the thread's copies of the hot rows (fast.shards.sync_hot),
  local[slot[i]] where slot[i] >= 0, else matrix[i];
- ``(matrix, slot, (values, rows, count))``: a chunk's overlay under --deterministic (fast/overlay.py), the
  chunk's own copy of row i, made on first touch.

A loop over many rows takes the parts once (`parts`) and reads each row with `row_at`: taking them from the
tuple at every row costs a reference-count increment and decrement per part, which the word2vec kernels
measured as 5-10% of their time (docs/benchmarks/engine.md).
The functions are typed by numba through their overloads (they have no Python body).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from seqkit.fast import cache  # noqa: F401  (numba caches kernels on every seqkit source they reach)


def parts(view):
    """(matrix, slot, local) of ``view`` (see the module docstring). Numba only."""
    raise NotImplementedError("numba only")


def row_at(matrix, slot, local, i):
    """Row ``i`` of the view with these parts. Numba only."""
    raise NotImplementedError("numba only")


def add_row_into(h, matrix, slot, local, i):
    """h += row i of the view with these parts. Numba only."""
    raise NotImplementedError("numba only")


def add_into_row(matrix, slot, local, i, grad):
    """Row i of the view with these parts += grad. Numba only."""
    raise NotImplementedError("numba only")


@overload(parts, inline="always")
def _parts(view):
    if isinstance(view, types.Array):
        return lambda view: (view, None, None)
    if isinstance(view, types.BaseTuple) and len(view) == 3:
        return lambda view: view
    return None


@overload(row_at, inline="always")
def _row_at_shared_or_hot(matrix, slot, local, i):
    if isinstance(local, types.NoneType):
        return lambda matrix, slot, local, i: matrix[i]
    if isinstance(local, types.Array):
        def hot(matrix, slot, local, i):
            k = slot[i]
            if k >= 0:
                return local[k]
            return matrix[i]
        return hot
    return None  # an overlay: fast/overlay.py


@overload(add_row_into, inline="always")
def _add_row_into(h, matrix, slot, local, i):
    if isinstance(local, types.NoneType):  # no view: the matrix indexed in place
        def shared(h, matrix, slot, local, i):
            for c in range(h.shape[0]):
                h[c] += matrix[i, c]
        return shared

    def through_view(h, matrix, slot, local, i):
        v = row_at(matrix, slot, local, i)
        for c in range(h.shape[0]):
            h[c] += v[c]
    return through_view


@overload(add_into_row, inline="always")
def _add_into_row(matrix, slot, local, i, grad):
    if isinstance(local, types.NoneType):
        def shared(matrix, slot, local, i, grad):
            for c in range(grad.shape[0]):
                matrix[i, c] += grad[c]
        return shared

    def through_view(matrix, slot, local, i, grad):
        v = row_at(matrix, slot, local, i)
        for c in range(grad.shape[0]):
            v[c] += grad[c]
    return through_view


@njit(inline="always")
def mean_of_rows(W, rows, r0, r1, h):
    """h = mean of the rows rows[r0:r1] of W, a view (float32, rows added in order; r1 > r0)."""
    matrix, slot, local = parts(W)
    for c in range(h.shape[0]):
        h[c] = 0.0
    for k in range(r0, r1):
        add_row_into(h, matrix, slot, local, rows[k])
    inv = np.float32(1.0) / np.float32(r1 - r0)
    for c in range(h.shape[0]):
        h[c] *= inv


@njit(inline="always")
def add_to_rows(W, rows, r0, r1, grad):
    """Row rows[k] of W += grad for every k in r0..r1-1, in order (W a view)."""
    matrix, slot, local = parts(W)
    for k in range(r0, r1):
        add_into_row(matrix, slot, local, rows[k], grad)
