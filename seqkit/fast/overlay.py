"""The deterministic schedule's core (--deterministic), shared by word2vec, subword word2vec and the linear
classifier: chunk overlays, the chunk loop and the ordered merge.

A round trains R chunks, each against the weights as they were at the round's start: chunk c reads and
writes its own copies of the rows it touches (its overlay: the first touch of a row copies it into the
chunk's pool, `pool_index`). At the round's end `merge` gives each row its first chunk's value and adds the
later chunks' changes (copy - start), in chunk order. Threads take chunks t, t + T, t + 2T, ... of a round;
nothing a chunk computes depends on which thread runs it or when, and each row takes its changes in the
same order on any number of threads, so the result is the same bit for bit (same machine code: same
platform, NumPy and Numba).

A row that no other chunk of the round can touch is the chunk's own: `claim` and `share`, before the round,
set its bit in the chunk's bitmap of own rows, and the chunk reads and writes it in place, with the result a
copy merged alone would give, but without the copy and the merge. The rows chunks share get one place
each for the round (`number_shared`); before a chunk trains, `copy_shared` copies them there in its pool
and turns its list of the rows it reads into places (an own row's index, or -1 - its copy's place), so that
its steps read every row with no lookup, and `merge_shared` merges them place by place. The linear
classifier claims its texts' rows (most are n-grams only one chunk uses; IMDB bigrams: merges 5.7 -> 1.1 s,
0.37x -> 0.62x-0.64x of Hogwild's speed; with places, 0.76x-0.83x and more). Word2vec does not: its
chunks share most rows, and claiming them cost more than it saved (docs/benchmarks/deterministic.md).

The document steps are those of Hogwild training (fast.shards.train_shard): they read rows through views
(fast.rows.row_at); here the views are overlays ``(matrix, slot, (values, rows, count))``, or
``(matrix, place, (values,))`` for rows turned into places (copy_shared).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from seqkit.fast import cache  # noqa: F401  (numba caches kernels on every seqkit source they reach)
from seqkit.fast.rows import row_at
from seqkit.fast.shards import document, store_totals


@njit
def first_touch(matrix, r, slot, pool):
    """Copy row r into the chunk's pool (values, rows, count) at values[count] and note it in rows and slot[r].
    Not inlined: the rare path stays out of every row read's code."""
    values, rows, count = pool
    k = count[0]
    for c in range(matrix.shape[1]):  # element by element: `values[k] = matrix[r]` may copy through a temporary
        values[k, c] = matrix[r, c]
    rows[k] = r
    slot[r] = k
    count[0] = k + 1


@njit(inline="always")
def pool_index(matrix, r, slot, pool):
    """Where a chunk's copy of row r is in its pool (values, rows, count): copied there on first touch
    (slot[r] < 0)."""
    if slot[r] < 0:  # no variable assigned in a branch: numba's SSA check warned about the inlined k
        first_touch(matrix, r, slot, pool)
    return slot[r]


@overload(row_at, inline="always")
def _row_at_overlay(matrix, slot, pool, i):
    """Row i of an overlay's parts (matrix, slot, pool): the chunk's copy (pool_index), or with pool =
    (values,), rows turned into places before the chunk trains (copy_shared): the chunk's own row i >= 0,
    in place, or its copy values[-1 - i]."""
    if not isinstance(pool, types.BaseTuple):
        return None
    if len(pool) == 1:  # rows turned into places before the chunk trains (copy_shared)
        def resolved(matrix, slot, pool, i):
            if i >= 0:
                return matrix[i]
            return pool[0][-1 - i]
        return resolved

    def overlay_row(matrix, slot, pool, i):
        return pool[0][pool_index(matrix, i, slot, pool)]

    return overlay_row


@njit(inline="always")
def train_chunks(train_document, alloc, t, workers, weights, corpus, model, cfg, overlay, alphas, states, totals):
    """Thread t's chunks of the round (of ``workers`` threads): c = t, t + T, ...; each in its own overlay.

    weights: (syn0, out); corpus: (ids, offsets, chunks (R, 2)); model, cfg, alloc and train_document as
    for fast.shards.train_shard; overlay = (in_slot (R, V_in), out_slot (R, V_out), in_values (R, cap_in, d),
    in_rows (R, cap_in), out_values (R, cap_out, d), out_rows (R, cap_out), counts (R, 2));
    alphas (R, 2), states (R,), totals = (loss (R,), counts (R, 3)). Leaves the chunks' copies for `merge`."""
    syn0, out = weights
    in_slot, out_slot, in_values, in_rows, out_values, out_rows, counts = overlay
    work = alloc(cfg, syn0, model)
    for c in range(t, corpus[2].shape[0], workers):
        counts[c, 0] = 0
        counts[c, 1] = 0
        inp = (syn0, in_slot[c], (in_values[c], in_rows[c], counts[c, 0:1]))
        outp = (out, out_slot[c], (out_values[c], out_rows[c], counts[c, 1:2]))
        state, loss, examples, kept, seen = states[c], 0.0, 0, 0, 0
        for d in range(corpus[2][c, 0], corpus[2][c, 1]):
            doc, alpha = document(corpus, alphas, c, d, seen)
            lo_, ex, n, state = train_document(doc, work, inp, outp, model, cfg, alpha, state)
            loss, examples, kept, seen = loss + lo_, examples + ex, kept + n, seen + doc.shape[0]
        store_totals(c, state, loss, examples, kept, seen, states, totals[0], totals[1])


@njit(inline="always")
def has_bit(bits, r):
    return (bits[r >> 3] >> (r & 7)) & 1


