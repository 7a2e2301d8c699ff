"""Word vectors with their vocabulary, and the queries on them. No numba or gensim here: this is
the path every query command takes, and it must start fast. The readers (formats.py, fasttext_bin.py)
build these; keyed.py's `load_vectors` picks the reader: the imports only go down."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from seqkit.errors import OptionError, UnknownWordError

if TYPE_CHECKING:
    from seqkit.embed.subwords import NgramVectors


ALIGNED_BLOCK = 8192  # rows copied at a time when the matrix is unaligned (see cosines)
SPLIT_BLOCK = 4096  # split_rows: the halves meet at a multiple of this many rows


@dataclass
class KeyedVectors:
    words: list[str]  # most frequent first in seqkit and gensim files: restrict_vocab relies on it
    vectors: np.ndarray  # (V, d) float32, as stored
    counts: np.ndarray | None = None  # (V,) int64; None for word2vec files, which do not store them
    meta: dict = field(default_factory=dict)  # native models: training and preprocessing options
    source: str = "the model"  # named in error messages ("'x' is not in the vocabulary of m.w2v")
    index: dict[str, int] = field(default_factory=dict)  # word -> row, built once
    ngrams: "NgramVectors | None" = None  # subword models: vectors for words outside the vocabulary
    own_rows: np.ndarray | None = None  # subword models: (V, d) the words' own input rows (for .bin export)
    output: np.ndarray | None = None  # (V, d) or (V-1, d) output rows, where the file has them (for .bin export)
    allow_oov: bool = True  # False (--no-oov): an unknown word is an error even where n-grams could build it
    split_rows: bool = False  # the server: score large matrices in two halves on two threads (see cosines)
    _unit: np.ndarray | None = field(default=None, repr=False)  # (V, d) unit rows, computed on first use
    _inverse_norms: np.ndarray | None = field(default=None, repr=False)  # (V,) 1 / |row|, on first use

    def __post_init__(self):
        if not self.index:
            self.index = dict(zip(self.words, range(len(self.words))))

    def __len__(self) -> int:
        return len(self.words)

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    @property
    def inverse_norms(self) -> np.ndarray:
        """(V,) float32 1 / |row| (0 for a zero row), computed once: a query scales V @ q by it rather
        than writing a (V, d) matrix of unit rows, so a one-shot query reads the matrix once."""
        if self._inverse_norms is None:
            v = self.vectors
            norms = np.sqrt(np.einsum("ij,ij->i", v, v))  # (V,) without a (V, d) temporary
            self._inverse_norms = np.divide(1.0, norms, out=np.zeros(len(v), np.float32), where=norms > 0,
                                            dtype=np.float32)
        return self._inverse_norms

    @property
    def unit(self) -> np.ndarray:
        """(V, d) rows scaled to length 1 (zero rows stay zero), computed once (evaluation's many queries)."""
        if self._unit is None:
            self._unit = np.multiply(self.vectors, self.inverse_norms[:, None], dtype=np.float32)
        return self._unit

    def cosines(self, queries: np.ndarray, restrict_vocab: int | None = None) -> np.ndarray:
        """(V,) or (V, k): the cosine of every row (the first restrict_vocab) with unit ``queries`` ((d,) or (k, d))."""
        rows = slice(None, restrict_vocab)
        scale = self.inverse_norms[rows]
        matrix = self.vectors[rows]
        if self.split_rows and matrix.flags.aligned and len(matrix) >= 2 * SPLIT_BLOCK:
            scores = _halves_product(matrix, queries)
        elif matrix.flags.aligned or not len(matrix):
            scores = matrix @ queries.T
        else:  # mapped at an odd offset (fastText files, older seqkit files): NumPy's own loop is ~5x
            # slower than BLAS there, so copy blocks into aligned memory for BLAS
            scores = np.concatenate([np.array(matrix[i : i + ALIGNED_BLOCK]) @ queries.T
                                     for i in range(0, len(matrix), ALIGNED_BLOCK)])
        return np.multiply(scores, scale if scores.ndim == 1 else scale[:, None], out=scores)

    def id_of(self, word: str) -> int:
        i = self.index.get(word)
        if i is None:
            raise UnknownWordError(word, self.source)
        return i

    def vector(self, word: str) -> np.ndarray:
        """(d,) the word's vector; for a word outside the vocabulary, built from its n-grams (subword
        models, unless allow_oov is off): UnknownWordError where that is not possible."""
        i = self.index.get(word)
        if i is not None:
            return self.vectors[i]
        return self._oov_vector(word)

    def is_oov(self, word: str) -> bool:
        return word not in self.index

    @property
    def has_subwords(self) -> bool:
        return self.ngrams is not None

    def _oov_vector(self, word: str) -> np.ndarray:
        if self.ngrams is None or not self.allow_oov:
            raise UnknownWordError(word, self.source)
        vec = self.ngrams.vector(word)
        if vec is None:
            raise UnknownWordError(word, self.source, "and none of its character n-grams was trained")
        return vec

    def _unit_rows(self, words) -> tuple[np.ndarray, list[int]]:
        """((k, d) unit vectors of ``words``, rows of those in the vocabulary)."""
        rows, ids = [], []
        for w in words:
            i = self.index.get(w)
            if i is not None:
                rows.append(self.vectors[i] * self.inverse_norms[i])
                ids.append(i)
            else:
                v = self._oov_vector(w)
                n = np.linalg.norm(v)
                rows.append(v / n if n > 0 else v)
        return (np.array(rows, dtype=np.float32).reshape(len(rows), self.dim), ids)

    def most_similar(
        self, positive: list[str], negative: list[str] = (), topn: int = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """Nearest words by cosine to the mean of the unit vectors of ``positive`` minus those of
        ``negative`` (gensim's rule); the query words themselves are left out."""
        if not positive and not negative:
            raise OptionError("give at least one word")
        if topn < 1:
            return []
        units, ids = self._unit_rows(list(positive) + list(negative))  # (k, d)
        weights = np.array([1.0] * len(positive) + [-1.0] * len(negative), dtype=np.float32)
        query = weights @ units  # (d,)
        norm = np.linalg.norm(query)
        if norm > 0:
            query = query / norm
        return self._top(self.cosines(query, restrict_vocab), set(ids), topn)

    def most_similar_cosmul(
        self, positive: list[str], negative: list[str] = (), topn: int = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """3CosMul (Levy & Goldberg 2014, eq. 4): the product of the positive words' cosines shifted
        to [0, 1] over that of the negative ones (+1e-6), as gensim's ``most_similar_cosmul``."""
        if not positive:
            raise OptionError("3CosMul needs at least one positive word")
        units, ids = self._unit_rows(list(positive) + list(negative))  # (P+N, d)
        sims = (1.0 + self.cosines(units, restrict_vocab)) / 2.0  # (V, P+N) cosines shifted to [0, 1]
        scores = sims[:, : len(positive)].prod(axis=1) / (sims[:, len(positive) :].prod(axis=1) + 1e-6)  # (V,)
        return self._top(scores, set(ids), topn)

    def analogy(self, a: str, b: str, c: str, topn: int = 1, method: str = "add",
                restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """a is to b as c is to ?: 3CosAdd (``add``: b - a + c) or 3CosMul (``mul``)."""
        if method == "add":
            return self.most_similar([b, c], [a], topn, restrict_vocab)
        if method == "mul":
            return self.most_similar_cosmul([b, c], [a], topn, restrict_vocab)
        raise OptionError(f"--method must be add or mul, not {method!r}")

    def similarity(self, a: str, b: str) -> float:
        units, _ = self._unit_rows([a, b])
        return float(units[0] @ units[1])

    def _top(self, scores: np.ndarray, exclude: set[int], topn: int) -> list[tuple[str, float]]:
        k = min(len(scores), topn + len(exclude))
        if k <= 0:
            return []
        best = top_k(scores, k)
        return [(self.words[i], float(scores[i])) for i in best if i not in exclude][:topn]


def top_k(scores: np.ndarray, k: int, stride: int = 32) -> np.ndarray:
    """Indices of the k largest scores, best first, ties by index. The k-th best of every stride-th
    score is at most the k-th best of all, so every winner is among the scores at or above it: a
    few hundred candidates, sorted, instead of a partial sort of all (0.06 ms against 1.3 ms on 100k)."""
    n = len(scores)
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, np.int64)
    sample = scores[::stride]
    if len(sample) > k:
        bound = np.partition(sample, len(sample) - k)[len(sample) - k]
        candidates = np.flatnonzero(scores >= bound)
    else:
        candidates = np.arange(n)
    order = np.lexsort((candidates, -scores[candidates]))  # by score descending, then index
    return candidates[order[:k]]


def _halves_product(matrix: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """matrix @ queries.T as two products of half the rows each, on two threads: the server's BLAS runs
    one thread per worker (no oversubscription under load), and this gives one query both cores when
    they are free. Each row's dot product is the one BLAS computes for the whole matrix."""
    pool = _row_threads()
    half = (len(matrix) // 2) // SPLIT_BLOCK * SPLIT_BLOCK
    out = np.empty((len(matrix),) + queries.shape[:-1], np.result_type(matrix, queries))
    parts = [pool.submit(np.matmul, matrix[a:b], queries.T, out=out[a:b]) for a, b in ((0, half), (half, len(matrix)))]
    for part in parts:
        part.result()
    return out


@functools.lru_cache(maxsize=1)
def _row_threads():
    """split_rows' two threads, started on first use (in the process that queries: after a fork)."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(2, "seqkit-rows")
