"""Texts -> token ids, fast: the text-wide steps of seqkit.text.normalize (tags, entities, URLs, numbers,
case) run once over a chunk of texts joined by newlines, then a Numba scanner cuts the UTF-8 bytes into
tokens with the same rule as the normalizer's regex and maps them to ids through 64-bit keys.
The result equals `Normalizer(options).tokenize` text by text (tests/models/linear/test_tokenize.py);
options the scanner does not cover (kept punctuation or symbols) tokenize each text in Python first.
"""

from __future__ import annotations

import html
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np

from seqkit.errors import SeqkitError
from seqkit.fileio import atomic_path, held_call
from seqkit.text.normalize import _EMAIL, _NUMBER, _URL, NormalizeOptions, Normalizer

_TAG_IN_LINE = re.compile(r"<[^<>\n]{0,2000}>")  # the normalizer's tag rule, never across texts
CHUNK_TEXTS = 2048  # texts joined per scanner call: small transient copies


@lru_cache(maxsize=2)
def char_classes(whitespace_only: bool = False) -> np.ndarray:
    """(0x110000,) uint8 class of every code point: OTHER 0, ALNUM 1 ([^\\W_]), DIGIT 2 (\\d), taken from
    Python's regex engine itself (kept in the user's cache folder after the first use, never beside
    the code: an installed package may be read-only). whitespace_only: everything but space and
    newline is a word character."""
    if whitespace_only:
        classes = np.ones(0x110000, np.uint8)
        classes[[ord(" "), ord("\n")]] = 0
        return classes
    cache = _cache_file()
    try:
        classes = np.load(cache, allow_pickle=False)
        if classes.shape == (0x110000,) and classes.dtype == np.uint8:
            return classes
    except (OSError, ValueError, EOFError, TypeError):  # TypeError: no cache folder (None)
        pass
    every = "".join(map(chr, range(0x110000)))
    classes = np.zeros(0x110000, np.uint8)
    for pattern, value in ((r"[^\W_]", 1), (r"\d", 2)):
        classes[np.fromiter(map(ord, re.findall(pattern, every)), np.int64)] = value
    try:
        if cache is None:
            return classes
        cache.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(cache) as tmp, open(tmp, "wb") as f:
            np.save(f, classes, allow_pickle=False)
    except (OSError, SeqkitError):
        pass  # no writable cache folder: the table is computed each time (under a second)
    return classes


