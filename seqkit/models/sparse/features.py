"""Texts -> CSR feature matrices: the linear model's tokenizer cuts and keys the words, Numba kernels
(seqkit/models/sparse/kernels.py) key the n-grams, count document frequencies and build per-text counts;
weighting (tf, idf, unit rows) is a few vectorised NumPy steps on the CSR arrays.

The vocabulary is a list of 64-bit n-gram keys in column order (no strings): prediction keys a text's
n-grams the same way and looks them up in a hash table of those keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Callable, Iterable, Iterator

import numpy as np

from seqkit.errors import InputError
from seqkit.fileio import held_call
from seqkit.models.sparse.config import FeatureConfig

CHUNK = 2048  # texts per kernel call


@dataclass
class Csr:
    """A sparse (rows, cols) matrix: row t holds data[indptr[t]:indptr[t+1]] at columns indices[...]."""

    indptr: np.ndarray  # (rows+1,) int64
    indices: np.ndarray  # (nnz,) int32, sorted within a row
    data: np.ndarray  # (nnz,) float64
    n_cols: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def scipy(self):
        from scipy.sparse import csr_matrix

        return csr_matrix((self.data, self.indices, self.indptr), shape=(self.n_rows, self.n_cols))

    def rows(self, which: np.ndarray) -> "Csr":
        """The rows `which`, in that order."""
        lengths = np.diff(self.indptr)[which]
        indptr = np.zeros(len(which) + 1, np.int64)
        np.cumsum(lengths, out=indptr[1:])
        take = np.repeat(self.indptr[which] - indptr[:-1], lengths) + np.arange(indptr[-1])
        return Csr(indptr, self.indices[take], self.data[take], self.n_cols)


def stack(parts: list[Csr], n_cols: int) -> Csr:
    """Rows of the parts, one after the other."""
    indptr = np.zeros(sum(p.n_rows for p in parts) + 1, np.int64)
    at, nnz = 0, 0
    for p in parts:
        indptr[at + 1: at + p.n_rows + 1] = p.indptr[1:] + nnz
        at, nnz = at + p.n_rows, nnz + len(p.data)
    indices = np.concatenate([p.indices for p in parts]) if parts else np.zeros(0, np.int32)
    data = np.concatenate([p.data for p in parts]) if parts else np.zeros(0)
    return Csr(indptr, indices, data, n_cols)


class Featurizer:
    """The tokenizer and kernels for one FeatureConfig: texts -> (n-gram keys, offsets) chunk by chunk."""

    def __init__(self, config: FeatureConfig):
        from seqkit.models.linear.tokenize import TextEncoder

        self.config = config
        self.encoder = TextEncoder(config.normalize)

    def gram_keys(self, texts: Iterable[str], chunk: int = CHUNK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(keys, offsets) per chunk of texts. The Python steps (reading, the normaliser's regexes) of the
        next chunk run in a second thread while the caller's kernels, which release the GIL, work on this one."""
        from concurrent.futures import ThreadPoolExecutor

        from seqkit.models.sparse.kernels import text_gram_keys

        e = self.encoder
        specials = e.specials and e.scanner
        parts = _chunked(texts, chunk)
        with ThreadPoolExecutor(1) as pool:
            ahead = pool.submit(_next_bytes, parts, e)
            while True:
                buf = ahead.result()
                if buf is None:
                    return
                ahead = pool.submit(_next_bytes, parts, e)
                yield held_call(text_gram_keys, buf, e.classes, specials, self.config.word_ngrams)  # a tuple of arrays


def _next_bytes(parts: Iterator[list[str]], encoder):
    part = next(parts, None)
    return None if part is None else encoder.text_bytes(part)


@dataclass
class Vocabulary:
    keys: np.ndarray  # (F,) int64 n-gram keys in column order
    idf: np.ndarray  # (F,) float64 (ones without idf)
    _table: tuple | None = None

    def table(self) -> tuple:
        if self._table is None:
            from seqkit.models.sparse.kernels import table_of

            self._table = held_call(table_of, np.ascontiguousarray(self.keys, np.int64))  # a tuple of arrays
        return self._table


