"""Each of the four kernels against the slow reference: one thread, a fixed seed, the same updates."""

import numpy as np
import pytest

from seqkit import runtime
from seqkit.embed import kernels
from seqkit.embed.hot_rows import hot_rows as hot_rows_for, no_hot_rows
from seqkit.embed.huffman import huffman_codes
from seqkit.embed.sampling import alias_probabilities, alias_table, keep_thresholds
from tests.embed.reference_w2v import train_reference


def tiny_corpus(seed=0, docs=12, vocab=30):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(3, 25, size=docs)
    ids = np.minimum(rng.zipf(1.6, size=int(lengths.sum())) - 1, vocab - 1).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    counts = np.bincount(ids, minlength=vocab).astype(np.int64) + 1
    return ids, offsets, counts


KERNELS = [  # (skipgram, hs, cbow_mean, batch_negatives)
    (1, 0, 1, 0), (1, 1, 1, 0), (0, 0, 1, 0), (0, 1, 1, 0), (0, 0, 0, 0), (0, 1, 0, 0), (1, 0, 1, 1), (1, 1, 1, 1),
]


@pytest.mark.parametrize("hot", [0, 6], ids=["shared-rows", "hot-row-copies"])
@pytest.mark.parametrize("skipgram, hs, cbow_mean, batch_neg", KERNELS)
def test_kernel_matches_reference(skipgram, hs, cbow_mean, batch_neg, hot):
    """With one thread, training on copies of the hot rows (folded back after every document) makes
    exactly the updates of training on the shared rows."""
    ids, offsets, counts = tiny_corpus()
    v, dim = len(counts), 8
    rng = np.random.default_rng(1)
    syn0 = ((rng.random((v, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)
    syn1neg = (rng.random((v, dim), dtype=np.float32) * 0.1).astype(np.float32)
    syn1 = (rng.random((v - 1, dim), dtype=np.float32) * 0.1).astype(np.float32)
    keep = keep_thresholds(counts, 0.05)
    prob, alias = alias_table(counts, 0.75)
    codes, points, lengths = huffman_codes(counts)
    tables = (keep, prob, alias, codes, points, lengths)
    settings = (skipgram, hs, 3, 4, cbow_mean, int(np.diff(offsets).max()), batch_neg)
    shards = np.array([[0, len(offsets) - 1]], dtype=np.int64)
    alphas = np.array([[0.05, 0.01]])
    states = np.array([12345], dtype=np.uint64)

    ref = [a.copy() for a in (syn0, syn1neg, syn1)]
    ref_states = [int(states[0])]
    ref_loss, ref_examples = train_reference(*ref, ids, offsets, shards, tables, settings, alphas, ref_states)

    out_loss, out_counts = np.zeros(1), np.zeros((1, 3), np.int64)
    n_rows = v - 1 if hs else v
    weights = np.zeros(n_rows)
    weights[[0, 1, 2, -3, -2, -1]] = 1.0  # the most frequent words' rows; the nodes next to the Huffman root
    hot_rows = hot_rows_for(weights, hot) if hot else no_hot_rows(n_rows)
    with runtime.threads(1, blas=False):
        kernels.train_shards(syn0, syn1neg, syn1, ids, offsets, shards, tables, hot_rows, settings, alphas, states,
                             out_loss, out_counts)

    assert out_counts[0, 0] == ref_examples > 0
    assert int(states[0]) == ref_states[0]  # the same random draws, in the same order
    np.testing.assert_allclose(syn0, ref[0], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(syn1neg, ref[1], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(syn1, ref[2], rtol=1e-4, atol=1e-6)
    assert out_loss[0] == pytest.approx(ref_loss, rel=1e-4)
    assert out_counts[0, 2] == len(ids)


def test_alias_table_draws_the_unigram_power_distribution():
    counts = np.array([1000, 400, 90, 33, 7, 1, 1, 0])
    prob, alias = alias_table(counts, 0.75)
    weights = counts.astype(float) ** 0.75
    np.testing.assert_allclose(alias_probabilities(prob, alias), weights / weights.sum(), atol=1e-9)


def test_subsampling_keeps_rare_words_and_thins_frequent_ones():
    keep = keep_thresholds(np.array([1_000_000, 1000, 1]), 1e-3) / 2**32
    assert keep[2] == 1.0 and keep[1] == 1.0 and 0 < keep[0] < 0.1
    assert (keep_thresholds(np.array([5, 5]), 0) == 2**32).all()


def test_huffman_codes_are_prefix_free_and_frequent_words_are_short():
    counts = np.array([50, 20, 10, 5, 5, 3, 1])
    codes, points, lengths = huffman_codes(counts)
    paths = {tuple(codes[w, : lengths[w]]) for w in range(len(counts))}
    assert len(paths) == len(counts)
    for a in paths:
        for b in paths:
            assert a == b or a != b[: len(a)]
    assert lengths[0] <= lengths[-1]
    assert points.max() == len(counts) - 2 and (points[:, 0][lengths > 0] == len(counts) - 2).all()  # the root first


def _huffman_cost(counts) -> int:
    """The expected code length (times the total count) of any optimal prefix code: the sum of all merges."""
    import heapq

    heap, cost = [int(c) for c in counts], 0
    heapq.heapify(heap)
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


def test_huffman_tree_is_optimal_and_consistent():
    rng = np.random.default_rng(3)
    for v in (2, 3, 17, 500):
        counts = np.sort(rng.zipf(1.4, v) + 4)[::-1]
        codes, points, lengths = huffman_codes(counts)
        assert int((lengths * counts).sum()) == _huffman_cost(counts)
        node_of = {}  # a code prefix names one inner node, the same on every path through it
        for w in range(v):
            for j in range(lengths[w]):
                assert node_of.setdefault(tuple(codes[w, :j]), points[w, j]) == points[w, j]
        assert sorted(node_of.values()) == list(range(v - 1))  # every inner node once


def test_huffman_ties_are_not_merged_in_id_order():
    """Ids of equal count follow first appearance: id order would make siblings of words first seen
    together. 64 equal counts: few of the 32 sibling pairs are neighbours in id order."""
    codes, points, lengths = huffman_codes(np.full(64, 5))
    last = {}
    for w in range(64):
        last.setdefault(points[w, lengths[w] - 1], []).append(w)
    pairs = [p for p in last.values() if len(p) == 2]
    assert len(pairs) == 32
    assert sum(b - a == 1 for a, b in pairs) < 8
