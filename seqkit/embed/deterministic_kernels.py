"""The deterministic word2vec schedule's round kernels, in Numba (driven by deterministic.py).

A round trains R chunks of the corpus, each against the weights as they were at the round's start, in its
own overlay, and merges their changes in chunk order: the chunk loop, the overlays and the merge are the
shared core's (seqkit/fast/overlay.py); the document steps are the Hogwild ones (kernels.py,
subword_kernels.py), reading rows through views. Checked against tests/embed/reference_deterministic.py.
"""

from __future__ import annotations

from numba import njit, prange

from seqkit.embed import kernels as K
from seqkit.embed import subword_kernels as S
from seqkit.fast.overlay import merge, train_chunks
from seqkit.fast.shards import cached, compiled

# The round kernels, one per family (a run compiles only the one it uses). weights = (syn0, out),
# corpus = (ids, offsets, chunks (R, 2)), tables: the sampling tables, csr: the subword rows of each word (None
# for word2vec; subwords take model = (tables, csr), built in the loop as fast.shards.train_shard's callers do);
# overlay: see fast.overlay.train_chunks, alphas (R, 2), states (R,), totals = (loss (R,), counts (R, 3)).


@njit(parallel=True, cache=True, fastmath=True)
def _round_skipgram(weights, corpus, tables, csr, cfg, overlay, alphas, states, totals, workers):
    for t in prange(workers):
        train_chunks(K._doc_skipgram, K._buffers, t, workers, weights, corpus, tables, cfg, overlay, alphas, states,
                     totals)


@njit(parallel=True, cache=True, fastmath=True)
def _round_cbow(weights, corpus, tables, csr, cfg, overlay, alphas, states, totals, workers):
    for t in prange(workers):
        train_chunks(K._doc_cbow, K._buffers, t, workers, weights, corpus, tables, cfg, overlay, alphas, states,
                     totals)


@njit(parallel=True, cache=True, fastmath=True)
def _round_batched(weights, corpus, tables, csr, cfg, overlay, alphas, states, totals, workers):
    for t in prange(workers):
        train_chunks(K._doc_batched, K._buffers, t, workers, weights, corpus, tables, cfg, overlay, alphas, states,
                     totals)


@njit(parallel=True, cache=True, fastmath=True)
def _round_subword_skipgram(weights, corpus, tables, csr, cfg, overlay, alphas, states, totals, workers):
    for t in prange(workers):
        train_chunks(S._doc_skipgram, S._subword_buffers, t, workers, weights, corpus, (tables, csr), cfg, overlay,
                     alphas, states, totals)


@njit(parallel=True, cache=True, fastmath=True)
def _round_subword_cbow(weights, corpus, tables, csr, cfg, overlay, alphas, states, totals, workers):
    for t in prange(workers):
        train_chunks(S._doc_cbow, S._subword_buffers, t, workers, weights, corpus, (tables, csr), cfg, overlay,
                     alphas, states, totals)


KERNELS = {"skipgram": _round_skipgram, "cbow": _round_cbow, "batched": _round_batched,
           "subword-skipgram": _round_subword_skipgram, "subword-cbow": _round_subword_cbow}


def train_round(family, weights, corpus, tables, csr, cfg, overlay, alphas, states, totals, threads):
    """Train the round's chunks (corpus[2]) on ``threads`` threads and merge their changes into ``weights``,
    in chunk order."""
    n = corpus[2].shape[0]
    KERNELS[family](weights, corpus, tables, csr, cfg, overlay, alphas, states, totals, max(1, min(threads, n)))
    in_slot, out_slot, in_values, in_rows, out_values, out_rows, counts = overlay
    merge(weights[0], in_slot, in_values, in_rows, counts[:n, 0], threads)
    merge(weights[1], out_slot, out_values, out_rows, counts[:n, 1], threads)


def is_ready(family) -> bool:
    return compiled(KERNELS[family])


def is_cached(family) -> bool:
    return cached(KERNELS[family])
