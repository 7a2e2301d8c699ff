"""Every reader against any bytes and against mutated valid files: it loads, or it raises a
SeqkitError; never another exception, and never more than MEMORY_BASE + MEMORY_PER_BYTE x its size
of allocations (measured with tracemalloc, which sees NumPy's buffers too).

The seeds are small valid files of each kind; hypothesis flips, inserts and deletes bytes, cuts
them short, or writes bytes of its own. Kept to a few seconds per reader (max_examples modest).
"""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqkit.cli import output
from seqkit.errors import SeqkitError

output.err  # the stderr console (rich) is made on first use: here, not inside a reader's measured allocations

MEMORY_BASE, MEMORY_PER_BYTE = 4 << 20, 8  # a reader allocates at most 4 MiB + 8 bytes per byte of input
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

_TMP = Path(tempfile.mkdtemp(prefix="seqkit-fuzz-"))


@st.composite
def mutated(draw, seed: bytes):
    """A valid file with a few bytes flipped, inserted or deleted, or cut short."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "cut", "digits"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif op == "cut":
            del data[at:]
        else:  # a long run of digits: headers, counts and ids that claim huge sizes
            data[at:at] = draw(st.sampled_from([b"9" * 13, b"99999999999", b"1" * 30, b"-1", b"1e12"]))
    return bytes(data)


def inputs(seed: bytes):
    return st.one_of(st.binary(max_size=2048), mutated(seed))


def check(read, path: Path) -> None:
    """``read(path)`` loads or raises a SeqkitError, within the memory bound."""
    size = sum(p.stat().st_size for p in path.iterdir()) if path.is_dir() else path.stat().st_size
    tracemalloc.start()
    try:
        read(path)
    except SeqkitError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < MEMORY_BASE + MEMORY_PER_BYTE * size, f"{peak:,} bytes allocated for a {size:,}-byte input"


def _write(name: str, data: bytes) -> Path:
    path = _TMP / name
    path.write_bytes(data)
    return path


# -- word vectors ------------------------------------------------------------------------------------
WORDS = ["the", "film", "café", "good", "bad"]
VECTORS = np.arange(20, dtype=np.float32).reshape(5, 4) / 7


def _w2v_seed(binary: bool) -> bytes:
    from seqkit.embed.formats import write_word2vec

    path = _TMP / ("seed.bin" if binary else "seed.txt")
    write_word2vec(path, WORDS, VECTORS, binary=binary)
    return path.read_bytes()


def _native_seed() -> bytes:
    from seqkit.embed.formats import save_native

    path = _TMP / "seed.w2v"
    save_native(path, WORDS, np.array([9, 5, 3, 2, 1]), {"vectors": VECTORS, "syn1neg": VECTORS}, {"training": {}})
    return path.read_bytes()


def _load_vectors(path):
    from seqkit.embed.keyed import load_vectors

    kv = load_vectors(path)
    kv.most_similar([kv.words[0]], topn=2)


@FUZZ
@given(inputs(_w2v_seed(binary=False)))
def test_word2vec_text(data):
    check(_load_vectors, _write("v.txt", data))


@FUZZ
@given(inputs(_w2v_seed(binary=True)))
def test_word2vec_binary(data):
    check(_load_vectors, _write("v.bin", data))


@FUZZ
@given(inputs(b"5 4 \n" + _w2v_seed(binary=False).split(b"\n", 1)[1]))
def test_fasttext_vec(data):
    check(_load_vectors, _write("v.vec", data))


@FUZZ
@given(inputs(_native_seed()))
def test_native_model(data):
    check(_load_vectors, _write("v.w2v", data))


def test_native_model_claiming_a_huge_member_is_refused_unallocated():
    """An .npy member whose header claims 10^12 x 16 floats in a file of a few hundred bytes."""
    import zipfile

    header = np.lib.format.header_data_from_array_1_0(np.zeros((1, 16), np.float32))
    header["shape"] = (10**12, 16)
    raw = io.BytesIO()
    np.lib.format.write_array_header_1_0(raw, header)
    path = _TMP / "huge.w2v"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("vectors.npy", raw.getvalue() + b"\0" * 64)
    check(_load_vectors, path)
    from seqkit.embed.keyed import load_vectors

    with pytest.raises(SeqkitError, match="claims shape|not float32 of its stored size"):  # read, or mapped
        load_vectors(path)


def test_compressed_bomb_is_refused_before_inflating():
    """A member that deflates a thousandfold (the issue's 1.8 MB file that took 3.6 GB)."""
    import zipfile

    path = _TMP / "bomb.w2v"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        buf = io.BytesIO()
        np.save(buf, np.zeros((4096, 1024), np.float32))  # 16 MiB of zeros, about 16 KiB compressed
        z.writestr("vectors.npy", buf.getvalue())
    from seqkit.embed.keyed import load_vectors

    with pytest.raises(SeqkitError, match="inflate"):
        load_vectors(path)


# -- corpus folders ----------------------------------------------------------------------------------
def _corpus_seed() -> Path:
    from seqkit.text.preprocess import PreprocessOptions, preprocess

    text = _TMP / "corpus.txt"
    text.write_text("the film was good\nthe film was bad\nbad film\n" * 3)
    return preprocess([str(text)], _TMP / "seed.corpus", PreprocessOptions(min_count=1)).path


CORPUS = _corpus_seed()
CORPUS_FILES = {name: (CORPUS / name).read_bytes() for name in ("vocab.tsv", "ids.npy", "offsets.npy", "meta.json")}


def _load_corpus(path):
    from seqkit.text.corpus import EncodedCorpus, restrict
    from seqkit.text.preprocess import corpus_stats

    corpus = EncodedCorpus.load(path)
    corpus_stats(corpus)
    restrict(corpus, 2)
    list(corpus.documents())


@FUZZ
@given(st.sampled_from(sorted(CORPUS_FILES)).flatmap(lambda name: st.tuples(st.just(name), inputs(CORPUS_FILES[name]))))
def test_corpus_folder(case):
    name, data = case
    folder = _TMP / "fuzz.corpus"
    folder.mkdir(exist_ok=True)
    for other, content in CORPUS_FILES.items():
        (folder / other).write_bytes(data if other == name else content)
    check(_load_corpus, folder)


# -- classifier models --------------------------------------------------------------------------------
def _classifier(arch: str = "gru"):
    from seqkit.models.bundle import TrainedClassifier
    from seqkit.models.classifier import ClassifierConfig, SequenceClassifier
    from seqkit.models.data import TextOptions

    words = ["<pad>", "<unk>", "good", "bad"]
    config = ClassifierConfig(vocab_size=4, n_classes=2, arch=arch, embed_dim=4, hidden=3, ffn=4, heads=2, max_len=8)
    return TrainedClassifier(SequenceClassifier(config, np.random.default_rng(0)), words, ["neg", "pos"], TextOptions(max_len=8))


def _classifier_seed(arch: str) -> bytes:
    path = _TMP / f"seed-{arch}.npz"
    _classifier(arch).save(path)
    return path.read_bytes()


def _use_classifier(path):
    from seqkit.models.bundle import TrainedClassifier

    TrainedClassifier.load(path).predict_proba(["good film", "bad bad", ""])


@FUZZ
@given(st.sampled_from(["gru", "transformer"]).flatmap(lambda arch: inputs(_classifier_seed(arch))))
def test_classifier_model_bytes(data):
    check(_use_classifier, _write("c.npz", data))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def _meta_paths(meta, prefix=()):
    if isinstance(meta, dict):
        for k, v in meta.items():
            yield prefix + (k,)
            yield from _meta_paths(v, prefix + (k,))


@FUZZ
@given(st.data())
def test_classifier_metadata(data):
    """Any entry of the metadata (vocab_size 10^11, max_len 10^10, labels, normalize, ...) replaced."""
    from seqkit.models import io as model_io
    from seqkit.models.bundle import PARAM_PREFIX

    clf = _classifier(data.draw(st.sampled_from(["gru", "transformer"])))
    meta = json.loads(json.dumps(clf._meta()))
    meta["checkpoint"] = {"state": {"epoch": 1, "step": 2, "best_epoch": 1, "best_score": 0.5, "bad_epochs": 0,
                                    "history": [], "train_seconds": 1.0}, "train_config": {}}
    paths = list(_meta_paths(meta))
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(paths))
        node = meta
        for key in where[:-1]:
            node = node[key] if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node[where[-1]] = data.draw(JSON_VALUES | st.sampled_from([10**11, 10**10, 0, -1, 2**63]))
    arrays = {PARAM_PREFIX + k: v for k, v in clf.model.state_dict().items()}
    arrays["optim/t"] = np.array(3)
    path = _TMP / "meta.npz"
    model_io.save_arrays(path, arrays, meta)

    def load_both(p):
        from seqkit.models.bundle import TrainedClassifier

        try:
            _use_classifier(p)
        finally:
            TrainedClassifier.load_checkpoint(p)

    check(load_both, path)


