"""The linear classifier as a library: tokenizing as the normalizer does, learning what is planted in
small made-up data (multi-label, hierarchical softmax, two threads), reproducibility, and its file."""

from __future__ import annotations

import random
import zipfile

import numpy as np
import pytest

from seqkit.errors import InputError, ModelFormatError, OptionError
from seqkit.models.linear.config import LinearConfig
from seqkit.models.linear.model import LinearClassifier
from seqkit.models.linear.tokenize import TextEncoder, chunks_of, fasttext_hash
from seqkit.models.linear.train import encode_corpus, fit_linear
from seqkit.text.normalize import NormalizeOptions, Normalizer

TRICKY = [
    "Hello <br /> World! don't 3.14 1,000 x.y café «ok» see http://x.com/a?b=1 or mail a@b.com ...",
    "",
    "ＡＢＣ 𝐀𝐁 emoji😀x it's 'quoted' end's' a_b Straße İx ΣΑΣ &amp; &lt;b&gt; 1950s mp3 -7",
    "tab\there, newline\ninside <a href='x'>link</a> www.example.org 2,5.",
]


@pytest.mark.parametrize("options", [
    NormalizeOptions(),
    NormalizeOptions(numbers="token", urls="drop"),
    NormalizeOptions(lowercase=False, html=False, urls="keep"),
    NormalizeOptions(punct="keep", symbols="keep"),  # not the scanner's: each text tokenized in Python first
])
def test_encoder_tokenizes_as_the_normalizer(options):
    e, words = TextEncoder(options).encode_growing(chunks_of(TRICKY, 3))
    got = [[words[i] for i in e.ids[e.offsets[t]: e.offsets[t + 1]]] for t in range(len(TRICKY))]
    assert got == [Normalizer(options).tokenize(t.replace("\n", " ")) for t in TRICKY]
    assert e.new_hash32.tolist() == [fasttext_hash(w) for w in words]
    assert e.counts.sum() == len(e.ids)


def test_encoder_maps_known_words_and_numbers_new_ones_after():
    e, words = TextEncoder(NormalizeOptions()).encode_growing([["b a", "c a"]])
    known = TextEncoder(NormalizeOptions(), e.new_keys)
    out = known.encode(["a z b", "z"])
    assert out.ids.tolist() == [words.index("a"), 3, words.index("b"), 3]
    assert out.new_words == ["z"]


def _sentiment(n, seed):
    rng = random.Random(seed)
    pos, neg, filler = "good great superb".split(), "bad awful dull".split(), "the film plot it was a".split()
    pairs = []
    for _ in range(n):
        label = rng.choice(["pos", "neg"])
        words = rng.sample(filler, 3) + [rng.choice(pos if label == "pos" else neg)]
        rng.shuffle(words)
        pairs.append((" ".join(words), [label]))
    return pairs


def _fit(pairs, **kw):
    config = LinearConfig(**{"dim": 8, "epochs": 5, "lr": 0.5, **kw})
    return fit_linear(encode_corpus(pairs, config, "test data"), config)


def test_one_thread_with_a_seed_is_reproducible():
    one = dict(word_ngrams=2, buckets=101, threads=1)  # threads=0, the default, is all cores (Hogwild)
    a = _fit(_sentiment(200, 0), seed=3, **one)
    b = _fit(_sentiment(200, 0), seed=3, **one)
    c = _fit(_sentiment(200, 0), seed=4, **one)
    assert np.array_equal(a.input, b.input) and np.array_equal(a.output, b.output)
    assert not np.array_equal(a.input, c.input)


@pytest.mark.parametrize("threads", [1, 2])
def test_learns_planted_sentiment(threads):
    m = _fit(_sentiment(400, 1), threads=threads, word_ngrams=2, buckets=1000)
    test = _sentiment(100, 2)
    P = m.predict_proba([t for t, _ in test], threads=threads)
    accuracy = np.mean([m.labels[i] == y[0] for i, (_, y) in zip(P.argmax(1), test)])
    assert accuracy > 0.95
    assert m.info["ngram_rows"] > 0


