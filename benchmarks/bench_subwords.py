"""Subword (fastText-style) vectors: seqkit against the fastText CLI and gensim's FastText.

    python benchmarks/bench_subwords.py ../shared/corpora/imdb --threads 2 [--limit 3000000] [--modes sg-ns,cbow-ns]
        [--tools fasttext,gensim,gensim-file,seqkit] [--seeds 3]

The IMDB text (train + test + unsup) is tokenized once with seqkit's defaults and written as one
pre-tokenized text file, one review a line, without the words of the held-out WordSim353 and
SimLex-999 pairs (every 4th pair: seqkit/embed/oov_score.py). Every tool trains on that file with the
same settings (gensim's FastText defaults: dim 100, window 5, negative 5, sample 1e-3, alpha 0.025,
min_count 5, minn 3, maxn 6, 2,000,000 buckets), 1 epoch, the given threads, seeds 1..N:

- fasttext:    `fasttext skipgram|cbow -input text -output m ... -seed N` (writes m.bin and m.vec);
- gensim:      a Python process streaming the file (LineSentence), training FastText, saving the .bin
               with save_facebook_model;
- gensim-file: the same with gensim's `corpus_file=` mode (its fastest). Each of its workers reads
               1/workers of the file but decays the learning rate against the whole file's count
               (word2vec_corpusfile.pyx, get_next_alpha), so with 2 workers the rate ends at about half
               of alpha, not at min_alpha: one epoch trains harder than the settings say;
- seqkit:      `seqkit train-w2v text --subwords ... --seed N` (writes its native model);
- seqkit-half-rate: the same with `--min-alpha 0.0125`, gensim-file's effective schedule.

Figures: whole-command seconds and peak RSS (the command's own, from GNU time), training words/s
(each tool's own report), analogy / WordSim353 / SimLex-999 from `seqkit evaluate-w2v` on each
tool's model, and the out-of-vocabulary score (Spearman on the held-out pairs, every word built
from n-grams) computed by the same seqkit code for the three models. Then the peak RSS of
`seqkit vectors` loading fastText's .bin against the file's size, and of gensim's
load_facebook_vectors. Prints one JSON line per measurement and a Markdown table. The fastText
CLI comes from ../shared/peers/build.sh.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from bench_w2v import analogy_words, token_counts  # noqa: E402
MODES = {"sg-ns": "skipgram", "cbow-ns": "cbow"}
TOOLS = ("fasttext", "gensim", "gensim-file", "seqkit", "seqkit-half-rate")
GENSIM_CHILD = """
import logging, sys, time, json
from gensim.models import FastText
from gensim.models.word2vec import LineSentence
from gensim.models.fasttext import save_facebook_model
text, out, sg, threads, seed, from_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6] == "1"
m = FastText(vector_size=100, window=5, negative=5, sample=1e-3, alpha=0.025, min_count=5, min_n=3, max_n=6,
             bucket=2000000, sg=sg, workers=threads, epochs=1, seed=seed)
if from_file:
    m.build_vocab(corpus_file=text)
    start = time.perf_counter()
    m.train(corpus_file=text, total_examples=m.corpus_count, total_words=m.corpus_total_words, epochs=1)
else:
    m.build_vocab(LineSentence(text))
    start = time.perf_counter()
    m.train(LineSentence(text), total_examples=m.corpus_count, epochs=1)
seconds = time.perf_counter() - start
save_facebook_model(m, out)
print(json.dumps({"train_words_per_s": m.corpus_total_words / seconds}))
"""
LOAD_GENSIM = """
import sys
from gensim.models.fasttext import load_facebook_vectors
kv = load_facebook_vectors(sys.argv[1])
print(kv["terrribleness"][:2])
"""


def run_measured(cmd: list[str]) -> tuple[float, float, str, str]:
    """(seconds, peak RSS MB of the command itself, stdout, stderr). The peak comes from GNU time
    (/usr/bin/time -f %M): wait4 in this process would report at least this process's own peak,
    which a child inherits through fork and exec."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd], capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd[:4])} failed:\n{proc.stderr[-3000:]}")
        peak_kb = int(open(rss.name).read().split()[-1])
    return seconds, peak_kb / 1024, proc.stdout, proc.stderr