# -- labelled data -----------------------------------------------------------------------------------
LABELLED = {
    "tsv": b"label\ttext\npos\ta good film\nneg\ta bad one\n",
    "csv": b'label,text\npos,"a good, long film"\nneg,bad\n',
    "jsonl": b'{"label": "pos", "text": "good"}\n{"label": "neg", "text": "bad"}\n',
    "fasttext": b"__label__pos a good film\n__label__neg bad\n",
}


def _read_labelled(fmt):
    from seqkit.datasets.labeled import read_labeled

    return lambda path: read_labeled(str(path), format=fmt)


@FUZZ
@given(st.sampled_from(sorted(LABELLED)).flatmap(lambda fmt: st.tuples(st.just(fmt), inputs(LABELLED[fmt]))))
def test_labelled_formats(case):
    fmt, data = case
    check(_read_labelled(fmt), _write(f"l.{fmt}", data))
    check(_read_labelled("auto"), _write(f"auto.{fmt}", data))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tsv"])
def test_labelled_extremes(fmt):
    """What random bytes rarely reach: JSON nested 100,000 deep, a 1 MiB field, a line of NULs."""
    for data in (b"[" * 100_000 + b"]" * 100_000 + b"\n", b'label,text\npos,"' + b"x" * (1 << 20) + b'"\n',
                 b"label\ttext\n" + b"\0" * 4096 + b"\n"):
        check(_read_labelled(fmt), _write(f"x.{fmt}", data))


