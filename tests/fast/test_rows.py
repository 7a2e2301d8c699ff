"""fast.rows: the views' rows, their mean and update, against NumPy (the overlays: tests/embed/test_deterministic.py)."""

import numpy as np
import pytest
from numba import njit

from seqkit.fast.rows import add_to_rows, mean_of_rows, parts, row_at


@njit
def _mean_then_add(W, rows, h, grad):
    mean_of_rows(W, rows, 0, rows.shape[0], h)
    add_to_rows(W, rows, 0, rows.shape[0], grad)


@njit
def _second_row(W):
    matrix, slot, local = parts(W)
    return row_at(matrix, slot, local, 1)[0]


def _data():
    rng = np.random.default_rng(3)
    W = rng.random((6, 4), dtype=np.float32)
    rows = np.array([4, 1, 4, 0], np.int64)
    return W, rows, np.ones(4, np.float32) * 0.5


def _expected(matrix, rows, grad):
    mean = matrix[rows].mean(axis=0)
    after = matrix.copy()
    for r in rows:
        after[r] += grad
    return mean, after


def test_plain_matrix():
    W, rows, grad = _data()
    mean, after = _expected(W, rows, grad)
    h = np.empty(4, np.float32)
    _mean_then_add(W, rows, h, grad)
    np.testing.assert_allclose(h, mean, rtol=1e-6)
    np.testing.assert_array_equal(W, after)


@pytest.mark.parametrize("hot", [[-1, 0, -1, -1, 1, -1], [-1] * 6])
def test_hot_copies_take_the_hot_rows(hot):
    W, rows, grad = _data()
    slot = np.array(hot, np.int32)
    hot_rows = [r for r in range(6) if slot[r] >= 0]
    local = W[hot_rows] + 1.0 if hot_rows else np.zeros((0, 4), np.float32)
    seen = W.copy()
    seen[hot_rows] = local
    mean, after = _expected(seen, rows, grad)
    h = np.empty(4, np.float32)
    shared = W.copy()
    assert _second_row((W, slot, local)) == seen[1, 0]
    _mean_then_add((shared, slot, local), rows, h, grad)
    np.testing.assert_allclose(h, mean, rtol=1e-6)
    np.testing.assert_array_equal(local, after[hot_rows])
    cold = [r for r in range(6) if slot[r] < 0]
    np.testing.assert_array_equal(shared[cold], after[cold])
    np.testing.assert_array_equal(shared[hot_rows], W[hot_rows])  # the shared hot rows untouched
