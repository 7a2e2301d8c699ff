"""A product quantizer trained as fastText trains one (productquantizer.cc): each row is cut into
sub-vectors of `dsub` numbers (the last may be shorter); for each sub-vector position, k-means with
256 centroids over at most 65,536 rows, initialized with 256 random rows, 25 iterations. A row is
stored as one byte per sub-vector."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqkit.errors import OptionError
from seqkit.formats.fasttext.matrix import KSUB, QuantMatrix, Quantizer

MAX_POINTS = KSUB * KSUB  # rows sampled for each sub-vector's k-means (fastText's max_points_)
NITER = 25  # k-means iterations (niter_)
EPS = 1e-7  # how far a split centroid moves (eps_)


@dataclass(frozen=True)
class PQConfig:
    dsub: int = 2  # numbers per sub-vector: one byte stores dsub floats (fastText's -dsub)
    qnorm: bool = False  # store each row's norm as a byte of its own, the row's direction by codes (-qnorm)
    seed: int = 1234  # rows sampled and initial centroids (fastText's seed_)


def train(x: np.ndarray, dsub: int, seed: int) -> Quantizer:
    """The quantizer of the rows x (n, dim) float32; n >= 256."""
    from seqkit.quantize import kernels

    n, dim = x.shape
    if n < KSUB:
        raise OptionError(f"a matrix of {n} rows is too small to quantize: product quantization needs at least {KSUB}")
    rng = np.random.default_rng(seed)
    tables = []
    for a in range(0, dim, dsub):
        picked = rng.permutation(n)[:MAX_POINTS] if n > MAX_POINTS else np.arange(n)
        xs = np.ascontiguousarray(x[picked, a: a + dsub], np.float32)  # (np, d)
        c = xs[rng.permutation(len(xs))[:KSUB]].copy()  # (256, d)
        codes = np.zeros(len(xs), np.uint8)
        for it in range(NITER):
            kernels.assign(xs, c, codes)
            kernels.update(xs, c, codes, np.float32(EPS), int(rng.integers(1 << 30)))
        tables.append(c)
    return Quantizer(dim, dsub, tables)


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
    a one-dimensional quantizer and the rows divided by them first."""
    if not 1 <= config.dsub <= x.shape[1]:
        raise OptionError(f"--dsub must be between 1 and the vectors' size {x.shape[1]}, not {config.dsub}")
    x = np.asarray(x, np.float32)
    if not config.qnorm:
        pq = train(x, config.dsub, config.seed)
        return QuantMatrix(encode(x, pq), pq)
    norms = np.linalg.norm(x, axis=1).astype(np.float32)  # (n,)
    unit = x / np.where(norms > 0, norms, 1)[:, None]  # fastText divides by the norm (zero rows: left at zero)
    npq = train(norms[:, None], 1, config.seed)
    pq = train(unit, config.dsub, config.seed)
    return QuantMatrix(encode(unit, pq), pq, encode(norms[:, None], npq)[:, 0], npq.tables[0][:, 0].copy())