def _chunked(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    it = iter(texts)
    while True:
        part = list(islice(it, size))
        if not part:
            return
        yield part


def fit_counts(texts: Iterable[str], config: FeatureConfig, where: str,
               on_chunk: Callable[[int], None] | None = None) -> tuple[Vocabulary, Csr]:
    """The vocabulary of the texts (min/max document frequency, max features) and their count matrix.
    on_chunk(texts done so far) after each chunk."""
    from seqkit.models.sparse import kernels

    table, n_ids, parts, done = kernels.new_table(), 0, [], 0
    for keys, offsets in Featurizer(config).gram_keys(texts):
        ids = np.empty(len(keys), np.int64)
        table, n_ids = held_call(kernels.add_keys, keys, table, n_ids, ids)  # tuples of arrays: Ctrl-C held
        parts.append(Csr(*held_call(kernels.csr_counts, ids, offsets), 0))
        done += len(offsets) - 1
        if on_chunk is not None:
            on_chunk(done)
    X = stack(parts, n_ids)
    if X.n_rows == 0:
        raise InputError(f"{where} has no texts")
    df = np.bincount(X.indices, minlength=n_ids)  # (ids,) texts holding each n-gram
    keep = _kept(df, X.n_rows, config)
    if len(keep) == 0:
        raise InputError(f"no n-gram of {where} is in at least --min-df={config.min_df} texts "
                         f"and at most --max-df={config.max_df} of them")
    slots, _ = table
    key_of = np.empty(n_ids, np.int64)
    used = slots[1::2] >= 0
    key_of[slots[1::2][used]] = slots[0::2][used]
    idf = np.log((1.0 + X.n_rows) / (1.0 + df[keep])) + 1.0 if config.idf else np.ones(len(keep))
    return Vocabulary(key_of[keep], idf), _keep_columns(X, keep, n_ids)


def _keep_columns(X: Csr, keep: np.ndarray, n_ids: int) -> Csr:
    """X with only the columns `keep` (sorted), renumbered 0.. in that order."""
    from seqkit.models.sparse.kernels import keep_columns

    column_of = np.full(n_ids, -1, np.int64)
    column_of[keep] = np.arange(len(keep))
    return Csr(*held_call(keep_columns, X.indptr, X.indices, X.data, column_of), len(keep))


def _kept(df: np.ndarray, n_docs: int, config: FeatureConfig) -> np.ndarray:
    """Ids of the n-grams kept, in order of first sight."""
    keep = np.flatnonzero((df >= config.min_df) & (df <= config.max_df * n_docs))
    if config.max_features and len(keep) > config.max_features:
        best = np.argsort(-df[keep], kind="stable")[: config.max_features]  # the most documents; ties: first seen
        keep = np.sort(keep[best])
    return keep


def counts(texts: Iterable[str], vocab: Vocabulary, config: FeatureConfig) -> Csr:
    """The count matrix of texts over a fitted vocabulary (unknown n-grams dropped)."""
    from seqkit.models.sparse import kernels

    table = vocab.table()
    parts = [Csr(*held_call(kernels.csr_counts, kernels.lookup_columns(keys, table), offsets), len(vocab.keys))
             for keys, offsets in Featurizer(config).gram_keys(texts)]
    return stack(parts, len(vocab.keys))


def weigh(X: Csr, vocab: Vocabulary, config: FeatureConfig) -> Csr:
    """Counts -> values, in place: tf (raw, 1 + ln c, or 1), times idf, rows to unit length."""
    if config.tf == "sublinear":
        np.log(X.data, out=X.data)
        X.data += 1.0
    elif config.tf == "binary":
        X.data[:] = 1.0
    if config.idf:
        X.data *= vocab.idf[X.indices]
    if config.l2:
        row = np.repeat(np.arange(X.n_rows), np.diff(X.indptr))
        norms = np.sqrt(np.bincount(row, X.data * X.data, minlength=X.n_rows))
        norms[norms == 0] = 1.0
        X.data /= norms[row]
    return X
