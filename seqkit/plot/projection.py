"""Word vectors in two dimensions: PCA (NumPy), t-SNE (scikit-learn) or UMAP (umap-learn)."""

from __future__ import annotations

import contextlib
from typing import Literal

import numpy as np

from seqkit.errors import ModelFormatError, OptionError, SeqkitError
from seqkit.limits import MAX_SEED, check_range
from seqkit.plot.extras import require

Method = Literal["pca", "tsne", "umap"]
METHODS = ("pca", "tsne", "umap")


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """(n, d) rows scaled to length 1: maps show cosine neighbourhoods, as the queries do."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)  # (n, 1)
    return vectors / np.where(norms > 0, norms, 1)


def pca(vectors: np.ndarray) -> np.ndarray:
    """(n, 2) coordinates on the two principal axes; the sign of each axis fixed (largest |loading| > 0)."""
    x = vectors.astype(np.float64) - vectors.mean(axis=0)  # (n, d)
    if len(x) < 2:
        return np.zeros((len(x), 2))
    _, _, vt = np.linalg.svd(x, full_matrices=False)  # vt: (min(n, d), d)
    axes = vt[:2]
    if len(axes) < 2:
        axes = np.vstack([axes, np.zeros_like(axes)])
    signs = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
    axes = axes * np.where(signs == 0, 1, signs)[:, None]
    return x @ axes.T  # (n, 2)


def tsne(vectors: np.ndarray, seed: int) -> np.ndarray:
    manifold = require("sklearn.manifold", "scikit-learn", "--method tsne")
    n = len(vectors)
    if n < 3:
        raise OptionError(f"--method tsne needs at least 3 words, not {n}")
    perplexity = float(min(30, max(2, (n - 1) // 3)))  # must stay below n
    # Euclidean distance between unit rows orders pairs as the cosine does (|a - b|^2 = 2 - 2 cos), and
    # stays defined for a zero vector (scikit-learn's cosine metric gives NaN there, and its t-SNE crashes).
    x = unit_rows(vectors.astype(np.float64))  # (n, d)
    model = manifold.TSNE(n_components=2, perplexity=perplexity, metric="euclidean", init=_tsne_start(x, seed),
                          random_state=seed)
    with third_party("t-SNE (scikit-learn)"):
        return model.fit_transform(x)


def _tsne_start(x: np.ndarray, seed: int) -> np.ndarray:
    """(n, 2) t-SNE's starting points: scikit-learn's "pca" start (the principal axes, scaled to a
    standard deviation of 1e-4), or small random points when the words do not spread along any axis
    (all vectors equal or zero: scikit-learn's own start is NaN there, and its t-SNE then crashes)."""
    start = pca(x)  # (n, 2)
    spread = float(start[:, 0].std())
    if not np.isfinite(spread) or spread < 1e-12:
        return np.random.default_rng(seed).standard_normal((len(x), 2)) * 1e-4
    return start / spread * 1e-4


def umap(vectors: np.ndarray, seed: int) -> np.ndarray:
    n = len(vectors)
    if n < 4:
        raise OptionError(f"--method umap needs at least 4 words, not {n}")
    module = require("umap", "umap-learn", "--method umap")
    model = module.UMAP(n_components=2, n_neighbors=min(15, n - 1), metric="euclidean", random_state=seed, n_jobs=1)
    with third_party("UMAP (umap-learn)"):
        return np.asarray(model.fit_transform(unit_rows(vectors).astype(np.float32)), dtype=np.float64)


@contextlib.contextmanager
def third_party(what: str):
    """A library's own failure (a bad parameter, a numerical error) as one SeqkitError line."""
    try:
        yield
    except (ValueError, FloatingPointError, ArithmeticError, RuntimeError) as e:
        raise SeqkitError(f"{what} failed on these vectors: {e}") from None


def project(vectors: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """(n, 2) coordinates of the (n, d) ``vectors`` by ``method``."""
    if method not in METHODS:
        raise OptionError(f"--method must be one of {', '.join(METHODS)}, not {method!r}")
    check_range("--seed", seed, 0, MAX_SEED)
    if not np.isfinite(vectors).all():
        raise ModelFormatError("the vectors to map contain NaN or infinity")
    xy = pca(unit_rows(vectors)) if method == "pca" else tsne(vectors, seed) if method == "tsne" else umap(vectors, seed)
    if not np.isfinite(xy).all():
        raise SeqkitError(f"{method} placed some words at NaN or infinity: no map drawn")
    return xy
