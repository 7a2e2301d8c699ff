"""A batch of texts -> batch-local word ids, the fast way where it is exact.

Pure-ASCII texts go through the Numba scanner (`scan_kernels.scan_batch`); the others (non-ASCII
text, HTML entities, URLs, e-mail addresses) through `Normalizer.tokenize`. The result is exactly
what tokenizing every text with the regex and numbering words in first-seen order gives.
Options the scanner does not implement (numbers other than 'keep', punctuation or symbols kept)
use the regex path for every text; so does everything when ``SEQKIT_REGEX_TOKENIZER=1`` is set
(for tests and for comparing the two).
"""

from __future__ import annotations

import os
from typing import Callable

import numpy as np

from seqkit.fileio import held_call
from seqkit.text.normalize import NormalizeOptions

DISABLE_ENV = "SEQKIT_REGEX_TOKENIZER"


def scan_config(options: NormalizeOptions):
    """The scanner's settings for ``options``, or None where it cannot tokenize exactly."""
    if os.environ.get(DISABLE_ENV, "") not in ("", "0"):
        return None
    if options.numbers != "keep" or options.punct != "drop" or options.symbols != "drop":
        return None
    from seqkit.text.scan_kernels import ScanConfig

    return ScanConfig(lowercase=options.lowercase, html=options.html, urls=options.urls != "keep",
                      lt_special=not options.html and options.urls == "token")


def encode_batch_fast(texts: list[str], cfg, tokenize: Callable[[str], list[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(words in first-seen order, (N,) int32 ids into them, (T,) int64 tokens per text)."""
    return ScanEncoder(cfg, tokenize).encode(texts)


class ScanEncoder:
    """Batches of texts -> word ids in first-seen order over all the batches encoded so far (the
    scanner's hash table is kept between calls)."""

    def __init__(self, cfg, tokenize: Callable[[str], list[str]]):
        self.cfg, self.tokenize = cfg, tokenize
        self.slots = np.full(1 << 14, -1, np.int32)
        self.word_hash = np.empty(0, np.uint64)
        self.word_start = np.empty(0, np.int64)  # into word_bytes
        self.word_len = np.empty(0, np.int64)
        self.word_bytes = np.empty(0, np.uint8)  # the words in first-seen order, each + newline
        self.counts = np.zeros(2, np.int64)  # words, bytes used

    def encode(self, texts: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(the words new in this batch, (N,) int32 ids, (T,) int64 tokens per text)."""
        from seqkit.text.scan_kernels import regex_texts, scan_batch

        n = len(texts)
        ascii_texts = [t if t.isascii() else "" for t in texts]
        regex_path = np.fromiter((not t.isascii() for t in texts), np.uint8, n)  # (T,)
        bounds = np.zeros(n + 1, np.int64)
        np.cumsum(np.fromiter(map(len, ascii_texts), np.int64, n), out=bounds[1:])
        buf = np.frombuffer("".join(ascii_texts).encode("ascii"), np.uint8)  # (bounds[-1],)
        regex_texts(buf, bounds, regex_path, self.cfg)
        # the other texts' tokens, by the regex, as UTF-8 separated by spaces (no token holds one)
        slow = np.flatnonzero(regex_path).tolist()
        pieces = [" ".join(self.tokenize(texts[t])).encode("utf-8", "surrogatepass") for t in slow]
        sizes = np.zeros(n, np.int64)
        sizes[slow] = np.fromiter(map(len, pieces), np.int64, len(pieces))
        token_bounds = np.zeros(n + 1, np.int64)
        np.cumsum(sizes, out=token_bounds[1:])
        tokens = np.frombuffer(b"".join(pieces), np.uint8)
        size = len(buf) + len(tokens)
        self._reserve(size // 2 + n + 1, size + n + 1)  # room for every token to be a new word
        first_byte = int(self.counts[1])
        table = (self.slots, self.word_hash, self.word_start, self.word_len, self.word_bytes, self.counts)
        ids, lengths, self.slots = held_call(  # a tuple of arrays: Ctrl-C held (fileio.held_call)
            scan_batch, buf, bounds, regex_path, tokens, token_bounds, self.cfg, table)
        new = self.word_bytes[first_byte : self.counts[1]].tobytes().decode("utf-8", "surrogatepass")
        return new.split("\n")[:-1], ids, lengths  # no token holds a newline

    def _reserve(self, words: int, nbytes: int) -> None:
        """Room for ``words`` more words of ``nbytes`` bytes in all (arrays at least doubled)."""
        n_words, n_bytes = int(self.counts[0]), int(self.counts[1])
        if n_words + words > len(self.word_hash):
            size = max(n_words + words, 2 * len(self.word_hash))
            self.word_hash = _resized(self.word_hash, n_words, size)
            self.word_start = _resized(self.word_start, n_words, size)
            self.word_len = _resized(self.word_len, n_words, size)
        if n_bytes + nbytes > len(self.word_bytes):
            self.word_bytes = _resized(self.word_bytes, n_bytes, max(n_bytes + nbytes, 2 * len(self.word_bytes)))


def _resized(a: np.ndarray, used: int, size: int) -> np.ndarray:
    out = np.empty(size, a.dtype)
    out[:used] = a[:used]
    return out
