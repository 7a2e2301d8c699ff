"""Subword (fastText-style) word2vec training: pure-Python orchestration around subword_kernels.

The input matrix has fastText's layout: V word rows, then `buckets` n-gram rows (V + buckets, d),
every row uniform in [-1/d, 1/d) as gensim's FastText starts. Training holds only the word rows and
the rows of the buckets some word uses (about half of 2M on IMDB); the rest keep their initial
values and are drawn again from the seed when the model is written. The loop (warm-up, learning-rate
schedule, streaming of a sharded corpus, progress, the training curve), subsampling, noise table, Huffman
tree and hot output rows are word2vec's (driver.py, trainer.py): this module supplies its rows and step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from seqkit.embed.subwords import SubwordConfig, mean_rows, trained_buckets, word_rows
from seqkit.embed.trainer import Progress, Word2VecConfig, _hot_rows, check_trainable
from seqkit.text.corpus import EncodedCorpus
from seqkit.text.vocab import Vocab


@dataclass
class SubwordModel:
    """A trained subword model. Only the n-gram rows some vocabulary word uses are trained and held
    (``used``); the others keep their initial values, which are drawn again from the seed when the
    full matrix is written, so that a run with 2M buckets holds the rows it trains, not 2M."""

    vocab: Vocab
    input: np.ndarray  # (V + U, d) float32: the word rows, then the rows of the U buckets in use
    used: np.ndarray  # (U,) int64 sorted: the buckets some vocabulary word's n-grams fall in
    subwords: SubwordConfig
    seed: int  # the initial rows' seed (fastText's full matrix: _initial_rows)
    syn1neg: np.ndarray | None = None  # (V, d) output rows (negative sampling)
    syn1: np.ndarray | None = None  # (V-1, d) inner-node rows (hierarchical softmax)
    config: dict = field(default_factory=dict)  # training options and figures
    _vectors: np.ndarray | None = field(default=None, repr=False)

    @property
    def vectors(self) -> np.ndarray:
        """(V, d) word vectors: the mean of each word's own row and n-gram rows."""
        if self._vectors is None:
            offsets, rows = self.rows()
            self._vectors = mean_rows(self.input, offsets, rows, chunk_rows=1 << 15)
        return self._vectors

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Each word's rows of ``input`` in CSR form (word_rows with buckets renumbered to V + rank in used)."""
        v = len(self.vocab)
        offsets, rows = word_rows(self.vocab.words, v, self.subwords)
        ngram = rows >= v
        rows[ngram] = v + np.searchsorted(self.used, rows[ngram] - v)
        return offsets, rows

    def ngram_chunks(self, chunk: int = 1 << 16):
        """The full (buckets, d) n-gram matrix, ``chunk`` rows at a time, in order: initial values,
        and the trained rows where a bucket is in use."""
        v, dim = len(self.vocab), self.input.shape[1]
        for start, block in _initial_rows(v + self.subwords.buckets, dim, self.seed, chunk):
            if start + len(block) <= v:
                continue
            block = block[max(v - start, 0) :]  # the n-gram rows of this chunk
            first = max(start - v, 0)  # its first bucket
            lo, hi = np.searchsorted(self.used, [first, first + len(block)])
            block[self.used[lo:hi] - first] = self.input[v + lo : v + hi]
            yield block

    def ngram_matrix(self) -> np.ndarray:
        """(buckets, d) the whole n-gram matrix in memory (small models, tests, crosscheck)."""
        return np.concatenate(list(self.ngram_chunks()))

    def save(self, path) -> None:
        from seqkit.embed.formats import save_native

        v, buckets = len(self.vocab), self.subwords.buckets
        trained = np.zeros(buckets, dtype=bool)
        trained[self.used] = True
        arrays = {"vectors": self.vectors, "vectors_vocab": self.input[:v], "trained_buckets": np.packbits(trained)}
        if self.syn1neg is not None:
            arrays["syn1neg"] = self.syn1neg
        if self.syn1 is not None:
            arrays["syn1"] = self.syn1
        save_native(path, self.vocab.words, self.vocab.counts, arrays,
                    {"training": self.config, "subwords": self.subwords.to_dict()},
                    streamed={"ngrams": ((buckets, self.input.shape[1]), self.ngram_chunks())})


def _initial_rows(n_rows: int, dim: int, seed: int, chunk: int = 1 << 16):
    """(start, (rows, d) block) of trainer.init_weights(n_rows, dim, seed), a chunk at a time, in
    order (the generator's stream does not depend on how the draws are cut; tested)."""
    rng = np.random.default_rng(seed)
    for start in range(0, n_rows, chunk):
        block = rng.random((min(chunk, n_rows - start), dim), dtype=np.float32)
        block *= np.float32(2.0)
        block -= np.float32(1.0)
        block /= np.float32(dim)
        yield start, block


