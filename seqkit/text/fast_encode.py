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
    from seqkit.text.scan_kernels import regex_texts, scan_batch

    n = len(texts)
    ascii_texts = [t if t.isascii() else "" for t in texts]
    regex_path = np.fromiter((not t.isascii() for t in texts), np.uint8, n)  # (T,)
    bounds = np.zeros(n + 1, np.int64)
    np.cumsum(np.fromiter(map(len, ascii_texts), np.int64, n), out=bounds[1:])
    buf = np.frombuffer("".join(ascii_texts).encode("ascii"), np.uint8)  # (bounds[-1],)
    regex_texts(buf, bounds, regex_path, cfg)
    # the other texts' tokens, by the regex, as UTF-8 separated by spaces (no token holds one)
    slow = np.flatnonzero(regex_path).tolist()
    pieces = [" ".join(tokenize(texts[t])).encode("utf-8", "surrogatepass") for t in slow]
    sizes = np.zeros(n, np.int64)
    sizes[slow] = np.fromiter(map(len, pieces), np.int64, len(pieces))
    token_bounds = np.zeros(n + 1, np.int64)
    np.cumsum(sizes, out=token_bounds[1:])
    tokens = np.frombuffer(b"".join(pieces), np.uint8)
    ids, lengths, word_bytes = scan_batch(buf, bounds, regex_path, tokens, token_bounds, cfg)
    words = word_bytes.tobytes().decode("utf-8", "surrogatepass").split("\n")[:-1]  # no token holds a newline
    return words, ids, lengths
