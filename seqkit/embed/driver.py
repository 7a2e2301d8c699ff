"""The one word2vec driver: pure-Python orchestration of the kernel calls, for plain and subword models.

A model supplies only its step (its weights, rows and kernel call: `KernelStep`), as gensim's FastText
supplies its job function to Word2Vec's loop; the driver owns the rest:

- the sampling tables (subsampling thresholds, noise table, Huffman tree) and each thread's RNG seed;
- warm-up: the kernel is compiled (or loaded from numba's cache) on an empty batch before the first
  chunk, so that words/s counts training only;
- streaming: the corpus is read shard after shard (a corpus from `preprocess --cluster` has many, each
  memory-mapped on its own); each shard is cut into chunks of about `chunk_words` words, a kernel call
  trains one chunk per thread, and the pages already trained are released;
- the learning rate, falling linearly from `alpha` to `min_alpha` over the run, set between calls;
- --deterministic (config.deterministic): smaller chunks (deterministic.default_chunk_words) trained in rounds of
  deterministic.ROUND_CHUNKS against the round's start and merged in order, whatever the thread count; the
  model's step supplies its round schedule (`KernelStep.rounds`), each chunk its learning rates by its place;
- progress after each call, `on_epoch` after each epoch, and the training curve (`history`): one point
  per call, thinned to at most HISTORY_POINTS (plus each epoch's end), so that even a one-epoch run
  draws a curve (`seqkit plot history`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

from seqkit.text.corpus import EncodedCorpus, longest_document, release_pages

HISTORY_POINTS = 200  # points of the training curve kept per run (about; epoch ends are always kept)


@dataclass
class Progress:
    """What the progress callback is told after each kernel call."""

    words_done: int  # corpus words processed, over all epochs so far
    words_total: int  # corpus words x epochs
    epoch: int
    alpha: float
    mean_loss: float  # mean loss per trained example over the run so far
    words_per_s: float  # training time only (the kernel's compilation is not counted)
    stage: str = "training"  # or what happens before the first chunk, e.g. "compiling the skip-gram kernel"


class KernelStep(Protocol):
    """A model's part of training: one kernel call over a batch of chunks, on its own weights."""

    family: str  # "skip-gram", "CBOW", ...: named while the kernel compiles

    def ready(self) -> bool: ...  # the kernel's machine code is in this process already

    def cached(self) -> bool: ...  # numba's on-disk cache holds it

    def __call__(self, ids, offsets, shards, alphas, states, out_loss, out_counts) -> None: ...

    def rounds(self, chunk_words: int, threads: int) -> "KernelStep": ...  # --deterministic: its round schedule


@dataclass
class RunStats:
    """What the driver measured, for the model's metadata."""

    threads: int
    words_per_epoch: int
    seconds: float = 0.0  # training time, warm-up excluded
    loss_sum: float = 0.0
    examples: int = 0
    history: list[dict] = field(default_factory=list)

    def figures(self, config) -> dict:
        total = self.words_per_epoch * config.epochs
        return {
            "threads": self.threads, "corpus_words": self.words_per_epoch, "train_seconds": round(self.seconds, 3),
            "words_per_s": round(total / self.seconds, 1) if self.seconds > 0 else None,
            "mean_loss": self.loss_sum / max(self.examples, 1), "history": self.history,
        }


def sampling_tables(counts: np.ndarray, config) -> tuple:
    """(keep, alias_prob, alias_idx, codes, points, lengths) as the kernels take them; the noise table or the
    Huffman tree is a 1-entry placeholder when the loss does not use it."""
    from seqkit.embed.huffman import huffman_codes
    from seqkit.embed.sampling import alias_table, keep_thresholds

    keep = keep_thresholds(counts, config.sample)
    ns = config.loss == "ns"
    alias_prob, alias_idx = alias_table(counts, config.ns_exponent) if ns else (
        np.zeros(1, np.uint64), np.zeros(1, np.int32))
    codes, points, lengths = huffman_codes(counts) if not ns else (
        np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32))
    return keep, alias_prob, alias_idx, codes, points, lengths


def max_document(corpus: EncodedCorpus) -> int:
    """The longest document of any shard (at least 1): the kernels' sentence buffer."""
    return max(1, max((longest_document(s.offsets) for s in corpus.shards if s.n_docs), default=1))


def kernel_arrays(shard) -> tuple[np.ndarray, np.ndarray]:
    """A shard's ids (int32) and offsets (int64) as the kernels take them: views where the types match."""
    return np.ascontiguousarray(shard.ids, dtype=np.int32), np.ascontiguousarray(shard.offsets, dtype=np.int64)


def chunks(offsets: np.ndarray, chunk_words: int) -> np.ndarray:
    """(S, 2) document ranges of about chunk_words words each, in corpus order."""
    n = int(offsets[-1])
    cuts = np.searchsorted(offsets, np.arange(0, n, chunk_words), side="left")
    cuts = np.unique(np.concatenate([cuts, [len(offsets) - 1]]))
    cuts = cuts[cuts <= len(offsets) - 1]
    if cuts[0] != 0:
        cuts = np.concatenate([[0], cuts])
    return np.stack([cuts[:-1], cuts[1:]], axis=1).astype(np.int64)


def chunk_words(config) -> int:
    """Words a kernel call trains per chunk: small chunks with --deterministic (their rounds train against a
    stale start: 50,000-word chunks cost CBOW 6 analogy points on 4M IMDB words)."""
    if not config.deterministic:
        return config.chunk_words
    from seqkit.embed.deterministic import default_chunk_words

    return config.deterministic_chunk_words or default_chunk_words(config)


