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
from typing import NamedTuple

import numpy as np

GB = 1 << 30


class Documents(NamedTuple):
    """Every review of the three IMDB files as word ids (whitespace-separated words), and the words'
    UTF-8 bytes laid end to end."""

    ids: np.ndarray  # (T,) int32 word ids, review after review
    offsets: np.ndarray  # (D+1,) int64: review d is ids[offsets[d]:offsets[d+1]]
    chars: np.ndarray  # (B,) uint8 every word's bytes
    starts: np.ndarray  # (W,) int64 word w is chars[starts[w]:starts[w] + lengths[w]]
    lengths: np.ndarray  # (W,) int64


def imdb_documents(folder: Path) -> Documents:
    index: dict[str, int] = {}
    ids, lengths = [], [0]
    for name in ("train.tsv.gz", "test.tsv.gz", "unsup.txt.gz"):
        with gzip.open(folder / name, "rt", encoding="utf-8") as f:
            col = f.readline().rstrip("\n").split("\t").index("text") if name.endswith(".tsv.gz") else None
            if col is None:
                f.seek(0)
            for line in f:
                words = (line.rstrip("\n") if col is None else line.rstrip("\n").split("\t")[col]).split()
                if words:
                    ids.extend(index.setdefault(w, len(index)) for w in words)
                    lengths.append(len(words))
    encoded = [w.encode("utf-8") for w in index]
    word_lengths = np.array([len(w) for w in encoded], np.int64)
    return Documents(np.array(ids, np.int32), np.cumsum(lengths), np.frombuffer(b"".join(encoded), np.uint8),
                     np.concatenate([[0], np.cumsum(word_lengths)[:-1]]), word_lengths)


def _ragged(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of the ranges starts[k]:starts[k]+lengths[k], as one index array."""
    ends = np.cumsum(lengths)
    return np.arange(ends[-1]) + np.repeat(starts - (ends - lengths), lengths)


def make_corpus(docs: Documents, path: Path, size_bytes: int, seed: int) -> None:
    """Reviews drawn with replacement, words shuffled within each, until ``size_bytes`` of text
    (one review a line, words separated by spaces); 4,096 reviews at a time, in NumPy."""
    if path.exists() and path.stat().st_size >= size_bytes:
        return
    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".tmp")
    written = 0
    n_docs = len(docs.offsets) - 1
    with open(tmp, "wb") as f:
        while written < size_bytes:
            picked = rng.integers(0, n_docs, 4096)
            lens = docs.offsets[picked + 1] - docs.offsets[picked]
            tokens = docs.ids[_ragged(docs.offsets[picked], lens)]
            review = np.repeat(np.arange(len(picked)), lens)
            tokens = tokens[np.argsort(review + rng.random(len(tokens)))]  # shuffled within each review
            width = docs.lengths[tokens] + 1  # the word and the space or newline after it
            out = np.empty(int(width.sum()), np.uint8)
            ends = np.cumsum(width)
            out[_ragged(ends - width, width - 1)] = docs.chars[_ragged(docs.starts[tokens], width - 1)]
            out[ends - 1] = ord(" ")
            out[ends[np.cumsum(lens) - 1] - 1] = ord("\n")
            f.write(out.tobytes())
            written += len(out)
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
            docs = imdb_documents(args.imdb) if docs is None else docs
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
    print()
    print(table(rows))
    for check in checks(rows, f"preprocess --cluster local:{args.workers}"):
        print(json.dumps(check))


def table(rows: list[dict]) -> str:
    """Markdown: one row per step, one column per size ("seconds, peak MB")."""
    sizes = sorted({r["size_gb"] for r in rows})
    lines = ["| step | " + " | ".join(f"{s:g} GB" for s in sizes) + " |", "|---|" + "---|" * len(sizes)]
    for step in dict.fromkeys(r["step"] for r in rows):
        cells = {r["size_gb"]: f"{r['seconds']:.0f} s, {r['peak_rss_mb']:.0f} MB" for r in rows if r["step"] == step}
        lines.append(f"| `{step}` | " + " | ".join(cells.get(s, "-") for s in sizes) + " |")
    return "\n".join(lines)


def checks(rows: list[dict], cluster_step: str) -> list[dict]:
    """Issue 15's criteria: peak RSS of each step within 1.2x over the sizes, preprocessing time per GB
    flat (linear growth), and the cluster's time against the in-process one at each size."""
    out = []
    for step in dict.fromkeys(r["step"] for r in rows):
        rs = sorted((r for r in rows if r["step"] == step), key=lambda r: r["size_gb"])
        peaks = [r["peak_rss_mb"] for r in rs]
        rec = {"check": step, "rss_max_over_min": round(max(peaks) / min(peaks), 3),
               "rss_within_1.2x": max(peaks) <= 1.2 * min(peaks)}
        if step.startswith("preprocess"):
            per_gb = [r["seconds"] * (1 << 30) / r["text_bytes"] for r in rs]
            rec["seconds_per_gb"] = [round(x, 1) for x in per_gb]
            rec["seconds_per_gb_max_over_min"] = round(max(per_gb) / min(per_gb), 3)
        out.append(rec)
    one = {r["size_gb"]: r["seconds"] for r in rows if r["step"] == "preprocess"}
    many = {r["size_gb"]: r["seconds"] for r in rows if r["step"] == cluster_step}
    ratios = {f"{s:g}": round(many[s] / one[s], 3) for s in sorted(one) if s in many}
    if ratios:
        out.append({"check": "cluster over in-process", "ratios": ratios,
                    "within_1.25x": all(v <= 1.25 for v in ratios.values())})
    return out


if __name__ == "__main__":
    main()
