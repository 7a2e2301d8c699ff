"""The deterministic schedule, slow and obvious: every chunk of a round trains on full copies of the
weights as they were at the round's start (with the slow per-chunk trainers of reference_w2v.py or
reference_subwords.py); then each weight matrix takes the chunks' changes (copy - start), chunk by
chunk, in order."""

from __future__ import annotations

import numpy as np


def train_rounds(matrices: list[np.ndarray], n_chunks: int, round_size: int, train_chunk) -> None:
    """Train ``matrices`` in place; train_chunk(copies, k) trains chunk k (counted from 0) on its copies."""
    for first in range(0, n_chunks, round_size):
        start = [m.copy() for m in matrices]
        deltas = []
        for k in range(first, min(first + round_size, n_chunks)):
            copies = [m.copy() for m in start]
            train_chunk(copies, k)
            deltas.append([c - s for c, s in zip(copies, start)])
        for chunk in deltas:
            for m, d in zip(matrices, chunk):
                m += d
