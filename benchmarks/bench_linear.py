"""seqkit `train-classifier --arch linear` against the fastText CLI's `supervised` on IMDB.

Both tools get the same split (../shared/corpora/imdb train.tsv.gz / test.tsv.gz): seqkit reads the TSV
itself; fastText gets the same texts tokenized by seqkit's normalizer as `__label__L tokens` lines (the
training lines shuffled once, seed 0: fastText reads its file in order and the TSV is sorted by label).
Same epochs, lr, dim and n-grams, 2 threads. Measured per run, whole commands: training seconds (read +
tokenize + train + save), peak RSS (the child's ru_maxrss), test accuracy, prediction throughput (texts/s of
`predict` over the 25k test reviews, start-up included) and model size. Runs interleave the tools and
repeat; the machine is shared, so the table gives the median and the range.

    python benchmarks/bench_linear.py [--repeats 3] [--configs uni,bi] [--json-only]
    python benchmarks/bench_linear.py --deterministic [--repeats 3] [--configs bi]

--deterministic: seqkit (Hogwild) against seqkit --deterministic ("seqkit-det") instead of fastText, seeds 1..repeats:
training time (the kernel's, from --json, and the whole command) and test accuracy against the default's
(issue 30: at least 0.85x the speed, accuracy within 0.1 points); for the first seed the deterministic model is
trained again with --threads 1 and its weights compared, bit for bit, with the 2-thread model's.

Prints JSON lines (one per run, then one per summary row) and a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SEQKIT_SHARED", REPO.parent / "shared"))
IMDB = SHARED / "corpora" / "imdb"
CONFIGS = {  # name -> (word n-grams, epochs, lr, dim)
    "uni": (1, 10, 0.1, 100),
    "bi": (2, 10, 0.1, 100),
    "bi-lr0.25": (2, 10, 0.25, 100),  # the README's >= 89.5% configuration
}
THREADS = 2


def run(cmd: list[str], stdout=subprocess.DEVNULL) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, stdout text when captured) of one command, failing loudly. Peak RSS from
    GNU time: a child's own ru_maxrss would include the benchmark process it was forked from."""
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], stdout=stdout, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return seconds, int(p.stderr.strip().splitlines()[-1]) / 1024, p.stdout or ""


def prepare(work: Path) -> dict:
    """fastText lines for the peer, raw text lines for seqkit predict."""
    sys.path.insert(0, str(REPO))
    from seqkit.datasets.labeled import read_labeled
    from seqkit.text.normalize import Normalizer

    tokenize = Normalizer().tokenize
    files = {}
    for split in ("train", "test"):
        data = read_labeled(str(IMDB / f"{split}.tsv.gz"))
        lines = [f"__label__{y} " + " ".join(tokenize(t)) for t, y in zip(data.texts, data.labels)]
        if split == "train":
            random.Random(0).shuffle(lines)
        files[f"{split}_ft"] = work / f"{split}.ft"
        files[f"{split}_ft"].write_text("\n".join(lines) + "\n")
        if split == "test":
            files["test_txt"] = work / "test.txt"
            files["test_txt"].write_text("\n".join(t.replace("\n", " ") for t in data.texts) + "\n")
            files["n_test"] = len(data.texts)
    return files


def peer_binary() -> str:
    out = subprocess.run(["bash", str(SHARED / "peers" / "build.sh")], check=True, capture_output=True, text=True)
    return [line for line in out.stdout.split() if line.endswith("/fasttext")][0]


