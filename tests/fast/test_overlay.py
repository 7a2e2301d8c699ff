"""fast.overlay: a chunk's overlay copies a row on first touch and leaves the shared matrix alone; the
ordered merge (sum, or the mean of rows every chunk changed). The round kernels: tests/embed/test_deterministic.py."""

import warnings

import numpy as np
from numba import njit
from numba.core.errors import NumbaIRAssumptionWarning

from seqkit.fast.overlay import merge, to_deltas
from seqkit.fast.rows import add_to_rows, mean_of_rows, parts, row_at


@njit
def _train_chunk(matrix, slot, values, rows, count, touched, h, grad):
    view = (matrix, slot, (values, rows, count))
    mean_of_rows(view, touched, 0, touched.shape[0], h)
    add_to_rows(view, touched, 0, touched.shape[0], grad)
    to_deltas(matrix, slot, values, rows, count[0])


def _chunk(matrix, touched, grad):
    slot = np.full(len(matrix), -1, np.int32)
    values, rows, count = np.zeros_like(matrix), np.zeros(len(matrix), np.int32), np.zeros(1, np.int64)
    h = np.empty(matrix.shape[1], np.float32)
    _train_chunk(matrix, slot, values, rows, count, np.array(touched, np.int64), h, grad)
    return h, values, rows, count[0], slot


def test_first_touch_copies_and_the_matrix_stays():
    W = np.random.default_rng(0).random((6, 4), dtype=np.float32)
    start = W.copy()
    grad = np.full(4, 0.5, np.float32)
    h, values, rows, n, slot = _chunk(W, [4, 1, 4, 0], grad)
    np.testing.assert_array_equal(W, start)  # the chunk wrote only its copies
    np.testing.assert_allclose(h, start[[4, 1, 4, 0]].mean(axis=0), rtol=1e-6)
    assert n == 3 and list(rows[:n]) == [4, 1, 0]  # first-touch order, each row once
    np.testing.assert_allclose(values[:n], [2 * grad, grad, grad], rtol=1e-6)  # deltas: row 4 twice
    assert (slot == -1).all()  # cleared for the next chunk


def test_merge_sums_in_chunk_order_or_takes_the_mean_of_shared_rows():
    W = np.zeros((4, 2), np.float32)
    values = np.array([[[1, 1], [2, 2]], [[3, 3], [0, 0]]], np.float32)  # chunk 1 leaves row 2 unchanged
    rows = np.array([[0, 2], [0, 2]], np.int32)
    counts = np.array([2, 2], np.int64)
    for parts in (1, 2, 3):
        summed, mean = W.copy(), W.copy()
        merge(summed, values, rows, counts, parts, False)
        merge(mean, values, rows, counts, parts, True)
        np.testing.assert_array_equal(summed, [[4, 4], [0, 0], [2, 2], [0, 0]])
        np.testing.assert_array_equal(mean, [[2, 2], [0, 0], [2, 2], [0, 0]])  # row 2: one chunk changed it


@njit
def _branchy_reads(matrix, slot, values, rows, count, touched):
    """Overlay reads in a branch that continues, as _output_layer's duplicate-row path has them."""
    m, s, local = parts((matrix, slot, (values, rows, count)))
    total = np.float32(0.0)
    for k in range(touched.shape[0]):
        if touched[k] == 1:
            total += row_at(m, s, local, touched[k])[0]
            continue
        total += row_at(m, s, local, touched[k])[0] + row_at(m, s, local, 0)[0]
    return total


def test_overlay_reads_compile_without_numba_ssa_warnings():
    """The first-touch code once assigned a variable in a branch, and numba's SSA check printed a
    NumbaIRAssumptionWarning on stderr at every first compile of --deterministic training."""
    W = np.arange(1, 25, dtype=np.float32).reshape(6, 4)
    slot, values, rows, count = np.full(6, -1, np.int32), np.zeros_like(W), np.zeros(6, np.int32), np.zeros(1, np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumbaIRAssumptionWarning)
        total = _branchy_reads(W, slot, values, rows, count, np.array([4, 1, 4, 0], np.int64))
    assert total == 2 * W[4, 0] + W[1, 0] + 4 * W[0, 0]  # rows 4 and 0 twice each, 0 twice more
