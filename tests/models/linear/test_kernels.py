"""The linear classifier's Numba kernels against the slow reference: one thread, exact match."""

from __future__ import annotations

import numpy as np
import pytest

from seqkit.models.linear import kernels
from seqkit.models.linear.config import LinearConfig
from seqkit.models.linear.model import LOSS_CODES, label_tree
from seqkit.models.linear.train import encode_corpus
from seqkit.models.linear.tokenize import fasttext_hash
from tests.models.linear.reference_linear import feature_rows, predict_reference, train_reference

TEXTS = [
    ("a good film with a great cast", ["pos"]),
    ("bad plot, awful acting and a bad end", ["neg"]),
    ("great, great fun", ["pos", "fun"]),
    ("dull and bad", ["neg"]),
    ("fun film", ["fun"]),
    ("the cast was good but the plot dull", ["neg", "pos"]),
]


def _setup(loss: str, ngrams: int, buckets: int = 37, dim: int = 6, eos: bool = True):
    config = LinearConfig(dim=dim, word_ngrams=ngrams, buckets=buckets, loss=loss)
    c = encode_corpus(TEXTS, config, "test")
    rng = np.random.default_rng(1)
    V = len(c.seen)
    row_of = np.arange(V, dtype=np.int32)
    row_of[::5] = -1  # some words without a row: their n-grams still count
    bucket_row = np.full(buckets, -1, np.int32)
    used = rng.choice(buckets, size=buckets // 2, replace=False)
    bucket_row[used] = np.arange(len(used), dtype=np.int32)
    n_rows = V + len(used) + eos  # "</s>" last
    W = rng.uniform(-0.5, 0.5, (n_rows, dim)).astype(np.float32)
    counts = np.bincount(c.label_ids, minlength=len(c.labels))
    n_out = len(c.labels) - 1 if loss == "hs" else len(c.labels)
    Wo = rng.uniform(-0.5, 0.5, (n_out, dim)).astype(np.float32)
    cfg = kernels.KernelConfig(dim=dim, n_words=V, buckets=buckets, ngrams=ngrams, loss=LOSS_CODES[loss],
                               n_labels=len(c.labels), lr=0.3, total_tokens=float(len(c.ids) * 3), shards=1,
                               eos_row=n_rows - 1 if eos else -1)
    lookup = (row_of, c.hash32.astype(np.int32), bucket_row)
    return c, lookup, label_tree(loss, counts), W, Wo, cfg


@pytest.mark.parametrize("loss", ["softmax", "hs", "ova"])
@pytest.mark.parametrize("ngrams", [1, 3])
@pytest.mark.parametrize("eos", [True, False])
def test_train_chunk_matches_reference_exactly(loss, ngrams, eos):
    c, lookup, tree, W, Wo, cfg = _setup(loss, ngrams, eos=eos)
    Wr, Wor = W.copy(), Wo.copy()
    order = np.array([3, 0, 5, 1, 2, 4, 0, 2], np.int64)
    done = 5.0
    loss_k, seen_k = kernels.train_chunk((c.ids, c.offsets), (c.label_ptr, c.label_ids), lookup, tree, order, (W, Wo), cfg, done)
    loss_r, seen_r = train_reference((c.ids, c.offsets), (c.label_ptr, c.label_ids), lookup, tree, order, Wr, Wor, cfg, done)
    assert seen_k == seen_r
    assert np.array_equal(W, Wr), np.abs(W - Wr).max()
    assert np.array_equal(Wo, Wor), np.abs(Wo - Wor).max()
    assert loss_k == pytest.approx(loss_r, rel=1e-12)
    assert not np.array_equal(Wo, _setup(loss, ngrams, eos=eos)[4])  # something was trained
    assert not eos or not np.array_equal(W[-1], _setup(loss, ngrams)[3][-1])  # "</s>" is trained


@pytest.mark.parametrize("loss", ["softmax", "hs", "ova"])
def test_predict_matches_reference(loss):
    c, lookup, tree, W, Wo, cfg = _setup(loss, 2)
    P = kernels.predict_probs((c.ids, c.offsets), lookup, tree, (W, Wo), cfg._replace(shards=2))
    R = predict_reference((c.ids, c.offsets), lookup, tree, W, Wo, cfg)
    np.testing.assert_allclose(P, R, rtol=1e-12, atol=0)
    if loss != "ova":  # softmax and the Huffman tree's leaves each make a distribution
        np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-9)