def rng_states(seed: int, threads: int) -> np.ndarray:
    """(threads,) uint64: each thread's LCG seed, splitmix64 of (seed, thread). Seeds that differed only by
    7919 t (before issue 32) cost CBOW NS 0.5 analogy points at 2 threads on a plain IMDB stream (4 seeds
    each: 12.88 against 13.39; benchmarks/ablate_w2v.py, variant old-seeds)."""
    from seqkit.embed.deterministic import chunk_state

    return np.array([chunk_state(seed, t) for t in range(threads)], dtype=np.uint64)


def drive(corpus: EncodedCorpus, config, step: KernelStep, threads: int,
          on_progress: Callable[[Progress], None] | None = None,
          on_epoch: Callable[[int], None] | None = None) -> RunStats:
    """Train ``config.epochs`` epochs of ``corpus`` with ``step``, ``threads`` chunks per kernel call (with
    --deterministic: rounds of deterministic.ROUND_CHUNKS chunks, on ``threads`` threads)."""
    stats = RunStats(threads, corpus.n_tokens)
    total = stats.words_per_epoch * config.epochs
    plan = [(s, chunks(np.ascontiguousarray(s.offsets, dtype=np.int64), chunk_words(config)))
            for s in corpus.shards if s.n_docs]
    per_call = threads  # chunks a kernel call trains
    if config.deterministic:
        from seqkit.embed import deterministic as det

        longest = max((det.longest_chunk(np.asarray(s.offsets), c) for s, c in plan), default=1)
        step, per_call = step.rounds(longest, threads), det.ROUND_CHUNKS
    _warm_up(step, plan, total, config, on_progress)
    calls_per_epoch = max(1, sum(-(-len(c) // per_call) for _, c in plan))
    run = _Run(config, step, total, rng_states(config.seed, per_call), stats,
               max(1, config.epochs * calls_per_epoch // HISTORY_POINTS), calls_per_epoch, on_progress)
    for epoch in range(config.epochs):
        for shard, shard_chunks in plan:  # one memory-mapped shard at a time
            run.shard(epoch, shard, shard_chunks, per_call)
        if on_epoch is not None:
            on_epoch(epoch + 1)
    stats.seconds = time.perf_counter() - run.start
    return stats


def _warm_up(step: KernelStep, plan, total: int, config, on_progress) -> None:
    """Compile (or load) the kernel on an empty batch: no shards, nothing trained. The corpus's own arrays
    give the types the training calls use (Numba compiles per type)."""
    if on_progress is not None and not step.ready():
        what = f"compiling the {step.family} kernel, first run only" if not step.cached() else \
            f"loading the {step.family} kernel"
        on_progress(Progress(0, total, 1, config.alpha, float("nan"), 0.0, what))
    ids, offsets = kernel_arrays(plan[0][0]) if plan else (np.zeros(0, np.int32), np.zeros(1, np.int64))
    step(ids, offsets, np.zeros((0, 2), np.int64), np.zeros((0, 2), np.float64), np.zeros(0, np.uint64),
         np.zeros(0, np.float64), np.zeros((0, 3), np.int64))


class _Run:
    """The state of one run between kernel calls: words done, rng states, loss, the curve."""

    def __init__(self, config, step, total, states, stats, every, calls_per_epoch, on_progress):
        self.config, self.step, self.total, self.states, self.stats = config, step, total, states, stats
        self.every, self.calls_per_epoch, self.on_progress = every, calls_per_epoch, on_progress
        self.out_loss = np.zeros(len(states), np.float64)
        self.out_counts = np.zeros((len(states), 3), np.int64)
        self.done, self.call, self.start = 0, 0, time.perf_counter()

    def alpha_at(self, words: int) -> float:
        c = self.config
        return max(c.min_alpha, c.alpha - (c.alpha - c.min_alpha) * words / self.total)

    def shard(self, epoch: int, shard, shard_chunks: np.ndarray, per_call: int) -> None:
        ids, offsets = kernel_arrays(shard)
        for first in range(0, len(shard_chunks), per_call):
            batch = shard_chunks[first : first + per_call]
            k = len(batch)
            size = int(offsets[batch[-1, 1]] - offsets[batch[0, 0]])
            if self.config.deterministic:  # each chunk its own rates, by its place in the run
                from seqkit.embed.deterministic import chunk_alphas

                alphas = chunk_alphas(offsets, batch, self.done, self.alpha_at)
            else:  # the threads train their shards side by side
                alphas = np.tile([self.alpha_at(self.done), self.alpha_at(self.done + size)], (k, 1))
            self.step(ids, offsets, np.ascontiguousarray(batch), alphas, self.states[:k], self.out_loss[:k],
                      self.out_counts[:k])
            release_pages(shard.ids, offsets[batch[-1, 1]])  # a large corpus streams through memory
            release_pages(shard.offsets, batch[-1, 1])
            self.record(epoch, size, float(self.out_loss[:k].sum()), int(self.out_counts[:k, 0].sum()))

    def record(self, epoch: int, size: int, loss: float, examples: int) -> None:
        s = self.stats
        s.loss_sum, s.examples = s.loss_sum + loss, s.examples + examples
        self.done += size
        self.call += 1
        elapsed = time.perf_counter() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        mean = s.loss_sum / max(s.examples, 1)
        if self.call % self.every == 0 or self.call % self.calls_per_epoch == 0:
            s.history.append({
                "words": self.done, "epoch": round(self.done / s.words_per_epoch, 4), "alpha": self.alpha_at(self.done),
                "loss": loss / max(examples, 1), "mean_loss": mean, "words_per_s": round(rate, 1),
                "seconds": round(elapsed, 3),
            })
        if self.on_progress is not None:
            self.on_progress(Progress(self.done, self.total, epoch + 1, self.alpha_at(self.done), mean, rate))
