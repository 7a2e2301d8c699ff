"""The trainer records its curve in the model file, and the kernel's compilation is neither counted as
training time nor silent."""

import time

import numpy as np
import pytest

from seqkit.embed import kernels
from seqkit.embed.trainer import HISTORY_POINTS, Word2VecConfig, Word2VecModel, train
from tests.embed.conftest import planted_corpus


def small(**kw):
    base = dict(dim=16, window=2, epochs=1, min_count=1, sample=0, threads=1, seed=3, alpha=0.05, chunk_words=1000)
    return Word2VecConfig(**{**base, **kw})


def test_one_epoch_records_a_curve_that_is_saved_and_loaded(planted, tmp_path):
    m = train(planted, small())
    h = m.config["history"]
    n_calls = -(-planted.n_tokens // 1000)  # about one shard per 1,000 words, one thread
    assert len(h) >= min(n_calls, HISTORY_POINTS) - 2 and len(h) > 3
    words = [p["words"] for p in h]
    assert words == sorted(words) and words[-1] == planted.n_tokens
    assert h[-1]["epoch"] == pytest.approx(1.0)
    alphas = [p["alpha"] for p in h]
    assert alphas == sorted(alphas, reverse=True)
    assert h[-1]["mean_loss"] == pytest.approx(m.config["mean_loss"])
    assert all(p["loss"] > 0 and p["words_per_s"] > 0 for p in h)
    m.save(tmp_path / "m.w2v")
    assert Word2VecModel.load(tmp_path / "m.w2v").config["history"] == h


def test_history_is_thinned_to_a_few_hundred_points_and_keeps_every_epoch_end():
    corpus = planted_corpus(docs=3000)
    m = train(corpus, small(epochs=3, chunk_words=50))
    h = m.config["history"]
    assert len(h) <= HISTORY_POINTS + 3
    ends = [p["epoch"] for p in h if abs(p["epoch"] - round(p["epoch"])) < 1e-9 and p["epoch"] >= 1]
    assert ends == [1.0, 2.0, 3.0]


def test_compilation_is_announced_and_not_counted_as_training(planted, monkeypatch):
    """A slow first kernel call (as a compilation is) must neither lower words/s nor go unsaid."""
    real = kernels.train_shards
    delay = 1.5

    def slow_first_call(*args):
        if args[5].shape[0] == 0:  # the warm-up call on no shards: where numba compiles
            time.sleep(delay)
        return real(*args)

    monkeypatch.setattr(kernels, "train_shards", slow_first_call)
    monkeypatch.setattr(kernels, "is_ready", lambda settings: False)
    monkeypatch.setattr(kernels, "is_cached", lambda settings: False)
    seen = []
    m = train(planted, small(chunk_words=100_000), on_progress=seen.append)
    assert seen[0].stage == "compiling the skip-gram kernel, first run only" and seen[0].words_done == 0
    assert all(p.stage == "training" for p in seen[1:])
    assert m.config["train_seconds"] < delay
    assert all(p["seconds"] < delay for p in m.config["history"])


def test_the_warm_up_call_trains_nothing(planted, monkeypatch):
    with_warm_up = train(planted, small(epochs=1))
    real = kernels.train_shards
    monkeypatch.setattr(kernels, "train_shards", lambda *a: None if a[5].shape[0] == 0 else real(*a))
    without = train(planted, small(epochs=1))
    assert np.array_equal(with_warm_up.vectors, without.vectors)
    assert np.array_equal(with_warm_up.syn1neg, without.syn1neg)
