"""Character n-grams and fastText's hash: fastText's own values, its n-gram order, the CSR rows."""

import numpy as np
import pytest

from seqkit.embed.subwords import SubwordConfig, bucket_ids, fnv1a, ngrams, word_rows
from seqkit.errors import OptionError

# Printed by fastText's Dictionary::hash (copied verbatim from dictionary.cc into a 10-line C++
# program, g++ -std=c++17): bytes >= 0x80 are sign-extended, which the non-ASCII strings exercise.
FASTTEXT_HASHES = {
    "": 2166136261,
    "a": 3826002220,
    "<th": 1619151151,
    "the>": 2502060934,
    "<the>": 4243648960,
    "café": 1970454601,
    "<naï": 785907692,
    "ñ>": 4244053829,
    "日本": 4164387409,
    "<日本語>": 3036524609,
    "Привет": 3731969375,
}


@pytest.mark.parametrize("text, expected", FASTTEXT_HASHES.items())
def test_hash_is_fasttexts(text, expected):
    assert fnv1a(text.encode("utf-8")) == expected


def test_unsigned_bytes_would_give_other_hashes():
    """The sign extension matters: hashing bytes as unsigned (plain FNV-1a) differs on non-ASCII."""
    def unsigned(data):
        h = 2166136261
        for b in data:
            h = ((h ^ b) * 16777619) & 0xFFFFFFFF
        return h

    assert unsigned("café".encode()) != FASTTEXT_HASHES["café"]
    assert unsigned(b"<th") == FASTTEXT_HASHES["<th"]


def test_ngrams_of_where_as_in_the_paper():
    assert ngrams("where", 3, 3) == [b"<wh", b"whe", b"her", b"ere", b"re>"]
    assert ngrams("ab", 1, 6) == [b"<a", b"<ab", b"<ab>", b"a", b"ab", b"ab>", b"b", b"b>"]  # no '<' or '>' alone


def test_ngrams_count_characters_not_bytes():
    grams = ngrams("naïf", 3, 3)
    assert grams == [g.encode() for g in ["<na", "naï", "aïf", "ïf>"]]
    assert ngrams("</s>", 3, 6) == []  # fastText's end-of-sentence word has none


def test_bucket_ids_reduce_the_hash():
    ids = bucket_ids("where", 3, 4, 1000)
    assert ids == [fnv1a(g) % 1000 for g in ngrams("where", 3, 4)]
    assert all(0 <= i < 1000 for i in ids)


@pytest.mark.parametrize("minn, maxn", [(3, 6), (1, 2), (2, 5), (4, 4)])
def test_word_rows_match_the_slow_lists(minn, maxn):
    words = ["the", "café", "a", "日本語", "</s>", "naïveté", "x" * 12, "ab"]
    cfg = SubwordConfig(minn, maxn, 997)
    offsets, rows = word_rows(words, len(words), cfg)
    assert offsets.shape == (len(words) + 1,) and rows.dtype == np.int32
    for k, w in enumerate(words):
        expected = [k] + [len(words) + b for b in bucket_ids(w, minn, maxn, 997)]
        assert rows[offsets[k] : offsets[k + 1]].tolist() == expected


def test_word_rows_without_own_rows_for_unknown_words():
    offsets, rows = word_rows(["zebra", "café"], 50, SubwordConfig(3, 6, 100), own_rows=np.array([-1, 7]))
    assert rows[: offsets[1]].tolist() == [50 + b for b in bucket_ids("zebra", 3, 6, 100)]
    assert rows[offsets[1]] == 7


@pytest.mark.parametrize("kwargs, text", [
    (dict(minn=5, maxn=3), "--minn (5) must not be larger than --maxn (3)"),
    (dict(minn=0), "--minn must be at least 1"),
    (dict(maxn=65), "--maxn must be at most 64"),
    (dict(buckets=0), "--buckets must be between 1"),
    (dict(buckets=2**31), "--buckets must be between 1"),
])
def test_bad_subword_options(kwargs, text):
    with pytest.raises(OptionError, match=text.replace("(", r"\(").replace(")", r"\)")):
        SubwordConfig(**kwargs)  # checked when built
