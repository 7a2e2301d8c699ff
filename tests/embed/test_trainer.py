import numpy as np
import pytest

from seqkit.embed.keyed import KeyedVectors
from seqkit.embed.trainer import Word2VecConfig, Word2VecModel, train
from seqkit.errors import InputError, OptionError
from tests.embed.conftest import PAIRS, planted_corpus

MODES = [("skipgram", "ns"), ("skipgram", "hs"), ("cbow", "ns"), ("cbow", "hs"), ("skipgram", "ns-batch"), ("skipgram", "hs-batch")]


def small(**kw):
    base = dict(dim=24, window=2, epochs=8, min_count=1, sample=0, threads=1, seed=3, alpha=0.05)
    return Word2VecConfig(**{**base, **kw})


@pytest.mark.parametrize("threads", [1, 2], ids=["1-thread", "2-threads"])  # 2: hot output rows in thread copies
@pytest.mark.parametrize("model,loss", MODES)
def test_every_mode_finds_the_planted_pairs(planted, model, loss, threads):
    batch = loss.endswith("-batch")
    m = train(planted, small(model=model, loss=loss.removesuffix("-batch"), batch_negatives=batch, threads=threads))
    kv = KeyedVectors(m.vocab.words, m.vectors)
    found = sum(b in [w for w, _ in kv.most_similar([a], topn=5)] for a, b in PAIRS)
    found += sum(a in [w for w, _ in kv.most_similar([b], topn=5)] for a, b in PAIRS)
    assert found == 2 * len(PAIRS)


def test_one_thread_and_a_seed_are_bit_reproducible(planted):
    a = train(planted, small(epochs=2))
    b = train(planted, small(epochs=2))
    c = train(planted, small(epochs=2, seed=4))
    assert np.array_equal(a.vectors, b.vectors) and np.array_equal(a.syn1neg, b.syn1neg)
    assert not np.array_equal(a.vectors, c.vectors)


def test_loss_falls_and_does_not_depend_on_thread_count():
    corpus = planted_corpus(docs=4000)
    one = train(corpus, small(epochs=1, threads=1, chunk_words=2000))
    two = train(corpus, small(epochs=1, threads=2, chunk_words=2000))
    longer = train(corpus, small(epochs=6, threads=1, chunk_words=2000))
    assert one.config["mean_loss"] == pytest.approx(two.config["mean_loss"], rel=0.05)
    assert longer.config["mean_loss"] < one.config["mean_loss"]


def test_progress_reports_words_and_a_decaying_learning_rate(planted):
    seen = []
    train(planted, small(epochs=2, chunk_words=3000), on_progress=seen.append)
    assert seen[-1].words_done == seen[-1].words_total == 2 * planted.n_tokens
    alphas = [p.alpha for p in seen]
    assert alphas == sorted(alphas, reverse=True) and alphas[-1] == pytest.approx(0.0001)
    assert [p.epoch for p in seen] == sorted(p.epoch for p in seen)


def test_continue_training_keeps_the_vocabulary(planted, tmp_path):
    first = train(planted, small(epochs=1))
    first.save(tmp_path / "m")
    loaded = Word2VecModel.load(tmp_path / "m")
    more = train(planted_corpus(docs=300, seed=9), small(epochs=1), init=loaded)
    assert more.vocab.words == first.vocab.words
    assert not np.array_equal(more.vectors, first.vectors)
    assert more.config["continued"] is True


def test_native_round_trip_keeps_every_weight(planted, tmp_path):
    for loss in ("ns", "hs"):
        m = train(planted, small(epochs=1, loss=loss))
        m.save(tmp_path / loss)
        back = Word2VecModel.load(tmp_path / loss)
        assert back.vocab.words == m.vocab.words and np.array_equal(back.vocab.counts, m.vocab.counts)
        assert np.array_equal(back.vectors, m.vectors)
        out = "syn1neg" if loss == "ns" else "syn1"
        assert np.array_equal(getattr(back, out), getattr(m, out))
        assert back.config["loss"] == loss


