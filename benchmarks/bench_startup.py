"""Cold start of one-shot commands, whole processes as a user runs them (issue 26's targets):

- `echo TEXT | seqkit predict` with the bigram linear model (<= 0.4 s) and with an MLP / GRU (<= 0.6 s);
- `seqkit similar` on a 100k-word native model (<= 0.3 s; synthetic: 100k words, dim 100, seeded);
- `seqkit predict` over the 25k IMDB test reviews with the bigram model against `fasttext predict` with
  fastText's model of the same settings (-wordNgrams 2 -epoch 10 -lr 0.25) on the same texts (fastText
  reads them tokenized by seqkit's normalizer, as in bench_linear.py): ratio <= 1.

    python benchmarks/bench_startup.py [--linear linear.npz] [--mlp mlp.npz] [--gru gru.npz] [--repeats 10]
                                       [--baseline ../main/.venv/bin/python]

Without --linear, the README's bigram model is trained first (and the fastText model always, once, in
--work). Each case: one warm-up run (page cache), then --repeats runs, interleaved with fastText's for
the 25k case; prints one JSON line per case (median, min and max seconds, and the ratio per pair), then
a markdown table. The machine is shared: run it under `flock /tmp/seqkit-bench.lock`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_linear import IMDB, peer_binary, prepare  # noqa: E402

SEQKIT = [sys.executable, "-m", "seqkit"]
TEXT = "a wonderful, moving film\n"


def timed(cmd: list[str], stdin: str | None = None) -> float:
    start = time.perf_counter()
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return seconds


def synthetic_vectors(path: Path, words: int = 100_000, dim: int = 100) -> Path:
    import numpy as np

    sys.path.insert(0, str(HERE.parent))
    from seqkit.embed.formats import save_native

    if not path.exists():
        names = ["king"] + [f"w{i}" for i in range(words - 1)]
        vectors = np.random.default_rng(0).standard_normal((words, dim)).astype(np.float32)
        save_native(path, names, np.arange(words, 0, -1), {"vectors": vectors}, {"training": {}})
    return path


def trained_linear(work: Path) -> Path:
    model = work / "linear.npz"
    if not model.exists():
        timed(SEQKIT + ["train-classifier", str(IMDB / "train.tsv.gz"), "-o", str(model), "--arch", "linear",
                        "--word-ngrams", "2", "--epochs", "10", "--lr", "0.25", "--quiet", "--force"])
    return model


def trained_fasttext(work: Path, files: dict) -> Path:
    prefix = work / "fasttext-bi"
    if not Path(f"{prefix}.bin").exists():
        timed([peer_binary(), "supervised", "-input", str(files["train_ft"]), "-output", str(prefix), "-wordNgrams", "2",
               "-epoch", "10", "-lr", "0.25", "-dim", "100", "-thread", "2", "-verbose", "0"])
    return Path(f"{prefix}.bin")


def case(name: str, target: float, cmd: list[str], stdin: str | None, repeats: int, baseline: str | None = None) -> dict:
    """Median of `repeats` runs; with `baseline` (another interpreter, e.g. the main branch's venv), its runs
    of the same command interleaved with ours, and the ratio ours / baseline per pair."""
    other = [baseline, *cmd[1:]] if baseline else None
    timed(cmd, stdin)  # warm-up: page cache, Numba's cache where used
    if other:
        timed(other, stdin)
    times, before = [], []
    for _ in range(repeats):
        times.append(timed(cmd, stdin))
        if other:
            before.append(timed(other, stdin))
    med = statistics.median(times)
    row = {"case": name, "median_s": round(med, 3), "min_s": round(min(times), 3), "max_s": round(max(times), 3),
           "target_s": target, "met": med <= target}
    if before:
        row.update(baseline_median_s=round(statistics.median(before), 3),
                   ratio_median=round(statistics.median(a / b for a, b in zip(times, before)), 3))
    print(json.dumps(row), flush=True)
    return row


def versus_fasttext(model: Path, ft_model: Path, files: dict, repeats: int) -> dict:
    ours_cmd = SEQKIT + ["predict", str(model), str(files["test_txt"])]
    peer_cmd = [peer_binary(), "predict", str(ft_model), str(files["test_ft"])]
    timed(ours_cmd), timed(peer_cmd)
    ours, peer = [], []
    for _ in range(repeats):  # interleaved: both see the same load
        ours.append(timed(ours_cmd))
        peer.append(timed(peer_cmd))
    ratios = sorted(a / b for a, b in zip(ours, peer))
    row = {"case": f"predict {files['n_test']} IMDB reviews (seqkit / fasttext)", "seqkit_median_s": round(statistics.median(ours), 3),
           "fasttext_median_s": round(statistics.median(peer), 3), "ratio_median": round(statistics.median(ratios), 3),
           "ratio_min": round(ratios[0], 3), "ratio_max": round(ratios[-1], 3), "target_ratio": 1.0,
           "met": statistics.median(ratios) <= 1.0}
    print(json.dumps(row), flush=True)
    return row


def table(rows: list[dict]) -> str:
    lines = ["| case | median s (min-max) | target | met |", "|---|---|---|---|"]
    for r in rows:
        if "fasttext_median_s" in r:
            lines.append(f"| {r['case']} | seqkit {r['seqkit_median_s']}, fastText {r['fasttext_median_s']}; ratio "
                         f"{r['ratio_median']} ({r['ratio_min']}-{r['ratio_max']}) | ratio <= 1 | {'yes' if r['met'] else 'no'} |")
        else:
            before = f"; baseline {r['baseline_median_s']}, ratio {r['ratio_median']}" if "baseline_median_s" in r else ""
            lines.append(f"| {r['case']} | {r['median_s']} ({r['min_s']}-{r['max_s']}){before} | <= {r['target_s']} | {'yes' if r['met'] else 'no'} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--linear", type=Path, help="The bigram linear model (default: trained into --work).")
    ap.add_argument("--mlp", type=Path)
    ap.add_argument("--gru", type=Path)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--work", type=Path, default=Path("/tmp/seqkit-bench-startup"))
    ap.add_argument("--skip-fasttext", action="store_true", help="Leave out the 25k-review case.")
    ap.add_argument("--baseline", help="Another Python with seqkit installed (say the main branch's venv): its runs "
                                       "interleaved with these, and the ratio per case.")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    linear = args.linear or trained_linear(args.work)
    rows = [case("echo TEXT | seqkit predict (linear, bigrams)", 0.4, SEQKIT + ["predict", str(linear)], TEXT, args.repeats, args.baseline)]
    for name, model in (("mlp", args.mlp), ("gru", args.gru)):
        if model:
            rows.append(case(f"echo TEXT | seqkit predict ({name})", 0.6, SEQKIT + ["predict", str(model)], TEXT, args.repeats, args.baseline))
    vectors = synthetic_vectors(args.work / "w100k.w2v")
    rows.append(case("seqkit similar (100k words, dim 100)", 0.3, SEQKIT + ["similar", str(vectors), "king"], None, args.repeats, args.baseline))
    if not args.skip_fasttext:
        files = prepare(args.work)
        rows.append(versus_fasttext(linear, trained_fasttext(args.work, files), files, args.repeats))
    print(table(rows))


if __name__ == "__main__":
    main()
