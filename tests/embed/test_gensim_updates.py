"""seqkit's hierarchical-softmax training makes gensim's updates, checked by gensim itself.

Both train one thread on the same corpus from the same start: the same vocabulary order, initial
vectors and Huffman tree (set into gensim's vocabulary), window 1 (no random shrinking), no
subsampling and a constant learning rate, so nothing random is left. What remains differs by
design only: seqkit's sigmoid is exact where gensim reads a 1,000-entry table. The vectors must
then move alike: the change from the start agrees to cosine 0.995 on average (0.98 for the word
that trained least); summing CBOW's context where gensim averages it gives 0.988 and 0.91."""

import logging

import numpy as np
import pytest

from seqkit.embed import trainer
from seqkit.embed.huffman import huffman_codes
from tests.embed.conftest import planted_corpus


def _both(model: str, cbow_mean: int = 1):
    corpus = planted_corpus(docs=400, seed=5)
    words, counts = corpus.vocab.words, corpus.vocab.counts
    cfg = trainer.Word2VecConfig(model=model, loss="hs", dim=16, window=1, sample=0.0, min_count=1, epochs=1,
                                 alpha=0.025, min_alpha=0.025, seed=3, threads=1, cbow_mean=cbow_mean)
    ours = trainer.train(corpus, cfg)

    from gensim.models import Word2Vec

    logging.getLogger("gensim").setLevel(logging.ERROR)
    g = Word2Vec(vector_size=16, window=1, min_count=1, sample=0, hs=1, negative=0, sg=int(model == "skipgram"),
                 cbow_mean=1, alpha=0.025, min_alpha=0.025, workers=1, epochs=1, seed=3)
    g.build_vocab_from_freq(dict(reversed(list(zip(words, counts.tolist())))))  # gensim reverses ties: our order
    assert g.wv.index_to_key == list(words)
    codes, points, lengths = huffman_codes(counts)
    for k in range(len(words)):
        g.wv.set_vecattr(k, "code", codes[k, : lengths[k]].astype(np.uint8))
        g.wv.set_vecattr(k, "point", points[k, : lengths[k]].astype(np.uint32))
    g.wv.vectors[:] = trainer.init_weights(len(words), 16, 3)
    text = [[words[i] for i in doc] for doc in corpus.documents()]
    g.train(text, total_examples=len(text), epochs=1)
    return ours.vectors, g.wv.vectors, trainer.init_weights(len(words), 16, 3)


def _cosines(a, b):
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.mark.parametrize("model", ["cbow", "skipgram"])
def test_hierarchical_softmax_updates_equal_gensims(model):
    ours, theirs, start = _both(model)
    moved = np.linalg.norm(ours - start, axis=1)
    assert np.median(moved) > 0.5 * np.linalg.norm(start, axis=1).mean()  # trained well away from the start
    change = _cosines(ours - start, theirs - start)  # the same change, not only the same start
    assert change.mean() > 0.995 and change.min() > 0.98


def test_a_different_update_rule_is_caught():
    ours, theirs, start = _both("cbow", cbow_mean=0)  # seqkit sums the context where gensim averages it
    change = _cosines(ours - start, theirs - start)
    assert change.mean() < 0.995 and change.min() < 0.98
