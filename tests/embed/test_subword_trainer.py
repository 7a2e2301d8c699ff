"""Subword training end to end on a planted corpus: words never seen land near their kind."""

import numpy as np
import pytest

from seqkit.embed.keyed import KeyedVectors
from seqkit.embed.subword_trainer import _initial_rows, initial_input, train_subwords
from seqkit.embed.subwords import NgramVectors, SubwordConfig, trained_buckets, word_rows
from seqkit.embed.trainer import Word2VecConfig, init_weights
from tests.embed.conftest import planted_corpus


def test_initial_rows_equal_word2vec_init_whatever_the_chunks():
    full = init_weights(300, 16, 7)  # (V + buckets, d) with V = 40
    np.testing.assert_array_equal(np.concatenate([b for _, b in _initial_rows(300, 16, 7, chunk=37)]), full)
    used = np.array([0, 5, 100, 259])
    np.testing.assert_array_equal(initial_input(40, used, 260, 16, 7), full[np.r_[0:40, 40 + used]])


def test_full_ngram_matrix_is_initial_rows_plus_trained_ones():
    corpus = planted_corpus(docs=200)
    m = train_subwords(corpus, Word2VecConfig(dim=8, min_count=1, epochs=1, threads=1), SubwordConfig(3, 4, 5000))
    v = len(m.vocab)
    full = np.concatenate(list(m.ngram_chunks(chunk=999)))  # chunks cut across the word rows
    start = init_weights(v + 5000, 8, m.seed)[v:]
    untouched = np.setdiff1d(np.arange(5000), m.used)
    np.testing.assert_array_equal(full[untouched], start[untouched])
    np.testing.assert_array_equal(full[m.used], m.input[v:])
    assert not np.array_equal(full[m.used], start[m.used])  # those were trained
    offsets, rows = word_rows(list(m.vocab.words), v, m.subwords)  # word vectors over the full layout
    whole = np.concatenate([m.input[:v], full])
    np.testing.assert_allclose(m.vectors, [whole[rows[a:b]].mean(axis=0) for a, b in zip(offsets[:-1], offsets[1:])],
                               rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("model, loss", [("skipgram", "ns"), ("cbow", "ns"), ("skipgram", "hs"), ("cbow", "hs")])
def test_unseen_topic_word_is_near_its_topic(model, loss):
    corpus = planted_corpus(docs=1500)
    sub = SubwordConfig(3, 6, 20_000)
    cfg = Word2VecConfig(model=model, loss=loss, dim=24, window=4, min_count=1, epochs=4, threads=1, seed=3, sample=0)
    m = train_subwords(corpus, cfg, sub)
    words = list(m.vocab.words)
    offsets, rows = word_rows(words, len(words), sub)
    v = len(words)
    kv = KeyedVectors(words, m.vectors, ngrams=NgramVectors(sub, m.ngram_matrix(), trained_buckets(offsets, rows, v, sub.buckets)))
    hits = 0
    for topic in range(8):
        unseen = f"topic{topic}_9"  # topics have words _0.._3 only
        assert kv.is_oov(unseen)
        near = [w for w, _ in kv.most_similar([unseen], topn=4)]
        hits += sum(w.startswith(f"topic{topic}_") for w in near)
    assert hits >= 16, hits  # half the neighbours from its own topic (by chance: about 2 of 32)
