"""`seqkit crosscheck` in the four modes on one corpus: quality and speed of seqkit and gensim
trained on the same token stream.

    flock /tmp/seqkit-bench.lock python benchmarks/bench_crosscheck.py CORPUS [--threads 2] [--epochs 1] [--lines 20000]

CORPUS is a text file (one document per line, .gz too) or a folder from `seqkit preprocess`;
with --lines N only its first N lines are used (text files). Prints one JSON line per mode
(crosscheck's record) and a Markdown table.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from itertools import islice
from pathlib import Path

MODES = [("skipgram", "ns"), ("cbow", "ns"), ("skipgram", "hs"), ("cbow", "hs")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lines", type=int, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus
        if args.lines and not Path(corpus).is_dir():
            opener = gzip.open if corpus.endswith(".gz") else open
            with opener(corpus, "rt", encoding="utf-8", errors="replace") as f:
                corpus = str(Path(tmp) / "head.txt")
                Path(corpus).write_text("".join(islice(f, args.lines)), encoding="utf-8")
        records = []
        for model, loss in MODES:
            cmd = [sys.executable, "-m", "seqkit", "crosscheck", corpus, "--model", model, "--loss", loss,
                   "--threads", str(args.threads), "--epochs", str(args.epochs), "--json", "-q"]
            out = subprocess.run(cmd, capture_output=True, text=True)
            record = json.loads(out.stdout)
            record["exit_code"] = out.returncode
            print(json.dumps(record), flush=True)
            records.append(record)
    print()
    print(f"| mode | words | seqkit words/s | gensim words/s | ratio | analogy % (seqkit / gensim) | wordsim353 | simlex999 | top-10 overlap |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in records:
        s, g = r["seqkit"], r["gensim"]
        print(f"| {r['model']} {r['loss']} | {r['corpus_words']:,} x {r['epochs']} | {s['words_per_s']:,.0f} | "
              f"{g['words_per_s']:,.0f} | {s['words_per_s'] / g['words_per_s']:.2f} | "
              f"{s['analogy_accuracy']:.1f} / {g['analogy_accuracy']:.1f} | "
              f"{s['wordsim353_spearman']:.3f} / {g['wordsim353_spearman']:.3f} | "
              f"{s['simlex999_spearman']:.3f} / {g['simlex999_spearman']:.3f} | {r['neighbour_overlap']:.2f} |")


if __name__ == "__main__":
    main()
