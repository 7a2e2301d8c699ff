"""Quantized IMDB bigram classifiers: `seqkit quantize` against `fasttext quantize` at the same settings.

Both tools first train the README's bigram configuration (benchmarks/bench_linear.py: same split, seqkit's
tokens for fastText, --word-ngrams 2 --epochs 10 --lr 0.25, dim 100, 2 threads), then quantize their own
model with the same options (-qnorm, -cutoff N, -dsub D; no retraining). Measured per run, whole
commands: quantize seconds, model size, test accuracy, prediction throughput over the 25k test reviews,
peak RSS of predicting them and of predicting one line (seqkit also reads fastText's .ftz: that row shows
the peak of `seqkit predict fasttext.ftz` on one line). Quantize runs interleave the tools.

    python benchmarks/bench_quantize.py [--cutoff 100000] [--dsub 2] [--repeats 2] [--work DIR]
    python benchmarks/bench_quantize.py --vectors [--work DIR]   # word vectors: size against scores

Prints JSON lines, then a markdown table (median and range over the repeats). --vectors trains skip-gram
for 1 epoch on IMDB's unlabelled reviews and quantizes it at --dsub 1, 2 and 4 (with --qnorm at 2):
file size against `evaluate-w2v`'s analogy accuracy, WordSim353 and SimLex-999 Spearman.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_linear import IMDB, THREADS, bench_fasttext, bench_seqkit, peer_binary, prepare, run, spread  # noqa: E402

SEQKIT = [sys.executable, "-m", "seqkit"]


def accuracy_of_fasttext(binary: str, model: Path, files: dict) -> tuple[float, float, float]:
    """(accuracy, predict seconds, predict peak RSS MB) of `fasttext predict` on the test lines."""
    seconds, rss, predicted = run([binary, "predict", str(model), str(files["test_ft"])], stdout=subprocess.PIPE)
    gold = [line.split(" ", 1)[0] for line in files["test_ft"].read_text().splitlines()]
    return sum(g == p for g, p in zip(gold, predicted.split())) / len(gold), seconds, rss


def one_line_rss(model: Path) -> float:
    """Peak RSS MB of `seqkit predict MODEL` on one line (start-up and loading included)."""
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *SEQKIT, "predict", str(model), "-"], input="a good film\n",
                       capture_output=True, text=True, check=True)
    return int(p.stderr.strip().splitlines()[-1]) / 1024


def quantize_seqkit(model: Path, out: Path, args: argparse.Namespace, files: dict) -> dict:
    seconds, rss, _ = run(SEQKIT + ["quantize", str(model), "-o", str(out), "--qnorm", "--cutoff", str(args.cutoff),
                                    "--dsub", str(args.dsub), "--force"])
    _, _, report = run(SEQKIT + ["evaluate", str(out), str(IMDB / "test.tsv.gz"), "--json"], stdout=subprocess.PIPE)
    predict_s, predict_rss, _ = run(SEQKIT + ["predict", str(out), str(files["test_txt"])])
    return {"tool": "seqkit", "model": "quantized", "quantize_s": round(seconds, 1), "quantize_rss_mb": round(rss),
            "accuracy": json.loads(report)["accuracy"], "model_mb": round(out.stat().st_size / 2**20, 2),
            "predict_texts_per_s": round(files["n_test"] / predict_s), "predict_rss_mb": round(predict_rss),
            "one_line_rss_mb": round(one_line_rss(out))}


def quantize_fasttext(binary: str, prefix: Path, args: argparse.Namespace, files: dict) -> dict:
    seconds, rss, _ = run([binary, "quantize", "-input", str(files["train_ft"]), "-output", str(prefix), "-qnorm",
                           "-cutoff", str(args.cutoff), "-dsub", str(args.dsub), "-thread", str(THREADS), "-verbose", "0"])
    ftz = Path(f"{prefix}.ftz")
    accuracy, predict_s, predict_rss = accuracy_of_fasttext(binary, ftz, files)
    return {"tool": "fasttext", "model": "quantized", "quantize_s": round(seconds, 1), "quantize_rss_mb": round(rss),
            "accuracy": accuracy, "model_mb": round(ftz.stat().st_size / 2**20, 2),
            "predict_texts_per_s": round(files["n_test"] / predict_s), "predict_rss_mb": round(predict_rss),
            "one_line_rss_mb": round(one_line_rss(ftz))}


def table(rows: list[dict]) -> str:
    lines = ["| tool | model | file MB | accuracy | quantize s (whole command) | predict texts/s | predict peak RSS MB "
             "| one-line predict RSS MB (seqkit) |", "|---|---|---|---|---|---|---|---|"]
    for tool in ("seqkit", "fasttext"):
        for kind in ("full", "quantized"):
            runs = [r for r in rows if r["tool"] == tool and r["model"] == kind]
            if not runs:
                continue
            col = lambda k, f: spread([r[k] for r in runs], f) if k in runs[0] else "-"  # noqa: E731
            lines.append(f"| {tool} | {kind} | {col('model_mb', '.2f')} | {col('accuracy', '.4f')} | {col('quantize_s', '.1f')} "
                         f"| {col('predict_texts_per_s', ',.0f')} | {col('predict_rss_mb', '.0f')} | {col('one_line_rss_mb', '.0f')} |")
    return "\n".join(lines)


def bench_vectors(work: Path) -> None:
    model = work / "reviews.w2v"
    if not model.exists():
        run(SEQKIT + ["train-w2v", str(IMDB / "unsup.txt.gz"), "-o", str(model), "--epochs", "1", "--quiet"])
    variants = [("full", model, [])] + [(f"dsub {d}{' qnorm' if q else ''}", work / f"q{d}{q}.ftz",
                                         ["--dsub", str(d)] + (["--qnorm"] if q else []))
                                        for d, q in ((1, ""), (2, ""), (2, "q"), (4, ""))]
    lines = ["| vectors | file MB | size ratio | analogy % | WordSim353 | SimLex-999 | quantize s |", "|---|---|---|---|---|---|---|"]
    full_mb = model.stat().st_size / 2**20
    for name, path, options in variants:
        seconds = run(SEQKIT + ["quantize", str(model), "-o", str(path), "--force", *options])[0] if options else 0.0
        _, _, out = run(SEQKIT + ["evaluate-w2v", str(path), "--json"], stdout=subprocess.PIPE)
        r = json.loads(out)
        row = {"vectors": name, "model_mb": round(path.stat().st_size / 2**20, 2), "analogy": r["analogy_accuracy"],
               "wordsim353": r["wordsim353_spearman"], "simlex999": r["simlex999_spearman"], "quantize_s": round(seconds, 1)}
        print(json.dumps(row), flush=True)
        lines.append(f"| {name} | {row['model_mb']:.2f} | {full_mb / row['model_mb']:.1f}x | {100 * row['analogy']:.2f} "
                     f"| {row['wordsim353']:.4f} | {row['simlex999']:.4f} | {seconds:.1f} |")
    print("\n" + "\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cutoff", type=int, default=100_000)
    ap.add_argument("--dsub", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--vectors", action="store_true", help="word vectors instead of the classifier")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-quantize-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.vectors:
        bench_vectors(work)
        return
    files, binary = prepare(work), peer_binary()
    rows = [bench_seqkit("bi-lr0.25", work, files), bench_fasttext("bi-lr0.25", work, files, binary)]
    seqkit_model = Path(rows[0]["model"])  # bench_linear names it by the thread count
    rows[0]["one_line_rss_mb"] = round(one_line_rss(seqkit_model))
    rows[1]["one_line_rss_mb"] = round(one_line_rss(work / "fasttext-bi-lr0.25.bin"))
    for row in rows:
        row["model"] = "full"
        print(json.dumps(row), flush=True)
    for _ in range(args.repeats):
        for row in (quantize_seqkit(seqkit_model, work / "seqkit-q.npz", args, files),
                    quantize_fasttext(binary, work / "fasttext-bi-lr0.25", args, files)):
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(f"\ncutoff {args.cutoff}, dsub {args.dsub}, qnorm; {args.repeats} quantize runs per tool\n")
    print(table(rows))


if __name__ == "__main__":
    main()