def _tarball(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


IMDB_SEED = _tarball([("aclImdb/train/pos/1_9.txt", b"great"), ("aclImdb/train/neg/2_1.txt", b"awful"),
                      ("aclImdb/test/pos/3_8.txt", b"fine")])
MEMBER_NAMES = st.one_of(
    st.builds(lambda s, l, i, r: f"aclImdb/{s}/{l}/{i}_{r}.txt", st.sampled_from(["train", "test", "x"]),
              st.sampled_from(["pos", "neg", "unsup"]), st.sampled_from(["1", "9" * 5000, "0" * 12, "-1", "١٢"]),
              st.sampled_from(["1", "10", "999"])),
    st.text(max_size=30),
)


@FUZZ
@given(st.one_of(inputs(IMDB_SEED), st.lists(st.tuples(MEMBER_NAMES, st.binary(max_size=64)), max_size=4).map(_tarball)))
def test_imdb_tarball(data):
    from seqkit.datasets.imdb import read_split

    check(lambda p: read_split(str(p)), _write("imdb.tar.gz", data))


def _warm_up() -> None:
    """Run each reader once on a valid file, so that imports and first-use compilation (Numba kernels
    of the recurrent layers) are not counted as the allocations of the first fuzzed input."""
    from seqkit.datasets.imdb import read_split

    for read, name, data in [(_load_vectors, "w.txt", _w2v_seed(False)), (_load_vectors, "w.w2v", _native_seed()),
                             (_use_classifier, "w-gru.npz", _classifier_seed("gru")),
                             (_use_classifier, "w-tr.npz", _classifier_seed("transformer")),
                             (lambda p: read_split(str(p)), "w.tar.gz", IMDB_SEED),
                             *[(_read_labelled(f), f"w.{f}", d) for f, d in LABELLED.items()]]:
        read(_write(name, data))
    _load_corpus(CORPUS)


_warm_up()


# -- fastText supervised and quantized models -----------------------------------------------------------
_FASTTEXT = Path(__file__).resolve().parents[1] / "formats" / "data"


def _fasttext_predict(path):
    from seqkit.models.loading import load_classifier

    clf = load_classifier(path)
    clf.predict_top(["w1 w2 café unknown", ""], 2)
    clf.predict_proba(["w3 w4"])


@FUZZ
@pytest.mark.parametrize("name", ["tiny.bin", "tiny_hs.ftz"])
@given(data=st.data())
def test_fasttext_model(name, data):
    seed = (_FASTTEXT / name).read_bytes()
    check(_fasttext_predict, _write(name, data.draw(inputs(seed))))
