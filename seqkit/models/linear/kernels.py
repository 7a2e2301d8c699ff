"""The linear classifier's hot loops, in Numba: tokenizing bytes, hashing word n-grams, training
(Hogwild SGD over shards, as fastText does) and predicting. The only module of seqkit.models.linear
that imports numba; every function is checked against tests/models/linear/reference_linear.py.

Arithmetic, chosen so a slow reference can repeat it exactly: weights and the text vector are float32
and updated element by element; dot products and probabilities are float64, summed in order.
With one thread a run is bit-reproducible; with more, shards race on shared rows (Hogwild).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from seqkit.fast.hashing import FNV32_OFFSET, FNV32_PRIME, FNV64_OFFSET, FNV64_PRIME, fnv32_and_64  # noqa: F401
from seqkit.fast.rows import add_to_rows, mean_of_rows
from seqkit.fast.scan import ALNUM, DIGIT, OTHER, _char_len, _class_at, _decode, _special_end, _word_end  # noqa: F401
from seqkit.fast.shards import shard_range

SOFTMAX, HIERARCHICAL, ONE_VS_ALL = 0, 1, 2

NGRAM_MUL = np.uint64(116049371)  # fastText's word n-gram hash multiplier
EOS_HASH = -677604519  # fastText's hash of its end-of-line word "</s>" (tokenize.fasttext_hash)


class KernelConfig(NamedTuple):
    """The scalars the kernels need; built by seqkit.models.linear.model from LinearConfig."""

    dim: int
    n_words: int  # input rows [0, n_words) are words; n-gram rows follow
    buckets: int  # n-gram hash space (fastText's -bucket)
    ngrams: int  # longest word n-gram (1: words only)
    loss: int  # SOFTMAX, HIERARCHICAL or ONE_VS_ALL
    n_labels: int
    lr: float
    total_tokens: float  # words over all epochs: the learning rate reaches 0 there
    shards: int  # texts of one chunk are cut into this many shards, one per thread
    eos_row: int  # row of the end-of-text word every text ends with (fastText's "</s>"), -1: none


# -- tokenizing: the byte scanner is seqkit/fast/scan.py ---------------------------------------------------
_hashes = fnv32_and_64  # (fastText's 32-bit hash as int32, the 64-bit key): fast/hashing.py


@njit(inline="always")
def _grow(a, need):
    if need <= a.shape[0]:
        return a
    b = np.empty(max(need, 2 * a.shape[0]), a.dtype)
    b[: a.shape[0]] = a
    return b


HASH_MUL = np.uint64(0x9E3779B97F4A7C15)


@njit(inline="always")
def _slot_of(table_keys, table_ids, key, bits):
    """Open addressing, linear probing: the slot holding `key`, or the empty slot where it would go."""
    mask = (1 << bits) - 1
    s = np.int64((np.uint64(key) * HASH_MUL) >> np.uint64(64 - bits))
    while table_ids[s] >= 0 and table_keys[s] != key:
        s = (s + 1) & mask
    return s


@njit(inline="always")
def _insert_all(keys, n, bits):
    table_keys = np.zeros(1 << bits, np.int64)
    table_ids = np.full(1 << bits, -1, np.int32)
    for i in range(n):
        s = _slot_of(table_keys, table_ids, keys[i], bits)
        table_keys[s] = keys[i]
        table_ids[s] = i
    return table_keys, table_ids


@njit(inline="always")
def _token_end(buf, i, n, classes, specials):
    """End of the token starting at buf[i], or -1 where no token starts."""
    end = -1
    if specials and buf[i] == 60:
        end = _special_end(buf, i, n)
    if end < 0 and _class_at(buf, i, n, classes) != OTHER:
        end = _word_end(buf, i, n, classes)
    return end


@njit(inline="always")
def _token_hashes(buf, classes, specials):
    """Pass 1 of scan_tokens: each token's first byte and 64-bit key, and the token offset of each text.
    Returns (starts, keys, offsets, tokens); arrays past `tokens` are unset (and untouched: not resident)."""
    n = buf.shape[0]
    cap = n // 2 + 2  # tokens are at least a byte and never touch: at most (n + 1) / 2
    starts = np.empty(cap, np.int64)
    keys = np.empty(cap, np.int64)
    n_lines = 0
    for j in range(n):
        n_lines += buf[j] == 10
    offsets = np.empty(n_lines + 1, np.int64)
    offsets[0] = 0
    n_tok = 0
    n_text = 0
    i = 0
    while i < n:
        if buf[i] == 10:  # end of a text
            n_text += 1
            offsets[n_text] = n_tok
            i += 1
            continue
        end = -1  # as _token_end, written out: this loop is the hot one
        if specials and buf[i] == 60:
            end = _special_end(buf, i, n)
        if end < 0:
            if _class_at(buf, i, n, classes) == OTHER:
                i += _char_len(buf, i)
                continue
            end = _word_end(buf, i, n, classes)
        _, key = _hashes(buf, i, end)
        keys[n_tok] = key
        starts[n_tok] = i
        n_tok += 1
        i = end
    return starts, keys, offsets, n_tok


@njit(cache=True)
def scan_tokens(buf, classes, known_keys, specials):
    """Tokens of the texts in UTF-8 `buf`, each ended by '\\n', as ids: known_keys[i] (64-bit keys of a
    vocabulary) get id i, new words ids from len(known_keys) on, in order of first sight.
    Two passes: cutting and hashing the bytes, then looking the keys up (each loop stays tight: twice
    as fast as one loop that does both).

    Returns (ids (T,) int32, offsets (texts+1,) int64, new_spans (M, 2) byte ranges of each new word's
    first occurrence, new_hash32 (M,) int32, new_keys (M,) int64, counts (len(known)+M,) int64)."""
    starts, tok_keys, offsets, T = _token_hashes(buf, classes, specials)
    n_known = known_keys.shape[0]
    all_keys = np.empty(n_known + 1024, np.int64)
    all_keys[:n_known] = known_keys
    bits = 10
    while (1 << bits) < 2 * (n_known + 1024):
        bits += 1
    table_keys, table_ids = _insert_all(all_keys, n_known, bits)
    ids = np.empty(T, np.int32)
    first = np.empty(1024, np.int64)  # token index of each new word's first occurrence
    n_new = 0
    for t in range(T):
        key = tok_keys[t]
        s = _slot_of(table_keys, table_ids, key, bits)
        wid = table_ids[s]
        if wid < 0:
            wid = np.int32(n_known + n_new)
            table_keys[s] = key
            table_ids[s] = wid
            all_keys = _grow(all_keys, wid + 1)
            all_keys[wid] = key
            first = _grow(first, n_new + 1)
            first[n_new] = t
            n_new += 1
            if 2 * (wid + 1) > (1 << bits):  # keep the table at most half full
                bits += 1
                table_keys, table_ids = _insert_all(all_keys, wid + 1, bits)
        ids[t] = wid
    counts = np.zeros(n_known + n_new, np.int64)
    for t in range(T):
        counts[ids[t]] += 1
    spans = np.empty((n_new, 2), np.int64)
    h32s = np.empty(n_new, np.int32)
    for k in range(n_new):  # new words only: cut and hashed again rather than kept for every token
        a = starts[first[k]]
        spans[k, 0] = a
        spans[k, 1] = _token_end(buf, a, buf.shape[0], classes, specials)
        h32, _ = _hashes(buf, a, spans[k, 1])
        h32s[k] = h32
    return ids, offsets, spans, h32s, all_keys[n_known: n_known + n_new].copy(), counts


# -- features of one text -----------------------------------------------------------------------------
@njit(inline="always")
def _hash_at(ids, i, hi, hash_of):
    """fastText hash of token i of a text ending at hi, as uint64 (sign-extended); position hi is "</s>"."""
    return np.uint64(np.int64(EOS_HASH if i == hi else hash_of[ids[i]]))


@njit(inline="always")
def _feature_rows(ids, lo, hi, lookup, cfg, rows):
    """Input rows of text ids[lo:hi] into `rows` (room for (hi - lo + 1) * ngrams); returns how many.
    As fastText: words first (those with a row), then the end-of-text word when the model has one, then
    each word n-gram (2..ngrams, "</s>" ending the last) hashed as fastText does, where its bucket has a row."""
    row_of, hash_of, bucket_row = lookup
    n = 0
    for i in range(lo, hi):
        r = row_of[ids[i]]
        if r >= 0:
            rows[n] = r
            n += 1
    end = hi
    if cfg.eos_row >= 0:
        rows[n] = cfg.eos_row
        n += 1
        end = hi + 1
    if cfg.ngrams > 1:
        for i in range(lo, end):
            h = _hash_at(ids, i, hi, hash_of)
            for j in range(i + 1, min(end, i + cfg.ngrams)):
                h = h * NGRAM_MUL + _hash_at(ids, j, hi, hash_of)
                r = bucket_row[np.int64(h % np.uint64(cfg.buckets))]
                if r >= 0:
                    rows[n] = cfg.n_words + r
                    n += 1
    return n


@njit(cache=True)
def feature_rows_of(ids, lo, hi, lookup, cfg):
    """The input rows of one text (for tests and inspection)."""
    rows = np.empty((hi - lo + 1) * cfg.ngrams, np.int64)
    return rows[: _feature_rows(ids, lo, hi, lookup, cfg, rows)].copy()


@njit(cache=True)
def used_buckets(ids, offsets, hash_of, buckets, ngrams, eos):
    """(buckets,) bool: the n-gram buckets that occur in the texts (eos: each text ends with "</s>")."""
    used = np.zeros(buckets, np.bool_)
    for t in range(offsets.shape[0] - 1):
        lo, hi = offsets[t], offsets[t + 1]
        end = hi + 1 if eos else hi
        for i in range(lo, end):
            h = _hash_at(ids, i, hi, hash_of)
            for j in range(i + 1, min(end, i + ngrams)):
                h = h * NGRAM_MUL + _hash_at(ids, j, hi, hash_of)
                used[np.int64(h % np.uint64(buckets))] = True
    return used


@njit(inline="always")
def _text_vector(W, rows, n, hidden):
    """hidden = mean of the rows rows[:n] of W, a view (float32, rows added in order)."""
    mean_of_rows(W, rows, 0, n, hidden)


@njit(inline="always")
def _dot(a, W, r):
    s = 0.0
    for d in range(a.shape[0]):
        s += np.float64(a[d]) * np.float64(W[r, d])
    return s


@njit(inline="always")
def _sigmoid(f):
    return 1.0 / (1.0 + np.exp(-f))


@njit(inline="always")
def _output_step(hidden, grad, Wo, r, alpha):
    """grad += alpha * Wo[r] (before the row changes), then Wo[r] += alpha * hidden."""
    a = np.float32(alpha)
    for d in range(hidden.shape[0]):
        grad[d] += a * Wo[r, d]
        Wo[r, d] += a * hidden[d]


@njit(inline="always")
def _logistic_step(hidden, grad, Wo, r, positive, lr):
    """One binary logistic output: returns its loss."""
    p = _sigmoid(_dot(hidden, Wo, r))
    _output_step(hidden, grad, Wo, r, lr * ((1.0 if positive else 0.0) - p))
    return -np.log(max(p if positive else 1.0 - p, 1e-12))


@njit(inline="always")
def _softmax(hidden, Wo, probs):
    m = -np.inf
    for c in range(probs.shape[0]):
        probs[c] = _dot(hidden, Wo, c)
        m = max(m, probs[c])
    z = 0.0
    for c in range(probs.shape[0]):
        probs[c] = np.exp(probs[c] - m)
        z += probs[c]
    for c in range(probs.shape[0]):
        probs[c] /= z


@njit(inline="always")
def _text_step(hidden, grad, probs, Wo, labels, lo, hi, tree, cfg, lr):
    """Output layer forward and backward for one text with labels[lo:hi]; returns the loss.
    Softmax with k labels takes 1/k as each one's target; HS follows each label's path."""
    codes, points, lengths = tree
    loss = 0.0
    k = hi - lo
    if cfg.loss == SOFTMAX:
        _softmax(hidden, Wo, probs)
        for j in range(lo, hi):
            loss -= np.log(max(probs[labels[j]], 1e-12)) / k
        for c in range(cfg.n_labels):
            target = 0.0
            for j in range(lo, hi):
                if labels[j] == c:
                    target += 1.0 / k
            _output_step(hidden, grad, Wo, c, lr * (target - probs[c]))
    elif cfg.loss == HIERARCHICAL:
        for j in range(lo, hi):
            y = labels[j]
            for s in range(lengths[y]):
                loss += _logistic_step(hidden, grad, Wo, points[y, s], codes[y, s] == 1, lr)
    else:
        for c in range(cfg.n_labels):
            positive = False
            for j in range(lo, hi):
                positive = positive or labels[j] == c
            loss += _logistic_step(hidden, grad, Wo, c, positive, lr)
    return loss


@njit(inline="always")
def _train_text(weights, rows, n, hidden, grad, probs, labels, t, tree, cfg, lr):
    """One SGD step on text t with input rows rows[:n] of W, as _train_shard takes it (--deterministic: the
    Hogwild loop keeps its own copy of these lines; called from it, numba's parfor pass broke one-thread
    reproducibility); returns its loss. weights = (W, Wo): W a view
    (fast.rows: the matrix itself, or a chunk's overlay under --deterministic)."""
    W, Wo = weights
    label_ptr, label_ids = labels
    _text_vector(W, rows, n, hidden)
    for d in range(cfg.dim):
        grad[d] = 0.0
    loss = _text_step(hidden, grad, probs, Wo, label_ids, label_ptr[t], label_ptr[t + 1], tree, cfg, lr)
    inv = np.float32(1.0) / np.float32(n)
    for d in range(cfg.dim):
        grad[d] *= inv
    add_to_rows(W, rows, 0, n, grad)
    return loss


@njit(inline="always")
def _train_shard(texts, labels, lookup, tree, order, lo, hi, weights, cfg, done, stride, out):
    ids, offsets = texts
    label_ptr, label_ids = labels
    W, Wo = weights
    rows = np.empty(1024, np.int64)
    hidden = np.empty(cfg.dim, np.float32)
    grad = np.empty(cfg.dim, np.float32)
    probs = np.empty(cfg.n_labels, np.float64)
    loss = 0.0
    seen = 0
    for q in range(lo, hi):
        t = order[q]
        a, b = offsets[t], offsets[t + 1]
        need = (b - a + 1) * cfg.ngrams
        if need > rows.shape[0]:
            rows = np.empty(2 * need, np.int64)
        n = _feature_rows(ids, a, b, lookup, cfg, rows)
        if n > 0:
            lr = cfg.lr * max(0.0, 1.0 - (done + seen * stride) / cfg.total_tokens)
            _text_vector(W, rows, n, hidden)
            grad[:] = 0.0
            loss += _text_step(hidden, grad, probs, Wo, label_ids, label_ptr[t], label_ptr[t + 1], tree, cfg, lr)
            inv = np.float32(1.0) / np.float32(n)
            for d in range(cfg.dim):
                grad[d] *= inv
            add_to_rows(W, rows, 0, n, grad)
        seen += b - a
    out[0] = loss
    out[1] = seen


@njit(parallel=True, cache=True)
def train_chunk(texts, labels, lookup, tree, order, weights, cfg, done):
    """Train on texts order[:] cut into cfg.shards contiguous shards, one per thread, lock-free.
    `done`: words trained before this chunk (for the learning-rate decay). Returns (loss sum, words)."""
    m = order.shape[0]
    out = np.zeros((cfg.shards, 2), np.float64)
    for s in prange(cfg.shards):
        lo, hi = shard_range(s, m, cfg.shards)
        _train_shard(texts, labels, lookup, tree, order, lo, hi, weights, cfg, done, cfg.shards, out[s])
    return out[:, 0].sum(), out[:, 1].sum()


@njit(inline="always")
def _label_probs(hidden, Wo, tree, cfg, probs):
    codes, points, lengths = tree
    if cfg.loss == SOFTMAX:
        _softmax(hidden, Wo, probs)
    elif cfg.loss == HIERARCHICAL:
        for y in range(cfg.n_labels):
            p = 1.0
            for s in range(lengths[y]):
                f = _sigmoid(_dot(hidden, Wo, points[y, s]))
                p *= f if codes[y, s] == 1 else 1.0 - f
            probs[y] = p
    else:
        for c in range(cfg.n_labels):
            probs[c] = _sigmoid(_dot(hidden, Wo, c))


@njit(parallel=True, cache=True)
def predict_probs(texts, lookup, tree, weights, cfg):
    """(N, n_labels) label probabilities; a text with no known word or n-gram gets the empty vector's."""
    ids, offsets = texts
    W, Wo = weights
    N = offsets.shape[0] - 1
    P = np.empty((N, cfg.n_labels), np.float64)
    for s in prange(cfg.shards):
        rows = np.empty(1024, np.int64)
        hidden = np.empty(cfg.dim, np.float32)
        lo, hi = shard_range(s, N, cfg.shards)
        for t in range(lo, hi):
            a, b = offsets[t], offsets[t + 1]
            need = (b - a + 1) * cfg.ngrams
            if need > rows.shape[0]:
                rows = np.empty(2 * need, np.int64)
            n = _feature_rows(ids, a, b, lookup, cfg, rows)
            if n > 0:
                _text_vector(W, rows, n, hidden)
            else:
                hidden[:] = 0.0
            _label_probs(hidden, Wo, tree, cfg, P[t])
    return P


# -- prediction straight from bytes ---------------------------------------------------------------------
@njit(cache=True)
def vocab_table(keys):
    """(table_keys, table_ids, bits): the open-addressing table of a vocabulary's 64-bit keys, built once."""
    bits = 10
    while (1 << bits) < 2 * keys.shape[0]:
        bits += 1
    table_keys, table_ids = _insert_all(keys, keys.shape[0], bits)
    return table_keys, table_ids, bits


@njit(inline="always")
def _scan_text(buf, lo, hi, classes, specials, vocab, tok_rows, tok_hash):
    """Tokens of buf[lo:hi] -> their word rows (-1: unknown) and fastText hashes; returns how many."""
    table_keys, table_ids, bits, word_hash = vocab
    m = 0
    i = lo
    while i < hi:
        end = -1
        if specials and buf[i] == 60:
            end = _special_end(buf, i, hi)
        if end < 0:
            if _class_at(buf, i, hi, classes) == OTHER:
                i += _char_len(buf, i)
                continue
            end = _word_end(buf, i, hi, classes)
        h32, key = _hashes(buf, i, end)
        wid = table_ids[_slot_of(table_keys, table_ids, key, bits)]
        tok_rows[m] = wid
        tok_hash[m] = h32 if wid < 0 else word_hash[wid]
        m += 1
        i = end
    return m


@njit(parallel=True, cache=True)
def predict_bytes(text, vocab, bucket_row, tree, weights, cfg):
    """(N, n_labels) probabilities of the N texts in UTF-8 `buf`, each ended by '\\n': tokenizing, hashing
    and predicting in one pass, texts split among cfg.shards threads. text = (buf, ends, classes, specials)."""
    buf, ends, classes, specials = text
    W, Wo = weights
    N = ends.shape[0]
    P = np.full((N, cfg.n_labels), np.nan)  # a row no thread wrote stays NaN: the caller refuses it
    for s in prange(cfg.shards):
        cap = 1024
        tok_rows = np.empty(cap, np.int32)
        tok_hash = np.empty(cap, np.int32)
        idx = np.arange(cap).astype(np.int32)
        rows = np.empty(cap * cfg.ngrams, np.int64)
        hidden = np.empty(cfg.dim, np.float32)
        first, last = shard_range(s, N, cfg.shards)
        for t in range(first, last):
            lo = 0 if t == 0 else ends[t - 1] + 1
            hi = ends[t]
            if (hi - lo) // 2 + 2 > cap:
                cap = (hi - lo) // 2 + 2
                tok_rows = np.empty(cap, np.int32)
                tok_hash = np.empty(cap, np.int32)
                idx = np.arange(cap).astype(np.int32)
                rows = np.empty(cap * cfg.ngrams, np.int64)
            m = _scan_text(buf, lo, hi, classes, specials, vocab, tok_rows, tok_hash)
            n = _feature_rows(idx, 0, m, (tok_rows, tok_hash, bucket_row), cfg, rows)
            if n > 0:
                _text_vector(W, rows, n, hidden)
            else:
                hidden[:] = 0.0
            _label_probs(hidden, Wo, tree, cfg, P[t])
    return P
