"""fast.overlay: a chunk's overlay copies a row on first touch and leaves the shared matrix alone; the
ordered merge of the chunks' changes. The round kernels: tests/embed/test_deterministic.py."""

import warnings

import numpy as np
from numba import njit
from numba.core.errors import NumbaIRAssumptionWarning

from seqkit.fast.overlay import claim, copy_shared, merge, merge_shared, number_shared, release, share
from seqkit.fast.rows import add_to_rows, mean_of_rows, parts, row_at
from tests.embed.reference_deterministic import merged


@njit
def _train_chunk(matrix, slot, pool, touched, h, grad):
    """h = the mean of the rows ``touched``, then grad added to each, through the overlay (matrix, slot,
    pool), pool = (values, rows, count), or (values,) with slot = place for rows turned into places."""
    view = (matrix, slot, pool)
    mean_of_rows(view, touched, 0, touched.shape[0], h)
    add_to_rows(view, touched, 0, touched.shape[0], grad)


def _round(matrix, touched_by_chunk, grads):
    """The overlays of a round's chunks, chunk c touching rows touched_by_chunk[c] with gradient grads[c]."""
    n, (v, dim) = len(touched_by_chunk), matrix.shape
    slot = np.full((n, v), -1, np.int32)
    values, rows, counts = np.zeros((n, v, dim), np.float32), np.zeros((n, v), np.int32), np.zeros((n, 1), np.int64)
    means = np.empty((n, dim), np.float32)
    for c, (touched, grad) in enumerate(zip(touched_by_chunk, grads)):
        _train_chunk(matrix, slot[c], (values[c], rows[c], counts[c]), np.array(touched, np.int64), means[c],
                     np.asarray(grad, np.float32))
    return slot, values, rows, counts[:, 0], means


def test_first_touch_copies_and_the_matrix_stays():
    W = np.random.default_rng(0).random((6, 4), dtype=np.float32)
    start = W.copy()
    grad = np.full(4, 0.5, np.float32)
    slot, values, rows, counts, means = _round(W, [[4, 1, 4, 0]], [grad])
    np.testing.assert_array_equal(W, start)  # the chunk wrote only its copies
    np.testing.assert_allclose(means[0], start[[4, 1, 4, 0]].mean(axis=0), rtol=1e-6)
    n = counts[0]
    assert n == 3 and list(rows[0, :n]) == [4, 1, 0]  # first-touch order, each row once
    assert [slot[0, r] for r in (4, 1, 0)] == [0, 1, 2] and (slot[0, [2, 3, 5]] == -1).all()
    np.testing.assert_allclose(values[0, :n], start[[4, 1, 0]] + [2 * grad, grad, grad], rtol=1e-6)  # row 4 twice


def test_merge_adds_each_chunks_change_in_chunk_order_and_clears_the_slots():
    start = np.array([[1e8, 0], [5, 5], [0, 0], [7, 7]], np.float32)
    grads = [[3, 1], [-1e8, 1e8], [2, -1e8]]
    touched = [[0, 1, 2], [0, 2, 1], [1, 3, 2]]
    for parts in (1, 2, 3):
        W = start.copy()
        slot, values, rows, counts, _ = _round(W, touched, grads)
        merge(W, slot, values, rows, counts, parts)
        expect = start.copy()
        for c, rows_c in enumerate(touched):  # the reference order: chunk by chunk
            for r in set(rows_c):
                expect[r] = merged(expect[r], values[c, slot_of(rows, counts, c, r)], start[r])
        np.testing.assert_array_equal(W, expect)
        assert (slot == -1).all()  # cleared for the next round
    # row 2 takes 1, 1e8, -1e8 in its second column: 0 in chunk order (1 + 1e8 is 1e8 in float32), 1 in reverse
    assert W[2, 1] == 0


