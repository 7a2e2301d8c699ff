"""A product quantizer trained as fastText trains one (productquantizer.cc): each row is cut into
sub-vectors of `dsub` numbers (the last may be shorter); for each sub-vector position, k-means with
256 centroids over at most 65,536 rows, initialized with 256 random rows, 25 iterations. A row is
stored as one byte per sub-vector. With qnorm, the rows' norms get the 256 levels of least squared
error, found exactly (fastText runs its k-means on them, which leaves the few large norms of the
long tail far from any level), and the k-means of the rows' directions weighs each by its squared norm.
Both cut the kept rows' squared reconstruction error about 7x on the IMDB bigram model
(docs/benchmarks/quantize.md)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqkit.errors import OptionError
from seqkit.formats.fasttext.matrix import KSUB, QuantMatrix, Quantizer

MAX_POINTS = KSUB * KSUB  # rows sampled for each sub-vector's k-means (fastText's max_points_)
NITER = 25  # k-means iterations (niter_)
EPS = 1e-7  # how far a split centroid moves (eps_)
MAX_GROUPS = 2 * MAX_POINTS  # values the exact 1-D quantizer solves for one by one; more are grouped


@dataclass(frozen=True)
class PQConfig:
    dsub: int = 2  # numbers per sub-vector: one byte stores dsub floats (fastText's -dsub)
    qnorm: bool = False  # store each row's norm as a byte of its own, the row's direction by codes (-qnorm)
    seed: int = 1234  # rows sampled and initial centroids (fastText's seed_)


def train(x: np.ndarray, dsub: int, seed: int, weights: np.ndarray | None = None) -> Quantizer:
    """The quantizer of the rows x (n, dim) float32; n >= 256. weights (n,) > 0: each row's share of the
    squared error k-means minimizes (None: equal, as fastText)."""
    from seqkit.quantize import kernels

    n, dim = x.shape
    if n < KSUB:
        raise OptionError(f"a matrix of {n} rows is too small to quantize: product quantization needs at least {KSUB}")
    rng = np.random.default_rng(seed)
    w_all = np.ones(n) if weights is None else np.asarray(weights, np.float64)
    tables = []
    for a in range(0, dim, dsub):
        picked = rng.permutation(n)[:MAX_POINTS] if n > MAX_POINTS else np.arange(n)
        xs = np.ascontiguousarray(x[picked, a: a + dsub], np.float32)  # (np, d)
        c = xs[rng.permutation(len(xs))[:KSUB]].copy()  # (256, d)
        w = np.ascontiguousarray(w_all[picked])  # (np,)
        codes = np.zeros(len(xs), np.uint8)
        for it in range(NITER):
            kernels.assign(xs, c, codes)
            kernels.update(xs, w, c, codes, np.float32(EPS), int(rng.integers(1 << 30)))
        tables.append(c)
    return Quantizer(dim, dsub, tables)


def scalar_levels(v: np.ndarray) -> np.ndarray:
    """(256,) float32 levels for the values v (n >= 256) of least total squared error: the best split of
    the sorted values into 256 runs, each run's level its mean (kernels.optimal_segments). Beyond
    MAX_GROUPS values, runs start only at group boundaries: equal counts and equal value steps."""
    from seqkit.quantize import kernels

    s = np.sort(np.asarray(v, np.float64))  # (n,)
    n = len(s)
    bounds = np.arange(n + 1)
    if n > MAX_GROUPS:
        half = MAX_GROUPS // 2
        steps = np.searchsorted(s, np.linspace(s[0], s[-1], half + 1))
        bounds = np.unique(np.concatenate([np.linspace(0, n, half + 1).astype(np.int64), steps, [n]]))
    csum = np.concatenate([[0.0], np.cumsum(s)])
    csq = np.concatenate([[0.0], np.cumsum(s * s)])
    P, Q, N = csum[bounds], csq[bounds], bounds.astype(np.float64)  # (G + 1,) prefix sums at the boundaries
    starts = kernels.optimal_segments(P, Q, N, KSUB)  # (256,)
    ends = np.append(starts[1:], len(bounds) - 1)
    return ((P[ends] - P[starts]) / (N[ends] - N[starts])).astype(np.float32)


def encode(x: np.ndarray, pq: Quantizer, chunk: int = 1 << 16) -> np.ndarray:
    """(n, nsubq) uint8 codes of the rows x (n, dim)."""
    from seqkit.quantize import kernels

    codes = np.empty((len(x), pq.nsubq), np.uint8)
    col = np.empty(min(chunk, len(x)), np.uint8)
    for lo in range(0, len(x), chunk):
        block = np.ascontiguousarray(x[lo: lo + chunk], np.float32)  # (b, dim)
        for m, t in enumerate(pq.tables):
            sub = np.ascontiguousarray(block[:, m * pq.dsub: m * pq.dsub + t.shape[1]])
            kernels.assign(sub, t, col[: len(block)])
            codes[lo: lo + len(block), m] = col[: len(block)]
    return codes


def quantize_matrix(x: np.ndarray, config: PQConfig) -> QuantMatrix:
    """QuantMatrix of x (n, dim) float32 (QuantMatrix::quantize): with qnorm, the norms quantized by
    scalar_levels and the rows divided by them first; the directions' k-means weighs each row by its
    squared norm, its share of the error of the row itself (fastText weighs them equally)."""
    if not 1 <= config.dsub <= x.shape[1]:
        raise OptionError(f"--dsub must be between 1 and the vectors' size {x.shape[1]}, not {config.dsub}")
    x = np.asarray(x, np.float32)
    if not config.qnorm:
        pq = train(x, config.dsub, config.seed)
        return QuantMatrix(encode(x, pq), pq)
    norms = np.linalg.norm(x, axis=1).astype(np.float32)  # (n,)
    unit = x / np.where(norms > 0, norms, 1)[:, None]  # fastText divides by the norm (zero rows: left at zero)
    npq = Quantizer(1, 1, [scalar_levels(norms)[:, None]])
    weights = norms.astype(np.float64) ** 2  # (n,); a zero row gets the least positive weight
    weights[weights == 0] = weights[weights > 0].min(initial=1.0)
    pq = train(unit, config.dsub, config.seed, weights)
    return QuantMatrix(encode(unit, pq), pq, encode(norms[:, None], npq)[:, 0], npq.tables[0][:, 0].copy())
