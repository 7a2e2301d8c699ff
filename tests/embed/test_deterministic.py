"""--deterministic word2vec: the round kernels against the slow reference of the schedule, and the
same vectors, byte for byte, on any number of threads."""

import io

import numpy as np
import pytest

from seqkit import runtime
from seqkit.embed import deterministic as det
from seqkit.embed.huffman import huffman_codes
from seqkit.embed.kernels import Word2VecSettings
from seqkit.embed.sampling import alias_table, keep_thresholds
from seqkit.embed.subword_kernels import SubwordSettings
from seqkit.embed.subwords import SubwordConfig, word_rows
from seqkit.embed.trainer import Word2VecConfig, _shards, train
from tests.embed import reference_subwords, reference_w2v
from tests.embed.reference_deterministic import train_rounds
from tests.embed.test_kernels import tiny_corpus
from tests.embed.test_subword_kernels import WORDS

MODES = [("skipgram", "ns"), ("skipgram", "hs"), ("cbow", "ns"), ("cbow", "hs")]
IDS = ["sg-ns", "sg-hs", "cbow-ns", "cbow-hs"]


def _setup(hs, out_rows, dim=8):
    ids, offsets, counts = tiny_corpus()
    v = len(counts)
    rng = np.random.default_rng(1)
    prob, alias = alias_table(counts, 0.75)
    codes, points, lengths = huffman_codes(counts)
    tables = (keep_thresholds(counts, 0.05), prob, alias, codes, points, lengths)
    out = (rng.random((out_rows(v), dim), dtype=np.float32) * 0.1).astype(np.float32)
    chunks = _shards(offsets, 30)  # about 30 words a chunk: two rounds on the tiny corpus
    assert len(chunks) > det.ROUND_CHUNKS
    return ids, offsets, tables, out, chunks, rng


def _run_rounds(family, weights, ids, offsets, tables, csr, settings, chunks, threads):
    """The kernels' schedule over ``chunks``; returns the chunks' examples."""
    rounds = det.Rounds(family, weights, tables, csr, settings, threads, 7, (len(weights[0]), len(weights[1])))
    alphas = det.chunk_alphas(offsets, chunks, 0, lambda w: 0.05 - 0.04 * w / len(ids))
    examples = 0
    out_loss, out_counts = np.zeros(det.ROUND_CHUNKS), np.zeros((det.ROUND_CHUNKS, 3), np.int64)
    with runtime.threads(2, blas=False):
        for first in range(0, len(chunks), det.ROUND_CHUNKS):
            part = slice(first, first + det.ROUND_CHUNKS)
            rounds.train(ids, offsets, chunks[part], alphas[part], out_loss, out_counts)
            examples += int(out_counts[: len(chunks[part]), 0].sum())
    return examples, alphas


@pytest.mark.parametrize("threads", [1, 2, 4])
@pytest.mark.parametrize("skipgram, hs, batch", [(1, 0, 0), (1, 1, 0), (0, 0, 0), (0, 1, 0), (1, 0, 1)],
                         ids=IDS + ["batched-ns"])
