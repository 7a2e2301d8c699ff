"""The NumPy prediction path (a few texts, no Numba) against the Numba kernel it stands in for."""

from __future__ import annotations

import numpy as np
import pytest

from seqkit.models.linear import predict_numpy
from seqkit.models.linear.tokenize import TextEncoder
from seqkit.text.normalize import NormalizeOptions
from tests.models.linear.test_model import TRICKY, _fit, _sentiment

TEXTS = TRICKY + ["good film", "the awful plot was dull, it was!", "unseen words only", "good", "x " * 300]


@pytest.mark.parametrize("kw", [
    dict(word_ngrams=1),
    dict(word_ngrams=2, buckets=50),
    dict(word_ngrams=3, buckets=50, loss="hs"),
    dict(word_ngrams=2, buckets=50, loss="ova", eos=False),
    dict(word_ngrams=3, buckets=7, normalize=NormalizeOptions(punct="keep", numbers="token")),
])
def test_numpy_path_equals_the_kernel(kw):
    m = _fit(_sentiment(100, 0), **kw)
    want = m.predict_kernel(TEXTS, threads=1)
    got = predict_numpy.NumpyPredictor(m).predict_proba(TEXTS)
    assert got.shape == want.shape == (len(TEXTS), len(m.labels))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert predict_numpy.is_small(TEXTS)
    np.testing.assert_array_equal(m.predict_proba(TEXTS), got)  # what predict_proba gives for a few texts


def test_feature_rows_equal_the_kernel_rows():
    """Rows in the kernel's order, unknown words' hashes included: the float32 sum is then bit-identical."""
    from seqkit.models.linear import kernels

    m = _fit(_sentiment(100, 0), word_ngrams=3, buckets=50)
    p = predict_numpy.NumpyPredictor(m)
    e = TextEncoder(m.config.normalize, m.word_keys).encode(TEXTS)
    V = len(m.words)
    lookup = (np.concatenate([np.arange(V, dtype=np.int32), np.full(len(e.new_words), -1, np.int32)]),
              np.concatenate([m.word_hash32, e.new_hash32]).astype(np.int32), m.bucket_row())
    cfg = m.kernel_config(1)
    for t, text in enumerate(TEXTS):
        want = kernels.feature_rows_of(e.ids, e.offsets[t], e.offsets[t + 1], lookup, cfg)
        np.testing.assert_array_equal(p.feature_rows(text), want)


def test_many_or_long_texts_go_to_the_kernel(monkeypatch):
    m = _fit(_sentiment(100, 0), word_ngrams=2, buckets=50)
    assert not predict_numpy.is_small(["x" * (predict_numpy.SMALL_CHARS + 1)])
    called = []
    monkeypatch.setattr(type(m), "predict_kernel", lambda self, texts, threads=None: called.append(len(texts)))
    m.predict_proba(["good film"] * (predict_numpy.SMALL_CHARS // 9 + 1))
    m.predict_proba(["good film"])
    assert called == [predict_numpy.SMALL_CHARS // 9 + 1]


def test_text_vectors_are_bit_identical_to_the_slow_reference():
    """The float32 mean adds the rows in order, as the kernel (and reference_linear.text_vector) does."""
    from tests.models.linear.reference_linear import text_vector

    m = _fit(_sentiment(100, 0), word_ngrams=3, buckets=50)
    p = predict_numpy.NumpyPredictor(m)
    H = p.hidden(TEXTS)
    for t, text in enumerate(TEXTS):
        rows = p.feature_rows(text)
        want = text_vector(m.input, rows) if len(rows) else np.zeros(m.input.shape[1], np.float32)
        np.testing.assert_array_equal(H[t], want)