def prepare(folder: Path, out: Path, limit: int | None) -> tuple[Path, int]:
    """The pre-tokenized text without the held-out words; (path, tokens)."""
    import numpy as np

    from seqkit.embed import oov_score
    from seqkit.text.corpus import EncodedCorpus
    from seqkit.text.preprocess import PreprocessOptions, preprocess

    inputs = [str(folder / n) for n in ("train.tsv.gz", "test.tsv.gz", "unsup.txt.gz")]
    preprocess(inputs, out / "enc", PreprocessOptions(min_count=1))
    corpus = EncodedCorpus.load(out / "enc")
    held = oov_score.held_out_words(oov_score.pair_files())
    words = np.array(corpus.vocab.words, dtype=object)
    drop = np.array([w in held for w in corpus.vocab.words])
    n_docs = corpus.n_docs if not limit else int(np.searchsorted(corpus.offsets, limit, side="right")) - 1
    tokens = 0
    path = out / "text.txt"
    with open(path, "w", encoding="utf-8") as f:
        for d in range(n_docs):
            ids = corpus.ids[corpus.offsets[d] : corpus.offsets[d + 1]]
            ids = ids[~drop[ids]]
            tokens += len(ids)
            f.write(" ".join(words[ids]) + "\n")
    shutil.rmtree(out / "enc")
    return path, tokens


def fasttext_cli() -> str:
    out = subprocess.run(["bash", str(REPO.parent / "shared" / "peers" / "build.sh")], capture_output=True, text=True)
    lines = [line for line in out.stdout.splitlines() if line.endswith("/fasttext")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"cannot build the fastText CLI:\n{out.stderr[-2000:]}")
    return lines[0]


def train(tool: str, mode: str, text: Path, work: Path, threads: int, ft: str, seed: int) -> dict:
    model = MODES[mode]
    if tool == "fasttext":
        cmd = [ft, model, "-input", str(text), "-output", str(work / f"ft-{mode}"), "-dim", "100", "-ws", "5", "-neg", "5",
               "-t", "1e-3", "-lr", "0.025", "-minCount", "5", "-minn", "3", "-maxn", "6", "-bucket", "2000000",
               "-epoch", "1", "-thread", str(threads), "-seed", str(seed), "-verbose", "2"]
        path = work / f"ft-{mode}.bin"
    elif tool in ("gensim", "gensim-file"):
        path = work / f"{tool}-{mode}.bin"
        cmd = [sys.executable, "-c", GENSIM_CHILD, str(text), str(path), str(int(model == "skipgram")), str(threads),
               str(seed), str(int(tool == "gensim-file"))]
    else:
        path = work / f"{tool}-{mode}.ft"
        cmd = [sys.executable, "-m", "seqkit", "train-w2v", str(text), "-o", str(path), "--subwords", "--model", model,
               "--loss", "ns", "--epochs", "1", "--threads", str(threads), "--min-count", "5", "--seed", str(seed),
               "-q", "--force"]
        if tool == "seqkit-half-rate":  # gensim-file's schedule: the rate goes down to half, not to min_alpha
            cmd += ["--min-alpha", "0.0125"]
    seconds, peak, out, err = run_measured(cmd)
    return {"tool": tool, "mode": mode, "seed": seed, "seconds": round(seconds, 1), "peak_mb": round(peak),
            "train_words_per_s": _words_per_s(tool, out, err, threads), "model": str(path)}


def _words_per_s(tool: str, out: str, err: str, threads: int) -> float | None:
    if tool == "fasttext":  # its progress line: "words/sec/thread:   123456"
        found = re.findall(r"words/sec/thread:\s*(\d+)", err + out)
        return float(found[-1]) * threads if found else None
    if tool.startswith("gensim"):
        return round(json.loads(out.strip().splitlines()[-1])["train_words_per_s"])
    found = re.findall(r"\(([\d,]+) words/s", err)
    return float(found[-1].replace(",", "")) if found else None


OOV_CHILD = """
import json, sys
from seqkit.embed import oov_score
from seqkit.embed.keyed import load_vectors
print(json.dumps(oov_score.oov_score(load_vectors(sys.argv[1]), oov_score.pair_files())))
"""