def test_one_vs_all_finds_every_planted_label():
    """Texts with the word 'sports' carry label sports, 'politics' label politics; some carry both."""
    rng = random.Random(0)
    filler = "news today report the a of new".split()
    pairs = []
    for _ in range(400):
        tags = rng.choice([["sports"], ["politics"], ["sports", "politics"], ["weather"]])
        words = rng.sample(filler, 4) + [{"sports": "match", "politics": "vote", "weather": "rain"}[t] for t in tags]
        rng.shuffle(words)
        pairs.append((" ".join(words), tags))
    m = _fit(pairs, epochs=10)
    assert m.loss == "ova"  # auto: several labels on some texts
    P = m.predict_proba(["the match and the vote today", "rain today", "a match report"])
    idx = {n: i for i, n in enumerate(m.labels)}
    assert P[0, idx["sports"]] > 0.5 and P[0, idx["politics"]] > 0.5 and P[0, idx["weather"]] < 0.5
    assert P[1, idx["weather"]] > 0.5 and P[1, idx["sports"]] < 0.5
    assert P[2, idx["sports"]] > 0.5 and P[2, idx["politics"]] < 0.5


def test_hierarchical_softmax_over_many_labels():
    """40 labels, each with its own keyword and Zipf-like counts: the Huffman tree gives every label a
    path; each keyword must come back as its label, and probabilities over the leaves sum to 1."""
    rng = random.Random(0)
    labels = [f"topic{i}" for i in range(40)]
    pairs = []
    for i, label in enumerate(labels):
        for _ in range(max(3, 60 // (i + 1))):
            pairs.append((f"about kw{i} {rng.choice(['the', 'a', 'this'])}", [label]))
    rng.shuffle(pairs)
    m = _fit(pairs, loss="hs", epochs=50, dim=16)  # 30 left two rare labels behind with "</s>"
    assert m.output.shape == (39, 16)
    P = m.predict_proba([f"about kw{i} the" for i in range(40)])
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-6)
    assert [m.labels[j] for j in P.argmax(1)] == labels


def test_empty_texts_are_counted_and_all_empty_is_an_error():
    pairs = _sentiment(50, 0) + [("!!! ...", ["pos"]), ("", ["neg"])]
    c = encode_corpus(pairs, LinearConfig(), "t")
    assert c.skipped == 2 and len(c.offsets) - 1 == 50
    with pytest.raises(InputError, match="every text .* is empty"):
        encode_corpus([("...", ["a"]), ("?", ["b"])], LinearConfig(), "t")
    with pytest.raises(InputError, match="two classes"):
        encode_corpus([("a b", ["x"])], LinearConfig(), "t")


@pytest.mark.parametrize("kw, flag", [({"word_ngrams": 0}, "--word-ngrams"), ({"buckets": 0, "word_ngrams": 2}, "--buckets"),
                                      ({"dim": 0}, "--embed-dim"), ({"lr": 0.0}, "--lr")])
def test_nonsense_settings_are_option_errors(kw, flag):
    with pytest.raises(OptionError, match=flag):
        LinearConfig(**kw)


def test_embeddings_start_the_word_rows(tmp_path):
    vec = tmp_path / "v.vec"
    vec.write_text("2 4\ngood 1 2 3 4\nbad -1 -2 -3 -4\n")
    config = LinearConfig(epochs=1, lr=1e-9)
    m = fit_linear(encode_corpus(_sentiment(40, 0), config, "t"), config, embeddings=str(vec))
    assert m.input.shape[1] == 4
    np.testing.assert_allclose(m.input[m.words.index("good")], [1, 2, 3, 4], atol=1e-6)


def test_file_round_trip_maps_the_input_matrix(tmp_path):
    m = _fit(_sentiment(100, 0), word_ngrams=2, buckets=50, loss="hs")
    path = tmp_path / "m.npz"
    m.save(path)
    back = LinearClassifier.load(path)
    assert isinstance(back.input, np.memmap)
    texts = ["good film", "awful plot", "unseen words only"]
    np.testing.assert_array_equal(back.predict_proba(texts), m.predict_proba(texts))
    with zipfile.ZipFile(path) as z:
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())


