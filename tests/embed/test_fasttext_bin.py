"""fastText .bin files: written by seqkit and read by gensim and the fastText CLI, written by gensim
and fastText and read by seqkit, the same vectors either way; bad files are one clear error."""

import struct
import subprocess

import numpy as np
import pytest

from seqkit.embed.fasttext_bin import read_fasttext_bin, write_fasttext_bin
from seqkit.embed.keyed import load_vectors
from seqkit.embed.subword_trainer import SubwordModel
from seqkit.embed.subwords import SubwordConfig
from seqkit.errors import ModelFormatError, UnknownWordError
from seqkit.text.vocab import Vocab
from tests.formats.conftest import fasttext  # noqa: F401  (the CLI, built from ../shared/peers when absent)

WORDS = ["the", "film", "films", "movie", "good", "café", "naïve", "acting", "plot", "bad"]
OOV = ["filmic", "moviegoer", "caféteria", "actings", "日本"]


@pytest.fixture
def native_model(tmp_path):
    rng = np.random.default_rng(0)
    cfg = SubwordConfig(3, 5, 300)
    v, dim = len(WORDS), 12
    model = SubwordModel(Vocab(WORDS, np.arange(100, 100 - v, -1)), rng.standard_normal((v + cfg.buckets, dim)).astype(np.float32),
                         np.arange(cfg.buckets), cfg, seed=0, syn1neg=rng.standard_normal((v, dim)).astype(np.float32),
                         config={"model": "skipgram", "loss": "ns", "window": 5, "epochs": 1, "min_count": 1, "negative": 5})
    path = tmp_path / "m.ft"
    model.save(path)
    return path


def test_native_model_maps_its_ngram_rows(native_model):
    kv = load_vectors(native_model)
    assert isinstance(kv.ngrams.matrix, np.memmap)  # a query reads only its rows
    assert kv.ngrams.matrix.shape == (300, 12) and kv.has_subwords
    first = kv.vector("films")
    manual = np.mean(np.concatenate([kv.own_rows[[2]], kv.ngrams.matrix[_buckets("films", kv)]]), axis=0)
    np.testing.assert_allclose(first, manual, rtol=1e-5, atol=1e-6)


def _buckets(word, kv):
    from seqkit.embed.subwords import bucket_ids

    c = kv.ngrams.config
    return bucket_ids(word, c.minn, c.maxn, c.buckets)


