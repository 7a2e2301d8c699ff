"""The ASCII scanner against the regex path: same words, same first-seen ids, same lengths."""

import itertools
import json
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqkit.text.fast_encode import DISABLE_ENV, ScanEncoder, encode_batch_fast, scan_config
from seqkit.text.normalize import Normalizer, NormalizeOptions
from seqkit.text import preprocess as pp
from seqkit.text.preprocess import PreprocessOptions, preprocess

TRICKY = [
    "", " ", "...", "!?;:-", "'", "''", "'a'", "a'", "'a", "don't", "rock'n'roll", "o''k", "a'_b",
    "3.14", "1,000", "1,000,000.5", "a.b", "a.5", "3.", ".5", "3..4", "3,a", "a,1", "x.1.2.y",
    "snake_case_name", "__init__", "_a_", "UPPER Case MiXeD", "ABC'DEF", "1950s mp3 R2D2",
    "<br />line<br/>break", "a<b>c</b>d", "1 < 2 and 3 > 2", "<<b>>", "a<b", "a>b", "<>", "<a<b>",
    "x<" + "y" * 2000 + ">z", "x<" + "y" * 2001 + ">z", "<" * 3000 + "w", "tab\tnew\nline\r\x0bend",
    "a&amp;b", "see http://x.org/a now", "www.site.com", "WWW.SITE.COM", "Www.site.com", "me@x.org",
    "ftp://files", "url: //no", "<url> <num> <email>", "café", "naïve <b>résumé</b>", "it’s", "lone \udc80 surrogate",
]


def regex_encode(texts, options):
    """The reference: Normalizer.tokenize, then ids in first-seen order."""
    index = defaultdict(itertools.count().__next__)
    tokenize = Normalizer(options).tokenize
    ids, lengths = [], []
    for text in texts:
        tokens = tokenize(text)
        ids.extend(index[t] for t in tokens)
        lengths.append(len(tokens))
    return list(index), ids, lengths


def fast_encode(texts, options):
    cfg = scan_config(options)
    assert cfg is not None
    words, ids, lengths = encode_batch_fast(texts, cfg, Normalizer(options).tokenize)
    return words, ids.tolist(), lengths.tolist()


OPTIONS = [
    NormalizeOptions(),
    NormalizeOptions(lowercase=False),
    NormalizeOptions(html=False),
    NormalizeOptions(urls="keep"),
    NormalizeOptions(urls="drop", html=False),
    NormalizeOptions(html=False, lowercase=False, urls="keep"),
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_tricky_texts_one_by_one_and_together(options):
    for text in TRICKY:
        assert fast_encode([text], options) == regex_encode([text], options), text
    assert fast_encode(TRICKY, options) == regex_encode(TRICKY, options)
    assert fast_encode(TRICKY[::-1] * 2, options) == regex_encode(TRICKY[::-1] * 2, options)


def test_options_the_scanner_does_not_do_use_the_regex():
    for options in (NormalizeOptions(numbers="token"), NormalizeOptions(punct="keep"), NormalizeOptions(symbols="keep")):
        assert scan_config(options) is None


def test_disabled_by_environment(monkeypatch):
    monkeypatch.setenv(DISABLE_ENV, "1")
    assert scan_config(NormalizeOptions()) is None


_ALPHABET = "aAbZW09 '.,_<>/&@:w\t\n-é’"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=_ALPHABET, max_size=40), max_size=6), st.sampled_from(OPTIONS))
def test_random_texts_match_the_regex(texts, options):
    assert fast_encode(texts, options) == regex_encode(texts, options)


def test_a_batch_of_many_words_grows_the_table():
    texts = [" ".join(f"w{i}x{j}" for j in range(300)) for i in range(200)] + ["W0X0 w199X299"]
    assert fast_encode(texts, NormalizeOptions()) == regex_encode(texts, NormalizeOptions())


@pytest.mark.parametrize("workers", [1, 2])
def test_preprocess_writes_the_same_corpus_with_and_without_the_scanner(tmp_path, monkeypatch, workers):
    lines = ["The cat's <br />mat, 3.14 cats.", "Café crème &amp; the cat", "see www.cat.com the CAT",
             "", "naïve cats don't", "the mat_x 1,000 <i>cat</i>", "new words late: zebra yak"] * 7
    src = tmp_path / "mixed.txt"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    options = PreprocessOptions(min_count=1, max_doc_tokens=3)
    monkeypatch.setattr(pp, "_SCAN_MIN_BYTES", 0)  # the scanner even for a small input
    monkeypatch.setattr(pp, "_BATCH_CHARS", 100)  # many batches: words first seen in later ones
    scanned = []
    monkeypatch.setattr(ScanEncoder, "encode", lambda self, texts, real=ScanEncoder.encode: scanned.append(1) or real(self, texts))
    preprocess([str(src)], tmp_path / "fast", options, workers=workers)
    assert len(scanned) > 3 or workers > 1  # worker processes do not see the spy
    monkeypatch.setenv(DISABLE_ENV, "1")
    n_scanned = len(scanned)
    preprocess([str(src)], tmp_path / "regex", options, workers=1)
    assert len(scanned) == n_scanned
    for name in ("vocab.tsv", "ids.npy", "offsets.npy"):
        assert (tmp_path / "fast" / name).read_bytes() == (tmp_path / "regex" / name).read_bytes(), name
    metas = [json.loads((tmp_path / name / "meta.json").read_text()) for name in ("fast", "regex")]
    for meta in metas:
        meta.pop("seconds")
    assert metas[0] == metas[1]
    assert len(np.load(tmp_path / "fast" / "ids.npy")) > 50
