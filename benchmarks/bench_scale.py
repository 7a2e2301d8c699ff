"""How time and memory grow with the corpus: `seqkit preprocess` (in one process, and with
`--cluster local:N`) and word2vec training, on corpora of 1, 2, 4 and 8 GB made from IMDB.

    python benchmarks/bench_scale.py ../shared/corpora/imdb --sizes 1 2 4 8 [--work /big/disk]

Each corpus is made once (kept in --work): IMDB reviews sampled with replacement, the words of
each shuffled, so the vocabulary grows a little with size. For each size, every step runs in its
own process; peak RSS is the largest sum of resident memory over that process and all its
children (the pool or Dask workers), sampled every 50 ms. Training runs one epoch over a fixed
number of words (--train-words, the first ones of the corpus, read through its memory-mapped
shards), so its time should stay flat and its memory bounded as the corpus grows.

Prints one JSON line per (size, step), and a Markdown table at the end.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

GB = 1 << 30


def imdb_documents(folder: Path) -> list[list[str]]:
    """Every review of the three IMDB files, as lists of whitespace-separated words."""
    docs = []
    for name in ("train.tsv.gz", "test.tsv.gz", "unsup.txt.gz"):
        with gzip.open(folder / name, "rt", encoding="utf-8") as f:
            col = f.readline().rstrip("\n").split("\t").index("text") if name.endswith(".tsv.gz") else None
            if col is None:
                f.seek(0)
            for line in f:
                text = line.rstrip("\n") if col is None else line.rstrip("\n").split("\t")[col]
                if text:
                    docs.append(text.split())
    return docs


def make_corpus(docs: list[list[str]], path: Path, size_bytes: int, seed: int) -> None:
    """Reviews drawn with replacement, words shuffled within each, until ``size_bytes`` of text."""
    if path.exists() and path.stat().st_size >= size_bytes:
        return
    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".tmp")
    written = 0
    with open(tmp, "w", encoding="utf-8") as f:
        while written < size_bytes:
            lines = []
            for d in rng.integers(0, len(docs), 4096):
                words = docs[d]
                lines.append(" ".join(words[i] for i in rng.permutation(len(words))))
            block = "\n".join(lines) + "\n"
            f.write(block)
            written += len(block.encode("utf-8"))
    os.replace(tmp, path)


def run_measured(cmd: list[str]) -> dict:
    """Run ``cmd``; wall time and peak RSS summed over the process and its descendants."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [root] + root.children(recursive=True)
            rss = 0
            for p in procs:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    err = proc.stderr.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak / (1 << 20), 1), "stderr_tail": err.strip()[-200:]}


TRAIN = """
import sys, time
import numpy as np
from seqkit.embed.trainer import Word2VecConfig, train
from seqkit.text.corpus import EncodedCorpus, Shard
corpus = EncodedCorpus.load(sys.argv[1])
limit, shards = int(sys.argv[2]), []
for s in corpus.shards:  # the first `limit` words, as views of the memory-mapped shards
    if limit <= 0:
        break
    d = int(np.searchsorted(s.offsets, limit, side="right")) - 1 if s.offsets[-1] > limit else s.n_docs
    shards.append(Shard(s.ids[: s.offsets[d]], s.offsets[: d + 1]))
    limit -= int(s.offsets[d])
head = EncodedCorpus(corpus.path, corpus.vocab, meta=corpus.meta, shards=shards)
m = train(head, Word2VecConfig(dim=100, epochs=1, threads=int(sys.argv[3])))
print(m.config["corpus_words"], m.config["words_per_s"], file=sys.stderr)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("imdb", type=Path, help="folder with train.tsv.gz, test.tsv.gz, unsup.txt.gz")
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 2, 4, 8], help="corpus sizes in GB")
    ap.add_argument("--work", type=Path, default=Path("/tmp/seqkit-bench-scale"), help="where the corpora are written")
    ap.add_argument("--workers", type=int, default=2, help="N of --cluster local:N")
    ap.add_argument("--train-words", type=int, default=5_000_000, help="words of each training run (one epoch)")
    ap.add_argument("--threads", type=int, default=2, help="training threads")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    seqkit = [sys.executable, "-m", "seqkit"]
    docs = None
    rows = []
    for size in args.sizes:
        text = args.work / f"imdb-{size:g}gb.txt"
        if not (text.exists() and text.stat().st_size >= size * GB):
            docs = docs or imdb_documents(args.imdb)
            make_corpus(docs, text, int(size * GB), args.seed)
        steps = {
            "preprocess": seqkit + ["preprocess", str(text), "-o", str(args.work / "one.corpus"), "--force", "--quiet"],
            f"preprocess --cluster local:{args.workers}": seqkit + [
                "preprocess", str(text), "-o", str(args.work / "cluster.corpus"), "--force", "--quiet",
                "--cluster", f"local:{args.workers}"],
            "train-w2v": [sys.executable, "-c", TRAIN, str(args.work / "cluster.corpus"), str(args.train_words), str(args.threads)],
        }
        for step, cmd in steps.items():
            rec = {"size_gb": size, "text_bytes": text.stat().st_size, "step": step, **run_measured(cmd)}
            print(json.dumps(rec), flush=True)
            rows.append(rec)
    print("\n| GB | step | seconds | peak RSS (MB) |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['size_gb']:g} | {r['step']} | {r['seconds']:.1f} | {r['peak_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
