"""--deterministic training of the linear classifier: the same model from a seed on any number of threads.

Each epoch's shuffled texts are cut into chunks of TEXTS_PER_CHUNK texts; ROUND_CHUNKS chunks make a round,
trained against the weights at the round's start and merged in chunk order (deterministic_kernels.py on the shared
core's fast/overlay.py, as seqkit/embed/deterministic.py for word2vec). The learning rate of a text falls with the words before it in
the epoch's order, whichever thread trains it. See docs/design/deterministic.md.
"""

from __future__ import annotations

import numpy as np

from seqkit.embed.deterministic import MAX_OVERLAY_BYTES, ROUND_CHUNKS
from seqkit.errors import OptionError

# Texts a chunk trains against its round's start (a round: ROUND_CHUNKS chunks). With each chunk's own rows
# trained in place, 512 trained IMDB bigrams about 10% faster than 128 at the same accuracy
# (docs/benchmarks/deterministic.md).
TEXTS_PER_CHUNK = 512
# Every text's input rows are listed once for the run where they fit in this many bytes (4 a row), not hashed
# again each epoch: IMDB's 25,000 training texts with bigrams take 56 MB.
MAX_LISTED_BYTES = 1 << 30


class LinearRounds:
    """The overlay buffers of one run and the round loop of an epoch."""

    def __init__(self, weights, lengths: np.ndarray, cfg, threads: int, texts_per_chunk: int = TEXTS_PER_CHUNK):
        W, Wo = weights
        self.texts_per_chunk = texts_per_chunk
        longest = np.sort(lengths)[::-1][:texts_per_chunk]  # a chunk's texts use at most this many rows
        n_feats = int(((longest + 1) * cfg.ngrams).sum()) + 1
        cap = max(1, min(len(W), n_feats))
        r = ROUND_CHUNKS
        places = max(cap, r * cap // 2)  # a shared row is claimed by two chunks at least
        need = (r * (places * 4 * cfg.dim + cap * 8 + Wo.size * 4 + 4 * len(Wo) + 8 * n_feats + len(W) // 4)
                + 4 * (places + len(W)))
        if need > MAX_OVERLAY_BYTES:
            raise OptionError(f"--deterministic would reserve {need / 2**30:.1f} GiB of row copies: use a smaller "
                              "--embed-dim or train without it")
        self.weights, self.cfg, self.parts = weights, cfg, threads
        self.overlay = (np.zeros(len(W), np.int32), np.empty((r, places, cfg.dim), np.float32),  # train_round
                        np.empty(places, np.int32), np.empty((r,) + Wo.shape, np.float32),
                        np.full((r, len(Wo)), -1, np.int32), np.zeros(1, np.int64), np.zeros((r, 2), np.float64))
        bitmap = (len(W) + 7) // 8
        self.claims = (np.empty((r, n_feats), np.int64), np.zeros((r, texts_per_chunk + 1), np.int64),  # claim_texts
                       np.zeros((r, bitmap), np.uint8), np.zeros((r, bitmap), np.uint8), np.empty((r, cap), np.int32),
                       np.zeros(r, np.int64), np.empty((r, cap), np.int32), np.zeros(r, np.int64))
        self.out_rows = np.tile(np.arange(len(Wo), dtype=np.int32), (r, 1))  # every output row, in each chunk
        self.out_counts = np.full(r, len(Wo), np.int64)
        at = np.concatenate([[0], np.cumsum((lengths.astype(np.int64) + 1) * cfg.ngrams)])
        self.listed = None if 4 * at[-1] <= MAX_LISTED_BYTES and len(W) < 2**31 else (
            np.empty(0, np.int32), np.zeros(1, np.int64), np.empty(0, np.int32))  # hashed in every round
        self.text_bounds = at

    def calls(self, n_texts: int) -> int:
        """Rounds in an epoch of n_texts texts."""
        return -(-n_texts // (self.texts_per_chunk * ROUND_CHUNKS))

    @staticmethod
    def kernels() -> tuple:
        """The Numba kernels an epoch calls."""
        from seqkit.fast.overlay import merge, merge_shared, release
        from seqkit.models.linear.deterministic_kernels import claim_texts, list_texts, train_round

        return list_texts, claim_texts, train_round, merge_shared, merge, release

    def warm_up(self, texts, labels, lookup, tree) -> None:
        """Compile (or load) every kernel an epoch calls, on a round of no chunks and a list of no texts."""
        from seqkit.models.linear.deterministic_kernels import list_texts

        none_listed = (np.empty(0, np.int32), self.text_bounds[:1], np.empty(0, np.int32))
        self._round(texts, labels, lookup, tree, np.zeros(0, np.int64), np.zeros((0, 2), np.int64), np.zeros(0),
                    none_listed)
        list_texts((texts[0], texts[1][:1]), lookup, self.cfg, none_listed, 1)

    def epoch(self, texts, labels, lookup, tree, perm: np.ndarray, done: float):
        """Train the epoch's texts in the order ``perm``; yields (texts so far, loss, words) after each round."""
        from seqkit.models.linear.deterministic_kernels import list_texts

        if self.listed is None:
            at = self.text_bounds
            self.listed = (np.empty(at[-1], np.int32), at, np.empty(len(at) - 1, np.int32))
            list_texts(texts, lookup, self.cfg, self.listed, self.parts)
        words = np.concatenate([[0], np.cumsum(np.diff(texts[1])[perm])])  # (N+1,) words before each text
        per = self.texts_per_chunk
        for lo in range(0, len(perm), per * ROUND_CHUNKS):
            starts = np.arange(lo, min(lo + per * ROUND_CHUNKS, len(perm)), per)
            chunks = np.stack([starts, np.minimum(starts + per, len(perm))], axis=1).astype(np.int64)
            loss, seen = self._round(texts, labels, lookup, tree, perm, chunks, done + words[starts].astype(np.float64),
                                     self.listed)
            yield int(chunks[-1, 1]), loss, seen

    def _round(self, texts, labels, lookup, tree, perm, chunks, dones, listed) -> tuple[float, float]:
        """Train and merge one round: the chunks (n, 2) of ``perm``, dones[c] words before chunk c.
        Returns its (loss, words)."""
        from seqkit.fast.overlay import merge, merge_shared, release
        from seqkit.models.linear.deterministic_kernels import claim_texts, train_round

        W, Wo = self.weights
        n = len(chunks)
        workers = max(1, min(self.parts, n))
        claim_texts(texts, lookup, perm, chunks, self.cfg, self.claims, listed, workers)
        train_round(texts, labels, tree, perm, chunks, self.weights, self.cfg, self.overlay, self.claims, dones, workers)
        place, values, shared, outs, out_slots, n_shared, totals = self.overlay
        merge_shared(W, shared, int(n_shared[0]), values, self.claims[2][:n], self.parts)
        merge(Wo, out_slots, outs, self.out_rows, self.out_counts[:n], self.parts)
        release(*self.claims[2:6])
        return float(totals[:n, 0].sum()), float(totals[:n, 1].sum())
