"""The quantizer's kernels against slow, obvious NumPy references; quantized matrices reconstruct."""

import numpy as np
import pytest

from seqkit.errors import OptionError
from seqkit.quantize import kernels
from seqkit.quantize.pq import PQConfig, encode, quantize_matrix, train


def test_assign_is_the_nearest_centroid_first_on_ties():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((500, 3)).astype(np.float32)
    c = rng.standard_normal((256, 3)).astype(np.float32)
    c[7] = c[3]  # a tie: the first wins
    x[0] = c[3]
    codes = np.zeros(500, np.uint8)
    kernels.assign(x, c, codes)
    d = ((x[:, None, :] - c[None]) ** 2).sum(-1)  # (n, K)
    np.testing.assert_array_equal(codes, d.argmin(1))
    assert codes[0] == 3


def test_update_takes_means_and_splits_empty_clusters():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((600, 2)).astype(np.float32)
    codes = rng.integers(0, 200, 600).astype(np.uint8)  # centroids 200..255 are empty
    c = np.zeros((256, 2), np.float32)
    kernels.update(x, np.ones(600), c, codes, np.float32(1e-7), 5)
    for k in range(200):
        if (codes == k).any():
            np.testing.assert_allclose(c[k], x[codes == k].mean(0), rtol=1e-5, atol=1e-6)
    assert np.isfinite(c).all() and len(np.unique(c, axis=0)) == 256  # every empty one split off a new centroid


def test_update_takes_weighted_means():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((600, 3)).astype(np.float32)
    w = rng.uniform(0.01, 10, 600)
    codes = (np.arange(600) % 256).astype(np.uint8)
    c = np.zeros((256, 3), np.float32)
    kernels.update(x, w, c, codes, np.float32(1e-7), 5)
    for k in range(256):
        m = codes == k
        np.testing.assert_allclose(c[k], (w[m, None] * x[m]).sum(0) / w[m].sum(), rtol=1e-5, atol=1e-6)


def test_a_matrix_of_256_distinct_rows_is_reconstructed_exactly():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((256, 6)).astype(np.float32)
    q = quantize_matrix(x, PQConfig(dsub=3))  # k-means starts from the 256 rows themselves: nothing moves
    np.testing.assert_allclose(q.all_rows(), x, atol=1e-5)


@pytest.mark.parametrize("dsub", [1, 2, 4])
def test_quantized_rows_are_close_and_the_last_subvector_may_be_short(dsub):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3000, 10)).astype(np.float32)
    q = quantize_matrix(x, PQConfig(dsub=dsub))
    assert q.codes.shape == (3000, -(-10 // dsub)) and q.pq.tables[-1].shape[1] == (10 % dsub or dsub)
    err = np.linalg.norm(q.all_rows() - x) / np.linalg.norm(x)
    assert err < {1: 0.05, 2: 0.3, 4: 0.6}[dsub]


def test_qnorm_stores_norms_and_directions():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2000, 8)).astype(np.float32) * rng.uniform(0.1, 5, (2000, 1)).astype(np.float32)
    q = quantize_matrix(x, PQConfig(dsub=2, qnorm=True))
    assert q.norm_codes.shape == (2000,) and q.norms.shape == (256,)
    norms = np.linalg.norm(x, axis=1)
    assert np.median(np.abs(q.norms[q.norm_codes] - norms) / norms) < 0.01  # 256 levels for 2000 norms
    assert np.linalg.norm(q.all_rows() - x) / np.linalg.norm(x) < 0.35


def test_too_few_rows_or_a_bad_dsub_is_an_option_error():
    with pytest.raises(OptionError):
        train(np.zeros((100, 4), np.float32), 2, 0)
    with pytest.raises(OptionError):
        quantize_matrix(np.zeros((300, 4), np.float32), PQConfig(dsub=5))


def test_encode_in_chunks_equals_one_pass():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1000, 4)).astype(np.float32)
    pq = train(x, 2, 0)
    np.testing.assert_array_equal(encode(x, pq, chunk=77), encode(x, pq))


def _split_error(s, starts):
    ends = list(starts[1:]) + [len(s)]
    return sum(((s[a:b] - s[a:b].mean()) ** 2).sum() for a, b in zip(starts, ends))


@pytest.mark.parametrize("n,k", [(9, 3), (12, 4), (10, 1), (8, 8)])
def test_optimal_segments_is_the_best_split_of_all(n, k):
    import itertools

    s = np.sort(np.random.default_rng(n).exponential(1, n))
    P, Q = np.concatenate([[0.0], np.cumsum(s)]), np.concatenate([[0.0], np.cumsum(s * s)])
    starts = kernels.optimal_segments(P, Q, np.arange(n + 1.0), k)
    best = min(_split_error(s, [0, *c]) for c in itertools.combinations(range(1, n), k - 1))
    assert starts[0] == 0 and np.all(np.diff(starts) > 0)
    assert _split_error(s, starts) == pytest.approx(best, rel=1e-9, abs=1e-12)


def _level_error(v, levels):
    return float(((v[:, None] - levels[None]) ** 2).min(1).sum())


def test_scalar_levels_fit_a_long_tail_better_than_kmeans():
    from seqkit.quantize.pq import scalar_levels

    rng = np.random.default_rng(6)
    v = np.concatenate([rng.normal(1, 0.05, 5000), rng.pareto(1.5, 300) + 2]).astype(np.float32)  # bulk + tail
    levels = scalar_levels(v)
    kmeans = train(v[:, None], 1, 1234).tables[0][:, 0]
    assert levels.shape == (256,) and np.all(np.diff(levels) >= 0)
    assert _level_error(v, levels) < 0.1 * _level_error(v, kmeans)


def test_scalar_levels_of_many_values_stay_close_to_the_exact_ones(monkeypatch):
    from seqkit.quantize import pq

    v = np.random.default_rng(7).lognormal(0, 0.7, 6000).astype(np.float32)
    exact = _level_error(v, pq.scalar_levels(v))
    monkeypatch.setattr(pq, "MAX_GROUPS", 1024)  # 6,000 values: runs start at group boundaries only
    grouped = _level_error(v, pq.scalar_levels(v))
    assert exact <= grouped < 1.3 * exact
