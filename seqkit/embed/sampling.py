"""Tables the kernels sample from: frequent-word subsampling thresholds and an alias table
for negative sampling (O(1) draws from the unigram^0.75 distribution, 8 bytes a word)."""

from __future__ import annotations

import numpy as np

TWO32 = float(1 << 32)


def keep_thresholds(counts: np.ndarray, sample: float) -> np.ndarray:
    """(V,) uint64: a word is kept when a uniform 32-bit draw is below its threshold.

    word2vec.c's rule: keep probability (sqrt(f / (s*T)) + 1) * (s*T) / f for a word seen f times
    among T; thresholds of 2^32 always keep (sample=0 keeps every word)."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.full(len(counts), 1 << 32, dtype=np.uint64)
    threshold = sample * counts.sum()
    keep = (np.sqrt(counts / threshold) + 1.0) * threshold / counts  # (V,)
    return (np.minimum(keep, 1.0) * TWO32).astype(np.uint64)


def alias_table(counts: np.ndarray, exponent: float) -> tuple[np.ndarray, np.ndarray]:
    """Walker's alias table for P(w) ~ count^exponent: (prob (V,) uint64 in [0, 2^32], alias (V,) int32).

    Draw: j = uniform index; take j when a uniform 32-bit u < prob[j], else alias[j]."""
    weights = np.asarray(counts, dtype=np.float64) ** exponent
    n = len(weights)
    scaled = weights * n / weights.sum()  # (V,) mean 1
    prob = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, l = small.pop(), large.pop()
        prob[s] = scaled[s]
        alias[s] = l
        scaled[l] -= 1.0 - scaled[s]
        (small if scaled[l] < 1.0 else large).append(l)
    return (np.minimum(prob, 1.0) * TWO32).astype(np.uint64), alias


def alias_probabilities(prob: np.ndarray, alias: np.ndarray) -> np.ndarray:
    """The distribution an alias table draws from (for tests)."""
    n = len(prob)
    p = prob.astype(np.float64) / TWO32
    out = p / n
    np.add.at(out, alias, (1.0 - p) / n)
    return out
