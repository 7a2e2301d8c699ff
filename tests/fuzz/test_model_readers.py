"""Round 2's readers against mutated and crafted files: fastText .bin (header fields and body),
native subword models, linear classifier files, and the `--cluster` address parser. Each loads and
answers a query with finite numbers, or raises a SeqkitError; never another exception, never NaN
printed as a result, and within test_readers.py's memory bound."""

from __future__ import annotations

import json
import struct

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from seqkit.errors import OptionError, SeqkitError
from tests.fuzz.test_readers import _TMP, FUZZ, check, inputs, _write

WORDS = ["the", "film", "café", "good", "bad"]
OWN = (np.arange(20, dtype=np.float32).reshape(5, 4) - 10) / 7  # (5, 4) the words' own rows
NGRAMS = np.cos(np.arange(64, dtype=np.float32)).reshape(16, 4)  # (16, 4) n-gram rows, 16 buckets


def _subword_kv():
    from seqkit.embed.keyed import KeyedVectors
    from seqkit.embed.subwords import NgramVectors, SubwordConfig

    ngrams = NgramVectors(SubwordConfig(2, 3, 16), NGRAMS)
    return KeyedVectors(WORDS, OWN.copy(), np.array([9, 5, 3, 2, 1]), {}, source="seed", ngrams=ngrams, own_rows=OWN)


def _bin_seed() -> bytes:
    from seqkit.embed.fasttext_bin import write_fasttext_bin

    path = _TMP / "seed-ft.bin"
    write_fasttext_bin(path, _subword_kv())
    return path.read_bytes()


def _native_subword_seed() -> bytes:
    from seqkit.embed.formats import save_native

    path = _TMP / "seed-sub.w2v"
    arrays = {"vectors": OWN, "vectors_vocab": OWN, "ngrams": NGRAMS, "trained_buckets": np.packbits(np.ones(16, bool))}
    save_native(path, WORDS, np.array([9, 5, 3, 2, 1]), arrays,
                {"training": {"preprocess": {"normalize": {"lowercase": True}}}, "subwords": {"minn": 2, "maxn": 3, "buckets": 16}})
    return path.read_bytes()


def _query_vectors(path):
    """Load, then the queries a user makes: a known word, an unknown one (its n-grams), neighbours."""
    from seqkit.embed.keyed import document_tokenizer, load_vectors

    kv = load_vectors(path)
    vectors = [kv.vector(kv.words[0])]
    for word in ("filmic", "zq"):
        try:
            vectors.append(kv.vector(word))
        except SeqkitError:
            pass
    assert all(np.isfinite(v).all() for v in vectors)  # no NaN printed as a result
    assert all(np.isfinite(s) for _, s in kv.most_similar([kv.words[0]], topn=2))
    document_tokenizer(kv)("the film")


BIN = _bin_seed()
# (offset, struct format) of every header field: magic, version, the 12 int32 arguments, t, and the
# dictionary header (size, nwords, nlabels, ntokens, pruneidx_size); then the input matrix's rows, cols
_ENTRIES = sum(len(w.encode()) + 10 for w in WORDS)
HEADER_FIELDS = ([(0, "<i"), (4, "<i")] + [(8 + 4 * i, "<i") for i in range(12)] + [(56, "<d")]
                 + [(64, "<i"), (68, "<i"), (72, "<i"), (76, "<q"), (84, "<q")]
                 + [(92 + _ENTRIES + 1, "<q"), (92 + _ENTRIES + 9, "<q")])
EXTREMES = [0, 1, -1, 2, 3, 64, 65, 1000, 10_000, 10_001, 100_000, 2**31 - 1, -(2**31)]


@st.composite
def bin_header(draw):
    """The seed .bin with one or two header fields set to extreme or arbitrary values."""
    data = bytearray(BIN)
    for _ in range(draw(st.integers(1, 2))):
        offset, fmt = draw(st.sampled_from(HEADER_FIELDS))
        if fmt == "<d":
            value = draw(st.floats(allow_nan=True, allow_infinity=True))
        else:
            bits = 31 if fmt == "<i" else 63
            value = draw(st.one_of(st.sampled_from(EXTREMES), st.integers(-(2**bits), 2**bits - 1)))
        struct.pack_into(fmt, data, offset, value)
    return bytes(data)


def test_the_seeds_are_valid():
    _query_vectors(_write("ok.bin", BIN))
    _query_vectors(_write("ok.w2v", _native_subword_seed()))
    _predict(_write("ok.npz", _linear_seed()))


@FUZZ
@given(st.one_of(bin_header(), inputs(BIN)))
def test_fasttext_bin(data):
    check(_query_vectors, _write("f.bin", data))


@FUZZ
@given(st.one_of(bin_header(), inputs(BIN)).map(lambda d: d[:-16 * 4] + np.full(16, np.nan, "<f4").tobytes()))
def test_fasttext_bin_with_nan_rows(data):
    check(_query_vectors, _write("fn.bin", data))


@FUZZ
@given(inputs(_native_subword_seed()))
def test_native_subword_model(data):
    check(_query_vectors, _write("s.w2v", data))


