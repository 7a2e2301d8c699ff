"""--deterministic linear classifier: the round kernel against the slow reference of the schedule (exactly),
and the same predicted probabilities on any number of threads."""

from __future__ import annotations

import numpy as np
import pytest

from seqkit import runtime
from seqkit.embed.deterministic import ROUND_CHUNKS
from seqkit.models.linear import deterministic
from seqkit.models.linear.config import LinearConfig
from seqkit.models.linear.deterministic import TEXTS_PER_CHUNK, LinearRounds
from seqkit.models.linear.train import encode_corpus, fit_linear
from tests.embed.reference_deterministic import train_rounds
from tests.models.linear.reference_linear import train_reference
from tests.models.linear.test_kernels import _setup


@pytest.mark.parametrize("listed", [True, False])  # every text's rows listed once, or hashed in each round
@pytest.mark.parametrize("threads", [1, 2, 4])
@pytest.mark.parametrize("loss, ngrams", [("softmax", 1), ("hs", 3), ("ova", 2)])
def test_rounds_match_reference_exactly(loss, ngrams, threads, listed, monkeypatch):
    if not listed:
        monkeypatch.setattr(deterministic, "MAX_LISTED_BYTES", 0)
    c, lookup, tree, W, Wo, cfg = _setup(loss, ngrams)
    Wr, Wor = W.copy(), Wo.copy()
    order = np.array([3, 0, 5, 1, 2, 4, 0, 2, 5, 1, 3], np.int64)
    texts, labels = (c.ids, c.offsets), (c.label_ptr, c.label_ids)
    rounds = LinearRounds((W, Wo), np.diff(c.offsets), cfg, threads, texts_per_chunk=2)
    assert (rounds.listed is None) == listed  # None: listed at the first epoch
    with runtime.threads(2, blas=False):
        steps = list(rounds.epoch(texts, labels, lookup, tree, order, 5.0))
    assert len(steps) == -(-6 // ROUND_CHUNKS) and steps[-1][0] == len(order)  # 6 chunks of 2 texts, in rounds

    words = np.concatenate([[0], np.cumsum(np.diff(c.offsets)[order])])

    def chunk(copies, k):
        part = order[2 * k : 2 * k + 2]
        train_reference(texts, labels, lookup, tree, part, copies[0], copies[1], cfg, 5.0 + float(words[2 * k]))

    train_rounds([Wr, Wor], 6, ROUND_CHUNKS, chunk)
    assert np.array_equal(W, Wr), np.abs(W - Wr).max()
    assert np.array_equal(Wo, Wor), np.abs(Wo - Wor).max()
    assert sum(s[2] for s in steps) == words[-1]


def _labelled(n=600, seed=0):
    rng = np.random.default_rng(seed)
    good, bad, filler = ["good", "great", "fun"], ["bad", "dull", "awful"], [f"w{k}" for k in range(40)]
    pairs = []
    for _ in range(n):
        y = int(rng.integers(2))
        words = list(rng.choice(filler, 8)) + list(rng.choice(good if y else bad, 2))
        pairs.append((" ".join(words), ["pos" if y else "neg"]))
    return pairs


def _probabilities(pairs, threads, deterministic=True):
    config = LinearConfig(dim=8, word_ngrams=2, buckets=1000, epochs=3, threads=threads, seed=4,
                          deterministic=deterministic)
    with runtime.threads(threads, blas=False):
        model = fit_linear(encode_corpus(pairs, config, "test"), config)
        return model.predict_proba([text for text, _ in pairs[:100]])


def test_same_probabilities_on_any_thread_count():
    pairs = _labelled(1200)
    assert len(pairs) > ROUND_CHUNKS * TEXTS_PER_CHUNK  # a full round of two chunks, then a shorter one
    first = _probabilities(pairs, 2)
    assert ((first[:, 1] > 0.5) == np.array([y == ["pos"] for _, y in pairs[:100]])).mean() > 0.9  # it learned
    for threads in (2, 2, 2, 2, 1, 4):
        assert np.array_equal(_probabilities(pairs, threads), first)


@pytest.mark.parametrize("deterministic", [True, False])
def test_warm_up_compiles_and_trains_nothing(deterministic, monkeypatch):
    """The kernels are compiled before the first epoch's clock starts (training time leaves compilation
    out) on no texts: the weights stay as they were, and the user is told what the wait is."""
    from seqkit.fast import shards
    from seqkit.models.linear import kernels
    from seqkit.models.linear import train as linear_train

    c, lookup, tree, W, Wo, cfg = _setup("hs", 2)
    before = W.copy(), Wo.copy()
    rounds = LinearRounds((W, Wo), np.diff(c.offsets), cfg, 2, texts_per_chunk=2) if deterministic else None
    said = []
    monkeypatch.setattr(shards, "compiled", lambda kernel: False)  # as in a fresh process
    monkeypatch.setattr(shards, "cached", lambda kernel: False)  # and an empty numba cache
    texts, labels = (c.ids, c.offsets), (c.label_ptr, c.label_ids)
    seconds = linear_train._warm_up(kernels, rounds, texts, labels, lookup, tree, (W, Wo), cfg, said.append)
    monkeypatch.undo()
    assert said == ["compiling the linear classifier's kernels, first run only"] and seconds > 0
    assert np.array_equal(W, before[0]) and np.array_equal(Wo, before[1])
    used = rounds.kernels() if deterministic else (kernels.train_chunk,)
    assert all(shards.compiled(k) for k in used)
    signatures = [len(k.signatures) for k in used]
    order = np.random.default_rng(0).permutation(len(c.offsets) - 1)
    if deterministic:  # an epoch then compiles nothing more: the warm-up gave every kernel the epoch's types
        list(rounds.epoch(texts, labels, lookup, tree, order, 0.0))
    else:
        kernels.train_chunk(texts, labels, lookup, tree, order, (W, Wo), cfg, 0.0)
    assert [len(k.signatures) for k in used] == signatures
