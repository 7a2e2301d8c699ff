"""Character n-grams of words, hashed into buckets exactly as fastText does (dictionary.cc), so that
models are interchangeable with fastText and gensim.

A word ``w`` is wrapped as ``<w>``; its n-grams are the substrings of n = minn..maxn characters
(UTF-8 characters: continuation bytes never start or split an n-gram), in order of start, then
length; a 1-gram that is the ``<`` or the ``>`` alone is left out. Each n-gram's bytes are hashed
with 32-bit FNV-1a, each byte read as a *signed* char (``uint32_t(int8_t(c))``: bytes >= 0x80 are
sign-extended, which changes the hash of every non-ASCII n-gram), and the hash modulo ``buckets``
picks the row ``nwords + hash % buckets`` of the input matrix. The end-of-sentence word ``</s>``
has no n-grams (as in fastText).

`word_rows` returns every word's input rows (its own row first, then its n-grams' rows) in CSR
form, vectorized in NumPy; `ngrams` and `fnv1a` are the slow, obvious versions, used for single
words and in tests. No numba here: queries on out-of-vocabulary words use this module too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqkit.errors import InputError, ModelFormatError, OptionError
from seqkit.fast.fnv import FNV32_OFFSET, FNV32_PRIME, fnv1a32
from seqkit.limits import MAX_BUCKETS, MAX_OOV_WORD_CHARS

FNV_OFFSET, FNV_PRIME = FNV32_OFFSET, FNV32_PRIME  # old names
EOS = "</s>"  # fastText's end-of-sentence word: no n-grams
EOS_BYTES = EOS.encode()
MAX_N = 64  # longest n-gram seqkit accepts (fastText sets no bound; longer ones only cost memory)


@dataclass(frozen=True)
class SubwordConfig:
    minn: int = 3  # shortest character n-gram (fastText and gensim: 3)
    maxn: int = 6  # longest character n-gram (fastText and gensim: 6)
    buckets: int = 2_000_000  # hash buckets: rows of the n-gram matrix (fastText and gensim: 2,000,000)

    def to_dict(self) -> dict:
        return {"minn": self.minn, "maxn": self.maxn, "buckets": self.buckets}

    def __post_init__(self):  # checked when built, as every config
        if self.minn < 1:
            raise OptionError(f"--minn must be at least 1, not {self.minn}")
        if self.maxn > MAX_N:
            raise OptionError(f"--maxn must be at most {MAX_N}, not {self.maxn}")
        if self.minn > self.maxn:
            raise OptionError(f"--minn ({self.minn}) must not be larger than --maxn ({self.maxn})")
        if not 1 <= self.buckets <= MAX_BUCKETS:
            raise OptionError(f"--buckets must be between 1 and {MAX_BUCKETS:,}, not {self.buckets}")

    @classmethod
    def stated(cls, path, minn: int, maxn: int, buckets: int) -> "SubwordConfig":
        """The settings a model file states; ModelFormatError naming ``path`` where they are impossible."""
        try:
            return cls(minn, maxn, buckets)
        except OptionError as e:
            raise ModelFormatError(f"{path} is corrupted: impossible subword settings ({e})") from None

    def check(self) -> None:
        """Kept for callers of this name: a config is checked when it is built."""
        self.__post_init__()


fnv1a = fnv1a32  # fastText's hash (seqkit/fast/fnv.py), kept under its old name


def ngrams(word: str, minn: int, maxn: int) -> list[bytes]:
    """The n-grams of ``<word>`` as UTF-8 bytes, in fastText's order (computeSubwords)."""
    if word == EOS:
        return []
    return ngram_bytes(("<" + word + ">").encode("utf-8"), minn, maxn)


def ngram_bytes(b: bytes, minn: int, maxn: int) -> list[bytes]:
    """The n-grams of the bytes ``b`` (a word already wrapped in ``<`` and ``>``), as computeSubwords."""
    out = []
    for i in range(len(b)):
        if b[i] & 0xC0 == 0x80:
            continue
        j, n = i, 1
        while j < len(b) and n <= maxn:
            j += 1
            while j < len(b) and b[j] & 0xC0 == 0x80:
                j += 1
            if n >= minn and not (n == 1 and (i == 0 or j == len(b))):
                out.append(b[i:j])
            n += 1
    return out


