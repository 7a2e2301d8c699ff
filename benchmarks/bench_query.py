"""Query latency, start-up included: `seqkit similar MODEL WORD` as a user runs it, on a synthetic
100k-word, 100-dimension model in each file format seqkit reads.

    python benchmarks/bench_query.py [--words 100000] [--dim 100] [--repeats 5]

Prints one JSON line per format: the median wall time of the whole command (Python start-up,
loading, normalizing, the query, printing) over the repeats, after one warm-up run (page cache).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    from seqkit.embed.formats import save_native, write_word2vec

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(args.words)]
    vecs = rng.standard_normal((args.words, args.dim)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        files = {"native": Path(tmp) / "m.w2v", "word2vec-bin": Path(tmp) / "m.bin", "word2vec-text": Path(tmp) / "m.txt"}
        save_native(files["native"], words, np.arange(args.words, 0, -1), {"vectors": vecs}, {})
        write_word2vec(files["word2vec-bin"], words, vecs, binary=True)
        write_word2vec(files["word2vec-text"], words, vecs, binary=False)
        for fmt, path in files.items():
            cmd = [sys.executable, "-m", "seqkit", "similar", str(path), "w123", "-n", "10"]
            subprocess.run(cmd, check=True, capture_output=True)  # warm the page cache
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True)
                times.append(time.perf_counter() - start)
            print(json.dumps({"format": fmt, "words": args.words, "dim": args.dim,
                              "file_mb": round(path.stat().st_size / 2**20, 1),
                              "median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3)}))


if __name__ == "__main__":
    main()
