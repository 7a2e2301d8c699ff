"""Product-quantizer variants on one classifier's kept rows (issue 25): reconstruction error and IMDB
test accuracy per quantizer seed, in process (no model files written).

The model's rows are pruned to --cutoff as `quantize --cutoff` does; each variant quantizes them with
qnorm at --dsub; accuracy is the argmax of the output matrix times the mean of a text's quantized rows,
as `seqkit evaluate` / `fasttext predict` compute it. MODEL: a seqkit linear classifier (.npz; texts
from test.tsv.gz, normalized as the model does) or a fastText supervised .bin (texts: --test-ft lines,
as bench_linear.py prepares them).

    python benchmarks/pq_variants.py MODEL [--seeds 1 2 3 4] [--variants base all ...] [--test-ft test.ft]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
IMDB = REPO.parent / "shared" / "corpora" / "imdb"


def kept_structure(model: str, cutoff: int):
    """(pruned FastTextFile, normalize options or None)."""
    from seqkit.formats.fasttext.header import sniff
    from seqkit.formats.fasttext.model import read_model_file
    from seqkit.quantize.linear import fasttext_structure, prune

    if sniff(model):
        return prune(read_model_file(model), cutoff), None
    from seqkit.models.loading import load_classifier

    clf = load_classifier(model)
    return prune(fasttext_structure(clf), cutoff), clf.config.normalize


def test_rows(f, normalize, test_ft: Path | None):
    """(rows, offsets, gold label ids) of the IMDB test texts in the pruned structure."""
    from seqkit.formats.fasttext.model import FastTextClassifier

    clf = FastTextClassifier(f, normalize)
    if test_ft is None:
        from seqkit.datasets.labeled import read_labeled

        data = read_labeled(str(IMDB / "test.tsv.gz"))
        texts = [" ".join(clf._tokenize(t)) for t in data.texts]
        gold = [clf.labels.index(str(y)) for y in data.labels]
    else:
        lines = test_ft.read_text().splitlines()
        texts = [line.split(" ", 1)[1] for line in lines]
        gold = [clf.labels.index(line.split(" ", 1)[0][len("__label__"):]) for line in lines]
    rows, offsets = clf.encoder.batch(texts)
    return rows, offsets, np.array(gold), clf._out


def accuracy(x_hat: np.ndarray, rows, offsets, gold, out) -> float:
    from seqkit.formats.fasttext.kernels import mean_dense

    H = np.zeros((len(gold), x_hat.shape[1]), np.float32)  # (N, dim)
    mean_dense(np.ascontiguousarray(x_hat, np.float32), rows, offsets, H)
    return float(((H @ out.T).argmax(1) == gold).mean())


def reconstruct(q) -> np.ndarray:
    """(n, dim) rows of a QuantMatrix with qnorm."""
    return q.pq.decode(np.asarray(q.codes)) * q.norms[q.norm_codes][:, None]


def main() -> None:
    from seqkit.quantize.pq import PQConfig, quantize_matrix

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--cutoff", type=int, default=100_000)
    ap.add_argument("--dsub", type=int, default=2)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS))
    ap.add_argument("--test-ft", type=Path, default=None)
    args = ap.parse_args()
    f, normalize = kept_structure(args.model, args.cutoff)
    x = np.ascontiguousarray(f.input.data, np.float32)  # (n, dim) kept rows
    rows, offsets, gold, out = test_rows(f, normalize, args.test_ft)
    print(json.dumps({"variant": "full", "accuracy": accuracy(x, rows, offsets, gold, out)}), flush=True)
    for name in args.variants:
        for seed in args.seeds:
            t = time.perf_counter()
            q = VARIANTS[name](x, args.dsub, seed) if name != "current" else quantize_matrix(x, PQConfig(args.dsub, True, seed))
            seconds = time.perf_counter() - t
            x_hat = reconstruct(q)
            mse = float(((x_hat - x) ** 2).sum(1).mean())
            print(json.dumps({"variant": name, "seed": seed, "mse": mse, "rel": mse / float((x ** 2).sum(1).mean()),
                              "accuracy": accuracy(x_hat, rows, offsets, gold, out), "seconds": round(seconds, 1)}),
                  flush=True)


K = 256


def kpp_init(xs, w, rng):
    """k-means++ (D^2 weighting, times the point weights)."""
    n = len(xs)
    c = np.empty((K, xs.shape[1]), np.float32)
    c[0] = xs[rng.choice(n, p=w / w.sum())]
    d = ((xs - c[0]) ** 2).sum(1)  # (n,)
    for k in range(1, K):
        p = w * d
        c[k] = xs[rng.choice(n, p=p / p.sum())] if p.sum() > 0 else xs[rng.integers(n)]
        d = np.minimum(d, ((xs - c[k]) ** 2).sum(1))
    return c


def kmeans(xs, w, rng, iters, init, tol):
    """Weighted Lloyd: centroids the weighted means; an empty cluster takes the point of largest error."""
    from seqkit.quantize import kernels

    n, d = xs.shape
    c = xs[rng.permutation(n)[:K]].copy() if init == "random" else kpp_init(xs, w, rng)
    codes = np.zeros(n, np.uint8)
    prev = np.inf
    for it in range(iters):
        kernels.assign(xs, c, codes)
        err_i = w * ((xs - c[codes]) ** 2).sum(1)  # (n,)
        err = err_i.sum()
        if tol and prev - err <= tol * err:
            break
        prev = err
        W = np.bincount(codes, w, K)  # (K,)
        for j in range(d):
            c[W > 0, j] = (np.bincount(codes, w * xs[:, j], K)[W > 0] / W[W > 0]).astype(np.float32)
        empty = np.flatnonzero(W == 0)
        if len(empty):
            c[empty] = xs[np.argsort(-err_i)[: len(empty)]]
    return c


def lloyd_1d(v, iters=10_000):
    """256 levels for the values v: Lloyd from the quantiles until no boundary moves (prefix sums)."""
    s = np.sort(v.astype(np.float64))
    P = np.concatenate([[0.0], np.cumsum(s)])
    c = np.quantile(s, (np.arange(K) + 0.5) / K)
    cuts = None
    for _ in range(iters):
        b = np.searchsorted(s, (c[1:] + c[:-1]) / 2)  # (K-1,) first index of each next level
        if cuts is not None and np.array_equal(b, cuts):
            break
        cuts = b
        lo, hi = np.concatenate([[0], b]), np.concatenate([b, [len(s)]])
        m = hi > lo
        c[m] = (P[hi[m]] - P[lo[m]]) / (hi[m] - lo[m])
        c = np.sort(c)
    return c.astype(np.float32)


def nearest_level(v, levels):
    from seqkit.quantize import kernels

    codes = np.zeros(len(v), np.uint8)
    kernels.assign(np.ascontiguousarray(v[:, None], np.float32), np.ascontiguousarray(levels[:, None]), codes)
    return codes


def make_variant(sample=True, iters=25, init="random", tol=0.0, weight=False, norms="kmeans", scale="norm"):
    """A qnorm quantizer: k-means options for the directions, 'kmeans' (current) or 'lloyd' norms, the
    stored scale the row's norm or the least-squares one for its quantized direction."""
    def run(x, dsub, seed):
        from seqkit.formats.fasttext.matrix import QuantMatrix, Quantizer
        from seqkit.quantize.pq import MAX_POINTS, encode, scalar_levels, train

        rng = np.random.default_rng(seed)
        norms_x = np.linalg.norm(x, axis=1).astype(np.float32)
        unit = x / np.where(norms_x > 0, norms_x, 1)[:, None]
        w_all = (norms_x.astype(np.float64) ** 2) if weight else np.ones(len(x))
        tables = []
        fasttext_kmeans = sample and iters == 25 and init == "random" and not weight
        for a in range(0 if not fasttext_kmeans else x.shape[1], x.shape[1], dsub):
            picked = rng.permutation(len(x))[:MAX_POINTS] if sample and len(x) > MAX_POINTS else np.arange(len(x))
            xs = np.ascontiguousarray(unit[picked, a: a + dsub], np.float32)
            tables.append(kmeans(xs, w_all[picked], rng, iters, init, tol))
        pq = train(unit, dsub, seed) if fasttext_kmeans else Quantizer(x.shape[1], dsub, tables)
        codes = encode(unit, pq)
        s = norms_x
        if scale == "lsq":
            v = pq.decode(codes)  # (n, dim)
            vv = (v * v).sum(1)
            s = np.where(vv > 0, (x * v).sum(1) / np.where(vv > 0, vv, 1), 0).astype(np.float32)
        if norms == "lloyd":
            levels = lloyd_1d(s)
        elif norms == "dp":
            levels = scalar_levels(s)
        else:
            levels = train(s[:, None], 1, seed).tables[0][:, 0].copy()
        return QuantMatrix(codes, pq, nearest_level(s, levels), levels)
    return run


VARIANTS = {
    "current": None,  # seqkit.quantize.pq.quantize_matrix as it is
    "kmeans-norms": make_variant(),  # fastText's: norms by 1-D k-means (pq.train), directions by pq.train
    "dp": make_variant(norms="dp"),  # the same directions, exact 1-D norms (pq.scalar_levels)
    "w-dp": make_variant(weight=True, norms="dp"),
    "w-lsq-dp": make_variant(weight=True, norms="dp", scale="lsq"),
    "all-w-dp": make_variant(sample=False, weight=True, norms="dp"),
    "all": make_variant(sample=False),
    "all-it100": make_variant(sample=False, iters=100),
    "kpp": make_variant(sample=False, init="kpp"),
    "lloyd": make_variant(norms="lloyd"),
    "weighted": make_variant(weight=True, norms="lloyd"),
    "lsq": make_variant(norms="lloyd", scale="lsq"),
    "w-lsq": make_variant(weight=True, norms="lloyd", scale="lsq"),
    "best": make_variant(sample=False, iters=100, tol=1e-4, weight=True, norms="lloyd", scale="lsq"),
}

if __name__ == "__main__":
    main()
