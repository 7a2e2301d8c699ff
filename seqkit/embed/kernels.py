"""The word2vec hot loops, in Numba (the subword ones are in subword_kernels.py).

One call of `train_shards` trains T shards of documents in parallel (one per thread, `prange`),
updating the shared matrices without locks (Hogwild, as word2vec.c and gensim do). Python calls
it chunk by chunk and updates progress and the learning rate in between. Skip-gram, CBOW and
batched skip-gram are separate kernels, so a run compiles only the one it uses. The kernels take their
scalar settings as one `Word2VecSettings`, the weights and the corpus as small tuples.

With more than one thread, the few output rows that every example writes (the nodes next to the
Huffman root; the most frequent words' rows) are trained in per-thread copies and folded into the
shared matrix after each document (seqkit/fast/shards.py, which also holds the shard loop itself):
written in place, their cache lines would move between cores on every update, and two threads would
train little faster than one.

Random numbers: each thread has its own 64-bit LCG (word2vec.c's constants); a draw advances it
once and uses its high 32 bits. With one thread and a seed the run is bit-reproducible; with
more threads, updates race and results differ slightly from run to run.

Every function here is checked against the slow reference in tests/embed/test_kernels.py.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from seqkit.fast.rows import parts as _parts, row_at as _at
from seqkit.fast.shards import (document as _document, hot_copies as _hot_copies,  # noqa: F401
                                store_totals as _store_totals, sync_hot as _sync_hot, train_shard, work_buffers,
                                cached, compiled)

LCG_MUL = np.uint64(25214903917)
LCG_ADD = np.uint64(11)
SHIFT32 = np.uint64(32)


@njit(inline="always")
def _next(state):
    return state * LCG_MUL + LCG_ADD


@njit(inline="always")
def _hi32(state):
    return state >> SHIFT32


# sigmoid and log-sigmoid by table over [-MAX_EXP, MAX_EXP], as word2vec.c does: exp and log per
# output row cost as much as the 100-dim dot product itself. Beyond the range, the end values.
MAX_EXP = 6.0
TABLE_SIZE = 1024
_GRID = (np.arange(TABLE_SIZE, dtype=np.float64) + 0.5) / TABLE_SIZE * 2 * MAX_EXP - MAX_EXP
SIGMOID_TABLE = (1.0 / (1.0 + np.exp(-_GRID))).astype(np.float32)
LOG_SIGMOID_TABLE = (-np.log1p(np.exp(-_GRID))).astype(np.float32)
_SCALE = TABLE_SIZE / (2 * MAX_EXP)


@njit(inline="always")
def _slot(f):
    k = np.int64((f + MAX_EXP) * _SCALE)
    if k < 0:
        return 0
    if k >= TABLE_SIZE:
        return TABLE_SIZE - 1
    return k


@njit(inline="always")
def _logistic(f, label):
    """One binary output from the tables: (loss -log sigmoid(+-f), error label - sigmoid(f))."""
    k = _slot(f)
    if label == 1.0:
        loss = -LOG_SIGMOID_TABLE[k]
    else:
        loss = -LOG_SIGMOID_TABLE[TABLE_SIZE - 1 - k]  # log sigmoid(-f): the table is symmetric
    return loss, label - SIGMOID_TABLE[k]


@njit(inline="always")
def _gradient(f, label, alpha):
    """(loss, g) for one output row: g scales the row's update; 0 where the dot product is saturated
    (|f| >= 6: no update, as gensim does for both negative sampling and hierarchical softmax)."""
    loss, err = _logistic(f, label)
    if f <= -MAX_EXP or f >= MAX_EXP:
        return loss, np.float32(0.0)
    return loss, err * alpha


@njit(inline="always")
def _output_layer(l1, om, os_, ol, targets, labels, n_t, alpha, neu1e, g):
    """One example: input vector l1 against rows ``targets[:n_t]`` of ``out`` (the word and its noise
    words, or the word's Huffman path) with their labels. Every dot product is taken before any row
    is updated; then each row takes its update, in order, and neu1e gathers the gradient for l1.
    Rows go four at a time (one pass over l1 and neu1e for four rows: the loop is bound by loads and
    stores, not arithmetic). (om, os_, ol): the parts of the output rows' view (fast.rows.parts): the thread's
    hot-row copies in Hogwild training (fast.shards.sync_hot), a chunk's overlay under --deterministic. Returns
    the loss."""
    dim = l1.shape[0]
    loss = 0.0
    d = 0
    while d + 4 <= n_t:
        r0, r1 = _at(om, os_, ol, targets[d]), _at(om, os_, ol, targets[d + 1])
        r2, r3 = _at(om, os_, ol, targets[d + 2]), _at(om, os_, ol, targets[d + 3])
        f0 = f1 = f2 = f3 = np.float32(0.0)
        for c in range(dim):
            x = l1[c]
            f0 += x * r0[c]
            f1 += x * r1[c]
            f2 += x * r2[c]
            f3 += x * r3[c]
        lo0, g0 = _gradient(f0, labels[d], alpha)
        lo1, g1 = _gradient(f1, labels[d + 1], alpha)
        lo2, g2 = _gradient(f2, labels[d + 2], alpha)
        lo3, g3 = _gradient(f3, labels[d + 3], alpha)
        g[d], g[d + 1], g[d + 2], g[d + 3] = g0, g1, g2, g3
        loss += lo0 + lo1 + lo2 + lo3
        d += 4
    while d < n_t:
        row = _at(om, os_, ol, targets[d])
        f = np.float32(0.0)
        for c in range(dim):
            f += l1[c] * row[c]
        lo_, g_ = _gradient(f, labels[d], alpha)
        g[d] = g_
        loss += lo_
        d += 1
    d = 0
    while d + 4 <= n_t:
        t0, t1, t2, t3 = targets[d], targets[d + 1], targets[d + 2], targets[d + 3]
        if t0 == t1 or t0 == t2 or t0 == t3 or t1 == t2 or t1 == t3 or t2 == t3:
            _update_row(l1, _at(om, os_, ol, t0), g[d], neu1e)  # a noise word drawn twice: one by one
            d += 1
            continue
        r0, r1 = _at(om, os_, ol, t0), _at(om, os_, ol, t1)
        r2, r3 = _at(om, os_, ol, t2), _at(om, os_, ol, t3)
        g0, g1, g2, g3 = g[d], g[d + 1], g[d + 2], g[d + 3]
        for c in range(dim):
            x = l1[c]
            a0, a1, a2, a3 = r0[c], r1[c], r2[c], r3[c]
            neu1e[c] += g0 * a0 + g1 * a1 + g2 * a2 + g3 * a3
            r0[c] = a0 + g0 * x
            r1[c] = a1 + g1 * x
            r2[c] = a2 + g2 * x
            r3[c] = a3 + g3 * x
        d += 4
    while d < n_t:
        _update_row(l1, _at(om, os_, ol, targets[d]), g[d], neu1e)
        d += 1
    return loss


@njit(inline="always")
def _update_row(l1, row, g, neu1e):
    for c in range(l1.shape[0]):
        neu1e[c] += g * row[c]
        row[c] += g * l1[c]


@njit(inline="always")
def _path_targets(word, codes, points, code_lengths, targets, labels):
    """``word``'s Huffman path as output rows and labels (code 0, the left branch: label 1)."""
    n_t = code_lengths[word]
    for d in range(n_t):
        targets[d] = points[word, d]
        labels[d] = np.float32(1.0 - codes[word, d])
    return n_t


@njit(inline="always")
def _sg_window(sent, lo, hi, i, inp, outp, n_t, targets, labels, alpha, neu1e, dY):
    """Batched skip-gram (HogBatch, Ji et al. 2016): every context of the window against the same output
    rows (``word`` and one shared draw of negatives, or ``word``'s Huffman path), read as they were before
    the window; the rows take the summed update once, after it. Returns (loss, examples)."""
    dim = neu1e.shape[0]
    im, is_, il = _parts(inp)
    om, os_, ol = _parts(outp)
    for k in range(n_t):
        for c in range(dim):
            dY[k, c] = 0.0
    loss = 0.0
    examples = 0
    for j in range(lo, hi):
        if j == i:
            continue
        l1 = _at(im, is_, il, sent[j])
        for c in range(dim):
            neu1e[c] = 0.0
        for k in range(n_t):
            row = _at(om, os_, ol, targets[k])
            f = np.float32(0.0)
            for c in range(dim):
                f += l1[c] * row[c]
            lo_, err = _logistic(f, labels[k])
            loss += lo_
            if f <= -MAX_EXP or f >= MAX_EXP:  # saturated: no update (as gensim)
                continue
            g = err * alpha
            for c in range(dim):
                neu1e[c] += g * row[c]
                dY[k, c] += g * l1[c]
        for c in range(dim):
            l1[c] += neu1e[c]
        examples += 1
    for k in range(n_t):
        row = _at(om, os_, ol, targets[k])
        for c in range(dim):
            row[c] += dY[k, c]
    return loss, examples


@njit(inline="always")
def _draw_targets(word, negative, alias_prob, alias_idx, state, targets, labels):
    """``word`` (label 1) and ``negative`` noise words (label 0; draws of ``word`` itself are skipped), as
    word2vec.c draws them. Returns (count, rng state)."""
    vocab_size = alias_prob.shape[0]
    targets[0] = word
    labels[0] = 1.0
    n_t = 1
    for k in range(negative):
        state = _next(state)
        j = np.int64((_hi32(state) * np.uint64(vocab_size)) >> SHIFT32)
        state = _next(state)
        target = j if _hi32(state) < alias_prob[j] else alias_idx[j]
        if target != word:
            targets[n_t] = target
            labels[n_t] = 0.0
            n_t += 1
    return n_t, state


@njit(inline="always")
def _targets(word, hs, tables, negative, state, targets, labels):
    """``word``'s output rows and labels: its Huffman path, or itself and fresh noise words. Returns
    (count, rng state)."""
    _, alias_prob, alias_idx, codes, points, code_lengths = tables
    if hs:
        return _path_targets(word, codes, points, code_lengths, targets, labels), state
    return _draw_targets(word, negative, alias_prob, alias_idx, state, targets, labels)


@njit(inline="always")
def _subsample(doc, sent, keep, state):
    """Frequent-word subsampling: the kept words of ``doc`` into ``sent``. Returns (count, rng state)."""
    n = 0
    for t in range(doc.shape[0]):
        w = doc[t]
        state = _next(state)
        if _hi32(state) < keep[w]:
            sent[n] = w
            n += 1
    return n, state


@njit(inline="always")
def _reduced_window(i, n, window, state):
    """Context positions lo..hi-1 around i: the window shrunk by a random 0..window-1, as word2vec.c does."""
    state = _next(state)
    b = np.int64(_hi32(state) % np.uint64(window))
    return max(0, i - window + b), min(n, i + window - b + 1), state


# One document of each family: subsample it into the work buffers' sentence and train on it; each returns
# (loss, examples, words kept, rng state). The rows are read through views (fast.rows): ``inp`` the input rows,
# ``outp`` the output rows, their parts taken once a document. The loops around them: fast.shards.train_shard
# (Hogwild) and fast.overlay.train_chunks (--deterministic).

@njit(inline="always")
def _doc_skipgram(doc, work, inp, outp, tables, cfg, alpha, state):
    sent, _, neu1e, targets, labels, g, _ = work
    dim = neu1e.shape[0]
    hs = cfg.hs != 0
    im, is_, il = _parts(inp)
    om, os_, ol = _parts(outp)
    n, state = _subsample(doc, sent, tables[0], state)
    loss = 0.0
    examples = 0
    for i in range(n):
        word = sent[i]
        lo, hi, state = _reduced_window(i, n, cfg.window, state)
        n_t = 0
        for j in range(lo, hi):
            if j == i:
                continue
            if not hs or n_t == 0:  # one Huffman path a window; fresh noise words for every context
                n_t, state = _targets(word, hs, tables, cfg.negative, state, targets, labels)
            l1 = _at(im, is_, il, sent[j])
            for c in range(dim):
                neu1e[c] = 0.0
            loss += _output_layer(l1, om, os_, ol, targets, labels, n_t, alpha, neu1e, g)
            for c in range(dim):
                l1[c] += neu1e[c]
            examples += 1
    return loss, examples, n, state


@njit(inline="always")
def _doc_cbow(doc, work, inp, outp, tables, cfg, alpha, state):
    sent, neu1, neu1e, targets, labels, g, _ = work
    dim = neu1.shape[0]
    hs, cbow_mean = cfg.hs != 0, cfg.cbow_mean != 0
    im, is_, il = _parts(inp)
    om, os_, ol = _parts(outp)
    n, state = _subsample(doc, sent, tables[0], state)
    loss = 0.0
    examples = 0
    for i in range(n):
        word = sent[i]
        lo, hi, state = _reduced_window(i, n, cfg.window, state)
        count = 0
        for c in range(dim):
            neu1[c] = 0.0
            neu1e[c] = 0.0
        for j in range(lo, hi):
            if j != i:
                row = _at(im, is_, il, sent[j])
                for c in range(dim):
                    neu1[c] += row[c]
                count += 1
        if count == 0:
            continue
        if cbow_mean:
            inv = np.float32(1.0 / count)
            for c in range(dim):
                neu1[c] *= inv
        n_t, state = _targets(word, hs, tables, cfg.negative, state, targets, labels)
        loss += _output_layer(neu1, om, os_, ol, targets, labels, n_t, alpha, neu1e, g)
        if not cbow_mean:  # the summed input: spread the error over the window (gensim's rule)
            inv = np.float32(1.0 / count)
            for c in range(dim):
                neu1e[c] *= inv
        for j in range(lo, hi):
            if j != i:
                row = _at(im, is_, il, sent[j])
                for c in range(dim):
                    row[c] += neu1e[c]
        examples += 1
    return loss, examples, n, state


@njit(inline="always")
def _doc_batched(doc, work, inp, outp, tables, cfg, alpha, state):
    sent, _, neu1e, targets, labels, _, dY = work  # no hot rows: each output row is written once per window
    hs = cfg.hs != 0
    n, state = _subsample(doc, sent, tables[0], state)
    loss = 0.0
    examples = 0
    for i in range(n):
        word = sent[i]
        lo, hi, state = _reduced_window(i, n, cfg.window, state)
        n_t, state = _targets(word, hs, tables, cfg.negative, state, targets, labels)
        lo_, ex = _sg_window(sent, lo, hi, i, inp, outp, n_t, targets, labels, alpha, neu1e, dY)
        loss += lo_
        examples += ex
    return loss, examples, n, state


class Word2VecSettings(NamedTuple):
    """The scalar settings of a run, built once by the trainer (plain ints: one compiled signature)."""

    skipgram: int  # 1: skip-gram, 0: CBOW
    hs: int  # 1: hierarchical softmax, 0: negative sampling
    window: int  # largest context distance
    negative: int  # noise words per example
    cbow_mean: int  # CBOW: 1 averages the context vectors, 0 sums them
    max_len: int  # longest document, for the per-thread sentence buffer
    batch_negatives: int  # skip-gram: 1 for batched skip-gram (a window's contexts share the output rows)


def train_shards(syn0, syn1neg, syn1, ids, offsets, shards, tables, hot, settings, alphas, states, out_loss, out_counts):
    """Train shard t = documents shards[t, 0]..shards[t, 1] on thread t.

    tables:   (keep, alias_prob, alias_idx, codes, points, code_lengths): see sampling.py and huffman.py
    hot:      (slot, ids): slot[r] is the hot-row slot of output row r, or -1; ids[k] the row of slot k.
              Each thread trains on its own copies of the hot rows and folds its changes into the
              shared rows after every document (fast.shards.sync_hot). No hot rows: ids of length 0.
    settings: Word2VecSettings (or a tuple of its seven ints, in its order)
    alphas:   float64 (T, 2) learning rate at the start and end of each shard (linear in between)
    states:   uint64 (T,) per-thread RNG state, advanced in place
    out_loss: float64 (T,) summed loss; out_counts: int64 (T, 3) examples, words kept, words seen
    """
    cfg = Word2VecSettings(*(int(v) for v in settings))
    weights, corpus = (syn0, syn1 if cfg.hs else syn1neg), (ids, offsets, shards)
    _kernel(cfg)(weights, corpus, tables, hot, cfg, alphas, states, out_loss, out_counts)


# The three shard loops, one per family (a run compiles only the one it uses): fast.shards.train_shard with
# the family's document step. weights = (syn0, out: syn1 or syn1neg), corpus = (ids, offsets, shards).

@njit(parallel=True, cache=True, fastmath=True)
def _shards_skipgram(weights, corpus, tables, hot, cfg, alphas, states, out_loss, out_counts):
    for t in prange(corpus[2].shape[0]):
        train_shard(_doc_skipgram, _buffers, t, weights, corpus, tables, hot, cfg, alphas, states, out_loss, out_counts)


@njit(parallel=True, cache=True, fastmath=True)
def _shards_cbow(weights, corpus, tables, hot, cfg, alphas, states, out_loss, out_counts):
    for t in prange(corpus[2].shape[0]):
        train_shard(_doc_cbow, _buffers, t, weights, corpus, tables, hot, cfg, alphas, states, out_loss, out_counts)


@njit(parallel=True, cache=True, fastmath=True)
def _shards_batched(weights, corpus, tables, hot, cfg, alphas, states, out_loss, out_counts):
    for t in prange(corpus[2].shape[0]):
        train_shard(_doc_batched, _buffers, t, weights, corpus, tables, hot, cfg, alphas, states, out_loss, out_counts)


@njit
def _buffers(cfg, syn0, tables):
    """A thread's work buffers: output rows for noise words + 1, or the longest Huffman path."""
    return work_buffers(cfg.max_len, syn0.shape[1], max(cfg.negative + 1, tables[4].shape[1]))


def _kernel(cfg):
    if cfg.skipgram:
        return _shards_batched if cfg.batch_negatives else _shards_skipgram
    return _shards_cbow


def is_ready(settings) -> bool:
    """Whether this process already holds the machine code of the kernel that ``settings`` selects."""
    return compiled(_kernel(Word2VecSettings(*settings)))


def is_cached(settings) -> bool:
    """Whether numba's on-disk cache has an entry for that kernel (then loading it takes about a second)."""
    return cached(_kernel(Word2VecSettings(*settings)))
