"""seqkit `train-classifier --arch sparse` against scikit-learn (TfidfVectorizer + LinearSVC / LogisticRegression,
and NBSVM's features built from CountVectorizer) with the same n-grams, weighting, min_df and C.

Data (../shared/corpora/imdb, or $SEQKIT_SHARED): IMDB polarity (train.tsv.gz / test.tsv.gz, 25k + 25k), and
the same reviews' 8-class star rating (`--label-col rating`: 1-4 and 7-10), a multi-class set a user gets with
`seqkit corpus fetch imdb`. Topic sets (20 newsgroups, Reuters R8/R52) are not reachable from this machine.

Each run is a whole command in its own process: seqkit's `train-classifier` (read, featurize, train, write
the model) against a Python process that reads the same TSV and runs scikit-learn's vectorize + fit (no
model written). Measured: wall seconds, peak RSS (GNU time), test accuracy, and prediction texts/s (seqkit:
`seqkit predict` over the test texts, start-up included; scikit-learn: transform + predict in process).
Both sides get 2 threads. Runs interleave the tools and repeat; the table gives the median and the range,
and the ratio line gives the median of the per-repeat ratios with its range.

    python benchmarks/bench_sparse.py [--repeats 3] [--configs uni,bi,...] [--limit N]
    python benchmarks/bench_sparse.py sentences     # short sentences: accuracy by 10-fold cross-validation

Prints JSON lines (one per run, then one per summary) and a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SEQKIT_SHARED", REPO.parent / "shared"))
IMDB = SHARED / "corpora" / "imdb"
THREADS = 2
# name -> (label column, n-grams, weight, loss, multiclass, C, min_df)
CONFIGS = {
    "uni": ("label", 1, "tfidf", "svm", "ovr", 0.5, 2),
    "bi": ("label", 2, "tfidf", "svm", "ovr", 0.5, 2),
    "bi-lr": ("label", 2, "tfidf", "logistic", "ovr", 4.0, 2),
    "nb-tri": ("label", 3, "nb", "logistic", "ovr", 1.0, 2),
    "rating-bi": ("rating", 2, "tfidf", "svm", "ovr", 0.5, 2),
    "rating-bi-mn": ("rating", 2, "tfidf", "logistic", "multinomial", 4.0, 2),
}


def run(cmd: list[str], stdout=subprocess.DEVNULL) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, captured stdout) of one command, failing loudly."""
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], stdout=stdout, stderr=subprocess.PIPE, text=True,
                       env={**os.environ, "OMP_NUM_THREADS": str(THREADS), "OPENBLAS_NUM_THREADS": str(THREADS)})
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return seconds, int(p.stderr.strip().splitlines()[-1]) / 1024, p.stdout or ""


def read_tsv(path: str, label_col: str, limit: int) -> tuple[list[str], list[str]]:
    import csv
    import gzip

    with (gzip.open(path, "rt", encoding="utf-8", newline="") if path.endswith(".gz") else open(path, newline="")) as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        head = next(rows)
        li, ti = head.index(label_col), head.index("text")
        data = [(r[ti], r[li]) for r in rows]
    data = data[:limit] if limit else data
    return [t for t, _ in data], [y for _, y in data]


def peer(config: str, train: str, test: str, limit: int) -> None:
    """The scikit-learn side, in its own process: prints one JSON line (its own timings inside)."""
    import numpy as np
    from scipy.sparse import diags
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    label_col, ngrams, weight, loss, multiclass, C, min_df = CONFIGS[config]
    texts, y = read_tsv(train, label_col, limit)
    y = np.array(y)
    if weight == "tfidf":
        vec = TfidfVectorizer(ngram_range=(1, ngrams), sublinear_tf=True, min_df=min_df)
        X = vec.fit_transform(texts)
        scale = None
    else:  # NBSVM: binary counts times the log-count ratio (two classes)
        vec = CountVectorizer(ngram_range=(1, ngrams), min_df=min_df, binary=True)
        X = vec.fit_transform(texts).astype(np.float64)
        pos = y == sorted(set(y))[1]
        p, q = 1.0 + np.asarray(X[pos].sum(axis=0)).ravel(), 1.0 + np.asarray(X[~pos].sum(axis=0)).ravel()
        scale = diags(np.log(p / p.sum()) - np.log(q / q.sum()))
        X = X @ scale
    if loss == "svm":
        model = LinearSVC(C=C).fit(X, y)
    else:
        model = LogisticRegression(C=C, max_iter=1000).fit(X, y)  # lbfgs: multinomial for several classes
    test_texts, test_y = read_tsv(test, label_col, limit)
    start = time.perf_counter()
    Xt = vec.transform(test_texts)
    predicted = model.predict(Xt if scale is None else Xt.astype(np.float64) @ scale)
    predict_s = time.perf_counter() - start
    print(json.dumps({"accuracy": float(np.mean(predicted == np.array(test_y))), "features": X.shape[1],
                      "predict_texts_per_s": round(len(test_texts) / predict_s)}))