def bucket_ids(word: str, minn: int, maxn: int, buckets: int) -> list[int]:
    """Bucket of each n-gram of ``word`` (0..buckets-1; add nwords for the input-matrix row)."""
    return [fnv1a(g) % buckets for g in ngrams(word, minn, maxn)]


def word_rows(words: list[str] | list[bytes], nwords: int, cfg: SubwordConfig, own_rows: np.ndarray | None = None,
              ) -> tuple[np.ndarray, np.ndarray]:
    """Input rows of each word in CSR form: (offsets (W+1,) int64, rows (R,) int32), the rows of
    word k being ``rows[offsets[k]:offsets[k+1]]``: its own row ``own_rows[k]`` first (default k;
    -1: none, for out-of-vocabulary words), then ``nwords + bucket`` of each n-gram in fastText's order."""
    own = np.arange(len(words), dtype=np.int64) if own_rows is None else np.asarray(own_rows, np.int64)
    starts, lengths, data, word_of_char, char_in_word, chars_per_word = _char_layout(words)
    n_cols = cfg.maxn - cfg.minn + 1
    grid = np.full((len(starts), n_cols), -1, dtype=np.int64)  # (C, n) bucket of the n-gram at char c, or -1
    starts_ext = np.append(starts, len(data))  # (C+1,) byte offset of each char, then the end
    for col, n in enumerate(range(cfg.minn, cfg.maxn + 1)):
        last = char_in_word + n  # char index (in the word) just after the n-gram
        ok = last <= chars_per_word[word_of_char]
        if n == 1:
            ok &= (char_in_word != 0) & (last != chars_per_word[word_of_char])
        c = np.nonzero(ok)[0]
        if len(c) == 0:
            continue
        end = starts_ext[c + n]  # words lie end to end: a word's end is the next word's first char
        grid[c, col] = _hash_ranges(data, starts[c], end) % np.uint64(cfg.buckets)
    grid[np.isin(word_of_char, [i for i, w in enumerate(words) if w in (EOS, EOS_BYTES)])] = -1
    valid = grid >= 0  # (C, n)
    per_word = np.bincount(word_of_char, weights=valid.sum(axis=1), minlength=len(words)).astype(np.int64)
    per_word += own >= 0
    offsets = np.concatenate([[0], np.cumsum(per_word)]).astype(np.int64)
    rows = np.empty(int(offsets[-1]), dtype=np.int32)
    has_own = own >= 0
    rows[offsets[:-1][has_own]] = own[has_own]
    flat_word = np.repeat(word_of_char, n_cols)[valid.ravel()]  # word of each n-gram, in order
    flat = grid.ravel()[valid.ravel()] + nwords
    first = np.searchsorted(flat_word, np.arange(len(words)), side="left")  # first n-gram of each word
    rank = np.arange(len(flat)) - first[flat_word]
    rows[offsets[flat_word] + has_own[flat_word] + rank] = flat
    return offsets, rows


def _char_layout(words: list[str]):
    """The UTF-8 bytes of every ``<word>`` in one array and where its characters start:
    (char starts (C,), word byte lengths (W,), bytes (B,) uint8, word of each char (C,),
    index of each char in its word (C,), chars per word (W,))."""
    encoded = [b"<" + w + b">" if isinstance(w, bytes) else ("<" + w + ">").encode("utf-8") for w in words]
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    word_start = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if len(words) else np.zeros(0, np.int64)
    starts = np.nonzero((data & 0xC0) != 0x80)[0].astype(np.int64)  # (C,) byte offset of each char
    word_of_char = (np.searchsorted(word_start, starts, side="right") - 1).astype(np.int64)
    chars_per_word = np.bincount(word_of_char, minlength=len(words)).astype(np.int64)
    first_char = np.concatenate([[0], np.cumsum(chars_per_word)[:-1]]).astype(np.int64)
    char_in_word = np.arange(len(starts), dtype=np.int64) - first_char[word_of_char]
    return starts, lengths, data, word_of_char, char_in_word, chars_per_word


