"""The linear model's prediction of a few texts without Numba: a NumPy gather and sum.

A one-line `echo TEXT | seqkit predict` (and each request of `seqkit serve`) spends far longer importing
and loading Numba (0.4 s) than predicting. This path repeats kernels.predict_bytes step by step for a
handful of texts: the normalizer's tokens (equal to the byte scanner's, tests/models/linear/test_tokenize.py),
word rows, fastText's n-gram hashes, the float32 mean of the rows added in order, then the output layer
in float64. tests/models/linear/test_predict_numpy.py checks it against the kernel.
"""

from __future__ import annotations

import numpy as np

SMALL_CHARS = 20_000  # texts up to this many characters in all take this path; more go to the kernel
NGRAM_MUL = np.uint64(116049371)  # fastText's word n-gram hash multiplier (kernels.NGRAM_MUL)
EOS_HASH = -677604519  # fastText's hash of "</s>" (kernels.EOS_HASH)


def fnv64(word: str) -> int:
    """64-bit FNV-1a of the word's UTF-8 bytes (kernels._hashes' key), as an unsigned int."""
    h = 14695981039346656037
    for b in word.encode("utf-8", "surrogatepass"):
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def is_small(texts: list[str]) -> bool:
    """Whether `texts` are few and short enough for this path (stops counting past the limit)."""
    total = 0
    for t in texts:
        total += len(t)
        if total > SMALL_CHARS:
            return False
    return True


class NumpyPredictor:
    """Built once per model: the word index, the tokenizer and the output rows in float64."""

    def __init__(self, model):
        from seqkit.text.normalize import Normalizer

        self.model = model
        self.order = np.argsort(model.word_keys, kind="stable")  # (V,) word ids by 64-bit key: the kernel's identity
        self.sorted_keys = model.word_keys[self.order]  # (V,)
        self.tokenize = Normalizer(model.config.normalize).tokenize
        self.output = np.asarray(model.output, np.float64)  # (C or C-1, dim)

    def feature_rows(self, text: str) -> np.ndarray:
        """Input rows of one text, in the kernel's order: words with a row, "</s>", then the n-grams."""
        from seqkit.models.linear.tokenize import fasttext_hash

        m, c = self.model, self.model.config
        tokens = self.tokenize(text)
        ids = self._ids(tokens)
        rows = [i for i in ids if i >= 0]
        hashes = [int(m.word_hash32[i]) if i >= 0 else fasttext_hash(t) for i, t in zip(ids, tokens)]
        if c.eos:
            rows.append(len(m.words) + len(m.bucket_ids))
            hashes.append(EOS_HASH)
        if c.word_ngrams > 1 and len(m.bucket_ids):
            rows.extend(len(m.words) + self._ngram_rows(np.array(hashes, np.int64).astype(np.uint64)))
        return np.array(rows, np.int64)

    def _ids(self, tokens: list[str]) -> list[int]:
        """Word id of each token (-1: unknown), found by its 64-bit FNV-1a key as the kernel finds it
        (no (V,) dictionary to build for a one-line input)."""
        if not tokens or not len(self.sorted_keys):
            return [-1] * len(tokens)
        keys = np.array([fnv64(t) for t in tokens], np.uint64).astype(np.int64)  # (T,)
        at = np.minimum(np.searchsorted(self.sorted_keys, keys), len(self.sorted_keys) - 1)  # (T,)
        return np.where(self.sorted_keys[at] == keys, self.order[at], -1).tolist()

    def _ngram_rows(self, u: np.ndarray) -> np.ndarray:
        """Rows (past the words') of the hashed n-grams of the token hashes u (T,), ordered by start, then length."""
        c, ids = self.model.config, self.model.bucket_ids
        T, n = len(u), c.word_ngrams
        h = np.zeros((T, n - 1), np.uint64)  # h[i, k-1]: hash of the n-gram of length k+1 starting at i
        valid = np.zeros((T, n - 1), bool)
        run = u.copy()
        for k in range(1, min(n, T)):
            run = run[:-1] * NGRAM_MUL + u[k:]  # (T-k,) wraps modulo 2**64 as the kernel's uint64
            h[: T - k, k - 1] = run
            valid[: T - k, k - 1] = True
        buckets = (h[valid] % np.uint64(c.buckets)).astype(np.int64)  # row-major: the kernel's order
        at = np.minimum(np.searchsorted(ids, buckets), len(ids) - 1)
        return at[ids[at] == buckets]

    def hidden(self, texts: list[str]) -> np.ndarray:
        """(N, dim) float32 text vectors: the mean of each text's rows, added in order (zero without rows)."""
        W = self.model.input
        H = np.zeros((len(texts), W.shape[1]), np.float32)
        for t, text in enumerate(texts):
            rows = self.feature_rows(text)
            if len(rows):
                H[t] = W[rows].sum(axis=0, dtype=np.float32) * (np.float32(1.0) / np.float32(len(rows)))
        return H

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """(N, C) float64 label probabilities, as kernels.predict_bytes gives them."""
        m = self.model
        scores = self.hidden(texts).astype(np.float64) @ self.output.T  # (N, C) or (N, C-1) for hs
        if m.loss == "softmax":
            e = np.exp(scores - scores.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        f = 1.0 / (1.0 + np.exp(-scores))  # sigmoid of each output row
        if m.loss == "ova":
            return f
        codes, points, lengths = m.tree()
        P = np.ones((len(texts), len(m.labels)))
        for y in range(len(m.labels)):
            for s in range(lengths[y]):
                P[:, y] *= np.where(codes[y, s] == 1, f[:, points[y, s]], 1.0 - f[:, points[y, s]])
        return P