def bench_peer(name: str, files: dict, limit: int) -> dict:
    seconds, rss, out = run([sys.executable, __file__, "peer", name, files["train"], files["test"], str(limit)],
                            stdout=subprocess.PIPE)
    rec = json.loads(out.strip().splitlines()[-1])
    return {"tool": "scikit-learn", "config": name, "train_s": round(seconds, 2), "peak_rss_mb": round(rss, 1), **rec}


def seqkit_args(name: str) -> list[str]:
    label_col, ngrams, weight, loss, multiclass, C, min_df = CONFIGS[name]
    return ["--arch", "sparse", "--label-col", label_col, "--word-ngrams", str(ngrams), "--weight", weight,
            "--sparse-loss", loss, "--multiclass", multiclass, "--C", str(C), "--min-df", str(min_df)]


def bench_seqkit(name: str, work: Path, files: dict) -> dict:
    model = work / f"seqkit-{name}.npz"
    seqkit = [sys.executable, "-m", "seqkit"]
    train_s, rss, _ = run(seqkit + ["train-classifier", files["train"], "-o", str(model), *seqkit_args(name),
                                    "--threads", str(THREADS), "--force", "--quiet"])
    label_col = CONFIGS[name][0]
    _, _, report = run(seqkit + ["evaluate", str(model), files["test"], "--label-col", label_col, "--json"], stdout=subprocess.PIPE)
    predict_s, _, _ = run(seqkit + ["predict", str(model), str(files["test_txt"])])
    return {"tool": "seqkit", "config": name, "train_s": round(train_s, 2), "peak_rss_mb": round(rss, 1),
            "accuracy": json.loads(report)["accuracy"], "predict_texts_per_s": round(files["n_test"] / predict_s),
            "model_mb": round(model.stat().st_size / 2**20, 1)}


def _write_tsv(path: Path, rows: list[tuple[str, str, str]]) -> str:
    with open(path, "w") as f:
        f.write("label\trating\ttext\n")
        f.writelines(f"{label}\t{rating}\t{text}\n" for label, rating, text in rows)
    return str(path)


def prepare(work: Path, limit: int) -> dict:
    """The split as TSV files (a shuffled --limit texts of each, else the originals), every 100th test review
    for warming Numba's cache, and the test texts one per line for `predict`."""
    import random

    files = {}
    for split in ("train", "test"):
        src = str(IMDB / f"{split}.tsv.gz")
        texts, labels = read_tsv(src, "label", 0)
        rows = list(zip(labels, read_tsv(src, "rating", 0)[1], (t.replace("\t", " ") for t in texts)))
        if split == "test":
            files["warm"] = _write_tsv(work / "warm.tsv", rows[::100])
        if limit:
            random.Random(0).shuffle(rows)  # the files are sorted by label
            rows = rows[:limit]
        files[split] = _write_tsv(work / f"{split}.tsv", rows) if limit else src
    test_texts, _ = read_tsv(files["test"], "label", 0)
    files["test_txt"] = work / "test.txt"
    files["test_txt"].write_text("\n".join(t.replace("\n", " ") for t in test_texts) + "\n")
    files["n_test"] = len(test_texts)
    return files


def spread(values: list[float], fmt: str) -> str:
    med = statistics.median(values)
    return format(med, fmt) if len(values) == 1 else f"{format(med, fmt)} ({format(min(values), fmt)}-{format(max(values), fmt)})"


