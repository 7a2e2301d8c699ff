"""The deterministic word2vec schedule, in Numba (driven by deterministic.py).

A round trains R chunks of the corpus, each against the weights as they were at the round's start:
chunk c reads and writes its own copies of the rows it touches (the overlay: the first touch of a
row copies it into the chunk's pool, see _row_overlay), then turns them into deltas (copy - start).
At the round's end `merge` adds the deltas to the shared rows in chunk order. Threads take chunks
t, t + T, t + 2T, ... of a round; nothing a chunk computes depends on which thread runs it or when,
and each row takes its deltas in the same order on any number of threads, so the result is the same
bit for bit (same machine code: same platform, NumPy and Numba).

The per-document functions are those of kernels.py and subword_kernels.py: they read rows through
views (kernels._row); here the views are overlays ``(matrix, slot, (values, rows, count))``.
Checked against tests/embed/reference_deterministic.py.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from seqkit.embed import kernels as K
from seqkit.embed import subword_kernels as S


@njit(inline="always")
def pool_index(matrix, r, slot, pool):
    """Where a chunk's copy of row r is in its pool (values, rows, count): on first touch (slot[r] < 0) the row
    is copied to values[count], noted in rows, and count grows by one."""
    values, rows, count = pool
    k = slot[r]
    if k < 0:
        k = count[0]
        values[k] = matrix[r]
        rows[k] = r
        slot[r] = k
        count[0] = k + 1
    return k


@overload(K._row)
def _row_overlay(view, i):
    """Row i of an overlay view (matrix, slot, pool): the chunk's copy (pool_index)."""
    if not isinstance(view.types[2], types.BaseTuple):
        return None

    def first_touch(view, i):
        return view[2][0][pool_index(view[0], i, view[1], view[2])]

    return first_touch


# One document of each family with a uniform signature: (doc, inp, outp, tables, csr, cfg, alpha, state,
# buffers) -> (loss, examples, words kept, rng state); buffers = (sent, h, neu1e, targets, labels, g, dY).

@njit(inline="always")
def _skipgram(doc, inp, outp, tables, csr, cfg, alpha, state, b):
    return K._doc_skipgram(doc, b[0], inp, outp, tables, cfg, alpha, state, b[2], b[3], b[4], b[5])


@njit(inline="always")
def _cbow(doc, inp, outp, tables, csr, cfg, alpha, state, b):
    return K._doc_cbow(doc, b[0], inp, outp, tables, cfg, alpha, state, b[1], b[2], b[3], b[4], b[5])


@njit(inline="always")
def _batched(doc, inp, outp, tables, csr, cfg, alpha, state, b):
    return K._doc_batched(doc, b[0], inp, outp, tables, cfg, alpha, state, b[2], b[3], b[4], b[6])


@njit(inline="always")
def _subword_skipgram(doc, inp, outp, tables, csr, cfg, alpha, state, b):
    return S._doc_skipgram(doc, b[0], inp, outp, tables, csr, cfg, alpha, state, b[1], b[2], b[3], b[4], b[5])


@njit(inline="always")
def _subword_cbow(doc, inp, outp, tables, csr, cfg, alpha, state, b):
    return S._doc_cbow(doc, b[0], inp, outp, tables, csr, cfg, alpha, state, b[1], b[2], b[3], b[4], b[5])


@njit
def _buffers(cfg, syn0, tables):
    """A thread's buffers (sent, h, neu1e, targets, labels, g, dY); dY for batched skip-gram."""
    sent, h, neu1e = K._shard_buffers(cfg, syn0)
    targets, labels, g = K._output_buffers(cfg.negative, tables)
    return sent, h, neu1e, targets, labels, g, np.empty((targets.shape[0], syn0.shape[1]), dtype=np.float32)


@njit(inline="always")
def _to_deltas(matrix, slot, values, rows, n):
    """The chunk's copies minus the round's start rows; the thread's slot table cleared for the next chunk."""
    for k in range(n):
        r = rows[k]
        row, v = matrix[r], values[k]
        for c in range(row.shape[0]):
            v[c] -= row[c]
        slot[r] = -1