def initial_input(v: int, used: np.ndarray, buckets: int, dim: int, seed: int) -> np.ndarray:
    """(V + U, d): the initial word rows and the initial rows of the buckets ``used`` (sorted): those
    rows of trainer.init_weights(V + buckets, dim, seed), without holding the others."""
    rows = np.empty((v + len(used), dim), dtype=np.float32)
    wanted = np.concatenate([np.arange(v, dtype=np.int64), v + used])  # (V + U,) sorted rows of the full matrix
    for start, block in _initial_rows(v + buckets, dim, seed):
        lo, hi = np.searchsorted(wanted, [start, start + len(block)])
        rows[lo:hi] = block[wanted[lo:hi] - start]
    return rows


def train_subwords(
    corpus: EncodedCorpus,
    config: Word2VecConfig,
    sub: SubwordConfig = SubwordConfig(),
    on_progress: Callable[[Progress], None] | None = None,
    on_epoch: Callable[[int, SubwordModel], None] | None = None,
) -> SubwordModel:
    """Train subword vectors on ``corpus`` (restricted to --min-count / --max-vocab here), with the word2vec
    driver: only the input rows and the kernel call are the subword model's own."""
    from seqkit import runtime
    from seqkit.embed import driver
    from seqkit.text.corpus import restrict

    corpus = restrict(corpus, config.min_count, config.max_vocab)
    vocab = corpus.vocab
    check_trainable(corpus, config, "the corpus")
    v, dim, hs = len(vocab), config.dim, config.loss == "hs"
    offsets_w, rows_w = word_rows(vocab.words, v, sub)
    used = np.unique(rows_w[rows_w >= v]).astype(np.int64) - v  # (U,) buckets in use
    syn0 = initial_input(v, used, sub.buckets, dim, config.seed)  # (V + U, d): only the rows training touches
    model = SubwordModel(vocab, syn0, used, sub, config.seed)
    out = np.zeros((v - 1 if hs else v, dim), np.float32)
    model.syn1neg, model.syn1, model.config = (None if hs else out), (out if hs else None), config.to_dict()
    tables = driver.sampling_tables(vocab.counts, config)

    def epoch_done(epoch: int) -> None:
        model._vectors = None  # the mean vectors of the rows as they are now
        if on_epoch is not None:
            on_epoch(epoch, model)

    with runtime.threads(config.threads, blas=False) as threads:  # restored when training ends
        hot = _hot_rows(config, threads, vocab.counts, tables[0], tables[4], tables[5])
        step = _SubwordStep(config, (syn0, out), tables, model.rows(), hot, driver.max_document(corpus))
        stats = driver.drive(corpus, config, step, threads, on_progress, epoch_done)
    model._vectors = None
    model.config = {**config.to_dict(), "vocab_size": v, **stats.figures(config), "continued": False,
                    "subwords": sub.to_dict()}
    return model


class _SubwordStep:
    """The subword model's part of the driver's loop: its input rows (CSR per word) and kernel call."""

    def __init__(self, config: Word2VecConfig, weights, tables, csr, hot, max_len: int):
        from seqkit.embed import subword_kernels

        self.kernels, self.weights, self.tables, self.csr, self.hot = subword_kernels, weights, tables, csr, hot
        self.config = config
        self.settings = subword_kernels.SubwordSettings(int(config.model == "skipgram"), int(config.loss == "hs"),
                                                        config.window, config.negative, max_len)
        self.family = "subword skip-gram" if config.model == "skipgram" else "subword CBOW"

    def ready(self) -> bool:
        return self.kernels.is_ready(self.settings)

    def cached(self) -> bool:
        return self.kernels.is_cached(self.settings)

    def __call__(self, ids, offsets, shards, alphas, states, out_loss, out_counts) -> None:
        self.kernels.train_shards(self.weights, (ids, offsets, shards), self.tables, self.csr, self.hot,
                                  self.settings, alphas, states, out_loss, out_counts)

    def rounds(self, chunk_words: int, threads: int):
        """--deterministic: the round schedule on the same weights (a word reads its own row and its n-grams')."""
        from seqkit.embed.deterministic import round_step

        per_word = int(np.diff(self.csr[0]).max()) if len(self.csr[0]) > 1 else 1
        return round_step(self.config, self.weights, self.tables, self.csr, self.settings, threads, chunk_words,
                          per_word, self.family)
