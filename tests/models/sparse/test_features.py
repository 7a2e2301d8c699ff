"""Featurizing against slow references: n-gram keys, the vocabulary with --min-df/--max-df/--max-features,
the count matrix, and tf-idf weighting against scikit-learn's TfidfTransformer on the same counts."""

from __future__ import annotations

import numpy as np
import pytest

from seqkit.errors import InputError, OptionError
from seqkit.models.sparse import kernels
from seqkit.models.sparse.config import FeatureConfig
from seqkit.models.sparse.features import Featurizer, counts, fit_counts, weigh
from seqkit.text.normalize import Normalizer
from tests.models.sparse import reference_sparse as ref

TEXTS = [
    "The film was good, the film was GOOD!",
    "a bad film <br /> really bad... don't watch",
    "",
    "café «ok» 3.14 good good good",
    "it was a film",
    "tab\there, newline\ninside",
]


@pytest.mark.parametrize("ngrams", [1, 2, 3])
def test_gram_keys_match_the_reference(ngrams):
    f = Featurizer(FeatureConfig(word_ngrams=ngrams))
    tokenize = Normalizer().tokenize
    (keys, offsets), = list(f.gram_keys(TEXTS))
    for t, text in enumerate(TEXTS):
        want = [k for k, _ in ref.gram_keys(tokenize(text.replace("\n", " ")), ngrams)]
        assert keys[offsets[t]: offsets[t + 1]].tolist() == want


def _as_dicts(X, vocab, texts, ngrams):
    """Rows of X as {n-gram: value}, n-grams named through the reference's keys."""
    tokenize = Normalizer().tokenize
    names = {k: g for t in texts for k, g in ref.gram_keys(tokenize(t.replace("\n", " ")), ngrams)}
    out = []
    for t in range(X.n_rows):
        lo, hi = X.indptr[t], X.indptr[t + 1]
        out.append({names[int(vocab.keys[c])]: v for c, v in zip(X.indices[lo:hi], X.data[lo:hi])})
    return out


@pytest.mark.parametrize("ngrams", [1, 2])
def test_counts_match_the_reference_across_chunks(ngrams, monkeypatch):
    from seqkit.models.sparse import features

    monkeypatch.setattr(features, "CHUNK", 2)  # several chunks: the vocabulary grows between calls
    vocab, X = fit_counts(TEXTS * 3, FeatureConfig(word_ngrams=ngrams), "t")
    want = ref.doc_counts(TEXTS * 3, ngrams)
    assert _as_dicts(X, vocab, TEXTS, ngrams) == [dict(c) for c in want]
    assert len(vocab.keys) == len({g for c in want for g in c}) == X.n_cols
    assert all(np.all(np.diff(X.indices[X.indptr[t]: X.indptr[t + 1]]) > 0) for t in range(X.n_rows))


def test_min_df_max_df_and_max_features():
    texts = ["a b c", "a b", "a d", "a b e"]
    vocab, X = fit_counts(texts, FeatureConfig(min_df=2), "t")
    assert sorted(ref.signed(ref.word_key(w)) for w in "ab") == sorted(vocab.keys.tolist())
    vocab, X = fit_counts(texts, FeatureConfig(max_df=0.9), "t")  # "a" is in every text
    assert ref.signed(ref.word_key("a")) not in vocab.keys.tolist() and len(vocab.keys) == 4
    vocab, X = fit_counts(texts, FeatureConfig(max_features=2), "t")
    assert sorted(vocab.keys.tolist()) == sorted(ref.signed(ref.word_key(w)) for w in "ab")
    assert X.n_cols == 2 and X.data.sum() == 7
    with pytest.raises(InputError, match="--min-df=9"):
        fit_counts(texts, FeatureConfig(min_df=9), "t")
    with pytest.raises(OptionError, match="--max-df"):
        FeatureConfig(max_df=0.0)


def test_counts_of_new_texts_drop_unknown_ngrams():
    config = FeatureConfig(word_ngrams=2)
    vocab, _ = fit_counts(TEXTS, config, "t")
    new = ["the film was new", "nothing known here", ""]
    got = _as_dicts(counts(new, vocab, config), vocab, TEXTS, 2)
    known = {g for c in ref.doc_counts(TEXTS, 2) for g in c}
    assert got == [{g: n for g, n in c.items() if g in known} for c in ref.doc_counts(new, 2)]


@pytest.mark.parametrize("tf", ["raw", "sublinear", "binary"])
def test_weighting_matches_scikit_learn(tf):
    from sklearn.feature_extraction.text import TfidfTransformer

    config = FeatureConfig(word_ngrams=2, tf=tf)
    vocab, X = fit_counts(TEXTS * 2, config, "t")
    C = X.scipy().copy()
    if tf == "binary":
        C.data[:] = 1.0
    want = TfidfTransformer(sublinear_tf=tf == "sublinear").fit_transform(C).toarray()
    assert np.allclose(weigh(X, vocab, config).scipy().toarray(), want, atol=1e-12)


def test_lookup_and_tables_against_a_dict():
    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(-2**63, 2**63 - 1, 3000, dtype=np.int64))
    rng.shuffle(keys)
    queries = np.concatenate([keys[::3], rng.integers(-2**63, 2**63 - 1, 500, dtype=np.int64)])
    where = {int(k): i for i, k in enumerate(keys)}
    assert kernels.lookup_columns(queries, kernels.table_of(keys)).tolist() == [where.get(int(q), -1) for q in queries]
    ids = np.empty(len(queries), np.int64)
    (slots, bits), n = kernels.add_keys(queries, kernels.new_table(4), 0, ids)  # grows from 16 slots
    first = {}
    assert ids.tolist() == [first.setdefault(int(q), len(first)) for q in queries] and n == len(first)


def test_a_ctrl_c_during_the_featurizer_kernels_comes_after_them(monkeypatch):
    """A KeyboardInterrupt raised while numba boxes a kernel's arrays crashed the run (SIGSEGV in 3-6 of 80
    interrupted `train-classifier --arch sparse` runs): a Ctrl-C during the featurizer's kernel calls is
    delivered once they have returned."""
    import signal

    from seqkit.models.sparse import features, kernels
    from seqkit.models.sparse.config import FeatureConfig

    real, reached = kernels.add_keys, []

    def add_keys(*args):
        signal.raise_signal(signal.SIGINT)  # the Ctrl-C lands inside the call
        reached.append("after the signal")  # not interrupted here
        return real(*args)

    monkeypatch.setattr(kernels, "add_keys", add_keys)
    with pytest.raises(KeyboardInterrupt):
        features.fit_counts(["a good film", "a bad film"], FeatureConfig(word_ngrams=2), "test texts")
    assert reached == ["after the signal"]
