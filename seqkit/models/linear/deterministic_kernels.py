"""The linear classifier's deterministic schedule, in Numba (the word2vec one's, seqkit/embed/deterministic.py,
applied to texts): a round trains R chunks of texts, each against the weights at the round's start, in its own
copies of the input rows its texts share with the other chunks and of the whole output matrix; the copies
are then merged in chunk order (fast.overlay.merge). The step on a text is kernels._train_text, as in Hogwild
training, with the input rows read through the chunk's overlay view (fast.rows.row_at). Before the round,
claim_texts lists each text's input rows (hashed once for the run: list_texts) and finds the rows only one
chunk uses (most of a text's n-grams): that chunk's own, trained in place (fast.overlay.claim). The rows
chunks share get one place each for the round; a chunk copies them there before it trains and reads every
row by its place (fast.overlay.copy_shared).
Checked against tests/models/linear/reference_linear.py.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from seqkit.fast.overlay import claim, copy_shared, number_shared, share  # also fast.rows.row_at's overlay view
from seqkit.models.linear.kernels import _feature_rows, _train_text


@njit(inline="always")
def _train_texts(texts, labels, tree, order, lo, hi, feats, starts, view, out, cfg, done):
    """Texts order[lo:hi] on the chunk's copies: their input rows are feats[starts[q - lo]:starts[q - lo + 1]]
    (claim_texts; as places: fast.overlay.copy_shared); view = (W, place, (values,)), the input rows'; out:
    the chunk's copy of the output matrix. The learning rate falls with the words before each text (done:
    before the chunk). Returns (loss, words)."""
    offsets = texts[1]
    hidden, grad, probs = np.empty(cfg.dim, np.float32), np.empty(cfg.dim, np.float32), np.empty(cfg.n_labels, np.float64)
    loss, seen = 0.0, 0
    for q in range(lo, hi):
        t = order[q]
        a, n = starts[q - lo], starts[q - lo + 1] - starts[q - lo]
        if n > 0:
            lr = cfg.lr * max(0.0, 1.0 - (done + seen) / cfg.total_tokens)
            loss += _train_text((view, out), feats[a:], n, hidden, grad, probs, labels, t, tree, cfg, lr)
        seen += offsets[t + 1] - offsets[t]
    return loss, seen


@njit(parallel=True, cache=True)
def list_texts(texts, lookup, cfg, listed, workers):
    """Every text's input rows, once for the run: text t's are rows[at[t]:at[t] + n[t]]; listed = (rows, at, n),
    at from each text's bound ((words + 1) * ngrams, as _feature_rows)."""
    ids, offsets = texts
    rows, at, n = listed
    n_texts = offsets.shape[0] - 1
    for w in prange(workers):
        for t in range(w, n_texts, workers):
            n[t] = _feature_rows(ids, offsets[t], offsets[t + 1], lookup, cfg, rows[at[t]:at[t + 1]])


@njit(parallel=True, cache=True)
def claim_texts(texts, lookup, order, chunks, cfg, claims, listed, workers):
    """Each chunk's input rows, text by text, into feats[c] (text q's from starts[c, q - chunks[c, 0]]), and
    the rows claimed (fast.overlay.claim); then each chunk's own rows, those no other chunk claimed, set in
    own, and the shared rows each chunk claims first in firsts (fast.overlay.share). claims = (feats (R, F),
    starts (R, texts + 1), bits (R, B), own (R, B), claimed (R, cap), n_claimed (R,), firsts (R, cap),
    n_firsts (R,)); listed: list_texts' rows of every text, copied rather than hashed again, or empty arrays
    where they did not fit in memory."""
    ids, offsets = texts
    feats, starts, bits, own, claimed, n_claimed, firsts, n_firsts = claims
    cache, at, sizes = listed
    kept = sizes.shape[0] > 0
    n = chunks.shape[0]
    for t in prange(workers):
        for c in range(t, n, workers):
            k, f = 0, 0
            starts[c, 0] = 0
            for q in range(chunks[c, 0], chunks[c, 1]):
                rows, text = feats[c, f:], order[q]
                if kept:
                    m = sizes[text]
                    rows[:m] = cache[at[text]:at[text] + m]
                else:
                    m = _feature_rows(ids, offsets[text], offsets[text + 1], lookup, cfg, rows)
                for j in range(m):
                    k = claim(bits[c], rows[j], claimed[c], k)
                f += m
                starts[c, q - chunks[c, 0] + 1] = f
            n_claimed[c] = k
    for t in prange(workers):  # not `for c in prange(n)`: numba 0.68 drops a store n_firsts[c] at the top of a
        for c in range(t, n, workers):  # prange body into an array unpacked from a tuple argument
            n_firsts[c] = share(bits, own, claimed, n_claimed[:n], c, firsts[c])


@njit(parallel=True, cache=True)
def train_round(texts, labels, tree, order, chunks, weights, cfg, overlay, claims, dones, workers):
    """Chunk c = texts order[chunks[c, 0]:chunks[c, 1]], with dones[c] words trained before it; thread t takes
    chunks t, t + T, ... of T = ``workers``. overlay = (place (rows,), values (R, cap, dim), shared (cap,),
    out (R, C, dim), out_slots (R, C), n_shared (1,), totals (R, 2)); claims: as claim_texts left them.
    Leaves each chunk's copies of the shared rows in values, at their places (fast.overlay.merge_shared),
    and of the output matrix in out (fast.overlay.merge); its own rows are trained in place."""
    W, Wo = weights
    place, values, shared, outs, out_slots, n_shared, totals = overlay
    feats, starts, bits, own, firsts, n_firsts = claims[0], claims[1], claims[2], claims[3], claims[6], claims[7]
    n = chunks.shape[0]
    m = number_shared(firsts, n_firsts[:n], shared, place)
    n_shared[0] = m
    for t in prange(workers):
        for c in range(t, n, workers):
            outs[c] = Wo
            for j in range(Wo.shape[0]):
                out_slots[c, j] = j
            copy_shared(W, shared, m, bits[c], values[c], feats[c], starts[c, chunks[c, 1] - chunks[c, 0]], own[c],
                        place)
            view = (W, place, (values[c],))
            loss, seen = _train_texts(texts, labels, tree, order, chunks[c, 0], chunks[c, 1], feats[c], starts[c],
                                      view, outs[c], cfg, dones[c])
            totals[c, 0] = loss
            totals[c, 1] = seen
