"""Which output rows each thread trains in its own copy."""

import numpy as np

from seqkit.embed.hot_rows import hot_rows, kept_frequencies, no_hot_rows, node_weights, noise_weights
from seqkit.embed.huffman import huffman_codes
from seqkit.embed.sampling import keep_thresholds


def test_the_huffman_root_is_the_hottest_node_and_weights_sum_over_paths():
    counts = np.array([50, 20, 10, 10, 5, 5], dtype=np.int64)
    codes, points, lengths = huffman_codes(counts)
    kept = counts / counts.sum()
    weights = node_weights(kept, points, lengths)
    root = points[0, 0]  # every path starts at the root
    assert (points[:, 0] == root).all()
    assert weights[root] == np.float64(1.0) == weights.max()
    assert np.isclose(weights.sum(), (kept * lengths).sum())  # each word counted once per node on its path


def test_noise_weights_count_the_word_itself_and_its_noise_draws():
    counts = np.array([100, 10, 1], dtype=np.int64)
    kept = np.array([0.5, 0.3, 0.2])
    w = noise_weights(kept, counts, 0.75, 5)
    noise = counts ** 0.75 / (counts ** 0.75).sum()
    np.testing.assert_allclose(w, kept + 5 * noise)


def test_hot_rows_are_the_k_heaviest_with_slots_in_row_order():
    slot, ids = hot_rows(np.array([0.1, 5.0, 0.2, 3.0, 4.0]), 3)
    assert ids.tolist() == [1, 3, 4]
    assert slot.tolist() == [-1, 0, -1, 1, 2]
    slot, ids = hot_rows(np.array([1.0, 2.0]), 64)  # fewer rows than k: all of them
    assert ids.tolist() == [0, 1] and slot.tolist() == [0, 1]
    slot, ids = no_hot_rows(4)
    assert len(ids) == 0 and (slot == -1).all()


def test_kept_frequencies_follow_subsampling():
    counts = np.array([1000, 10], dtype=np.int64)
    kept = kept_frequencies(counts, keep_thresholds(counts, 1e-2))
    assert np.isclose(kept.sum(), 1.0)
    assert kept[0] / kept[1] < 100  # the frequent word loses more of its occurrences
