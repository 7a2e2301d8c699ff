"""The deterministic schedule, slow and obvious: every chunk of a round trains on full copies of the
weights as they were at the round's start (with the slow per-chunk trainers of reference_w2v.py or
reference_subwords.py); then each weight matrix takes the chunks' changes (copy - start), chunk by
chunk, in order; with ``mean_shared`` a matrix's rows that every chunk of the round changed take the
mean of the chunks' changes instead (hierarchical softmax's output rows)."""

from __future__ import annotations

import numpy as np


def train_rounds(matrices: list[np.ndarray], n_chunks: int, round_size: int, train_chunk,
                 mean_shared: tuple[bool, ...] = ()) -> None:
    """Train ``matrices`` in place; train_chunk(copies, k) trains chunk k (counted from 0) on its copies."""
    mean_shared = tuple(mean_shared) + (False,) * (len(matrices) - len(mean_shared))
    for first in range(0, n_chunks, round_size):
        start = [m.copy() for m in matrices]
        deltas = []
        for k in range(first, min(first + round_size, n_chunks)):
            copies = [m.copy() for m in start]
            train_chunk(copies, k)
            deltas.append([c - s for c, s in zip(copies, start)])
        n = len(deltas)
        for i, m in enumerate(matrices):
            if mean_shared[i] and n > 1:  # rows every chunk changed: the mean of the changes
                every = np.all([np.any(chunk[i] != 0, axis=1) for chunk in deltas], axis=0)
                scale = np.where(every, np.float32(1) / np.float32(n), np.float32(1)).astype(np.float32)[:, None]
            else:
                scale = np.float32(1)
            for chunk in deltas:
                m += chunk[i] * scale
