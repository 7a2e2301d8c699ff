"""The deterministic schedule, slow and obvious: every chunk of a round trains on full copies of the
weights as they were at the round's start (with the slow per-chunk trainers of reference_w2v.py or
reference_subwords.py); then each weight matrix takes the chunks' copies chunk by chunk, in order, element by
element: the first chunk's value that changed it, and after it each later chunk's change (copy - start)."""

from __future__ import annotations

import numpy as np


def train_rounds(matrices: list[np.ndarray], n_chunks: int, round_size: int, train_chunk) -> None:
    """Train ``matrices`` in place; train_chunk(copies, k) trains chunk k (counted from 0) on its copies."""
    for first in range(0, n_chunks, round_size):
        start = [m.copy() for m in matrices]
        trained = []
        for k in range(first, min(first + round_size, n_chunks)):
            copies = [m.copy() for m in start]
            train_chunk(copies, k)
            trained.append(copies)
        for copies in trained:
            for m, c, s in zip(matrices, copies, start):
                m[...] = merged(m, c, s)


def merged(m: np.ndarray, copy: np.ndarray, start: np.ndarray) -> np.ndarray:
    """m after one more chunk's copy: the copy where m is still the start, else m + (copy - start)."""
    return np.where(m == start, copy, m + (copy - start))
