"""Which output rows every thread writes all the time: the inner nodes next to the Huffman root
(on almost every word's path) and the output rows of the most frequent words (positive targets
and noise words). The kernels give each thread its own copies of these rows and fold the changes
into the shared matrix after every document, so the rows' cache lines do not bounce between cores
on each update (see kernels._sync_hot)."""

from __future__ import annotations

import numpy as np

from seqkit.embed.sampling import TWO32

HOT_ROWS = 64  # rows per thread: 64 x dim floats (25 KB at dim 100), refreshed once per document


def no_hot_rows(n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The kernels' ``hot`` argument with no hot rows."""
    return np.full(max(n_rows, 1), -1, np.int32), np.zeros(0, np.int64)


def hot_rows(weights: np.ndarray, k: int = HOT_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """(slot (R,) int32, ids (k,) int64): the k rows with the largest expected update rates ``weights``."""
    ids = np.sort(np.argsort(-weights, kind="stable")[: min(k, len(weights))]).astype(np.int64)
    slot = np.full(max(len(weights), 1), -1, np.int32)
    slot[ids] = np.arange(len(ids), dtype=np.int32)
    return slot, ids


def kept_frequencies(counts: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """(V,) expected share of training positions per word, after frequent-word subsampling."""
    kept = np.asarray(counts, np.float64) * np.minimum(keep.astype(np.float64) / TWO32, 1.0)
    return kept / max(kept.sum(), 1.0)


def node_weights(kept: np.ndarray, points: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(V-1,) how often each inner node of the Huffman tree is on a trained word's path."""
    on_path = np.arange(points.shape[1])[None, :] < lengths[:, None]  # (V, L)
    weights = np.zeros(max(len(kept) - 1, 1), np.float64)
    np.add.at(weights, points[on_path], np.broadcast_to(kept[:, None], points.shape)[on_path])
    return weights


def noise_weights(kept: np.ndarray, counts: np.ndarray, exponent: float, negative: int) -> np.ndarray:
    """(V,) how often each output row is a target: as the word itself, or as one of ``negative`` noise words."""
    noise = np.asarray(counts, np.float64) ** exponent
    return kept + negative * noise / noise.sum()