def table(rows: list[dict], configs: list[str]) -> str:
    lines = ["| config | tool | train s (whole command) | test accuracy | predict texts/s | peak RSS MB (train) |",
             "|---|---|---|---|---|---|"]
    for name in configs:
        for tool in ("seqkit", "scikit-learn"):
            runs = [r for r in rows if r["tool"] == tool and r["config"] == name]
            if runs:
                col = lambda k: [r[k] for r in runs]  # noqa: E731
                lines.append(f"| {name} | {tool} | {spread(col('train_s'), '.1f')} | {spread(col('accuracy'), '.4f')} "
                             f"| {spread(col('predict_texts_per_s'), ',.0f')} | {spread(col('peak_rss_mb'), '.0f')} |")
    return "\n".join(lines)


def summary(rows: list[dict], name: str) -> dict:
    ratios = []
    for rep in sorted({r["repeat"] for r in rows}):
        s = [r for r in rows if r["config"] == name and r["repeat"] == rep and r["tool"] == "seqkit"]
        p = [r for r in rows if r["config"] == name and r["repeat"] == rep and r["tool"] == "scikit-learn"]
        if s and p:
            ratios.append(p[0]["train_s"] / s[0]["train_s"])
    med = lambda tool, k: statistics.median(r[k] for r in rows if r["config"] == name and r["tool"] == tool)  # noqa: E731
    return {"summary": name, "train_speedup_sklearn_over_seqkit": round(statistics.median(ratios), 2),
            "speedup_range": [round(min(ratios), 2), round(max(ratios), 2)],
            "accuracy_diff": round(med("seqkit", "accuracy") - med("scikit-learn", "accuracy"), 4)}


def sentences(folds: int = 10) -> dict:
    """Short sentences: Pang and Lee's 200 polarity sentences (arrive with gensim: the `pang-lee` corpus),
    10-fold cross-validation, words and bigrams, TF-IDF + SVM at C=0.5 on both sides; accuracy only."""
    import os.path

    import gensim
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    sys.path.insert(0, str(REPO))
    from seqkit.datasets.labeled import read_labeled
    from seqkit.models.sparse.config import FeatureConfig, SolverConfig, SparseConfig
    from seqkit.models.sparse.train import accuracy, train_model

    data = read_labeled(os.path.join(os.path.dirname(gensim.__file__), "test", "test_data", "pang_lee_polarity.cor"))
    texts, names = data.texts, sorted(set(data.labels))
    y = np.array([names.index(x) for x in data.labels])
    order = np.random.default_rng(0).permutation(len(texts))
    ours, theirs = [], []
    config = SparseConfig(FeatureConfig(word_ngrams=2), SolverConfig(C=0.5))
    for f in range(folds):
        test = order[f::folds]
        train = np.setdiff1d(order, test)
        tr, te = [texts[i] for i in train], [texts[i] for i in test]
        ours.append(accuracy(train_model(tr, y[train], names, config), te, y[test]))
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        model = LinearSVC(C=0.5).fit(vec.fit_transform(tr), y[train])
        theirs.append(float(np.mean(model.predict(vec.transform(te)) == y[test])))
    return {"sentences": "pang-lee 10-fold", "seqkit": round(float(np.mean(ours)), 4),
            "scikit-learn": round(float(np.mean(theirs)), 4)}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "sentences":
        print(json.dumps(sentences()))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "peer":
        peer(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--limit", type=int, default=0, help="Use this many train and test texts (0: all 25,000 of each).")
    args = ap.parse_args()
    if not (IMDB / "train.tsv.gz").is_file():
        sys.exit(f"IMDB split not found in {IMDB} (set SEQKIT_SHARED)")
    configs = args.configs.split(",")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sparse-") as tmp:
        work = Path(tmp)
        files = prepare(work, args.limit)
        for name in configs:  # Numba's cache, once per kernel signature
            run([sys.executable, "-m", "seqkit", "train-classifier", files["warm"], "-o", str(work / "warm.npz"),
                 *seqkit_args(name), "--quiet", "--force", "--min-df", "1"])
        for rep in range(args.repeats):
            for name in configs:
                for tool in (("seqkit", "scikit-learn") if rep % 2 == 0 else ("scikit-learn", "seqkit")):
                    row = bench_seqkit(name, work, files) if tool == "seqkit" else bench_peer(name, files, 0)
                    row["repeat"] = rep
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    for name in configs:
        print(json.dumps(summary(rows, name)))
    print()
    print(table(rows, configs))


if __name__ == "__main__":
    main()
