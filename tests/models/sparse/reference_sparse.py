"""Slow, obvious references for the sparse model's kernels: n-gram keys from the normalizer's tokens in
pure Python, and the count matrix as dicts."""

from __future__ import annotations

from collections import Counter

from seqkit.text.normalize import NormalizeOptions, Normalizer

M64 = (1 << 64) - 1
GRAM_MUL = 0x100000001B3


def signed(h: int) -> int:
    return h - (1 << 64) if h >= 1 << 63 else h


def word_key(word: str) -> int:
    """64-bit FNV-1a of the word's UTF-8 bytes (unsigned)."""
    h = 14695981039346656037
    for b in word.encode("utf-8"):
        h = ((h ^ b) * 1099511628211) & M64
    return h


def gram_keys(tokens: list[str], ngrams: int) -> list[tuple[int, tuple[str, ...]]]:
    """(signed key, n-gram) of every word n-gram, in the kernel's order: by start, then by length."""
    out = []
    for i in range(len(tokens)):
        h = word_key(tokens[i])
        out.append((signed(h), (tokens[i],)))
        for j in range(i + 1, min(len(tokens), i + ngrams)):
            h = (h * GRAM_MUL + word_key(tokens[j])) & M64
            out.append((signed(h), tuple(tokens[i: j + 1])))
    return out


def doc_counts(texts: list[str], ngrams: int, options: NormalizeOptions = NormalizeOptions()) -> list[Counter]:
    """Per text, the count of each n-gram (as a tuple of words)."""
    tokenize = Normalizer(options).tokenize
    return [Counter(g for _, g in gram_keys(tokenize(t.replace("\n", " ")), ngrams)) for t in texts]
