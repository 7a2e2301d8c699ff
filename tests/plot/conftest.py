"""Small word vectors with a planted layout, saved as a native model: no training needed."""

from __future__ import annotations

import numpy as np
import pytest

from seqkit.embed.formats import save_native
from seqkit.embed.keyed import KeyedVectors

pytest.importorskip("matplotlib", reason="the plot extra is not installed (pip install 'seqkit[plot]')")

CLUSTERS = {"good": ["great", "fine", "nice"], "bad": ["awful", "poor", "worse"], "cat": ["dog", "pet", "kitten"]}


def planted_vectors(dim: int = 12, seed: int = 0) -> KeyedVectors:
    """Three tight clusters (a seed word and its 3 neighbours) along 3 axes, plus 20 filler words."""
    rng = np.random.default_rng(seed)
    words, rows = [], []
    for axis, (seed_word, near) in enumerate(CLUSTERS.items()):
        centre = np.zeros(dim)
        centre[axis] = 1.0
        for w in [seed_word] + near:
            words.append(w)
            rows.append(centre + rng.normal(0, 0.05, dim))
    for i in range(20):
        words.append(f"filler{i}")
        rows.append(rng.normal(0, 1, dim))
    counts = np.arange(len(words), 0, -1, dtype=np.int64) * 10
    return KeyedVectors(words, np.array(rows, dtype=np.float32), counts, source="planted.w2v")


@pytest.fixture
def kv() -> KeyedVectors:
    return planted_vectors()


@pytest.fixture
def model_file(tmp_path, kv):
    path = tmp_path / "planted.w2v"
    history = [{"words": 100 * i, "epoch": i / 4, "alpha": 0.025 * (1 - i / 4), "loss": 3.0 - 0.2 * i,
                "mean_loss": 3.0 - 0.1 * i, "words_per_s": 1000.0 + i, "seconds": 0.1 * i} for i in range(1, 5)]
    save_native(path, kv.words, kv.counts, {"vectors": kv.vectors}, {"training": {"dim": 12, "history": history}})
    return path
