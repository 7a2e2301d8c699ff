"""Before/after speed of seqkit's three trainers: the same commands from two source trees, interleaved.

    python benchmarks/ab_trees.py --before /path/to/old/checkout [--after .] [--repeats 3] [--lines 20000]
        [--threads 2] [--cases w2v-sg,w2v-cbow,subwords-sg,linear-bi]

Each tree runs as `python -m seqkit` with PYTHONPATH set to it (the same venv, the same Numba cache
folder per tree), so only the code differs. Data: the first --lines reviews of ../shared/corpora/imdb
unsup.txt.gz (word2vec, subwords) and the first --lines of train.tsv.gz taken alternately from both
labels (linear). Before the timed runs each tree runs each case once untimed (Numba compiles or loads
its cache). Runs alternate before/after, the first tree of a pair rotating, so drift in the shared
machine's speed falls on both. Figures: training words/s as the command reports it (word2vec, subwords)
the command's train_seconds (linear), the whole command's seconds (preprocess). Prints a JSON line per run and, per case, the median
after/before ratio of the repeats' pairs and its range, and the same for the whole command's CPU seconds
(with --threads 1 the steadiest figure on a shared machine).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SEQKIT_SHARED", REPO.parent / "shared"))
IMDB = SHARED / "corpora" / "imdb"
CASES = {  # name -> (arguments after the command's input, what is measured)
    "w2v-sg": (["train-w2v", "{text}", "--model", "skipgram"], "words_per_s"),
    "w2v-cbow": (["train-w2v", "{text}", "--model", "cbow"], "words_per_s"),
    "subwords-sg": (["train-w2v", "{text}", "--subwords", "--model", "skipgram"], "words_per_s"),
    "linear-bi": (["train-classifier", "{tsv}", "--arch", "linear", "--word-ngrams", "2", "--json"], "train_seconds"),
    "preprocess": (["preprocess", "{text}"], "seconds"),  # the ASCII tokenizer's byte scanner (whole command)
}
RATE = re.compile(r"\(([\d,.]+) words/s")


def prepare(work: Path, lines: int) -> dict[str, Path]:
    text, tsv = work / "text.txt", work / "train.tsv"
    with gzip.open(IMDB / "unsup.txt.gz", "rt", encoding="utf-8") as f, open(text, "w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            if i == lines:
                break
            out.write(line)
    with gzip.open(IMDB / "train.tsv.gz", "rt", encoding="utf-8") as f:
        header, *rows = f.read().rstrip("\n").split("\n")  # not splitlines(): reviews hold U+2028 and U+0085
    half = len(rows) // 2  # the file is sorted by label: take both ends in turn
    mixed = [r for pair in zip(rows[:half], rows[half:]) for r in pair][:lines]
    tsv.write_text("\n".join([header, *mixed]) + "\n", encoding="utf-8")
    return {"text": text, "tsv": tsv}


def _cpu_of_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_case(tree: Path, case: str, files: dict, out: Path, threads: int) -> tuple[float, float]:
    """(the case's figure, the whole command's CPU seconds: less sensitive than wall time to what else
    the machine runs, and with --threads 1 the steadiest figure)."""
    args, figure = CASES[case]
    training = [] if figure == "seconds" else ["--threads", str(threads), "--epochs", "1"]
    cmd = [sys.executable, "-m", "seqkit", *[a.format(**files) for a in args], "-o", str(out), *training, "--force"]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start, cpu = time.perf_counter(), _cpu_of_children()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tree)
    seconds, cpu = time.perf_counter() - start, _cpu_of_children() - cpu
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {tree}:\n{r.stderr[-2000:]}")
    if figure == "seconds":
        return seconds, cpu
    if figure == "train_seconds":
        return float(json.loads(r.stdout.strip().splitlines()[-1])["train_seconds"]), cpu
    return float(RATE.findall(r.stderr)[-1].replace(",", "")), cpu


def _output(work: Path, tree: str, case: str) -> Path:
    return work / (f"{tree}-corpus" if case == "preprocess" else f"{tree}.npz")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, required=True)
    ap.add_argument("--after", type=Path, default=REPO)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--lines", type=int, default=20000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cases", default=",".join(CASES))
    a = ap.parse_args()
    trees = {"before": a.before.resolve(), "after": a.after.resolve()}
    cases = a.cases.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files = prepare(work, a.lines)
        for case in cases:  # warm-up: compile or load each tree's kernels, untimed
            for name, tree in trees.items():
                run_case(tree, case, files, _output(work, name, case), a.threads)
        results = {c: {"before": [], "after": [], "cpu_before": [], "cpu_after": []} for c in cases}
        for rep in range(a.repeats):
            for case in cases:
                order = ["before", "after"] if (rep + cases.index(case)) % 2 == 0 else ["after", "before"]
                for name in order:
                    value, cpu = run_case(trees[name], case, files, _output(work, name, case), a.threads)
                    results[case][name].append(value)
                    results[case][f"cpu_{name}"].append(cpu)
                    print(json.dumps({"case": case, "tree": name, "repeat": rep, CASES[case][1]: value,
                                      "cpu_seconds": round(cpu, 3)}), flush=True)
    for case, r in results.items():
        ratios = [x / y for x, y in zip(r["after"], r["before"])]
        cpu = [x / y for x, y in zip(r["cpu_after"], r["cpu_before"])]
        print(json.dumps({"case": case, "figure": CASES[case][1], "before": r["before"], "after": r["after"],
                          "after_over_before_median": round(statistics.median(ratios), 3),
                          "range": [round(min(ratios), 3), round(max(ratios), 3)],
                          "cpu_after_over_before_median": round(statistics.median(cpu), 3),
                          "cpu_range": [round(min(cpu), 3), round(max(cpu), 3)]}))


if __name__ == "__main__":
    main()
