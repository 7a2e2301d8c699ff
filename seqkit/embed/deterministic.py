"""--deterministic word2vec training: the same vectors from a seed on any number of threads.

The corpus is cut into chunks of `default_chunk_words` words (driver.chunks: whole documents, independent
of the thread count); ROUND_CHUNKS consecutive chunks make a round. Each chunk trains against the
weights as they were at its round's start, in its own copies of the rows it touches, with its own
random numbers (seeded from the run's seed and the chunk's index) and its own learning rates (from
its place in the corpus); the round ends by adding the chunks' changes to the shared rows in chunk
order (deterministic_kernels.py, on the shared core's fast/overlay.py). Threads only decide which chunk runs where, never what it computes.
See docs/design/deterministic.md for what is guaranteed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqkit.errors import OptionError

# Chunks trained side by side against the same start: the parallelism a round offers. Four cost skip-gram
# 1.8-2.9 analogy points on full IMDB against Hogwild at 2 threads; two are within its spread
# (docs/benchmarks/deterministic.md).
ROUND_CHUNKS = 2
# Words a chunk trains against its round's start. Skip-gram HS's Huffman nodes near the root take thousands of
# updates in a chunk, so it feels the stale start most: 16,384-word chunks cost it 1.3 analogy points on full
# IMDB, 4,096 none (at 0.81x Hogwild's speed against 0.91x). A chunk copies every row it touches, so the
# other modes, whose quality held, keep the larger chunks' speed (docs/benchmarks/deterministic.md).
CHUNK_WORDS, SKIPGRAM_HS_CHUNK_WORDS = 16_384, 4_096
MAX_OVERLAY_BYTES = 8 << 30  # row copies a run may reserve (pages are touched only as rows are copied)
_MASK = (1 << 64) - 1


def chunk_state(seed: int, index: int) -> int:
    """The 64-bit rng state of chunk ``index`` (counted over the whole run): splitmix64 of (seed, index)."""
    z = (int(seed) * 0x9E3779B97F4A7C15 + (index + 1) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def default_chunk_words(config) -> int:
    """Words a chunk holds unless config.deterministic_chunk_words says: by mode (CHUNK_WORDS)."""
    return SKIPGRAM_HS_CHUNK_WORDS if (config.model, config.loss) == ("skipgram", "hs") else CHUNK_WORDS


def pool_rows(n_rows: int, chunk_words: int, rows_per_word: int) -> int:
    """Rows a chunk can touch: at most every row, or rows_per_word for each of its words."""
    return max(1, min(n_rows, chunk_words * rows_per_word))


@dataclass
class Rounds:
    """The deterministic schedule of one run: the overlay buffers and the chunk counter."""

    family: str  # deterministic_kernels.KERNELS key
    weights: tuple  # (input rows, output rows), trained in place
    tables: tuple  # as for kernels.train_shards
    csr: tuple | None  # subword rows of each word (subword_kernels), None for word2vec
    settings: tuple  # Word2VecSettings or SubwordSettings
    threads: int
    seed: int
    caps: tuple[int, int]  # pool rows of a chunk: (input, output)
    chunks_done: int = 0

    def __post_init__(self):
        syn0, out = self.weights
        dim, r = syn0.shape[1], ROUND_CHUNKS
        cap_in, cap_out = self.caps
        need = r * ((cap_in + cap_out) * (dim * 4 + 4) + 4 * (len(syn0) + len(out)))
        if need > MAX_OVERLAY_BYTES:
            raise OptionError(f"--deterministic would reserve {need / 2**30:.1f} GiB of row copies (at most "
                              f"{MAX_OVERLAY_BYTES / 2**30:.0f}): use a smaller --dim or vocabulary, or train without it")
        self.overlay = (
            np.full((r, len(syn0)), -1, np.int32), np.full((r, len(out)), -1, np.int32),
            np.empty((r, cap_in, dim), np.float32), np.empty((r, cap_in), np.int32),
            np.empty((r, cap_out, dim), np.float32), np.empty((r, cap_out), np.int32), np.zeros((r, 2), np.int64),
        )

    def train(self, ids, offsets, chunks, alphas, out_loss, out_counts) -> None:
        """Train one round, chunks (n <= ROUND_CHUNKS, 2) with learning rates alphas (n, 2), and merge it.
        Totals per chunk into out_loss[:n], out_counts[:n]."""
        from seqkit.embed import deterministic_kernels as DK

        n = len(chunks)
        states = np.array([chunk_state(self.seed, self.chunks_done + k) for k in range(n)], np.uint64)
        DK.train_round(self.family, self.weights, (ids, offsets, np.ascontiguousarray(chunks, np.int64)), self.tables,
                       self.csr, self.settings, self.overlay, np.ascontiguousarray(alphas, np.float64), states,
                       (out_loss[:n], out_counts[:n]), self.threads)
        self.chunks_done += n


class RoundStep:
    """A model's Rounds as the driver's KernelStep (driver.drive with config.deterministic)."""

    def __init__(self, rounds: Rounds, label: str):
        self.rounds, self.family = rounds, f"deterministic {label}"  # the family named while it compiles

    def ready(self) -> bool:
        from seqkit.embed import deterministic_kernels as DK

        return DK.is_ready(self.rounds.family)

    def cached(self) -> bool:
        from seqkit.embed import deterministic_kernels as DK

        return DK.is_cached(self.rounds.family)

    def __call__(self, ids, offsets, shards, alphas, states, out_loss, out_counts) -> None:
        """One round: ``shards`` are its chunks, ``alphas`` their own rates (chunk_alphas); the chunks' rng
        states come from the seed and their index (chunk_state), not from ``states``."""
        self.rounds.train(ids, offsets, shards, alphas, out_loss, out_counts)


def round_step(config, weights, tables, csr, settings, threads: int, chunk_words: int, rows_per_word: int,
               label: str) -> RoundStep:
    """The deterministic schedule of a word2vec (csr None) or subword model whose chunks hold at most
    ``chunk_words`` words; ``rows_per_word``: the most input rows one word reads."""
    path = int(np.max(tables[5])) if config.loss == "hs" else 0
    caps = (pool_rows(len(weights[0]), chunk_words, rows_per_word),
            pool_rows(len(weights[1]), chunk_words, output_rows_per_word(config, path)))
    rounds = Rounds(family(config, csr is not None), weights, tables, csr, settings, threads, config.seed, caps)
    return RoundStep(rounds, label)


def chunk_alphas(offsets, chunks, done: int, alpha_at) -> np.ndarray:
    """(n, 2) each chunk's learning rate at its first and last word, by its place in the run."""
    sizes = offsets[chunks[:, 1]] - offsets[chunks[:, 0]]
    starts = done + np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return np.array([[alpha_at(int(s)), alpha_at(int(s + z))] for s, z in zip(starts, sizes)], np.float64)


def family(config, subwords: bool) -> str:
    """The deterministic_kernels.KERNELS key of a run."""
    if subwords:
        return "subword-skipgram" if config.model == "skipgram" else "subword-cbow"
    if config.model == "skipgram":
        return "batched" if config.batch_negatives else "skipgram"
    return "cbow"


def output_rows_per_word(config, path_length: int) -> int:
    """Output rows one word's training can touch: its noise words and itself, or its Huffman path,
    per context in skip-gram."""
    per = path_length if config.loss == "hs" else config.negative + 1
    return per * (2 * config.window if config.model == "skipgram" else 1)


def longest_chunk(offsets, chunks) -> int:
    return int((offsets[chunks[:, 1]] - offsets[chunks[:, 0]]).max()) if len(chunks) else 1
