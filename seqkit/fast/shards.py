"""The shard schedule of the word2vec family and what each thread needs for it.

One kernel call trains T shards of documents, shard t on thread t (`prange`), Hogwild: the shared
matrices are updated without locks, as word2vec.c, fastText and gensim do. `train_shard` is the one
shard loop; a model supplies its buffers (``alloc``) and its document step (``train_document``), as
gensim's FastText supplies only its job function to Word2Vec's loop.

The document step reads the weights through views (fast.rows): here the input matrix itself and the
output matrix with the thread's hot-row copies; under --deterministic, a chunk's overlay (fast/overlay.py).

Hot rows: the few output rows that every example writes (the nodes next to the Huffman root, the most
frequent words' rows) are trained in per-thread copies and folded into the shared matrix after each
document (`sync_hot`): written in place, their cache lines would move between cores on every update.
With one thread the copies change nothing: the run is bit-identical to one without them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from seqkit.fast import cache  # noqa: F401  (numba caches kernels on every seqkit source they reach)


@njit(inline="always")
def shard_range(s, m, shards):
    """Items lo..hi-1 of m cut into ``shards`` contiguous shards: shard s's range."""
    return s * m // shards, (s + 1) * m // shards


@njit(inline="always")
def sync_hot(out, hot_ids, local, base):
    """Fold the thread's changes to its hot rows (local - base) into the shared rows and take the shared
    values back. Where no other thread wrote a row meanwhile the shared row becomes the local one exactly,
    so one thread trains exactly as without copies."""
    dim = out.shape[1]
    for k in range(hot_ids.shape[0]):
        row, lk, bk = out[hot_ids[k]], local[k], base[k]
        for c in range(dim):
            s = row[c]
            v = lk[c] if s == bk[c] else s + (lk[c] - bk[c])
            row[c] = v
            lk[c] = v
            bk[c] = v


# The allocators are plain @njit, not inlined: numba's parfor pass hoists an np.empty out of a prange loop
# when it sees nothing store the array (all threads would then share one buffer); an allocation inside a
# called function stays per thread (tests/embed/test_kernel_buffers.py).

@njit
def hot_copies(out, hot_ids):
    """A thread's copies of the hot output rows: (local, base), both out[hot_ids] (see sync_hot)."""
    local = np.empty((hot_ids.shape[0], out.shape[1]), dtype=np.float32)
    base = np.empty((hot_ids.shape[0], out.shape[1]), dtype=np.float32)
    for k in range(hot_ids.shape[0]):
        local[k] = out[hot_ids[k]]
        base[k] = out[hot_ids[k]]
    return local, base


@njit
def work_buffers(max_len, dim, n_rows):
    """A thread's buffers: (sentence (max_len,) int32, h and neu1e (dim,) float32, targets (n_rows,) int64,
    labels and g (n_rows,) float32, dY (n_rows, dim) float32)."""
    return (np.empty(max_len, dtype=np.int32), np.empty(dim, dtype=np.float32), np.empty(dim, dtype=np.float32),
            np.empty(n_rows, dtype=np.int64), np.empty(n_rows, dtype=np.float32),
            np.empty(n_rows, dtype=np.float32), np.empty((n_rows, dim), dtype=np.float32))


@njit(inline="always")
def document(corpus, alphas, t, d, seen):
    """Document d of thread t's shard, and its learning rate: alphas[t] from start to end, by words seen."""
    ids, offsets, shards = corpus
    total = offsets[shards[t, 1]] - offsets[shards[t, 0]]
    a0, a1 = alphas[t, 0], alphas[t, 1]
    alpha = a0 + (a1 - a0) * (seen / total) if total > 0 else a0
    return ids[offsets[d] : offsets[d + 1]], np.float32(alpha)


@njit(inline="always")
def store_totals(t, state, loss, examples, kept, seen, states, out_loss, out_counts):
    """Thread t's rng state and totals into the output arrays."""
    states[t] = state
    out_loss[t] = loss
    out_counts[t, 0] = examples
    out_counts[t, 1] = kept
    out_counts[t, 2] = seen


@njit(inline="always")
def train_shard(train_document, alloc, t, weights, corpus, model, hot, cfg, alphas, states, out_loss, out_counts):
    """Thread t's shard: documents corpus[2][t, 0]..corpus[2][t, 1], the learning rate falling linearly over
    it, hot rows folded back after each document, totals stored at the end.

    weights:  (syn0, out) the input rows and the output rows
    corpus:   (ids, offsets, shards (T, 2)) the encoded corpus and each thread's document range
    model:    what the model's step needs beyond the weights (sampling tables, a word's input rows)
    hot:      (slot, ids): slot[r] is the hot-row slot of output row r, or -1; ids[k] the row of slot k
    alloc(cfg, syn0, model) -> the thread's work buffers (work_buffers)
    train_document(doc, work, inp, outp, model, cfg, alpha, state) -> (loss, examples, words kept, rng state),
        inp and outp views of the weights (fast.rows): syn0 itself, (out, hot_slot, local) the hot copies"""
    syn0, out = weights
    hot_slot, hot_ids = hot
    work = alloc(cfg, syn0, model)
    local, base = hot_copies(out, hot_ids)
    state, loss, examples, kept, seen = states[t], 0.0, 0, 0, 0
    for d in range(corpus[2][t, 0], corpus[2][t, 1]):
        doc, alpha = document(corpus, alphas, t, d, seen)
        lo_, ex, n, state = train_document(doc, work, syn0, (out, hot_slot, local), model, cfg, alpha, state)
        sync_hot(out, hot_ids, local, base)
        loss, examples, kept, seen = loss + lo_, examples + ex, kept + n, seen + doc.shape[0]
    store_totals(t, state, loss, examples, kept, seen, states, out_loss, out_counts)


def compiled(kernel) -> bool:
    """Whether this process already holds ``kernel``'s machine code (a Numba dispatcher)."""
    return bool(kernel.signatures)


def cached(kernel) -> bool:
    """Whether numba's on-disk cache has an entry for ``kernel`` (then loading it takes about a second)."""
    import os

    cache = getattr(kernel, "_cache", None)
    index = getattr(getattr(cache, "_cache_file", None), "_index_path", None)
    return bool(index) and os.path.exists(index)


def warm_up_note(kernels, what: str) -> str | None:
    """The note to show while ``kernels`` (Numba dispatchers) are compiled, or loaded from numba's cache, before
    training's clock starts: None where this process holds them all already."""
    if all(map(compiled, kernels)):
        return None
    return f"compiling {what}, first run only" if not all(map(cached, kernels)) else f"loading {what}"