def _rewrite_meta(seed: bytes, key: str, edit, edit_arrays=None) -> bytes:
    """An .npz seed whose JSON metadata member ``key`` went through ``edit`` (and its arrays through
    ``edit_arrays``)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(seed)) as z:
        arrays = {n.removesuffix(".npy"): np.load(io.BytesIO(z.read(n)), allow_pickle=False) for n in z.namelist()}
    meta = json.loads(arrays[key].tobytes())
    edit(meta)
    arrays[key] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    if edit_arrays is not None:
        edit_arrays(arrays)
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


SUBWORD_SETTINGS = st.fixed_dictionaries({k: st.one_of(st.sampled_from(EXTREMES + [2**63]), st.integers(), st.text(max_size=3))
                                          for k in ("minn", "maxn", "buckets")})
NORMALIZE = st.dictionaries(st.sampled_from(["lowercase", "html", "urls", "bogus"]),
                            st.one_of(st.booleans(), st.sampled_from(["token", "keep", "x"]), st.integers()))


@FUZZ
@given(SUBWORD_SETTINGS, NORMALIZE)
@example({"minn": 3, "maxn": 6, "buckets": 0}, {})  # round 2's ZeroDivisionError
@example({"minn": 2, "maxn": 3, "buckets": 16}, {"bogus": 1})  # and its TypeError in `vectors --docs`
@example({"minn": 1, "maxn": 1000, "buckets": 16}, {})
def test_native_subword_metadata(settings, normalize):
    def edit(meta):
        meta["subwords"] = settings
        meta["training"]["preprocess"]["normalize"] = normalize

    def consistent(arrays):  # n-gram rows and trained buckets that match the claimed count, as a crafted file has
        b = settings["buckets"]
        if isinstance(b, int) and 0 <= b <= 64:
            arrays["ngrams"] = np.ones((b, 4), np.float32)
            arrays["trained_buckets"] = np.packbits(np.ones(b, bool))

    check(_query_vectors, _write("m.w2v", _rewrite_meta(_native_subword_seed(), "meta", edit, consistent)))


# -- linear classifier files ------------------------------------------------------------------------
def _linear_seed() -> bytes:
    from seqkit.models.linear.config import LinearConfig
    from seqkit.models.linear.model import LinearClassifier

    words = ["good", "bad", "film"]
    keys = np.arange(1, 4, dtype=np.int64) * 7919
    model = LinearClassifier(
        LinearConfig(dim=4, word_ngrams=2, buckets=64), "softmax", words, np.arange(3, dtype=np.int32), keys,
        np.array([5, 9], np.int64), np.sin(np.arange(24, dtype=np.float32)).reshape(6, 4),
        np.cos(np.arange(8, dtype=np.float32)).reshape(2, 4), ["neg", "pos"], np.array([3, 3]))
    path = _TMP / "seed-linear.npz"
    model.save(path)
    return path.read_bytes()


def _predict(path):
    from seqkit.models.linear.model import LinearClassifier

    P = LinearClassifier.load(path).predict_proba(["good film", "", "bad bad film " * 3], threads=1)
    assert P.shape[0] == 3 and np.isfinite(P).all() and P.min() >= 0 and P.max() <= 1  # never NaN as a probability


LINEAR = _linear_seed()
ARCH_FIELDS = st.dictionaries(
    st.sampled_from(["dim", "word_ngrams", "buckets", "loss", "lr", "epochs", "eos", "normalize", "seed", "threads"]),
    st.one_of(st.sampled_from(EXTREMES + [2**63, 10**12, "hs", "ova", None]), st.floats(), st.booleans()),
    max_size=3)


@FUZZ
@given(inputs(LINEAR))
def test_linear_model_bytes(data):
    check(_predict, _write("l.npz", data))


@FUZZ
@given(ARCH_FIELDS)
def test_linear_model_metadata(fields):
    check(_predict, _write("lm.npz", _rewrite_meta(LINEAR, "__meta__", lambda m: m["architecture"].update(fields))))


def test_linear_model_with_nan_rows_prints_no_probability():
    data = bytearray(LINEAR)
    rows = np.sin(np.arange(24, dtype=np.float32)).tobytes()
    at = bytes(data).find(rows)
    assert at > 0
    data[at + 5 * 16: at + 6 * 16] = np.full(4, np.nan, np.float32).tobytes()  # the end-of-text row every text uses
    path = _write("ln.npz", bytes(data))
    try:
        _predict(path)
        raise AssertionError("a model with NaN rows predicted")
    except SeqkitError as e:
        assert "NaN" in str(e)


# -- --cluster addresses ----------------------------------------------------------------------------
@FUZZ
@given(st.one_of(st.text(max_size=40), st.from_regex(r"(tcp|tls|ucx|inproc|ws)?(://)?[a-z0-9.:\[\]²]{0,20}", fullmatch=True),
                 st.from_regex(r"local(:[0-9²٣]{0,8})?", fullmatch=True)))
def test_cluster_address(address):
    from seqkit.cluster.address import machine_cores, parse_cluster
    from seqkit.limits import MAX_LOCAL_WORKERS

    try:
        parsed = parse_cluster(address)
    except OptionError as e:
        assert address in str(e) or "local:" in str(e) or "--cluster" in str(e)
        return
    if parsed.workers is not None:
        assert 1 <= parsed.workers <= min(machine_cores(), MAX_LOCAL_WORKERS)
    else:
        host, port = parsed.scheduler.removeprefix("tcp://").rsplit(":", 1)
        assert host and port.isascii() and 1 <= int(port) <= 65535