def bench_seqkit(name: str, work: Path, files: dict, extra: tuple = (), tool: str = "seqkit", threads: int = THREADS) -> dict:
    ngrams, epochs, lr, dim = CONFIGS[name]
    model = work / f"{tool}-{name}-{threads}.npz"
    seqkit = [sys.executable, "-m", "seqkit"]
    train_s, rss, out = run(seqkit + ["train-classifier", str(IMDB / "train.tsv.gz"), "-o", str(model), "--arch", "linear",
                                      "--word-ngrams", str(ngrams), "--epochs", str(epochs), "--lr", str(lr),
                                      "--embed-dim", str(dim), "--threads", str(threads), "--force", "--json", *extra],
                            stdout=subprocess.PIPE)
    _, _, report = run(seqkit + ["evaluate", str(model), str(IMDB / "test.tsv.gz"), "--json"], stdout=subprocess.PIPE)
    predict_s, predict_rss, _ = run(seqkit + ["predict", str(model), str(files["test_txt"])])
    return {"tool": tool, "config": name, "train_s": round(train_s, 2), "peak_rss_mb": round(rss, 1), "model": str(model),
            "fit_s": json.loads(out.strip().splitlines()[-1])["train_seconds"],
            "accuracy": json.loads(report)["accuracy"], "predict_texts_per_s": round(files["n_test"] / predict_s),
            "predict_rss_mb": round(predict_rss, 1), "model_mb": round(model.stat().st_size / 2**20, 1)}


def bench_fasttext(name: str, work: Path, files: dict, binary: str) -> dict:
    ngrams, epochs, lr, dim = CONFIGS[name]
    prefix = work / f"fasttext-{name}"
    train_s, rss, _ = run([binary, "supervised", "-input", str(files["train_ft"]), "-output", str(prefix),
                           "-wordNgrams", str(ngrams), "-epoch", str(epochs), "-lr", str(lr), "-dim", str(dim),
                           "-thread", str(THREADS), "-verbose", "0"])
    model = Path(f"{prefix}.bin")
    # accuracy from the predictions themselves: `fasttext test` prints P@1 with three digits only
    predict_s, predict_rss, predicted = run([binary, "predict", str(model), str(files["test_ft"])], stdout=subprocess.PIPE)
    gold = [line.split(" ", 1)[0] for line in files["test_ft"].read_text().splitlines()]
    accuracy = sum(g == p for g, p in zip(gold, predicted.split())) / len(gold)
    return {"tool": "fasttext", "config": name, "train_s": round(train_s, 2), "peak_rss_mb": round(rss, 1),
            "accuracy": accuracy, "predict_texts_per_s": round(files["n_test"] / predict_s),
            "predict_rss_mb": round(predict_rss, 1), "model_mb": round(model.stat().st_size / 2**20, 1)}


def spread(values: list[float], fmt: str) -> str:
    med = statistics.median(values)
    if len(values) == 1:
        return format(med, fmt)
    return f"{format(med, fmt)} ({format(min(values), fmt)}-{format(max(values), fmt)})"


def table(rows: list[dict], configs: list[str]) -> str:
    head = ("| n-grams, lr | tool | train s (whole command) | test accuracy | predict texts/s | peak RSS MB (train) "
            "| model MB |\n|---|---|---|---|---|---|---|")
    lines = [head]
    for name in configs:
        for tool in ("seqkit", "fasttext"):
            runs = [r for r in rows if r["tool"] == tool and r["config"] == name]
            if not runs:
                continue
            col = lambda k: [r[k] for r in runs]  # noqa: E731
            lines.append(
                f"| {CONFIGS[name][0]}, {CONFIGS[name][2]} | {tool} | {spread(col('train_s'), '.1f')} | {spread(col('accuracy'), '.4f')} "
                f"| {spread(col('predict_texts_per_s'), ',.0f')} | {spread(col('peak_rss_mb'), '.0f')} "
                f"| {spread(col('model_mb'), '.1f')} |"
            )
    return "\n".join(lines)


def same_weights(a: str, b: str) -> bool:
    """Whether two linear model files hold the same arrays, bit for bit."""
    from seqkit.models.linear.files import load

    (x, _), (y, _) = load(a), load(b)
    return x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) for k in x)


