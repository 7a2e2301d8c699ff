"""The subword kernels against the slow reference: one thread, a fixed seed, the same updates."""

import numpy as np
import pytest

from seqkit import runtime
from seqkit.embed import subword_kernels
from seqkit.embed.hot_rows import hot_rows as hot_rows_for, no_hot_rows
from seqkit.embed.huffman import huffman_codes
from seqkit.embed.sampling import alias_table, keep_thresholds
from seqkit.embed.subwords import SubwordConfig, word_rows
from tests.embed.reference_subwords import train_reference
from tests.embed.test_kernels import tiny_corpus

WORDS = ["the", "a", "film", "movie", "good", "bad", "café", "naïve", "acting", "plot"] + [f"w{k}x" for k in range(20)]


@pytest.mark.parametrize("hot", [0, 6], ids=["shared-rows", "hot-row-copies"])
@pytest.mark.parametrize("skipgram, hs", [(1, 0), (1, 1), (0, 0), (0, 1)], ids=["sg-ns", "sg-hs", "cbow-ns", "cbow-hs"])
def test_subword_kernel_matches_reference(skipgram, hs, hot):
    ids, offsets, counts = tiny_corpus()
    v, dim, buckets = len(counts), 8, 50  # few buckets: n-grams of different words share rows
    rng = np.random.default_rng(1)
    syn0 = ((rng.random((v + buckets, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)
    out = (rng.random((v - 1 if hs else v, dim), dtype=np.float32) * 0.1).astype(np.float32)
    csr = word_rows(WORDS[:v], v, SubwordConfig(2, 4, buckets))
    assert (np.diff(csr[0]) > 3).all()
    codes, points, lengths = huffman_codes(counts)
    prob, alias = alias_table(counts, 0.75)
    tables = (keep_thresholds(counts, 0.05), prob, alias, codes, points, lengths)
    cfg = subword_kernels.SubwordSettings(skipgram, hs, 3, 4, int(np.diff(offsets).max()))
    shards = np.array([[0, len(offsets) - 1]], dtype=np.int64)
    alphas = np.array([[0.05, 0.01]])
    states = np.array([12345], dtype=np.uint64)

    start = syn0.copy()
    ref_syn0, ref_out, ref_states = syn0.copy(), out.copy(), [int(states[0])]
    ref_loss, ref_examples = train_reference(ref_syn0, ref_out, ids, offsets, shards, tables, csr, tuple(cfg),
                                             alphas, ref_states)

    out_loss, out_counts = np.zeros(1), np.zeros((1, 3), np.int64)
    weights = np.zeros(len(out))
    weights[[0, 1, 2, -3, -2, -1]] = 1.0
    hot_rows = hot_rows_for(weights, hot) if hot else no_hot_rows(len(out))
    with runtime.threads(1, blas=False):
        subword_kernels.train_shards((syn0, out), (ids, offsets, shards), tables, csr, hot_rows, cfg, alphas, states,
                                     out_loss, out_counts)

    assert out_counts[0, 0] == ref_examples > 0
    assert int(states[0]) == ref_states[0]  # the same random draws, in the same order
    assert not np.array_equal(syn0[v:], start[v:])  # the n-gram rows were trained
    np.testing.assert_allclose(syn0, ref_syn0, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(out, ref_out, rtol=1e-4, atol=1e-6)
    assert out_loss[0] == pytest.approx(ref_loss, rel=1e-4)
    assert out_counts[0, 2] == len(ids)
