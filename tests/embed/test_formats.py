"""Model and vector files: round trips, gensim interoperability, and every kind of bad file."""

import json
import pickle
import zipfile

import numpy as np
import pytest

from seqkit.embed import export, formats
from seqkit.embed.formats import FORMAT_VERSION, load_native, read_word2vec, save_native, write_word2vec
from seqkit.embed.keyed import load_vectors
from seqkit.errors import ModelFormatError

WORDS = ["the", "king", "queen", "café", "don't"]


@pytest.fixture
def vecs():
    return np.random.default_rng(0).standard_normal((len(WORDS), 7)).astype(np.float32)


def _native(path, vecs, **extra):
    save_native(path, WORDS, np.arange(len(WORDS), 0, -1), {"vectors": vecs, **extra}, {"training": {"dim": 7}})


def test_native_round_trip_with_all_matrices(tmp_path, vecs):
    syn1neg, syn1 = vecs * 2, vecs[:-1] * 3
    path = tmp_path / "m.w2v"
    _native(path, vecs, syn1neg=syn1neg, syn1=syn1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.w2v"]  # no temp files, no extension added
    words, counts, arrays, meta = load_native(path)
    assert words == WORDS and counts.tolist() == [5, 4, 3, 2, 1] and counts.dtype == np.int64
    assert np.array_equal(arrays["vectors"], vecs) and np.array_equal(arrays["syn1neg"], syn1neg)
    assert np.array_equal(arrays["syn1"], syn1)
    assert meta["format"] == "seqkit-w2v" and meta["format_version"] == FORMAT_VERSION
    assert meta["training"] == {"dim": 7} and formats.detect(path) == "native"
    with zipfile.ZipFile(path) as z:  # uncompressed
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_STORED}


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_round_trip_and_gensim_reads_ours(tmp_path, vecs, binary):
    from gensim.models import KeyedVectors as GensimKV

    path = tmp_path / "v"
    write_word2vec(path, WORDS, vecs, binary)
    kv = load_vectors(path)
    assert kv.words == WORDS and np.array_equal(kv.vectors, vecs)  # float32 exact, text too
    g = GensimKV.load_word2vec_format(str(path), binary=binary)
    assert g.index_to_key == WORDS and np.array_equal(g.vectors, vecs)


@pytest.mark.parametrize("binary", [False, True])
def test_we_read_gensims_files(tmp_path, vecs, binary):
    from gensim.models import KeyedVectors as GensimKV

    g = GensimKV(vecs.shape[1])
    g.add_vectors(WORDS, vecs)
    path = tmp_path / "g"
    g.save_word2vec_format(str(path), binary=binary)  # gensim's binary rows have no newline
    kv = load_vectors(path)
    assert kv.words == WORDS and np.allclose(kv.vectors, vecs, atol=1e-6)


def test_fasttext_vec_and_word2vec_c_text(tmp_path):
    # fastText .vec and word2vec.c text rows end with a space
    path = tmp_path / "x.vec"
    path.write_bytes("2 3\nété 0.1 0.2 0.3 \n</s> -1 0 1 \n".encode())
    kv = load_vectors(path)
    assert kv.words == ["été", "</s>"] and kv.vectors.tolist()[1] == [-1.0, 0.0, 1.0]


def test_native_and_word2vec_give_the_same_keyed_vectors(tmp_path, vecs):
    _native(tmp_path / "m", vecs)
    write_word2vec(tmp_path / "b", WORDS, vecs, True)
    a, b = load_vectors(tmp_path / "m"), load_vectors(tmp_path / "b")
    assert a.words == b.words and np.array_equal(a.vectors, b.vectors)
    assert a.counts.tolist() == [5, 4, 3, 2, 1] and b.counts is None


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_every_export_format_round_trips(tmp_path, vecs, fmt):
    path = tmp_path / "out.npy"
    files = export.export(path, WORDS, vecs, fmt)
    if fmt.startswith("word2vec"):
        kv = load_vectors(path)
        words, got = kv.words, kv.vectors
    elif fmt == "npy":
        assert [f.name for f in files] == ["out.npy", "out.words.txt"]
        got = np.load(path, allow_pickle=False)
        words = (tmp_path / "out.words.txt").read_text(encoding="utf-8").splitlines()
    elif fmt == "tsv":
        rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
        words, got = [r[0] for r in rows], np.array([r[1:] for r in rows], dtype=np.float32)
    else:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        words, got = [r["word"] for r in rows], np.array([r["vector"] for r in rows], dtype=np.float32)
    assert words == WORDS and np.array_equal(got, vecs)