def test_damaged_files_are_model_format_errors(tmp_path):
    m = _fit(_sentiment(60, 0), word_ngrams=2, buckets=50)
    path = tmp_path / "m.npz"
    m.save(path)
    data = path.read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFormatError):
        LinearClassifier.load(tmp_path / "cut.npz")
    m.bucket_ids = np.array([10**9], np.int64)  # a row for a bucket that does not exist
    m.input = np.zeros((len(m.words) + 1, m.input.shape[1]), np.float32)
    m.save(tmp_path / "bad.npz")
    with pytest.raises(ModelFormatError, match="do not fit"):
        LinearClassifier.load(tmp_path / "bad.npz")


def _npy_claiming(shape, payload: bytes) -> bytes:
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "|u1", "fortran_order": False, "shape": shape})
    return buf.getvalue() + payload


@pytest.mark.parametrize("claimed", [(10**12,), (3 * 10**9,)])
def test_a_lying_metadata_header_allocates_nothing(tmp_path, claimed):
    """Every classifier load reads the metadata first (models.loading): a header claiming more bytes
    than the member holds is refused before any allocation (it was a MemoryError traceback)."""
    from seqkit.models.loading import load_classifier

    path = tmp_path / "evil.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("__meta__.npy", _npy_claiming(claimed, b"x" * 100))
    with pytest.raises(ModelFormatError, match="claims shape"):
        load_classifier(path)


def test_a_compressed_input_matrix_is_refused_not_inflated(tmp_path):
    m = _fit(_sentiment(60, 0))
    m.save(tmp_path / "m.npz")
    with zipfile.ZipFile(tmp_path / "m.npz") as src, zipfile.ZipFile(tmp_path / "z.npz", "w") as dst:
        for info in src.infolist():
            kind = zipfile.ZIP_DEFLATED if info.filename == "input.npy" else zipfile.ZIP_STORED
            dst.writestr(info.filename, src.read(info), compress_type=kind)
    with pytest.raises(ModelFormatError, match="compressed"):
        LinearClassifier.load(tmp_path / "z.npz")


@pytest.mark.parametrize("options", [NormalizeOptions(), NormalizeOptions(punct="keep")])
def test_prediction_from_bytes_equals_prediction_from_ids(options):
    """predict_proba tokenizes and predicts in one kernel; it must equal encoding first, then predicting."""
    from seqkit.models.linear import kernels

    m = _fit(_sentiment(100, 0), word_ngrams=3, buckets=50, normalize=options)
    texts = TRICKY + ["good film", "the awful plot was dull, it was!"]
    e = TextEncoder(options, m.word_keys).encode(texts)
    V = len(m.words)
    lookup = (np.concatenate([np.arange(V, dtype=np.int32), np.full(len(e.new_words), -1, np.int32)]),
              np.concatenate([m.word_hash32, e.new_hash32]).astype(np.int32), m.bucket_row())
    want = kernels.predict_probs((e.ids, e.offsets), lookup, m.tree(), (m.input, m.output), m.kernel_config(1))
    np.testing.assert_array_equal(m.predict_kernel(texts, threads=2), want)  # predict_proba: NumPy for a few texts


def test_models_saved_before_the_end_of_text_word_predict_as_before(tmp_path):
    """Files written before `eos` existed have no "</s>" row and no `eos` key: they load without it."""
    from seqkit.models import io

    m = _fit(_sentiment(100, 0), word_ngrams=2, buckets=50, eos=False)
    m.save(tmp_path / "m.npz")
    arrays, meta = io.load_arrays(tmp_path / "m.npz")
    del meta["architecture"]["eos"]
    meta = {k: v for k, v in meta.items() if k not in ("kind", "format_version")}
    io.save_arrays(tmp_path / "old.npz", arrays, meta)
    old = LinearClassifier.load(tmp_path / "old.npz")
    assert old.config.eos is False and old.input.shape == m.input.shape
    texts = ["good film", "awful plot", "unseen words only"]
    np.testing.assert_array_equal(old.predict_proba(texts), m.predict_proba(texts))
    new = _fit(_sentiment(100, 0), word_ngrams=2, buckets=50)
    assert new.input.shape[0] == len(new.words) + len(new.bucket_ids) + 1  # "</s>" last
    meta["architecture"]["eos"] = "yes"
    io.save_arrays(tmp_path / "bad.npz", arrays, meta)
    with pytest.raises(ModelFormatError, match="eos must be true or false"):
        LinearClassifier.load(tmp_path / "bad.npz")