def test_rounds_match_the_reference(skipgram, hs, batch, threads):
    ids, offsets, tables, out, chunks, rng = _setup(hs, lambda v: v - 1 if hs else v)
    syn0 = ((rng.random((out.shape[0] + hs, 8), dtype=np.float32) - 0.5) / 8).astype(np.float32)
    settings = Word2VecSettings(skipgram, hs, 3, 4, 1, int(np.diff(offsets).max()), batch)
    empty = np.zeros((0, 8), np.float32)
    ref = [syn0.copy(), out.copy()]
    family = det.family(Word2VecConfig(model="skipgram" if skipgram else "cbow", batch_negatives=bool(batch)), False)
    examples, alphas = _run_rounds(family, (syn0, out), ids, offsets, tables, None, settings, chunks, threads)

    def chunk(copies, k):
        syn1neg, syn1 = (empty, copies[1]) if hs else (copies[1], empty)
        states = [det.chunk_state(7, k)]
        reference_w2v.train_reference(copies[0], syn1neg, syn1, ids, offsets, chunks[k : k + 1], tables,
                                      tuple(settings), alphas[k : k + 1], states)

    train_rounds(ref, len(chunks), det.ROUND_CHUNKS, chunk)
    assert examples > 0
    np.testing.assert_allclose(syn0, ref[0], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(out, ref[1], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("skipgram, hs", [(1, 0), (0, 1)], ids=["sg-ns", "cbow-hs"])
def test_subword_rounds_match_the_reference(skipgram, hs):
    ids, offsets, tables, out, chunks, rng = _setup(hs, lambda v: v - 1 if hs else v)
    v, buckets = out.shape[0] + hs, 50
    syn0 = ((rng.random((v + buckets, 8), dtype=np.float32) - 0.5) / 8).astype(np.float32)
    csr = word_rows(WORDS[:v], v, SubwordConfig(2, 4, buckets))
    settings = SubwordSettings(skipgram, hs, 3, 4, int(np.diff(offsets).max()))
    ref = [syn0.copy(), out.copy()]
    family = "subword-skipgram" if skipgram else "subword-cbow"
    examples, alphas = _run_rounds(family, (syn0, out), ids, offsets, tables, csr, settings, chunks, 2)

    def chunk(copies, k):
        reference_subwords.train_reference(copies[0], copies[1], ids, offsets, chunks[k : k + 1], tables, csr,
                                           tuple(settings), alphas[k : k + 1], [det.chunk_state(7, k)])

    train_rounds(ref, len(chunks), det.ROUND_CHUNKS, chunk)
    assert examples > 0
    np.testing.assert_allclose(syn0, ref[0], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(out, ref[1], rtol=1e-4, atol=1e-6)


def _text(words, vectors) -> bytes:
    """The vectors as `export --format word2vec-text` writes them."""
    from seqkit.embed.export import write_rows

    buf = io.StringIO()
    buf.write(f"{len(words)} {vectors.shape[1]}\n")
    write_rows(buf, zip(words, vectors), "word2vec-text")
    return buf.getvalue().encode()


def _train(planted, model, loss, threads, deterministic=True, subwords=False):
    config = Word2VecConfig(model=model, loss=loss, dim=8, min_count=1, epochs=2, threads=threads, seed=5,
                            chunk_words=250, deterministic_chunk_words=250, deterministic=deterministic)
    if subwords:
        from seqkit.embed.subword_trainer import train_subwords

        m = train_subwords(planted, config, SubwordConfig(3, 4, 200))
    else:
        m = train(planted, config)
    return _text(m.vocab.words, m.vectors)


@pytest.mark.parametrize("subwords", [False, True], ids=["word2vec", "subwords"])
@pytest.mark.parametrize("model, loss", MODES, ids=IDS)
def test_same_vectors_on_any_thread_count(planted, model, loss, subwords):
    """Five runs with 2 threads, and runs with 1 and 4: byte-identical text exports."""
    first = _train(planted, model, loss, 2, subwords=subwords)
    for threads in (2, 2, 2, 2, 1, 4):
        assert _train(planted, model, loss, threads, subwords=subwords) == first


def test_hogwild_with_two_threads_is_not_reproducible(planted):
    """The identity check can fail: plain Hogwild on 2 threads differs between runs (updates race)."""
    with runtime.threads(2) as used:
        if used < 2:
            pytest.skip("one core: Hogwild cannot race")
    runs = {_train(planted, "skipgram", "ns", 2, deterministic=False) for _ in range(5)}
    assert len(runs) > 1


@pytest.mark.parametrize("model, loss", MODES, ids=IDS)
def test_chunk_size_by_mode(model, loss):
    from seqkit.embed.driver import chunk_words

    config = Word2VecConfig(model=model, loss=loss, deterministic=True)
    expected = det.SKIPGRAM_HS_CHUNK_WORDS if (model, loss) == ("skipgram", "hs") else det.CHUNK_WORDS
    assert chunk_words(config) == expected and det.SKIPGRAM_HS_CHUNK_WORDS < det.CHUNK_WORDS
    assert chunk_words(Word2VecConfig(model=model, loss=loss, deterministic=True, deterministic_chunk_words=300)) == 300
    assert chunk_words(Word2VecConfig(model=model, loss=loss)) == Word2VecConfig().chunk_words  # Hogwild's calls
