"""A line of text -> the input rows fastText averages for it (dictionary.cc getLine, addSubwords,
addWordNgrams, pushHash), byte for byte:

- tokens are the runs of bytes between " \\n\\r\\t\\v\\f\\0"; the line ends with the word "</s>";
- a token in the dictionary is a word or a label by its entry; one that is not is a label when it
  starts with "__label__" (labels are never input), else an out-of-vocabulary word;
- a word gives its own row and its character n-grams' rows (maxn > 0; "</s>" has none), an
  out-of-vocabulary word only its n-grams' rows;
- word n-grams (wordNgrams > 1) hash the words' 32-bit hashes, sign-extended to 64 bits, as
  h = h * 116049371 + hash[j], and take row nwords + h % bucket;
- in a pruned (quantized with -cutoff) model an n-gram's bucket has a row only if the model kept it.
"""

from __future__ import annotations

import re

import numpy as np

from seqkit.embed.subwords import EOS_BYTES, SubwordConfig, fnv1a, ngram_bytes, word_rows
from seqkit.fileio import held_call
from seqkit.formats.fasttext.header import Header

LABEL_PREFIX = b"__label__"
_SPACES = re.compile(rb"[ \n\r\t\v\f\0]+")
_CACHE_LIMIT = 1 << 18  # tokens whose rows are remembered


class LineEncoder:
    def __init__(self, head: Header):
        a = head.args
        self.nwords, self.bucket, self.ngrams = head.nwords, a.bucket, a.wordNgrams
        self.minn, self.maxn = max(a.minn, 1), a.maxn
        self.index = {w: i for i, w in enumerate(head.words)}
        self.pruned, self.prune = head.pruned, head.prune
        self._subwords = self._word_subwords(head) if a.maxn > 0 and a.bucket > 0 else None
        self._cache: dict[bytes, tuple[list[int], int]] = {}
        self._bucket_row = None  # (bucket,) row after the words of each kept bucket (pruned models)

    def _word_subwords(self, head: Header):
        """CSR (offsets, rows) of each word's own row and its n-grams' rows, pruned buckets mapped."""
        words = head.words[: self.nwords]
        offsets, rows = word_rows(words, self.nwords, SubwordConfig(self.minn, self.maxn, self.bucket))
        rows = rows.astype(np.int64)
        grams = rows >= self.nwords
        if self.pruned and len(rows):
            keys = np.array(sorted(self.prune), np.int64)
            vals = np.array([self.prune[k] for k in keys.tolist()], np.int64)
            b = rows[grams] - self.nwords
            at = np.minimum(np.searchsorted(keys, b), max(len(keys) - 1, 0))
            found = keys[at] == b if len(keys) else np.zeros(len(b), bool)
            rows[grams] = np.where(found, self.nwords + vals[at] if len(keys) else -1, -1)
            keep = rows >= 0  # a word's own row is always kept: no segment is empty
            offsets = np.concatenate([[0], np.cumsum(np.add.reduceat(keep.astype(np.int64), offsets[:-1]))])
            rows = rows[keep]
        return offsets, rows

    def _row(self, bucket: int) -> int:
        """pushHash: the row of an n-gram bucket, or -1 when the pruned model dropped it."""
        if not self.pruned:
            return self.nwords + bucket
        j = self.prune.get(bucket)
        return -1 if j is None else self.nwords + j

    def _token(self, tok: bytes) -> tuple[list[int], int] | None:
        """(rows, hash) of a word token; None for a label."""
        hit = self._cache.get(tok)
        if hit is not None:
            return hit
        wid = self.index.get(tok, -1)
        if (wid >= self.nwords) if wid >= 0 else tok.startswith(LABEL_PREFIX):
            return None
        if wid >= 0:
            rows = [wid] if self._subwords is None else self._subwords[1][self._subwords[0][wid]:
                                                                             self._subwords[0][wid + 1]].tolist()
        elif tok != EOS_BYTES and self.maxn > 0 and self.bucket > 0:
            grams = ngram_bytes(b"<" + tok + b">", self.minn, self.maxn)
            rows = [r for r in (self._row(fnv1a(g) % self.bucket) for g in grams) if r >= 0]
        else:
            rows = []
        h = fnv1a(tok)
        out = (rows, h - (1 << 32) if h >= 1 << 31 else h)
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[tok] = out
        return out

    def rows(self, line: str) -> list[int]:
        """The input rows of one line of text (no newline inside)."""
        rows, offsets = self.batch([line])
        return rows.tolist()

    def _words(self, line: str, rows: list, hashes: list) -> None:
        for tok in _SPACES.split(line.encode("utf-8", "surrogateescape")) + [EOS_BYTES]:
            if not tok:
                continue
            got = self._token(tok)
            if got is not None:
                rows.extend(got[0])
                hashes.append(got[1])
            if tok == EOS_BYTES:
                break

    def batch(self, lines: list[str], numpy: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(rows, offsets): the input rows of line t are rows[offsets[t]:offsets[t+1]]. numpy: the word
        n-grams hashed in Python (a few short lines: no Numba to import), else in the kernel."""
        if numpy:
            from seqkit.formats.fasttext.loops_numpy import line_rows
        else:
            from seqkit.formats.fasttext.kernels import line_rows

        rows, hashes, word_off, hash_off = [], [], [0], [0]
        for line in lines:
            self._words(line, rows, hashes)
            word_off.append(len(rows))
            hash_off.append(len(hashes))
        if self._bucket_row is None:
            self._bucket_row = np.full(max(self.bucket, 1) if self.pruned else 1, -1, np.int64)
            if self.pruned and self.prune:
                self._bucket_row[np.fromiter(self.prune.keys(), np.int64)] = np.fromiter(self.prune.values(), np.int64)
        return held_call(line_rows, np.array(rows, np.int64), np.array(word_off, np.int64),  # a tuple of arrays
                         np.array(hashes, np.int32), np.array(hash_off, np.int64), self._bucket_row,
                         (self.nwords, self.ngrams, self.bucket, self.pruned))
