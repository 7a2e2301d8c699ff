"""The sparse model's featurizing loops, in Numba: UTF-8 bytes -> word n-gram keys -> feature ids ->
CSR counts. Tokens are cut and keyed by the linear model's scanner (seqkit.models.linear.kernels), so
both architectures see the same words; an n-gram's key chains its words' 64-bit keys. Checked against
tests/models/sparse/reference_sparse.py.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from seqkit.models.linear.kernels import _token_hashes

GRAM_MUL = np.uint64(0x100000001B3)  # chains word keys into n-gram keys (the FNV-64 prime)


@njit(inline="always")
def _gram_keys(tok_keys, offsets, ngrams):
    """Keys of every word n-gram (1..ngrams) of each text: (keys, gram_offsets (texts+1,))."""
    n_text = offsets.shape[0] - 1
    gram_offsets = np.empty(n_text + 1, np.int64)
    gram_offsets[0] = 0
    for t in range(n_text):
        L = offsets[t + 1] - offsets[t]
        m = 0
        for n in range(1, ngrams + 1):
            m += max(L - n + 1, 0)
        gram_offsets[t + 1] = gram_offsets[t] + m
    keys = np.empty(gram_offsets[n_text], np.int64)
    k = 0
    for t in range(n_text):
        lo, hi = offsets[t], offsets[t + 1]
        for i in range(lo, hi):
            h = np.uint64(tok_keys[i])
            keys[k] = np.int64(h)
            k += 1
            for j in range(i + 1, min(hi, i + ngrams)):
                h = h * GRAM_MUL + np.uint64(tok_keys[j])
                keys[k] = np.int64(h)
                k += 1
    return keys, gram_offsets


@njit(cache=True, nogil=True)
def text_gram_keys(buf, classes, specials, ngrams):
    """(keys, offsets): the word n-gram keys of each text in `buf` (texts ended by '\\n')."""
    _, tok_keys, offsets, _ = _token_hashes(buf, classes, specials)
    return _gram_keys(tok_keys, offsets, ngrams)


HASH_MUL = np.uint64(0x9E3779B97F4A7C15)


@njit(inline="always")
def _probe(slots, key, bits):
    """Open addressing with linear probing over (key, id) pairs side by side (one cache line per look):
    the pair index holding `key`, or the empty one (id -1) where it would go."""
    mask = (1 << bits) - 1
    s = np.int64((np.uint64(key) * HASH_MUL) >> np.uint64(64 - bits))
    while slots[2 * s + 1] >= 0 and slots[2 * s] != key:
        s = (s + 1) & mask
    return s


@njit(inline="always")
def _rehash(slots, bits):
    out = np.full(2 << bits, -1, np.int64)
    for s in range(slots.shape[0] // 2):
        if slots[2 * s + 1] >= 0:
            t = _probe(out, slots[2 * s], bits)
            out[2 * t] = slots[2 * s]
            out[2 * t + 1] = slots[2 * s + 1]
    return out


def new_table(bits: int = 16) -> tuple:
    return np.full(2 << bits, -1, np.int64), bits


@njit(cache=True, nogil=True)
def add_keys(keys, table, n_ids, out_ids):
    """Training's growing vocabulary: out_ids[k] = the id of keys[k], new keys getting the next ids.
    table (slots, bits) persists across calls. Returns (table, n_ids)."""
    slots, bits = table
    for k in range(keys.shape[0]):
        s = _probe(slots, keys[k], bits)
        i = slots[2 * s + 1]
        if i < 0:
            i = n_ids
            slots[2 * s] = keys[k]
            slots[2 * s + 1] = i
            n_ids += 1
            if 2 * n_ids > (1 << bits):  # at most half full
                bits += 1
                slots = _rehash(slots, bits)
        out_ids[k] = i
    return (slots, bits), n_ids


@njit(cache=True)
def table_of(keys):
    """A fixed table: keys[i] (distinct) -> i. Returns (slots, bits)."""
    bits = 4
    while (1 << bits) < 2 * keys.shape[0]:
        bits += 1
    slots = np.full(2 << bits, -1, np.int64)
    for i in range(keys.shape[0]):
        s = _probe(slots, keys[i], bits)
        slots[2 * s] = keys[i]
        slots[2 * s + 1] = i
    return slots, bits


@njit(parallel=True, cache=True, nogil=True)
def lookup_columns(keys, table):
    """(len(keys),) int64: the id of each key in a fixed table, -1 where unknown."""
    slots, bits = table
    out = np.empty(keys.shape[0], np.int64)
    for k in prange(keys.shape[0]):
        out[k] = slots[2 * _probe(slots, keys[k], bits) + 1]
    return out


@njit(parallel=True, cache=True, nogil=True)
def csr_counts(cols, offsets):
    """Per-text counts of each column (-1: skipped) as CSR: (indptr, indices int32 sorted per row, counts float64)."""
    n_text = offsets.shape[0] - 1
    tmp = cols.copy()
    nnz = np.zeros(n_text + 1, np.int64)
    for t in prange(n_text):
        lo, hi = offsets[t], offsets[t + 1]
        tmp[lo:hi].sort()
        m, last = 0, -1
        for k in range(lo, hi):
            if tmp[k] >= 0 and tmp[k] != last:
                m += 1
                last = tmp[k]
        nnz[t + 1] = m
    indptr = np.cumsum(nnz)
    indices = np.empty(indptr[n_text], np.int32)
    counts = np.zeros(indptr[n_text], np.float64)
    for t in prange(n_text):
        j, last = indptr[t] - 1, -1
        for k in range(offsets[t], offsets[t + 1]):
            c = tmp[k]
            if c < 0:
                continue
            if c != last:
                j += 1
                indices[j] = c
                last = c
            counts[j] += 1.0
    return indptr, indices, counts


@njit(cache=True, nogil=True)
def keep_columns(indptr, indices, data, column_of):
    """The CSR matrix with only the columns whose column_of is >= 0, renumbered by it."""
    n = indptr.shape[0] - 1
    out_ptr = np.zeros(n + 1, np.int64)
    kept = 0
    for k in range(indices.shape[0]):
        kept += column_of[indices[k]] >= 0
    out_idx = np.empty(kept, np.int32)
    out_data = np.empty(kept, data.dtype)
    j = 0
    for t in range(n):
        for k in range(indptr[t], indptr[t + 1]):
            c = column_of[indices[k]]
            if c >= 0:
                out_idx[j] = c
                out_data[j] = data[k]
                j += 1
        out_ptr[t + 1] = j
    return out_ptr, out_idx, out_data