@njit(inline="always")
def _train_chunks(train_document, t, weights, corpus, tables, csr, cfg, overlay, alphas, states, totals):
    """Thread t's chunks of the round: c = t, t + T, ...; each in its own overlay, then into deltas."""
    syn0, out = weights
    in_slot, out_slot, in_values, in_rows, out_values, out_rows, counts = overlay
    workers = in_slot.shape[0]
    b = _buffers(cfg, syn0, tables)
    for c in range(t, corpus[2].shape[0], workers):
        counts[c, 0] = 0
        counts[c, 1] = 0
        inp = (syn0, in_slot[t], (in_values[c], in_rows[c], counts[c, 0:1]))
        outp = (out, out_slot[t], (out_values[c], out_rows[c], counts[c, 1:2]))
        state, loss, examples, kept, seen = states[c], 0.0, 0, 0, 0
        for d in range(corpus[2][c, 0], corpus[2][c, 1]):
            doc, alpha = K._document(corpus, alphas, c, d, seen)
            lo_, ex, n, state = train_document(doc, inp, outp, tables, csr, cfg, alpha, state, b)
            loss, examples, kept, seen = loss + lo_, examples + ex, kept + n, seen + doc.shape[0]
        _to_deltas(syn0, in_slot[t], in_values[c], in_rows[c], counts[c, 0])
        _to_deltas(out, out_slot[t], out_values[c], out_rows[c], counts[c, 1])
        K._store_totals(c, state, loss, examples, kept, seen, states, totals[0], totals[1])


# The round kernels, one per family (a run compiles only the one it uses). weights = (syn0, out),
# corpus = (ids, offsets, chunks (R, 2)), csr: the subword rows (None for plain word2vec), overlay: see
# deterministic.Overlay, alphas (R, 2), states (R,), totals = (loss (R,), counts (R, 3)).

@njit(parallel=True, cache=True, fastmath=True)
def _round_skipgram(weights, corpus, tables, csr, cfg, overlay, alphas, states, totals):
    for t in prange(overlay[0].shape[0]):
        _train_chunks(_skipgram, t, weights, corpus, tables, csr, cfg, overlay, alphas, states, totals)


@njit(parallel=True, cache=True, fastmath=True)
def _round_cbow(weights, corpus, tables, csr, cfg, overlay, alphas, states, totals):
    for t in prange(overlay[0].shape[0]):
        _train_chunks(_cbow, t, weights, corpus, tables, csr, cfg, overlay, alphas, states, totals)


@njit(parallel=True, cache=True, fastmath=True)
def _round_batched(weights, corpus, tables, csr, cfg, overlay, alphas, states, totals):
    for t in prange(overlay[0].shape[0]):
        _train_chunks(_batched, t, weights, corpus, tables, csr, cfg, overlay, alphas, states, totals)


@njit(parallel=True, cache=True, fastmath=True)
def _round_subword_skipgram(weights, corpus, tables, csr, cfg, overlay, alphas, states, totals):
    for t in prange(overlay[0].shape[0]):
        _train_chunks(_subword_skipgram, t, weights, corpus, tables, csr, cfg, overlay, alphas, states, totals)


@njit(parallel=True, cache=True, fastmath=True)
def _round_subword_cbow(weights, corpus, tables, csr, cfg, overlay, alphas, states, totals):
    for t in prange(overlay[0].shape[0]):
        _train_chunks(_subword_cbow, t, weights, corpus, tables, csr, cfg, overlay, alphas, states, totals)


@njit(parallel=True, cache=True)
def merge(matrix, values, rows, counts, parts):
    """matrix[rows[c, k]] += values[c, k] for k < counts[c], chunk c by chunk c in order. Thread p takes
    the rows r with r % parts == p, so each row takes its deltas in chunk order for any ``parts``."""
    for p in prange(parts):
        for c in range(values.shape[0]):
            for k in range(counts[c]):
                r = rows[c, k]
                if r % parts == p:
                    row, v = matrix[r], values[c, k]
                    for d in range(row.shape[0]):
                        row[d] += v[d]


KERNELS = {"skipgram": _round_skipgram, "cbow": _round_cbow, "batched": _round_batched,
           "subword-skipgram": _round_subword_skipgram, "subword-cbow": _round_subword_cbow}


def train_round(family, weights, corpus, tables, csr, cfg, overlay, alphas, states, totals, parts):
    """Train the round's chunks (corpus[2]) and merge their deltas into ``weights``, in chunk order."""
    KERNELS[family](weights, corpus, tables, csr, cfg, overlay, alphas, states, totals)
    _, _, in_values, in_rows, out_values, out_rows, counts = overlay
    n = corpus[2].shape[0]
    merge(weights[0], in_values[:n], in_rows[:n], counts[:n, 0], parts)
    merge(weights[1], out_values[:n], out_rows[:n], counts[:n, 1], parts)
