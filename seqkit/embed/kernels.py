"""The word2vec hot loops, in Numba. The only module of seqkit.embed that imports numba.

One call of `train_shards` trains T shards of documents in parallel (one per thread, `prange`),
updating the shared matrices without locks (Hogwild, as word2vec.c and gensim do). Python calls
it chunk by chunk and updates progress and the learning rate in between.

Random numbers: each thread has its own 64-bit LCG (word2vec.c's constants); a draw advances it
once and uses its high 32 bits. With one thread and a seed the run is bit-reproducible; with
more threads, updates race and results differ slightly from run to run.

Every function here is checked against the slow reference in tests/embed/test_kernels.py.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

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
def _ns_update(l1, word, syn1neg, neu1e, alpha, negative, alias_prob, alias_idx, state):
    """Negative sampling for input vector l1 predicting ``word``: updates syn1neg rows, adds the
    gradient for l1 into neu1e. Returns (loss, rng state)."""
    dim = l1.shape[0]
    vocab_size = alias_prob.shape[0]
    loss = 0.0
    for k in range(negative + 1):
        if k == 0:
            target = word
            label = 1.0
        else:
            state = _next(state)
            j = np.int64((_hi32(state) * np.uint64(vocab_size)) >> SHIFT32)
            state = _next(state)  # a second draw: an LCG's low bits are too weak to use
            target = j if _hi32(state) < alias_prob[j] else alias_idx[j]
            if target == word:
                continue
            label = 0.0
        row = syn1neg[target]
        f = np.float32(0.0)
        for c in range(dim):
            f += l1[c] * row[c]
        lo_, err = _logistic(f, np.float32(label))
        loss += lo_
        g = err * alpha
        for c in range(dim):
            neu1e[c] += g * row[c]
            row[c] += g * l1[c]
    return loss, state


@njit(inline="always")
def _hs_update(l1, word, syn1, neu1e, alpha, codes, points, code_lengths):
    """Hierarchical softmax: walk ``word``'s Huffman path. Returns the loss."""
    dim = l1.shape[0]
    loss = 0.0
    for d in range(code_lengths[word]):
        row = syn1[points[word, d]]
        f = np.float32(0.0)
        for c in range(dim):
            f += l1[c] * row[c]
        lo_, err = _logistic(f, np.float32(1.0 - codes[word, d]))  # code 0: the left branch, target 1
        loss += lo_
        if f <= -MAX_EXP or f >= MAX_EXP:  # saturated: no update, as word2vec.c and gensim do for HS
            continue
        g = err * alpha
        for c in range(dim):
            neu1e[c] += g * row[c]
            row[c] += g * l1[c]
    return loss


@njit(inline="always")
def _sg_window(sent, lo, hi, i, syn0, out, n_t, targets, labels, alpha, neu1e, dY, hs):
    """Batched skip-gram (HogBatch, Ji et al. 2016): every context of the window against the same output
    rows (``word`` and one shared draw of negatives, or ``word``'s Huffman path), read as they were before
    the window; the rows take the summed update once, after it. Returns (loss, examples)."""
    dim = syn0.shape[1]
    for k in range(n_t):
        for c in range(dim):
            dY[k, c] = 0.0
    loss = 0.0
    examples = 0
    for j in range(lo, hi):
        if j == i:
            continue
        l1 = syn0[sent[j]]
        for c in range(dim):
            neu1e[c] = 0.0
        for k in range(n_t):
            row = out[targets[k]]
            f = np.float32(0.0)
            for c in range(dim):
                f += l1[c] * row[c]
            lo_, err = _logistic(f, labels[k])
            loss += lo_
            if hs and (f <= -MAX_EXP or f >= MAX_EXP):  # saturated: no update (HS, as word2vec.c)
                continue
            g = err * alpha
            for c in range(dim):
                neu1e[c] += g * row[c]
                dY[k, c] += g * l1[c]
        for c in range(dim):
            l1[c] += neu1e[c]
        examples += 1
    for k in range(n_t):
        row = out[targets[k]]
        for c in range(dim):
            row[c] += dY[k, c]
    return loss, examples


