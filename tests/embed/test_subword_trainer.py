"""Subword training end to end on a planted corpus: words never seen land near their kind."""

import numpy as np
import pytest

from seqkit.embed.keyed import KeyedVectors
from seqkit.embed.subword_trainer import _init_rows, train_subwords
from seqkit.embed.subwords import NgramVectors, SubwordConfig, trained_buckets, word_rows
from seqkit.embed.trainer import Word2VecConfig, init_weights
from tests.embed.conftest import planted_corpus


def test_in_place_init_equals_word2vec_init():
    np.testing.assert_array_equal(_init_rows(300, 16, 7), init_weights(300, 16, 7))


@pytest.mark.parametrize("model, loss", [("skipgram", "ns"), ("cbow", "ns"), ("skipgram", "hs"), ("cbow", "hs")])
def test_unseen_topic_word_is_near_its_topic(model, loss):
    corpus = planted_corpus(docs=1500)
    sub = SubwordConfig(3, 6, 20_000)
    cfg = Word2VecConfig(model=model, loss=loss, dim=24, window=4, min_count=1, epochs=4, threads=1, seed=3, sample=0)
    m = train_subwords(corpus, cfg, sub)
    words = list(m.vocab.words)
    offsets, rows = word_rows(words, len(words), sub)
    v = len(words)
    kv = KeyedVectors(words, m.vectors, ngrams=NgramVectors(sub, m.input[v:], trained_buckets(offsets, rows, v, sub.buckets)))
    hits = 0
    for topic in range(8):
        unseen = f"topic{topic}_9"  # topics have words _0.._3 only
        assert kv.is_oov(unseen)
        near = [w for w, _ in kv.most_similar([unseen], topn=4)]
        hits += sum(w.startswith(f"topic{topic}_") for w in near)
    assert hits >= 16, hits  # half the neighbours from its own topic (by chance: about 2 of 32)