@njit(inline="always")
def set_bit(bits, r):
    bits[r >> 3] |= np.uint8(1 << (r & 7))


@njit(inline="always")
def claim(bits, r, claimed, k):
    """Note that a chunk can touch row r: set its bit in the chunk's bitmap ``bits`` and list it in
    claimed[k], unless set already. Returns the rows listed. (Bitmaps: a V-row matrix's fits in V / 8 bytes,
    mostly in cache, where a slot table takes 4 V.)"""
    if r < 0:
        return k
    mask = np.uint8(1 << (r & 7))
    old = bits[r >> 3]
    bits[r >> 3] = old | mask
    claimed[k] = r  # listed either way, kept only if new: no branch to mispredict
    return k + ((old & mask) == 0)


@njit(inline="always")
def share(bits, own, claimed, n_claimed, c, firsts):
    """After each chunk b < n = len(n_claimed) of the round claimed every row it can touch (bits[b],
    claimed[b]): set in own[c] the rows of chunk c no other chunk claimed, and list in ``firsts`` the rows it
    shares that no earlier chunk claimed (so that `number_shared` lists each shared row once). Returns how
    many it listed. Chunks c apart can run at once."""
    n, f = n_claimed.shape[0], 0
    for k in range(n_claimed[c]):
        r = claimed[c, k]
        alone, first = True, True
        for b in range(n):
            if b != c and has_bit(bits[b], r):
                alone = False
                if b < c:
                    first = False
        if alone:
            set_bit(own[c], r)
        elif first:
            firsts[f] = r
            f += 1
    return f


@njit(inline="always")
def number_shared(firsts, n_firsts, shared, place):
    """The round's shared rows, chunk by chunk (share's firsts): shared[s] = r and place[r] = s. Returns how
    many."""
    m = 0
    for c in range(n_firsts.shape[0]):
        for k in range(n_firsts[c]):
            r = firsts[c, k]
            shared[m] = r
            place[r] = m
            m += 1
    return m


@njit(inline="always")
def copy_shared(matrix, shared, m, bits, values, rows, n, own, place):
    """Before chunk c trains, with bits = bits[c], values = its pool, own = own[c]: its copies of the shared
    rows it claimed, values[s] = matrix[shared[s]], and its list of rows rows[:n] turned into places (an own
    row keeps its index, a shared row r becomes -1 - place[r]), read through the view (matrix, place,
    (values,)) with no lookup."""
    for s in range(m):
        r = shared[s]
        if has_bit(bits, r):
            for d in range(matrix.shape[1]):
                values[s, d] = matrix[r, d]
    for j in range(n):
        r = rows[j]
        if not has_bit(own, r):
            rows[j] = -1 - place[r]


@njit(inline="always")
def _take(matrix, r, values, c, k, start):
    """Row r takes chunk c's copy values[c, k] by the merge rule, element by element: the copy where the row
    still holds its start (the first chunk to change it), else the row plus the copy's change (copy - start).
    (Indices, not the row values[c, k]: a view a row cost the merge 10-15%.)"""
    for d in range(matrix.shape[1]):
        v = matrix[r, d]
        x = values[c, k, d]
        matrix[r, d] = x if v == start[d] else v + (x - start[d])


@njit(parallel=True, cache=True)
def merge_shared(matrix, shared, m, values, bits, parts):
    """`merge` for the shared rows of a round whose chunks copied them with copy_shared: row shared[s] takes,
    in chunk order, the copies values[c, s] of the chunks that claimed it (bits[c]), by merge's rule. Each
    chunk's copy sits at the row's one place, so no slot table is read; threads split the places."""
    n, dim = bits.shape[0], matrix.shape[1]
    for p in prange(parts):
        start = np.empty(dim, matrix.dtype)
        for s in range(p * m // parts, (p + 1) * m // parts):
            r = shared[s]
            for d in range(dim):
                start[d] = matrix[r, d]
            for c in range(n):
                if has_bit(bits[c], r):
                    _take(matrix, r, values, c, s, start)


@njit(parallel=True, cache=True)
def release(bits, own, claimed, n_claimed):
    """Clear the claimed rows' bits for the next round."""
    for c in prange(n_claimed.shape[0]):
        for k in range(n_claimed[c]):
            r = claimed[c, k]
            bits[c, r >> 3] = 0
            own[c, r >> 3] = 0
        n_claimed[c] = 0


@njit(parallel=True, cache=True)
def merge(matrix, slot, values, rows, counts, parts):
    """Give each row copied by the chunks c < n = len(counts) their changes in chunk order, element by
    element: the first chunk's value, then each later chunk's change (copy - start; start: the row before
    the merge, as every chunk of the round copied it). A row a chunk owns and trains in place (`claim`) ends
    as it would copied and merged alone. slot[:n] cleared for the next round. Row by row, at the first chunk
    that copied it: a row is read and written once whatever the number of chunks that touched it. Thread p
    takes the rows r with r % parts == p, so each row takes its changes in chunk order for any ``parts``."""
    n, dim = counts.shape[0], matrix.shape[1]
    for p in prange(parts):
        start = np.empty(dim, matrix.dtype)
        for c in range(n):
            for k in range(counts[c]):
                r = rows[c, k]
                if (parts > 1 and r % parts != p) or slot[c, r] < 0:  # < 0: merged at an earlier chunk
                    continue
                for d in range(dim):
                    start[d] = matrix[r, d]
                for b in range(c, n):
                    j = slot[b, r]
                    if j >= 0:
                        _take(matrix, r, values, b, j, start)
                        slot[b, r] = -1