def test_written_bin_is_read_by_gensim_with_the_same_vectors(native_model, tmp_path):
    from gensim.models.fasttext import load_facebook_vectors

    kv = load_vectors(native_model)
    path = tmp_path / "m.bin"
    write_fasttext_bin(path, kv, kv.meta["training"])
    g = load_facebook_vectors(str(path))
    assert list(g.index_to_key) == WORDS
    for w in WORDS + OOV:
        np.testing.assert_allclose(g[w], kv.vector(w), rtol=1e-5, atol=1e-6, err_msg=w)
    back = load_vectors(path)  # and seqkit reads its own .bin back
    np.testing.assert_allclose(back.vectors, kv.vectors, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(back.vector("moviegoer"), kv.vector("moviegoer"), rtol=1e-6, atol=1e-7)


def test_bin_written_by_gensim_is_read_by_seqkit(tmp_path):
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model

    sentences = [["the", "good", "film"], ["a", "bad", "movie", "the", "plot"], ["naïve", "acting", "café"]] * 20
    model = FastText(sentences, vector_size=10, min_count=1, bucket=500, min_n=2, max_n=4, epochs=2, seed=1, workers=1)
    path = tmp_path / "g.bin"
    save_facebook_model(model, str(path))
    kv = load_vectors(path)
    assert kv.meta["format"] == "fasttext-bin" and kv.ngrams.config == SubwordConfig(2, 4, 500)
    for w in ["the", "film", "naïve"] + OOV:
        np.testing.assert_allclose(kv.vector(w), model.wv[w], rtol=1e-5, atol=1e-6, err_msg=w)


def test_fasttext_cli_prints_the_same_vectors_as_seqkit(native_model, tmp_path, fasttext):
    kv = load_vectors(native_model)
    path = tmp_path / "m.bin"
    write_fasttext_bin(path, kv, kv.meta["training"])
    words = WORDS + OOV
    out = subprocess.run([fasttext, "print-word-vectors", str(path)], input="\n".join(words) + "\n",
                         capture_output=True, text=True, check=True).stdout
    for w, line in zip(words, out.splitlines()):
        word, *numbers = line.split()
        assert word == w
        np.testing.assert_allclose(np.array(numbers, np.float32), kv.vector(w), rtol=1e-4, atol=1e-5, err_msg=w)


def test_seqkit_reads_a_bin_trained_by_fasttext(tmp_path, fasttext):
    text = tmp_path / "t.txt"
    rng = np.random.default_rng(0)
    text.write_text("\n".join(" ".join(rng.choice(WORDS, 12)) for _ in range(200)) + "\n", encoding="utf-8")
    subprocess.run([fasttext, "skipgram", "-input", str(text), "-output", str(tmp_path / "ft"), "-dim", "8",
                    "-epoch", "1", "-minCount", "1", "-bucket", "1000", "-thread", "1", "-verbose", "0"], check=True)
    kv = load_vectors(tmp_path / "ft.bin")
    assert "</s>" in kv.index and kv.ngrams.config == SubwordConfig(3, 6, 1000)
    with pytest.raises(UnknownWordError):  # no n-gram of it occurs in the text: fastText gives untrained rows' mean
        kv.vector("日本")
    words = WORDS + OOV[:-1] + ["</s>"]
    out = subprocess.run([fasttext, "print-word-vectors", str(tmp_path / "ft.bin")], input="\n".join(words) + "\n",
                         capture_output=True, text=True, check=True).stdout
    for w, line in zip(words, out.splitlines()):
        np.testing.assert_allclose(kv.vector(w), np.array(line.split()[1:], np.float32), rtol=1e-4, atol=1e-5, err_msg=w)


def _bin_bytes(native_model, tmp_path) -> bytearray:
    kv = load_vectors(native_model)
    path = tmp_path / "ok.bin"
    write_fasttext_bin(path, kv, kv.meta["training"])
    return bytearray(path.read_bytes())


ARGS_AT = 8  # after magic and version: 12 int32 then a float64


@pytest.mark.parametrize("patch, message", [
    (lambda b: struct.pack_into("<i", b, ARGS_AT + 7 * 4, 3), "supervised fastText model"),
    (lambda b: struct.pack_into("<3i", b, ARGS_AT + 56, struct.unpack_from("<i", b, ARGS_AT + 60)[0] + 2,
                                struct.unpack_from("<i", b, ARGS_AT + 60)[0], 2), "supervised fastText model"),  # labels
    (lambda b: struct.pack_into("<i", b, ARGS_AT + 56 + 8, 2), "more than the file holds"),  # nlabels alone: corrupted
    (lambda b: struct.pack_into("<i", b, ARGS_AT, 20_000), "impossible settings dim=20000"),  # over limits.MAX_DIM
    (lambda b: struct.pack_into("<2i", b, ARGS_AT + 56, 10**8, 10**8), "more than the file holds"),  # size, nwords
    (lambda b: struct.pack_into("<i", b, ARGS_AT + 8 * 4, 10**6), "input matrix is"),  # bucket
    (lambda b: struct.pack_into("<i", b, 4, 13), "file version 13"),
], ids=["model-sup", "labels", "lying-labels", "dim-over-limit", "lying-size", "lying-bucket", "newer-version"])
def test_bad_headers_are_one_clear_error(native_model, tmp_path, patch, message):
    data = _bin_bytes(native_model, tmp_path)
    patch(data)
    path = tmp_path / "bad.bin"
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFormatError, match=message):
        read_fasttext_bin(path)


@pytest.mark.parametrize("entry, message", [(b"\xff\xfe", "not UTF-8"), (b"", "is empty")])
def test_dictionary_words_that_readme_refuses(native_model, tmp_path, entry, message):
    """A word that is not UTF-8, or empty (then usable as a query), is a corrupted file."""
    data = bytes(_bin_bytes(native_model, tmp_path))
    first = ARGS_AT + 56 + 28  # the first dictionary entry
    end = data.index(b"\0", first)
    path = tmp_path / "w.bin"
    path.write_bytes(data[:first] + entry + data[end:])  # the entries are read (and refused) before any size check
    with pytest.raises(ModelFormatError, match=message):
        read_fasttext_bin(path)


@pytest.mark.parametrize("keep", [0.3, 0.9, 0.999])
def test_truncated_bin_is_an_error(native_model, tmp_path, keep):
    data = _bin_bytes(native_model, tmp_path)
    path = tmp_path / "cut.bin"
    path.write_bytes(bytes(data[: int(len(data) * keep)]))
    with pytest.raises(ModelFormatError, match="truncated|past the end"):
        load_vectors(path)


def test_lying_input_rows_are_checked_before_mapping(native_model, tmp_path):
    data = _bin_bytes(native_model, tmp_path)
    kv = load_vectors(native_model)
    at = data.index(struct.pack("<2q", len(kv) + 300, 12))
    struct.pack_into("<q", data, at, 10**12)
    path = tmp_path / "lie.bin"
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFormatError):
        load_vectors(path)


def test_word_without_trained_ngram_is_an_error(native_model):
    kv = load_vectors(native_model)
    kv.ngrams.trained[:] = False
    with pytest.raises(UnknownWordError, match="none of its character n-grams was trained"):
        kv.vector("zzzz")
    kv.allow_oov = False
    with pytest.raises(UnknownWordError):
        kv.vector("filmic")