def deterministic_main(args, configs: list[str]) -> None:
    """seqkit against seqkit --deterministic, interleaved, seeds 1..repeats."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-linear-") as tmp:
        work = Path(tmp)
        files = prepare(work)
        for extra in ((), ("--deterministic",)):  # Numba's cache, once
            run([sys.executable, "-m", "seqkit", "train-classifier", str(IMDB / "test.tsv.gz"), "-o", str(work / "warm.npz"),
                 "--arch", "linear", "--epochs", "1", "--quiet", "--word-ngrams", "2", "--force", *extra])
        for rep in range(args.repeats):
            for name in configs:
                order = ("seqkit", "seqkit-det") if rep % 2 == 0 else ("seqkit-det", "seqkit")
                for tool in order:
                    extra = ("--seed", str(rep + 1)) + (("--deterministic",) if tool == "seqkit-det" else ())
                    row = bench_seqkit(name, work, files, extra, tool)
                    if tool == "seqkit-det" and rep == 0:
                        one = bench_seqkit(name, work, files, extra, tool, threads=1)
                        row["same_on_1_thread"] = same_weights(row["model"], one["model"])
                    row["repeat"] = rep
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    mean = statistics.mean
    for name in configs:
        s = [r for r in rows if r["config"] == name and r["tool"] == "seqkit"]
        d = [r for r in rows if r["config"] == name and r["tool"] == "seqkit-det"]
        speed = mean(r["fit_s"] for r in s) / mean(r["fit_s"] for r in d)
        by_median = statistics.median(r["fit_s"] for r in s) / statistics.median(r["fit_s"] for r in d)
        diff = mean(r["accuracy"] for r in d) - mean(r["accuracy"] for r in s)
        print(json.dumps({"summary": name, "seeds": args.repeats, "speed_det_over_default": round(speed, 3),
                          "speed_by_medians": round(by_median, 3),
                          "whole_det_over_default": round(mean(r["train_s"] for r in s) / mean(r["train_s"] for r in d), 3),
                          "accuracy_default": round(mean(r["accuracy"] for r in s), 5),
                          "accuracy_det": round(mean(r["accuracy"] for r in d), 5), "accuracy_diff_points": round(100 * diff, 3),
                          "same_on_1_thread": [r["same_on_1_thread"] for r in d if "same_on_1_thread" in r],
                          "ok": min(speed, by_median) >= 0.85 and abs(diff) <= 0.001}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--deterministic", action="store_true", help="seqkit against seqkit --deterministic (no fastText)")
    args = ap.parse_args()
    if not (IMDB / "train.tsv.gz").is_file():
        sys.exit(f"IMDB split not found in {IMDB} (set SEQKIT_SHARED)")
    configs = args.configs.split(",")
    if args.deterministic:
        return deterministic_main(args, configs)
    binary = peer_binary()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-linear-") as tmp:
        work = Path(tmp)
        files = prepare(work)
        run([sys.executable, "-m", "seqkit", "train-classifier", str(IMDB / "test.tsv.gz"), "-o", str(work / "warm.npz"),
             "--arch", "linear", "--epochs", "1", "--quiet", "--word-ngrams", "2"])  # Numba's cache, once
        for rep in range(args.repeats):
            for name in configs:
                order = ("seqkit", "fasttext") if rep % 2 == 0 else ("fasttext", "seqkit")
                for tool in order:
                    row = bench_seqkit(name, work, files) if tool == "seqkit" else bench_fasttext(name, work, files, binary)
                    row["repeat"] = rep
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    for name in configs:
        s = [r for r in rows if r["config"] == name and r["tool"] == "seqkit"]
        f = [r for r in rows if r["config"] == name and r["tool"] == "fasttext"]
        med = lambda rs, k: statistics.median(r[k] for r in rs)  # noqa: E731
        print(json.dumps({"summary": name, "train_ratio_fasttext_over_seqkit": round(med(f, "train_s") / med(s, "train_s"), 2),
                          "accuracy_diff": round(med(s, "accuracy") - med(f, "accuracy"), 4),
                          "predict_ratio_seqkit_over_fasttext": round(med(s, "predict_texts_per_s") / med(f, "predict_texts_per_s"), 2),
                          "rss_ratio_seqkit_over_fasttext": round(med(s, "peak_rss_mb") / med(f, "peak_rss_mb"), 2)}))
    print()
    print(table(rows, configs))


if __name__ == "__main__":
    main()
