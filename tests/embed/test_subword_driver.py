"""The subword trainer runs on the word2vec driver: it records its curve, its kernel's compilation is
neither counted as training nor silent, and a sharded corpus streams through it shard by shard."""

import time

import numpy as np
import pytest

from seqkit.embed import subword_kernels
from seqkit.embed.subword_trainer import train_subwords
from seqkit.embed.subwords import SubwordConfig
from seqkit.embed.trainer import Word2VecConfig
from tests.embed.test_trainer import _on_disk, _sharded

SUB = SubwordConfig(3, 4, 5000)


def small(**kw):
    base = dict(dim=8, window=2, epochs=1, min_count=1, sample=0, threads=1, seed=3, alpha=0.05, chunk_words=1000)
    return Word2VecConfig(**{**base, **kw})


def test_records_a_curve(planted):
    m = train_subwords(planted, small(), SUB)
    h = m.config["history"]
    assert len(h) > 3
    words = [p["words"] for p in h]
    assert words == sorted(words) and words[-1] == planted.n_tokens
    assert [p["alpha"] for p in h] == sorted((p["alpha"] for p in h), reverse=True)
    assert h[-1]["mean_loss"] == pytest.approx(m.config["mean_loss"])


def test_compilation_is_announced_and_not_counted_as_training(planted, monkeypatch):
    real, delay = subword_kernels.train_shards, 1.5

    def slow_first_call(weights, corpus, *rest):
        if corpus[2].shape[0] == 0:  # the warm-up call on no shards: where numba compiles
            time.sleep(delay)
        return real(weights, corpus, *rest)

    monkeypatch.setattr(subword_kernels, "train_shards", slow_first_call)
    monkeypatch.setattr(subword_kernels, "is_ready", lambda cfg: False)
    monkeypatch.setattr(subword_kernels, "is_cached", lambda cfg: False)
    seen = []
    m = train_subwords(planted, small(chunk_words=100_000), SUB, on_progress=seen.append)
    assert seen[0].stage == "compiling the subword skip-gram kernel, first run only" and seen[0].words_done == 0
    assert all(p.stage == "training" for p in seen[1:])
    assert m.config["train_seconds"] < delay and m.config["words_per_s"] > planted.n_tokens / delay


@pytest.mark.parametrize("model,loss", [("skipgram", "ns"), ("cbow", "hs")])
def test_a_sharded_corpus_trains_as_the_whole(planted, model, loss):
    sharded = _sharded(planted, [1, 700, 701, 1200])
    exact = dict(model=model, loss=loss, epochs=2, chunk_words=1)  # one document a call: the same draws
    a, b = train_subwords(planted, small(**exact), SUB), train_subwords(sharded, small(**exact), SUB)
    assert np.array_equal(a.input, b.input) and a.config["mean_loss"] == b.config["mean_loss"]


def test_a_sharded_corpus_streams_from_its_memory_maps(planted, tmp_path, monkeypatch):
    """The kernel sees one memory-mapped shard at a time, never the corpus concatenated in memory."""
    loaded = _on_disk(planted, [500, 1000], tmp_path / "c")
    seen, real = [], subword_kernels.train_shards

    def recording(weights, corpus, *rest):
        seen.append(corpus[0])
        return real(weights, corpus, *rest)

    monkeypatch.setattr(subword_kernels, "train_shards", recording)
    b = train_subwords(loaded, small(chunk_words=1), SUB)
    lengths = {len(s.ids) for s in loaded.shards}
    assert len(seen) > 3 and all(not ids.flags.writeable and len(ids) in lengths for ids in seen)  # read-only maps
    monkeypatch.setattr(subword_kernels, "train_shards", real)
    a = train_subwords(planted, small(chunk_words=1), SUB)
    assert np.array_equal(a.input, b.input)