def quality(model: str, words: Path) -> dict:
    """evaluate-w2v's figures (analogies over ``words``: the same questions for every tool, see
    bench_w2v.analogy_words) and the OOV score, each computed in a child process (this one stays small)."""
    out = subprocess.run([sys.executable, "-m", "seqkit", "evaluate-w2v", model, "--json", "--restrict-words", str(words)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"evaluate-w2v {model} failed:\n{out.stderr[-2000:]}")
    r = json.loads(out.stdout)
    child = subprocess.run([sys.executable, "-c", OOV_CHILD, model], capture_output=True, text=True, check=True)
    oov = json.loads(child.stdout.strip().splitlines()[-1])
    return {"analogy": r["analogy_accuracy"], "wordsim353": r["wordsim353_spearman"], "simlex999": r["simlex999_spearman"],
            "oov_spearman": oov["oov_spearman"], "oov_pairs": oov["oov_pairs"], "oov_unanswered": oov["oov_unanswered"]}


def loading(bin_path: str) -> dict:
    """Peak RSS of loading a fastText .bin: seqkit (one query) and gensim, against the file's size."""
    size_mb = os.path.getsize(bin_path) / 2**20
    _, seqkit_peak, _, _ = run_measured([sys.executable, "-m", "seqkit", "vectors", bin_path, "terrribleness"])
    _, gensim_peak, _, _ = run_measured([sys.executable, "-c", LOAD_GENSIM, bin_path])
    return {"bin_mb": round(size_mb), "seqkit_load_peak_mb": round(seqkit_peak), "gensim_load_peak_mb": round(gensim_peak),
            "seqkit_load_ratio": round(seqkit_peak / size_mb, 2)}


def warm_up(text: Path, work: Path) -> None:
    """Compile (or load from Numba's cache) both subword kernels before any timing."""
    head = work / "head.txt"
    with open(text, encoding="utf-8") as f, open(head, "w", encoding="utf-8") as g:
        for _, line in zip(range(200), f):
            g.write(line)
    for model in MODES.values():
        subprocess.run([sys.executable, "-m", "seqkit", "train-w2v", str(head), "-o", str(work / "warm.ft"), "--subwords",
                        "--model", model, "--epochs", "1", "--threads", "1", "--buckets", "1000", "--min-count", "1", "-q", "--force"],
                       check=True, capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, help="folder with train.tsv.gz, test.tsv.gz, unsup.txt.gz")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N tokens (whole reviews)")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--tools", default="fasttext,gensim,gensim-file,seqkit", help=f"comma-separated, of {', '.join(TOOLS)}")
    ap.add_argument("--seeds", type=int, default=1, help="runs per tool and mode, seeds 1..N, tools interleaved")
    args = ap.parse_args()
    tools = args.tools.split(",")
    if unknown := [t for t in tools if t not in TOOLS]:
        raise SystemExit(f"unknown tools {unknown}: choose from {', '.join(TOOLS)}")
    ft = fasttext_cli()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        text, tokens = prepare(args.folder, work, args.limit)
        print(json.dumps({"corpus_tokens": tokens, "threads": args.threads, "limit": args.limit, "seeds": args.seeds}),
              flush=True)
        words = work / "analogy-words.txt"
        analogy_words(token_counts(text), words)
        warm_up(text, work)
        for seed in range(1, args.seeds + 1):
            for mode in args.modes.split(","):
                for tool in tools:
                    row = train(tool, mode, text, work, args.threads, ft, seed)
                    row.update(quality(row["model"], words))
                    if tool == "fasttext" and seed == 1:
                        row.update(loading(row["model"]))
                    Path(row.pop("model")).unlink()
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    print()
    print(table(rows))


FIGURES = ("seconds", "train_words_per_s", "peak_mb", "analogy", "wordsim353", "simlex999", "oov_spearman")


def _cell(values: list[float], key: str) -> str:
    """Mean, and min-max over seeds where there are several."""
    if not values:
        return "-"
    fmt = {"seconds": "{:.1f}", "train_words_per_s": "{:,.0f}", "peak_mb": "{:.0f}"}.get(key, "{:.3f}")
    mean = fmt.format(statistics.mean(values))
    return mean if len(values) == 1 else f"{mean} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def table(rows: list[dict]) -> str:
    seeds = len({r["seed"] for r in rows})
    lines = [f"mean over {seeds} seed(s), (min-max) where several", "",
             "| mode | tool | seconds (whole command) | training words/s | peak RSS MB | analogy | WordSim353 | SimLex-999 "
             "| OOV Spearman |", "|---|---|---|---|---|---|---|---|---|"]
    modes, tools = dict.fromkeys(r["mode"] for r in rows), dict.fromkeys(r["tool"] for r in rows)
    for mode in modes:
        for tool in tools:
            rs = [r for r in rows if r["mode"] == mode and r["tool"] == tool]
            if rs:
                cells = [_cell([r[k] for r in rs if r[k] is not None], k) for k in FIGURES]
                lines.append(f"| {mode} | {tool} | " + " | ".join(cells) + " |")
    for mode in modes:
        pairs = [(f["seconds"] / s["seconds"]) for s in rows for f in rows if s["mode"] == f["mode"] == mode
                 and s["tool"] == "seqkit" and f["tool"] == "fasttext" and s["seed"] == f["seed"]]
        if pairs:
            lines.append(f"\n{mode}: seqkit {statistics.mean(pairs):.2f}x faster than the fastText CLI (whole command; "
                         f"per seed {', '.join(f'{p:.2f}' for p in pairs)})")
    for r in (r for r in rows if "bin_mb" in r):
        lines.append(f"loading fastText's {r['mode']} .bin ({r['bin_mb']} MB): seqkit peak {r['seqkit_load_peak_mb']} MB "
                     f"({r['seqkit_load_ratio']}x the file), gensim {r['gensim_load_peak_mb']} MB")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