@pytest.mark.parametrize("eos", [True, False])
def test_feature_rows_hash_ngrams_as_fasttext(eos):
    """The kernel's rows for a text equal the reference's uint64 hashing; bigram buckets follow the word
    hashes (fastText: h = h * 116049371 + hash(next word), sign-extended int32 hashes), "</s>" ending
    every text as fastText's end-of-line word."""
    c, lookup, tree, W, Wo, cfg = _setup("softmax", 3, buckets=1_000_003, eos=eos)
    lookup = (lookup[0], lookup[1], np.arange(1_000_003, dtype=np.int32))
    for t in range(len(c.offsets) - 1):
        a, b = c.offsets[t], c.offsets[t + 1]
        want = feature_rows(c.ids[a:b], *lookup, cfg.n_words, cfg.buckets, cfg.ngrams, cfg.eos_row)
        got = kernels.feature_rows_of(c.ids, a, b, lookup, cfg).tolist()
        assert got == want
        words = int(np.sum(lookup[0][c.ids[a:b]] >= 0))
        assert len(got) == words + eos + sum(min(2, b - a + eos - 1 - i) for i in range(b - a + eos))
        assert (cfg.eos_row in got) == eos
    assert kernels.EOS_HASH == fasttext_hash("</s>")
    used = kernels.used_buckets(c.ids, c.offsets, lookup[1], cfg.buckets, cfg.ngrams, eos)
    ngram_rows = {r - cfg.n_words for t in range(len(c.offsets) - 1)
                  for r in kernels.feature_rows_of(c.ids, c.offsets[t], c.offsets[t + 1], lookup, cfg)
                  if r >= cfg.n_words and r != cfg.eos_row}
    assert set(np.flatnonzero(used).tolist()) == ngram_rows
    # fastText's hash of a known bigram, worked by hand from its definition
    h_a, h_b = -1, 7  # int32 word hashes
    h = ((h_a & ((1 << 64) - 1)) * 116049371 + h_b) & ((1 << 64) - 1)
    assert h % 1_000_003 == feature_rows([0, 1], np.full(2, -1), np.array([h_a, h_b]), np.arange(1_000_003), 0, 1_000_003, 2)[0]


@pytest.mark.parametrize("where", ["linear tokenizer", "preprocess batch", "sparse vocabulary"])
def test_a_ctrl_c_during_a_kernel_that_returns_arrays_comes_after_it(where, monkeypatch):
    """A KeyboardInterrupt raised while numba boxes a kernel's tuple of arrays crashed the run (SIGSEGV in 1-3
    of 40 interrupted `train-classifier --arch linear --deterministic` runs, in the tokenizer's scan): such
    calls hold a Ctrl-C (fileio.held_call) and it arrives once they return."""
    import signal

    from seqkit.models.linear.tokenize import TextEncoder
    from seqkit.models.sparse import kernels as sparse_kernels
    from seqkit.models.sparse.config import FeatureConfig
    from seqkit.models.sparse.features import fit_counts
    from seqkit.text import scan_kernels
    from seqkit.text.fast_encode import encode_batch_fast, scan_config
    from seqkit.text.normalize import NormalizeOptions, Normalizer

    options = NormalizeOptions()
    module, name, call = {
        "linear tokenizer": (kernels, "scan_tokens", lambda: TextEncoder(options).encode(["a good film"])),
        "preprocess batch": (scan_kernels, "scan_batch",
                             lambda: encode_batch_fast(["a good film"], scan_config(options), Normalizer(options).tokenize)),
        "sparse vocabulary": (sparse_kernels, "table_of",
                              lambda: fit_counts(["a film", "a play"], FeatureConfig(), "texts")[0].table()),
    }[where]
    real, reached = getattr(module, name), []

    def raising(*args):
        signal.raise_signal(signal.SIGINT)  # the Ctrl-C lands inside the call
        reached.append("after the signal")  # not interrupted here
        return real(*args)

    monkeypatch.setattr(module, name, raising)
    with pytest.raises(KeyboardInterrupt):
        call()
    assert reached == ["after the signal"]
