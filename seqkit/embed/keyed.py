"""Word vectors with their vocabulary, and the queries on them. No numba or gensim here: this is
the path every query command takes, and it must start fast."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from seqkit.errors import OptionError, UnknownWordError


@dataclass
class KeyedVectors:
    words: list[str]  # most frequent first in seqkit and gensim files: restrict_vocab relies on it
    vectors: np.ndarray  # (V, d) float32, as stored
    counts: np.ndarray | None = None  # (V,) int64; None for word2vec files, which do not store them
    meta: dict = field(default_factory=dict)  # native models: training and preprocessing options
    source: str = "the model"  # named in error messages ("'x' is not in the vocabulary of m.w2v")
    index: dict[str, int] = field(default_factory=dict)  # word -> row, built once
    _unit: np.ndarray | None = field(default=None, repr=False)  # (V, d) unit rows, computed on first use

    def __post_init__(self):
        if not self.index:
            self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    @property
    def unit(self) -> np.ndarray:
        """(V, d) rows scaled to length 1 (zero rows stay zero), computed once."""
        if self._unit is None:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)  # (V, 1)
            self._unit = (self.vectors / np.where(norms > 0, norms, 1)).astype(np.float32)
        return self._unit

    def id_of(self, word: str) -> int:
        i = self.index.get(word)
        if i is None:
            raise UnknownWordError(word, self.source)
        return i

    def vector(self, word: str) -> np.ndarray:
        return self.vectors[self.id_of(word)]

    def most_similar(
        self, positive: list[str], negative: list[str] = (), topn: int = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """Nearest words by cosine to the mean of the unit vectors of ``positive`` minus those of
        ``negative`` (gensim's rule); the query words themselves are left out."""
        if not positive and not negative:
            raise OptionError("give at least one word")
        if topn < 1:
            return []
        ids = [self.id_of(w) for w in positive] + [self.id_of(w) for w in negative]
        weights = np.array([1.0] * len(positive) + [-1.0] * len(negative), dtype=np.float32)
        query = weights @ self.unit[ids]  # (d,)
        norm = np.linalg.norm(query)
        if norm > 0:
            query = query / norm
        unit = self.unit if restrict_vocab is None else self.unit[:restrict_vocab]
        scores = unit @ query  # (V,)
        return self._top(scores, set(ids), topn)

    def most_similar_cosmul(
        self, positive: list[str], negative: list[str] = (), topn: int = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """3CosMul (Levy & Goldberg 2014, eq. 4): the product of the positive words' cosines shifted
        to [0, 1] over that of the negative ones (+1e-6), as gensim's ``most_similar_cosmul``."""
        if not positive:
            raise OptionError("3CosMul needs at least one positive word")
        pos = [self.id_of(w) for w in positive]
        neg = [self.id_of(w) for w in negative]
        unit = self.unit if restrict_vocab is None else self.unit[:restrict_vocab]
        sims = (1.0 + unit @ self.unit[pos + neg].T) / 2.0  # (V, P+N) cosines shifted to [0, 1]
        scores = sims[:, : len(pos)].prod(axis=1) / (sims[:, len(pos) :].prod(axis=1) + 1e-6)  # (V,)
        return self._top(scores, set(pos + neg), topn)

    def analogy(self, a: str, b: str, c: str, topn: int = 1, method: str = "add",
                restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """a is to b as c is to ?: 3CosAdd (``add``: b - a + c) or 3CosMul (``mul``)."""
        if method == "add":
            return self.most_similar([b, c], [a], topn, restrict_vocab)
        if method == "mul":
            return self.most_similar_cosmul([b, c], [a], topn, restrict_vocab)
        raise OptionError(f"--method must be add or mul, not {method!r}")

    def similarity(self, a: str, b: str) -> float:
        return float(self.unit[self.id_of(a)] @ self.unit[self.id_of(b)])

    def _top(self, scores: np.ndarray, exclude: set[int], topn: int) -> list[tuple[str, float]]:
        k = min(len(scores), topn + len(exclude))
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in best if i not in exclude][:topn]


def load_vectors(path) -> KeyedVectors:
    """Any word-vector file seqkit reads: native, word2vec text or binary (gensim, word2vec.c, fastText .vec)."""
    from seqkit.embed import formats

    kind = formats.detect(path)
    if kind == "native":
        words, counts, arrays, meta = formats.load_native(path)
        return KeyedVectors(words, arrays["vectors"], counts, meta, source=str(path))
    words, vectors = formats.read_word2vec(path)
    return KeyedVectors(words, vectors, None, {"format": "word2vec"}, source=str(path))