@njit(inline="always")
def _draw_targets(word, negative, alias_prob, alias_idx, state, targets, labels):
    """``word`` (label 1) and ``negative`` noise words (label 0; draws of ``word`` itself are skipped), as
    _ns_update draws them. Returns (count, rng state)."""
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
def _train_document(
    doc, sent, syn0, syn1neg, syn1, tables, skipgram, hs, window, negative, cbow_mean, alpha, state, neu1, neu1e,
    batch_neg, targets, labels, dY,
):
    """Subsample one document into ``sent`` and train on it. Returns (loss, examples, kept, state)."""
    keep, alias_prob, alias_idx, codes, points, code_lengths = tables
    dim = syn0.shape[1]
    n = 0
    for t in range(doc.shape[0]):
        w = doc[t]
        state = _next(state)
        if _hi32(state) < keep[w]:
            sent[n] = w
            n += 1
    loss = 0.0
    examples = 0
    for i in range(n):
        word = sent[i]
        state = _next(state)
        b = np.int64(_hi32(state) % np.uint64(window))
        lo = max(0, i - window + b)
        hi = min(n, i + window - b + 1)
        if skipgram and batch_neg:
            if hs:
                n_t = code_lengths[word]
                for d in range(n_t):
                    targets[d] = points[word, d]
                    labels[d] = np.float32(1.0 - codes[word, d])  # code 0: the left branch, target 1
                lo_, ex = _sg_window(sent, lo, hi, i, syn0, syn1, n_t, targets, labels, alpha, neu1e, dY, True)
            else:
                n_t, state = _draw_targets(word, negative, alias_prob, alias_idx, state, targets, labels)
                lo_, ex = _sg_window(sent, lo, hi, i, syn0, syn1neg, n_t, targets, labels, alpha, neu1e, dY, False)
            loss += lo_
            examples += ex
        elif skipgram:
            for j in range(lo, hi):
                if j == i:
                    continue
                l1 = syn0[sent[j]]
                for c in range(dim):
                    neu1e[c] = 0.0
                if hs:
                    loss += _hs_update(l1, word, syn1, neu1e, alpha, codes, points, code_lengths)
                else:
                    lo_, state = _ns_update(l1, word, syn1neg, neu1e, alpha, negative, alias_prob, alias_idx, state)
                    loss += lo_
                for c in range(dim):
                    l1[c] += neu1e[c]
                examples += 1
        else:
            count = 0
            for c in range(dim):
                neu1[c] = 0.0
                neu1e[c] = 0.0
            for j in range(lo, hi):
                if j != i:
                    row = syn0[sent[j]]
                    for c in range(dim):
                        neu1[c] += row[c]
                    count += 1
            if count == 0:
                continue
            if cbow_mean:
                inv = np.float32(1.0 / count)
                for c in range(dim):
                    neu1[c] *= inv
            if hs:
                loss += _hs_update(neu1, word, syn1, neu1e, alpha, codes, points, code_lengths)
            else:
                lo_, state = _ns_update(neu1, word, syn1neg, neu1e, alpha, negative, alias_prob, alias_idx, state)
                loss += lo_
            if not cbow_mean:  # the summed input: spread the error over the window (gensim's rule)
                inv = np.float32(1.0 / count)
                for c in range(dim):
                    neu1e[c] *= inv
            for j in range(lo, hi):
                if j != i:
                    row = syn0[sent[j]]
                    for c in range(dim):
                        row[c] += neu1e[c]
            examples += 1
    return loss, examples, n, state


@njit(parallel=True, cache=True, fastmath=True)
def train_shards(syn0, syn1neg, syn1, ids, offsets, shards, tables, settings, alphas, states, out_loss, out_counts):
    """Train shard t = documents shards[t, 0]..shards[t, 1] on thread t.

    settings: tuple of ints (skipgram, hs, window, negative, cbow_mean, max_doc_len, batch_negatives)
    alphas:   float64 (T, 2) learning rate at the start and end of each shard (linear in between)
    states:   uint64 (T,) per-thread RNG state, advanced in place
    out_loss: float64 (T,) summed loss; out_counts: int64 (T, 3) examples, words kept, words seen
    """
    skipgram, hs, window, negative, cbow_mean, max_len, batch_neg = settings
    dim = syn0.shape[1]
    for t in prange(shards.shape[0]):
        d0, d1 = shards[t, 0], shards[t, 1]
        total = offsets[d1] - offsets[d0]
        sent = np.empty(max_len, dtype=np.int32)
        neu1 = np.empty(dim, dtype=np.float32)
        neu1e = np.empty(dim, dtype=np.float32)
        n_rows = max(negative + 1, tables[4].shape[1])  # noise words + 1, or the longest Huffman path
        targets = np.empty(n_rows, dtype=np.int64)
        labels = np.empty(n_rows, dtype=np.float32)
        dY = np.empty((n_rows, dim), dtype=np.float32)
        state = states[t]
        a0, a1 = alphas[t, 0], alphas[t, 1]
        loss = 0.0
        examples = 0
        kept = 0
        seen = 0
        for d in range(d0, d1):
            alpha = a0 + (a1 - a0) * (seen / total) if total > 0 else a0
            doc = ids[offsets[d] : offsets[d + 1]]
            lo_, ex, n, state = _train_document(
                doc, sent, syn0, syn1neg, syn1, tables, skipgram != 0, hs != 0, window, negative,
                cbow_mean != 0, np.float32(alpha), state, neu1, neu1e, batch_neg != 0, targets, labels, dY,
            )
            loss += lo_
            examples += ex
            kept += n
            seen += doc.shape[0]
        states[t] = state
        out_loss[t] = loss
        out_counts[t, 0] = examples
        out_counts[t, 1] = kept
        out_counts[t, 2] = seen


def set_threads(n: int) -> int:
    """Use ``n`` threads (at most the cores numba was started with); returns the number in use."""
    n = max(1, min(n, numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(n)
    return n