@njit
def _claim_round(bits, own, claimed, n_claimed, firsts, n_firsts, rows_by_chunk, lengths):
    for c in range(lengths.shape[0]):
        k = 0
        for j in range(lengths[c]):
            k = claim(bits[c], rows_by_chunk[c, j], claimed[c], k)
        n_claimed[c] = k
    for c in range(lengths.shape[0]):
        n_firsts[c] = share(bits, own, claimed, n_claimed, c, firsts[c])


@njit
def _place_round(W, firsts, n_firsts, shared, place, bits, values, touched, lengths, own):
    m = number_shared(firsts, n_firsts, shared, place)
    for c in range(lengths.shape[0]):
        copy_shared(W, shared, m, bits[c], values[c], touched[c], lengths[c], own[c], place)
    return m


def test_rows_only_one_chunk_claims_are_trained_in_place_and_merge_as_copies():
    """Chunk 0 claims rows 1, 2, 3, 10 and 5 (2 twice), chunk 1 rows 3, 4 and 5, chunk 2 rows 4 and 7: 1, 2,
    10 and 7 are their chunk's own; 3, 5 and 4 are shared, each given one place, in the order of the chunk
    that claims it first. The round gives what it gives without claims (every row copied and merged), and
    leaves the bitmaps clear."""
    rng = np.random.default_rng(1)
    start = rng.random((12, 4), dtype=np.float32)
    touched = [[1, 2, 3, 2, 10, 5], [3, 4, 5], [4, 7]]
    grads = [np.full(4, 0.25, np.float32), np.full(4, -0.5, np.float32), np.full(4, 2.0, np.float32)]
    plain = start.copy()
    slot, values, rows, counts, _ = _round(plain, touched, grads)
    merge(plain, slot, values, rows, counts, 1)

    W = start.copy()
    bits, own = np.zeros((3, 2), np.uint8), np.zeros((3, 2), np.uint8)
    claimed, n_claimed = np.zeros((3, 12), np.int32), np.zeros(3, np.int64)
    firsts, n_firsts = np.zeros((3, 12), np.int32), np.zeros(3, np.int64)
    lengths = np.array([len(t) for t in touched])
    padded = np.array([t + [0] * (6 - len(t)) for t in touched], np.int64)
    _claim_round(bits, own, claimed, n_claimed, firsts, n_firsts, padded, lengths)
    assert [list(claimed[c, :n_claimed[c]]) for c in range(3)] == [[1, 2, 3, 10, 5], [3, 4, 5], [4, 7]]
    assert [np.unpackbits(own[c], bitorder="little").nonzero()[0].tolist() for c in range(3)] == [[1, 2, 10], [], [7]]
    assert [list(firsts[c, :n_firsts[c]]) for c in range(3)] == [[3, 5], [4], []]
    shared, place, placed = np.zeros(12, np.int32), np.zeros(12, np.int32), np.zeros((3, 12, 4), np.float32)
    assert _place_round(W, firsts, n_firsts, shared, place, bits, placed, padded, lengths, own) == 3
    assert list(shared[:3]) == [3, 5, 4]
    assert padded[0, :6].tolist() == [1, 2, -1, 2, 10, -2] and padded[1, :3].tolist() == [-1, -3, -2]
    assert padded[2, :2].tolist() == [-3, 7]  # an own row keeps its index, a shared one is -1 - its place
    for c in range(3):
        _train_chunk(W, place, (placed[c],), padded[c, :lengths[c]], np.empty(4, np.float32), grads[c])
    np.testing.assert_array_equal(W[[1, 2, 10, 7]], start[[1, 2, 10, 7]] + [grads[0], 2 * grads[0], grads[0],
                                                                            grads[2]])  # in place
    np.testing.assert_array_equal(W[[3, 4, 5]], start[[3, 4, 5]])  # shared: only in the chunks' copies
    merge_shared(W, shared, 3, placed, bits, 2)
    release(bits, own, claimed, n_claimed)
    np.testing.assert_array_equal(W, plain)
    assert not bits.any() and not own.any() and (n_claimed == 0).all()


def slot_of(rows, counts, c, r):
    return int(np.flatnonzero(rows[c, : counts[c]] == r)[0])


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