def _hash_ranges(data: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """fnv1a of data[start[k]:end[k]] for every k at once: (K,) uint64 (values < 2^32)."""
    signed = data.astype(np.int8).astype(np.int32).view(np.uint32)  # bytes as sign-extended chars
    h = np.full(len(start), FNV_OFFSET, dtype=np.uint32)
    length = end - start
    for t in range(int(length.max()) if len(length) else 0):
        live = t < length
        idx = np.where(live, start + t, 0)
        mixed = (h ^ signed[idx]) * np.uint32(FNV_PRIME)
        h = np.where(live, mixed, h)
    return h.astype(np.uint64)


def mean_rows(matrix: np.ndarray, offsets: np.ndarray, rows: np.ndarray, chunk_rows: int = 1 << 18,
              on_chunk=None) -> np.ndarray:
    """(W, d) float32: the mean of matrix[rows[offsets[k]:offsets[k+1]]] for each k (zero where a
    word has no rows), a chunk of words at a time so that at most ``chunk_rows`` rows are gathered
    at once. With a memory-mapped ``matrix``, only the rows named are read; ``on_chunk()`` after each
    chunk can drop the pages read."""
    n = len(offsets) - 1
    out = np.zeros((n, matrix.shape[1]), dtype=np.float32)  # (W, d)
    counts = np.diff(offsets)
    k = 0
    while k < n:
        end = int(np.searchsorted(offsets, offsets[k] + chunk_rows, side="right")) - 1
        end = min(max(end, k + 1), n)
        lo, hi = int(offsets[k]), int(offsets[end])
        if hi > lo:
            gathered = np.asarray(matrix[rows[lo:hi]], dtype=np.float32)  # (r, d)
            starts = offsets[k:end] - lo
            nonempty = counts[k:end] > 0
            sums = np.add.reduceat(gathered, starts[nonempty], axis=0)  # (w', d)
            out[k:end][nonempty] = sums / counts[k:end][nonempty, None]
        if on_chunk is not None:
            on_chunk()
        k = end
    return out


def trained_buckets(offsets: np.ndarray, rows: np.ndarray, nwords: int, buckets: int) -> np.ndarray:
    """(buckets,) bool: the buckets some vocabulary word uses, i.e. the n-gram rows training updates."""
    known = np.zeros(buckets, dtype=bool)
    known[rows[rows >= nwords] - nwords] = True
    return known


@dataclass
class NgramVectors:
    """The n-gram rows of a model, for vectors of words outside its vocabulary (fastText's rule: the
    mean of the rows of all the word's n-grams)."""

    config: SubwordConfig
    matrix: np.ndarray  # (buckets, d) float32, usually memory-mapped: only the rows asked for are read
    trained: np.ndarray | None = None  # (buckets,) bool: rows training updated (None: count all as trained)

    def vector(self, word: str) -> np.ndarray | None:
        """(d,) float32 vector of ``word`` from its n-grams, or None when none of them was trained."""
        if len(word) > MAX_OOV_WORD_CHARS:  # a word's n-grams: up to chars x (maxn - minn + 1) byte strings
            raise InputError(f"a word of {len(word):,} characters is too long for an n-gram vector "
                             f"(at most {MAX_OOV_WORD_CHARS:,})")
        ids = bucket_ids(word, self.config.minn, self.config.maxn, self.config.buckets)
        if not ids or (self.trained is not None and not self.trained[ids].any()):
            return None
        rows = np.asarray(self.matrix[np.array(ids)], dtype=np.float32)  # (n, d)
        if not np.isfinite(rows).all():
            raise ModelFormatError("the model is corrupted: n-gram rows of this word hold NaN or infinity")
        return (rows.sum(axis=0, dtype=np.float32) * np.float32(1.0 / len(ids))).astype(np.float32)
