"""The linear classifier's deterministic schedule, in Numba (the word2vec one's, seqkit/embed/deterministic.py,
applied to texts): a round trains R chunks of texts, each against the weights at the round's start, in its own
copies of the input rows its texts use (copied on first touch) and of the whole output matrix; the chunks'
changes (copy - start) are then added to the shared rows in chunk order (fast.overlay.merge). The step on a text is
kernels._train_text, as in Hogwild training, with the input rows read through the chunk's overlay view
(fast.rows.row_at, fast.overlay.pool_index). Checked against tests/models/linear/reference_linear.py.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

import seqkit.fast.overlay  # noqa: F401  the overlay view of fast.rows.row_at
from seqkit.models.linear.kernels import _feature_rows, _train_text


@njit(inline="always")
def _train_texts(texts, labels, lookup, tree, order, lo, hi, view, out, cfg, done):
    """Texts order[lo:hi] on the chunk's copies: view = (W, slot, pool), the input rows' overlay; out: the
    chunk's copy of the output matrix. The learning rate falls with the words before each text (done: before
    the chunk). Returns (loss, words)."""
    ids, offsets = texts
    rows = np.empty(1024, np.int64)
    hidden, grad, probs = np.empty(cfg.dim, np.float32), np.empty(cfg.dim, np.float32), np.empty(cfg.n_labels, np.float64)
    loss, seen = 0.0, 0
    for q in range(lo, hi):
        t = order[q]
        a, b = offsets[t], offsets[t + 1]
        if (b - a + 1) * cfg.ngrams > rows.shape[0]:
            rows = np.empty(2 * (b - a + 1) * cfg.ngrams, np.int64)
        n = _feature_rows(ids, a, b, lookup, cfg, rows)
        if n > 0:
            lr = cfg.lr * max(0.0, 1.0 - (done + seen) / cfg.total_tokens)
            loss += _train_text((view, out), rows, n, hidden, grad, probs, labels, t, tree, cfg, lr)
        seen += b - a
    return loss, seen


@njit(parallel=True, cache=True)
def train_round(texts, labels, lookup, tree, order, chunks, weights, cfg, overlay, dones, workers):
    """Chunk c = texts order[chunks[c, 0]:chunks[c, 1]], with dones[c] words trained before it; thread t takes
    chunks t, t + T, ... of T = ``workers``. overlay = (slots (R, rows), values (R, cap, dim), rows (R, cap),
    out (R, C, dim), out_slots (R, C), counts (R, 1), totals (R, 2)). Leaves each chunk's copies of the rows it
    used in values and out, marked in slots and out_slots, for fast.overlay.merge."""
    W, Wo = weights
    slots, values, rows, outs, out_slots, counts, totals = overlay
    for t in prange(workers):
        for c in range(t, chunks.shape[0], workers):
            counts[c, 0] = 0
            outs[c] = Wo
            for j in range(Wo.shape[0]):
                out_slots[c, j] = j
            view = (W, slots[c], (values[c], rows[c], counts[c, 0:1]))
            loss, seen = _train_texts(texts, labels, lookup, tree, order, chunks[c, 0], chunks[c, 1],
                                      view, outs[c], cfg, dones[c])
            totals[c, 0] = loss
            totals[c, 1] = seen