def test_truncated_native_model(tmp_path, vecs):
    _native(tmp_path / "m", vecs)
    data = (tmp_path / "m").read_bytes()
    for cut in (10, len(data) // 2, len(data) - 5):
        (tmp_path / "t").write_bytes(data[:cut])
        with pytest.raises(ModelFormatError, match="truncated or corrupted"):
            load_vectors(tmp_path / "t")


def test_corrupted_byte_in_native_model_is_caught_by_crc(tmp_path, vecs):
    _native(tmp_path / "m", vecs)
    data = bytearray((tmp_path / "m").read_bytes())
    with zipfile.ZipFile(tmp_path / "m") as z:
        info = z.getinfo("vectors.npy")
    data[info.header_offset + 200] ^= 0xFF  # inside the vectors' bytes
    (tmp_path / "c").write_bytes(bytes(data))
    with pytest.raises(ModelFormatError):
        load_vectors(tmp_path / "c")


def test_zip_that_is_no_model(tmp_path):
    with zipfile.ZipFile(tmp_path / "wrong", "w") as z:
        z.writestr("x.npy", b"nonsense")
    with pytest.raises(ModelFormatError):
        load_vectors(tmp_path / "wrong")


def test_pickles_are_refused_without_being_run(tmp_path):
    class Boom:
        def __reduce__(self):
            return (exec, ("open('PWNED', 'w').write('x')",))

    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(ModelFormatError, match="pickle"):
        load_vectors(path)
    with pytest.raises(ModelFormatError, match="pickle"):
        load_native(path)
    # an .npz whose array is an object (pickled) array is refused too
    np.savez(tmp_path / "obj.npz", vectors=np.array([Boom()], dtype=object), words=np.zeros(1, np.uint8),
             counts=np.zeros(1, np.int64), meta=np.zeros(1, np.uint8))
    with pytest.raises(ModelFormatError):
        load_vectors(tmp_path / "obj.npz")
    assert not (tmp_path / "PWNED").exists()


def _payload(vecs):
    return {
        "vectors": vecs,
        "counts": np.ones(len(WORDS), np.int64),
        "words": np.frombuffer("\n".join(WORDS).encode(), np.uint8),
        "meta": np.frombuffer(json.dumps({"format": "seqkit-w2v", "format_version": 1}).encode(), np.uint8),
    }


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: p.update(vectors=p["vectors"][:3]), "corrupted"),
        (lambda p: p.update(vectors=p["vectors"].astype(np.float64)), "corrupted"),
        (lambda p: p.update(counts=np.ones(2, np.int64)), "corrupted"),
        (lambda p: p.update(syn1=np.zeros((2, 7), np.float32)), "syn1"),
        (lambda p: p.update(syn1neg=np.zeros((5, 7), np.float64)), "syn1neg"),
        (lambda p: p.update(meta=np.frombuffer(b'{"format": "seqkit-w2v", "format_version": 9}', np.uint8)), "newer seqkit"),
        (lambda p: p.update(meta=np.frombuffer(b'{"format": "other"}', np.uint8)), "not a seqkit"),
        (lambda p: p.update(meta=np.frombuffer(b"{not json", np.uint8)), "metadata"),
        (lambda p: p.pop("words"), "no 'words'"),
        (lambda p: p.update(words=np.frombuffer(b"a\na\nb\nc\nd", np.uint8)), "duplicate"),
        (lambda p: p.update(vectors=np.full((5, 7), np.nan, np.float32)), "NaN"),
    ],
)
def test_inconsistent_native_models(tmp_path, vecs, change, message):
    payload = _payload(vecs)
    change(payload)
    with open(tmp_path / "m", "wb") as f:
        np.savez(f, **payload)
    with pytest.raises(ModelFormatError, match=message):
        load_native(tmp_path / "m")


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("header", ["9 7", "3 7", "5 6", "5 8"])
def test_a_header_that_lies_about_the_size_is_detected(tmp_path, vecs, binary, header):
    path = tmp_path / "v"
    write_word2vec(path, WORDS, vecs, binary)
    data = path.read_bytes()
    path.write_bytes(header.encode() + data[data.index(b"\n") :])
    with pytest.raises(ModelFormatError, match="header says"):
        load_vectors(path)


@pytest.mark.parametrize("binary", [False, True])
def test_truncated_word2vec_file(tmp_path, vecs, binary):
    path = tmp_path / "v"
    write_word2vec(path, WORDS, vecs, binary)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ModelFormatError):
        read_word2vec(path)


@pytest.mark.parametrize("content", [b"", b"hello world\n", b"\x00\x01\x02", b"3 x\n"])
def test_files_that_are_no_vectors(tmp_path, content):
    (tmp_path / "f").write_bytes(content)
    with pytest.raises(ModelFormatError):
        load_vectors(tmp_path / "f")


def test_writers_refuse_words_they_cannot_store(tmp_path, vecs):
    with pytest.raises(ModelFormatError, match="whitespace"):
        write_word2vec(tmp_path / "v", ["a b"] + WORDS[1:], vecs, False)
    with pytest.raises(ModelFormatError, match="newline"):
        save_native(tmp_path / "m", ["a\nb"] + WORDS[1:], np.ones(5), {"vectors": vecs}, {})
    assert list(tmp_path.iterdir()) == []  # nothing half-written