@pytest.mark.parametrize(
    "kw,message",
    [
        (dict(dim=0), "--dim"),
        (dict(window=0), "--window"),
        (dict(alpha=-0.1), "--alpha"),
        (dict(loss="ns", negative=0), "--negative"),
        (dict(epochs=0), "--epochs"),
        (dict(model="cbow", batch_negatives=True), "--batch-negatives"),
    ],
)
def test_bad_options(planted, kw, message):
    with pytest.raises(OptionError, match=message):
        train(planted, small(**kw))


def test_all_rare_corpus(planted):
    with pytest.raises(InputError, match="no word occurs at least --min-count=100000 times"):
        train(planted, small(min_count=100000))


def _sharded(corpus, cuts):
    """``corpus`` split into shards at the given document indices (as `preprocess --cluster` writes)."""
    from seqkit.text.corpus import EncodedCorpus, Shard

    bounds = [0, *cuts, corpus.n_docs]
    shards = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        offsets = corpus.offsets[a : b + 1]
        shards.append(Shard(np.array(corpus.ids[offsets[0] : offsets[-1]]), offsets - offsets[0]))
    return EncodedCorpus(None, corpus.vocab, meta={}, shards=shards)


@pytest.mark.parametrize("model,loss", [("skipgram", "ns"), ("cbow", "hs")])
def test_a_sharded_corpus_trains_as_the_whole(planted, model, loss):
    sharded = _sharded(planted, [1, 700, 701, 1200])
    assert len(sharded.shards) == 5 and np.array_equal(sharded.ids, planted.ids)
    # one document per kernel call: the same calls, learning rates and random draws -> the same bits
    exact = dict(model=model, loss=loss, epochs=2, chunk_words=1)
    a, b = train(planted, small(**exact)), train(sharded, small(**exact))
    assert np.array_equal(a.vectors, b.vectors) and a.config["mean_loss"] == b.config["mean_loss"]
    # default chunks: cut at shard ends too, so the learning rate steps differ by rounding only
    c, d = train(planted, small(model=model, loss=loss, epochs=2)), train(sharded, small(model=model, loss=loss, epochs=2))
    np.testing.assert_allclose(c.vectors, d.vectors, atol=1e-4)


def _on_disk(corpus, cuts, folder):
    """``corpus`` written as a sharded corpus folder and loaded back (memory-mapped shards)."""
    from seqkit.text.corpus import EncodedCorpus
    from seqkit.text.preprocess import PreprocessOptions, corpus_meta, write_meta

    folder.mkdir()
    corpus.vocab.save(folder / "vocab.tsv")
    entries = []
    for k, s in enumerate(_sharded(corpus, cuts).shards):
        np.save(folder / f"ids-{k}.npy", s.ids)
        np.save(folder / f"offsets-{k}.npy", s.offsets)
        entries.append({"ids": f"ids-{k}.npy", "offsets": f"offsets-{k}.npy"})
    write_meta(folder, corpus_meta(PreprocessOptions(), corpus.vocab, 0, 0, 0, 0, 0, [], 0.0, entries))
    return EncodedCorpus.load(folder)


def test_a_sharded_corpus_on_disk_trains_from_its_memory_maps(planted, tmp_path):
    loaded = _on_disk(planted, [500, 1000], tmp_path / "c")
    # ids and offsets both mapped (offsets are 8 bytes a document: 52 MB for an 8 GB text)
    assert all(isinstance(s.ids, np.memmap) and isinstance(s.offsets, np.memmap) for s in loaded.shards)
    a, b = train(planted, small(epochs=1, chunk_words=1)), train(loaded, small(epochs=1, chunk_words=1))
    assert np.array_equal(a.vectors, b.vectors)



def test_the_warm_up_compiles_for_the_types_training_uses(planted, tmp_path, monkeypatch):
    """Numba compiles once per argument type, and a folder's arrays are read-only memory maps: a warm-up
    on writable arrays left the real kernel to compile inside the first chunk, under "training"."""
    import numba

    from seqkit.embed import kernels

    loaded = _on_disk(planted, [700], tmp_path / "c")
    types, real = [], kernels.train_shards

    def recording(syn0, syn1neg, syn1, ids, offsets, *rest):
        types.append((numba.typeof(ids), numba.typeof(offsets)))
        return real(syn0, syn1neg, syn1, ids, offsets, *rest)

    monkeypatch.setattr(kernels, "train_shards", recording)
    train(loaded, small(epochs=1))
    assert len(types) > 2 and len(set(types)) == 1, set(types)
