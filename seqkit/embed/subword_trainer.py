"""Subword (fastText-style) word2vec training: pure-Python orchestration around subword_kernels.

The input matrix has fastText's layout: V word rows, then `buckets` n-gram rows (V + buckets, d),
every row uniform in [-1/d, 1/d) as gensim's FastText starts. Training holds only the word rows and
the rows of the buckets some word uses (about half of 2M on IMDB); the rest keep their initial
values and are drawn again from the seed when the model is written. Shards, learning-rate schedule,
subsampling, noise table, Huffman tree and hot output rows are word2vec's (trainer.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from seqkit.embed.subwords import SubwordConfig, mean_rows, trained_buckets, word_rows
from seqkit.embed.trainer import Progress, Word2VecConfig, _hot_rows, _rounds, _shards, check_trainable, chunk_words
from seqkit.text.corpus import EncodedCorpus, longest_document, release_pages
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
    """Train subword vectors on ``corpus`` (restricted to --min-count / --max-vocab here)."""
    from seqkit import runtime

    with runtime.threads(config.threads, blas=False) as threads:  # restored when training ends
        return _train(corpus, config, sub, threads, on_progress, on_epoch)


def _train(corpus, config, sub, threads, on_progress, on_epoch) -> SubwordModel:
    from seqkit.embed import subword_kernels
    from seqkit.embed.deterministic import ROUND_CHUNKS, chunk_alphas
    from seqkit.embed.huffman import huffman_codes
    from seqkit.embed.sampling import alias_table, keep_thresholds

    from seqkit.text.corpus import restrict

    config.check()
    sub.check()
    corpus = restrict(corpus, config.min_count, config.max_vocab)
    vocab = corpus.vocab
    check_trainable(corpus, config, "the corpus")
    v, dim = len(vocab), config.dim
    hs = config.loss == "hs"
    offsets_w, rows_w = word_rows(vocab.words, v, sub)
    used = np.unique(rows_w[rows_w >= v]).astype(np.int64) - v  # (U,) buckets in use
    syn0 = initial_input(v, used, sub.buckets, dim, config.seed)  # (V + U, d): only the rows training touches
    model = SubwordModel(vocab, syn0, used, sub, config.seed)
    csr = model.rows()
    out = np.zeros((v - 1 if hs else v, dim), np.float32)

    keep = keep_thresholds(vocab.counts, config.sample)
    alias_prob, alias_idx = alias_table(vocab.counts, config.ns_exponent) if not hs else (
        np.zeros(1, np.uint64), np.zeros(1, np.int32))
    codes, points, lengths = huffman_codes(vocab.counts) if hs else (
        np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32))
    tables = (keep, alias_prob, alias_idx, codes, points, lengths)

    hot = _hot_rows(config, threads, vocab.counts, keep, points, lengths)
    ids = np.ascontiguousarray(corpus.ids, dtype=np.int32)
    offsets = np.ascontiguousarray(corpus.offsets, dtype=np.int64)
    max_len = longest_document(offsets) if corpus.n_docs else 1
    settings = subword_kernels.SubwordSettings(int(config.model == "skipgram"), int(hs), config.window,
                                               config.negative, max(max_len, 1))
    shards = _shards(offsets, chunk_words(config))
    total = corpus.n_tokens * config.epochs
    states = (np.uint64(config.seed) * np.uint64(1000003) + np.arange(threads, dtype=np.uint64) * np.uint64(7919)
              + np.uint64(1)).astype(np.uint64)
    rows_per_word = int(np.diff(csr[0]).max()) if v else 1
    rounds = _rounds(config, (syn0, out), tables, csr, settings, threads, [(corpus, shards)], lengths, rows_per_word)
    per_call = ROUND_CHUNKS if rounds else threads  # chunks a kernel call trains
    out_loss = np.zeros(per_call, np.float64)
    out_counts = np.zeros((per_call, 3), np.int64)
    loss_sum, examples, done = 0.0, 0, 0
    start = time.perf_counter()

    def alpha_at(words: int) -> float:
        return max(config.min_alpha, config.alpha - (config.alpha - config.min_alpha) * words / total)

    model.syn1neg, model.syn1, model.config = (None if hs else out), (out if hs else None), config.to_dict()
    for epoch in range(config.epochs):
        for first in range(0, len(shards), per_call):
            batch = shards[first : first + per_call]
            size = int(offsets[batch[-1, 1]] - offsets[batch[0, 0]])
            if rounds:
                rounds.train(ids, offsets, batch, chunk_alphas(offsets, batch, done, alpha_at), out_loss, out_counts)
            else:
                alphas = np.tile([alpha_at(done), alpha_at(done + size)], (len(batch), 1))
                subword_kernels.train_shards((syn0, out), (ids, offsets, np.ascontiguousarray(batch)), tables, csr,
                                             hot, settings, alphas, states[: len(batch)], out_loss[: len(batch)],
                                             out_counts[: len(batch)])
            release_pages(corpus.ids, offsets[batch[-1, 1]])
            loss_sum += float(out_loss[: len(batch)].sum())
            examples += int(out_counts[: len(batch), 0].sum())
            done += size
            if on_progress is not None:
                elapsed = time.perf_counter() - start
                on_progress(Progress(done, total, epoch + 1, alpha_at(done), loss_sum / max(examples, 1),
                                     done / elapsed if elapsed > 0 else 0.0))
        model._vectors = None
        if on_epoch is not None:
            on_epoch(epoch + 1, model)
    seconds = time.perf_counter() - start
    model._vectors = None
    model.config = {
        **config.to_dict(), "threads": threads, "vocab_size": v, "corpus_words": corpus.n_tokens,
        "train_seconds": round(seconds, 3), "words_per_s": round(total / seconds, 1) if seconds > 0 else None,
        "mean_loss": loss_sum / max(examples, 1), "continued": False, "subwords": sub.to_dict(),
    }
    return model
