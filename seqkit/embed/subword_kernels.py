"""The subword (fastText-style) word2vec hot loops, in Numba.

A word's input vector is the mean of its input rows: its own row and the rows of its character
n-grams (CSR ``rows``, see subwords.py). The gradient of that mean goes, whole, to every one of
those rows (as fastText and gensim do for unsupervised models).

- skip-gram: the word's input vector is computed once per window and predicts every context word
  of the window (fresh noise words per context, or each context's Huffman path); the summed
  gradient goes back to the word's rows once, after the window. (fastText recomputes the mean and
  spreads the gradient for every (word, context) pair: with about 25 rows a word, that costs more
  than the output layer itself.)
- CBOW: the input vector is the mean of all the rows of all the context words; its gradient goes
  to each of them.

The output layer, sampling, subsampling, window and hot-row helpers are the word2vec kernels'
(kernels.py), so both families draw the same random numbers in the same way. Hogwild over threads
as there; one thread with a seed is bit-reproducible and matches tests/embed/reference_subwords.py.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from seqkit.embed.kernels import _buffers, _output_layer, _parts, _reduced_window, _subsample, _targets
from seqkit.fast.rows import add_row_into as _add_row_into, add_to_rows as _add_to_rows, mean_of_rows as _mean_of_rows
from seqkit.fast.shards import cached, compiled, train_shard


class SubwordSettings(NamedTuple):
    skipgram: int  # 1: skip-gram, 0: CBOW (picks the kernel)
    hs: int  # 1: hierarchical softmax, 0: negative sampling
    window: int  # largest context distance
    negative: int  # noise words per example
    max_len: int  # longest document, for the per-thread sentence buffer


@njit(inline="always")
def _doc_skipgram(doc, work, inp, outp, model, cfg, alpha, state):
    tables, (offs, rows) = model
    sent, h, neu1e, targets, labels, g, _ = work
    dim = h.shape[0]
    om, os_, ol = _parts(outp)
    n, state = _subsample(doc, sent, tables[0], state)
    loss = 0.0
    examples = 0
    for i in range(n):
        word = sent[i]
        lo, hi, state = _reduced_window(i, n, cfg.window, state)
        if hi - lo < 2:
            continue
        _mean_of_rows(inp, rows, offs[word], offs[word + 1], h)
        for c in range(dim):
            neu1e[c] = 0.0
        for j in range(lo, hi):
            if j == i:
                continue
            n_t, state = _targets(sent[j], cfg.hs != 0, tables, cfg.negative, state, targets, labels)
            loss += _output_layer(h, om, os_, ol, targets, labels, n_t, alpha, neu1e, g)
            examples += 1
        _add_to_rows(inp, rows, offs[word], offs[word + 1], neu1e)
    return loss, examples, n, state


@njit(inline="always")
def _doc_cbow(doc, work, inp, outp, model, cfg, alpha, state):
    tables, (offs, rows) = model
    sent, h, neu1e, targets, labels, g, _ = work
    dim = h.shape[0]
    im, is_, il = _parts(inp)
    om, os_, ol = _parts(outp)
    n, state = _subsample(doc, sent, tables[0], state)
    loss = 0.0
    examples = 0
    for i in range(n):
        word = sent[i]
        lo, hi, state = _reduced_window(i, n, cfg.window, state)
        if hi - lo < 2:
            continue
        count = 0
        for c in range(dim):
            h[c] = 0.0
            neu1e[c] = 0.0
        for j in range(lo, hi):
            if j != i:
                w = sent[j]
                for r in range(offs[w], offs[w + 1]):
                    _add_row_into(h, im, is_, il, rows[r])
                count += offs[w + 1] - offs[w]
        inv = np.float32(1.0 / count)
        for c in range(dim):
            h[c] *= inv
        n_t, state = _targets(word, cfg.hs != 0, tables, cfg.negative, state, targets, labels)
        loss += _output_layer(h, om, os_, ol, targets, labels, n_t, alpha, neu1e, g)
        for j in range(lo, hi):
            if j != i:
                _add_to_rows(inp, rows, offs[sent[j]], offs[sent[j] + 1], neu1e)
        examples += 1
    return loss, examples, n, state


def train_shards(weights, corpus, tables, csr, hot, cfg: SubwordSettings, alphas, states, out_loss, out_counts):
    """Train shard t = documents shards[t, 0]..shards[t, 1] on thread t.

    weights:  (syn0 (V + buckets, d), out): input rows, and the output rows (syn1neg (V, d) or syn1 (V-1, d))
    corpus:   (ids, offsets, shards (T, 2)): the encoded corpus and each thread's document range
    tables:   (keep, alias_prob, alias_idx, codes, points, code_lengths), as for kernels.train_shards
    csr:      (offsets (V+1,) int64, rows (R,) int32): each word's input rows (subwords.word_rows)
    hot:      (slot, ids): output rows trained in per-thread copies (kernels._sync_hot)
    alphas:   float64 (T, 2) learning rate at the start and end of each shard (linear in between)
    states:   uint64 (T,) per-thread RNG state, advanced in place
    out_loss: float64 (T,) summed loss; out_counts: int64 (T, 3) examples, words kept, words seen
    """
    kernel(cfg)(weights, corpus, tables, csr, hot, cfg, alphas, states, out_loss, out_counts)


def kernel(cfg):
    """The kernel ``cfg`` selects (SubwordSettings)."""
    return _shards_skipgram if cfg.skipgram else _shards_cbow


def is_ready(cfg) -> bool:
    return compiled(kernel(cfg))


def is_cached(cfg) -> bool:
    return cached(kernel(cfg))


@njit(parallel=True, cache=True, fastmath=True)
def _shards_skipgram(weights, corpus, tables, csr, hot, cfg, alphas, states, out_loss, out_counts):
    for t in prange(corpus[2].shape[0]):
        train_shard(_doc_skipgram, _subword_buffers, t, weights, corpus, (tables, csr), hot, cfg, alphas, states,
                    out_loss, out_counts)


@njit(parallel=True, cache=True, fastmath=True)
def _shards_cbow(weights, corpus, tables, csr, hot, cfg, alphas, states, out_loss, out_counts):
    for t in prange(corpus[2].shape[0]):
        train_shard(_doc_cbow, _subword_buffers, t, weights, corpus, (tables, csr), hot, cfg, alphas, states,
                    out_loss, out_counts)


@njit
def _subword_buffers(cfg, syn0, model):
    return _buffers(cfg, syn0, model[0])