def _cache_file() -> Path | None:
    """The table's file in $SEQKIT_CACHE_DIR, else $XDG_CACHE_HOME/seqkit, else ~/.cache/seqkit."""
    name = f"char_classes-{sys.version_info[0]}{sys.version_info[1]}-{unicodedata.unidata_version}.npy"
    try:
        folder = os.environ.get("SEQKIT_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "seqkit"
    except RuntimeError:  # no home folder
        return None
    return Path(folder) / name


def scanner_covers(o: NormalizeOptions) -> bool:
    return o.punct == "drop" and o.symbols == "drop"


def normalized_chunk(texts: list[str], o: NormalizeOptions) -> str:
    """The texts, each ended by a newline, after the normalizer's text-wide steps (not the tokenizing)."""
    s = "\n".join(t.replace("\n", " ") for t in texts) + "\n"
    if o.html:
        if "<" in s:
            s = _TAG_IN_LINE.sub(" ", s)
        if "&" in s:
            s = html.unescape(s)
    if o.urls != "keep" and ("://" in s or "www." in s or "WWW." in s or "@" in s):
        # The address regexes try every position: run them only on the texts that may hold one.
        url, email = (" <url> ", " <email> ") if o.urls == "token" else (" ", " ")
        lines = s.split("\n")
        for i, t in enumerate(lines):
            if "://" in t or "www." in t or "WWW." in t:
                t = lines[i] = _URL.sub(url, t)
            if "@" in t:
                lines[i] = _EMAIL.sub(email, t)
        s = "\n".join(lines)
    if o.numbers != "keep":
        s = _NUMBER.sub(" <num> " if o.numbers == "token" else " ", s)
    if o.lowercase:
        s = s.lower()
    return s.replace("\u2019", "'")


@dataclass
class Encoded:
    """Texts as token ids: ids[offsets[t]:offsets[t+1]] is text t. Ids below the known vocabulary's size
    are its words; the others are `new_words` in order (with their hashes and counts)."""

    ids: np.ndarray  # (T,) int32
    offsets: np.ndarray  # (N+1,) int64
    new_words: list[str] = field(default_factory=list)
    new_hash32: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # fastText word hashes
    new_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # 64-bit identity keys
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # (known + new,) occurrences


class TextEncoder:
    """Encodes texts against a growing vocabulary (training) or a fixed one (prediction: new words get ids
    past the vocabulary, for this call only)."""

    def __init__(self, options: NormalizeOptions, known_keys: np.ndarray | None = None):
        from seqkit.models.linear import kernels

        self.options = options
        self._kernels = kernels
        self.scanner = scanner_covers(options)
        self.specials = options.urls == "token" or options.numbers == "token"
        self.classes = char_classes(not self.scanner)
        self.known_keys = np.zeros(0, np.int64) if known_keys is None else np.asarray(known_keys, np.int64)
        self._python = None if self.scanner else Normalizer(options).tokenize

    def text_bytes(self, texts: list[str]) -> np.ndarray:
        if self.scanner:
            s = normalized_chunk(texts, self.options)
        else:
            s = "".join(" ".join(self._python(t)) + "\n" for t in texts)
        return np.frombuffer(s.encode("utf-8", "surrogatepass"), np.uint8)

    def encode(self, texts: list[str]) -> Encoded:
        buf = self.text_bytes(texts)
        ids, offsets, spans, h32, keys, counts = held_call(  # a tuple of arrays: Ctrl-C held (fileio.held_call)
            self._kernels.scan_tokens, buf, self.classes, self.known_keys, self.specials and self.scanner
        )
        raw = buf.tobytes() if len(spans) else b""
        words = [raw[a:b].decode("utf-8", "surrogatepass") for a, b in spans]
        return Encoded(ids, offsets, words, h32, keys, counts)

    def encode_growing(self, chunks: Iterable[list[str]]) -> tuple[Encoded, list[str]]:
        """Encode chunk after chunk, adding each chunk's new words to the vocabulary. Returns the whole
        encoding (ids into the words seen, in order of first sight) and those words."""
        parts, lengths, words, h32, counts = [], [], [], [], np.zeros(0, np.int64)
        for texts in chunks:
            e = self.encode(texts)
            parts.append(e.ids)
            lengths.append(np.diff(e.offsets))
            words.extend(e.new_words)
            h32.append(e.new_hash32)
            self.known_keys = np.concatenate([self.known_keys, e.new_keys])
            counts = np.concatenate([counts, np.zeros(len(e.new_words), np.int64)]) + e.counts
        offsets = np.zeros(sum(map(len, lengths)) + 1, np.int64)
        np.cumsum(np.concatenate(lengths) if lengths else [], out=offsets[1:])
        ids = np.empty(int(offsets[-1]), np.int32)
        at = 0
        parts.reverse()
        while parts:  # copy and free chunk by chunk: the peak stays one chunk above the result
            part = parts.pop()
            ids[at: at + len(part)] = part
            at += len(part)
        h = np.concatenate(h32) if h32 else np.zeros(0, np.int32)
        return Encoded(ids, offsets, words, h, self.known_keys.copy(), counts), words


def chunks_of(items: Iterable, size: int = CHUNK_TEXTS) -> Iterable[list]:
    """seqkit.chunks.chunked with the encoder's chunk size (kept for callers of this name)."""
    from seqkit.chunks import chunked

    return chunked(items, size)


def fasttext_hash(word: str) -> int:
    """fastText's 32-bit FNV-1a of a word's UTF-8 bytes (signed-char xor), as a signed int32."""
    from seqkit.fast.fnv import fnv1a32_signed

    return fnv1a32_signed(word.encode("utf-8", "surrogatepass"))
