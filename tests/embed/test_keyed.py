"""Queries on keyed vectors, checked against gensim's KeyedVectors on the same vectors."""

import numpy as np
import pytest

from seqkit.embed.keyed import KeyedVectors
from seqkit.errors import UnknownWordError


@pytest.fixture(scope="module")
def pair():
    from gensim.models import KeyedVectors as GensimKV

    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(300)]
    vecs = rng.standard_normal((300, 16)).astype(np.float32)
    g = GensimKV(16)
    g.add_vectors(words, vecs)
    return KeyedVectors(words, vecs), g


def _same(ours, theirs):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    assert np.allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)


@pytest.mark.parametrize("pos, neg", [(["w1"], []), (["w1", "w2"], []), (["w5", "w7"], ["w9"]), ([], ["w4"]),
                                      (["w3"], ["w8", "w11"])])
def test_most_similar_as_gensim(pair, pos, neg):
    ours, g = pair
    _same(ours.most_similar(pos, neg, topn=7), g.most_similar(positive=pos, negative=neg, topn=7))


def test_restrict_vocab_as_gensim(pair):
    ours, g = pair
    _same(ours.most_similar(["w250"], topn=5, restrict_vocab=50),
          g.most_similar(positive=["w250"], topn=5, restrict_vocab=50))
    assert all(int(w[1:]) < 50 for w, _ in ours.most_similar(["w250"], topn=20, restrict_vocab=50))


@pytest.mark.filterwarnings("ignore:Call to deprecated `init_sims`")  # gensim's most_similar_cosmul calls it itself
def test_analogy_add_and_mul_as_gensim(pair):
    ours, g = pair
    _same(ours.analogy("w1", "w2", "w3", topn=5), g.most_similar(positive=["w2", "w3"], negative=["w1"], topn=5))
    _same(ours.analogy("w1", "w2", "w3", topn=5, method="mul"),
          g.most_similar_cosmul(positive=["w2", "w3"], negative=["w1"], topn=5))


def test_planted_analogy_is_solved():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((4, 32)).astype(np.float32)
    gender = rng.standard_normal(32).astype(np.float32)
    words = ["man", "king", "woman", "queen", "other1", "other2"]
    vecs = np.stack([base[0], base[1], base[0] + gender, base[1] + gender, base[2], base[3]])
    kv = KeyedVectors(words, vecs)
    assert kv.analogy("man", "king", "woman")[0][0] == "queen"
    assert kv.analogy("man", "king", "woman", method="mul")[0][0] == "queen"


def test_query_words_are_left_out_and_unit_is_computed_once(pair):
    ours, _ = pair
    assert "w1" not in [w for w, _ in ours.most_similar(["w1"], topn=299)]
    assert len(ours.most_similar(["w1"], topn=1000)) == 299
    assert ours.unit is ours.unit
    assert np.allclose(np.linalg.norm(ours.unit, axis=1), 1, atol=1e-5)


def test_zero_vector_stays_zero_and_unknown_word_named():
    kv = KeyedVectors(["a", "b"], np.array([[0, 0], [1, 0]], np.float32))
    assert kv.unit[0].tolist() == [0, 0]
    with pytest.raises(UnknownWordError, match="'zebra' is not in the vocabulary"):
        kv.most_similar(["zebra"])


@pytest.mark.parametrize("n", [1, 5, 31, 33, 100, 5000])
@pytest.mark.parametrize("k", [1, 3, 11, 200])
def test_top_k_is_a_full_sort_by_score_then_index(n, k):
    """top_k bounds the winners by a strided sample; the answer must be that of sorting everything."""
    from seqkit.embed.vectors import top_k

    rng = np.random.default_rng(n * 1000 + k)
    scores = rng.standard_normal(n).astype(np.float32)
    scores[rng.integers(0, n, n // 3)] = 0.25  # ties, broken by index
    scores[: min(n, 40)] = np.sort(scores[: min(n, 40)])  # the sample's rows among the smallest: the bound still holds
    expected = sorted(range(n), key=lambda i: (-scores[i], i))[:k]
    assert top_k(scores, k).tolist() == expected


def test_split_rows_scores_as_one_product():
    """The server scores a large matrix in two halves on two threads: the same cosines and neighbours."""
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((3 * 4096 + 17, 24)).astype(np.float32)
    words = [f"w{i}" for i in range(len(vectors))]
    one, split = KeyedVectors(words, vectors), KeyedVectors(words, vectors, split_rows=True)
    for q in (rng.standard_normal(24).astype(np.float32), rng.standard_normal((3, 24)).astype(np.float32)):
        np.testing.assert_allclose(split.cosines(q), one.cosines(q), rtol=1e-6, atol=1e-7)
    assert [w for w, _ in split.most_similar(["w3", "w9"], ["w4"], 20)] == [w for w, _ in one.most_similar(["w3", "w9"], ["w4"], 20)]
