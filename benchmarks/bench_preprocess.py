"""Preprocessing speed: `seqkit preprocess` against reading the same text, splitting it on
whitespace and running gensim's `build_vocab` on the token lists (the issue's bar: seqkit should
cost no more than that), and against itself with the ASCII scanner off (SEQKIT_REGEX_TOKENIZER=1:
every text through the regex, in worker processes, as before the scanner); both give the same corpus.

    python benchmarks/bench_preprocess.py ../shared/corpora/imdb [--repeat 2]

Prints one JSON line per run and a final summary line with the ratios
(seqkit_seconds / gensim_seconds and seqkit_seconds / regex_seconds; below 1.0 means seqkit is faster).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def imdb_inputs(folder: Path) -> list[str]:
    return [str(folder / n) for n in ("train.tsv.gz", "test.tsv.gz", "unsup.txt.gz")]


def read_texts(path: str):
    """The same text seqkit reads: the 'text' column of the TSVs, every line of unsup."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        if path.endswith(".tsv.gz"):
            col = f.readline().rstrip("\n").split("\t").index("text")
            for line in f:
                yield line.rstrip("\n").split("\t")[col]
        else:
            for line in f:
                yield line


def run_gensim(inputs: list[str], min_count: int) -> tuple[float, int]:
    from gensim.models import Word2Vec

    start = time.perf_counter()
    sentences = [text.lower().split() for path in inputs for text in read_texts(path)]
    model = Word2Vec(min_count=min_count)
    model.build_vocab(sentences)
    seconds = time.perf_counter() - start
    return seconds, len(model.wv)


def run_seqkit(inputs: list[str], min_count: int, regex: bool = False) -> tuple[float, int]:
    from seqkit.text.fast_encode import DISABLE_ENV
    from seqkit.text.preprocess import PreprocessOptions, preprocess

    os.environ[DISABLE_ENV] = "1" if regex else "0"
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        corpus = preprocess(inputs, Path(tmp) / "corpus", PreprocessOptions(min_count=min_count))
        seconds = time.perf_counter() - start
        return seconds, len(corpus.vocab)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, help="folder with train.tsv.gz, test.tsv.gz, unsup.txt.gz")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--min-count", type=int, default=5)
    args = ap.parse_args()
    logging.disable(logging.INFO)
    inputs = imdb_inputs(args.folder)
    ratios, regex_ratios = [], []
    for r in range(args.repeat):  # interleaved, so a noisy machine favours none
        g_s, g_v = run_gensim(inputs, args.min_count)
        s_s, s_v = run_seqkit(inputs, args.min_count)
        x_s, x_v = run_seqkit(inputs, args.min_count, regex=True)
        ratios.append(s_s / g_s)
        regex_ratios.append(s_s / x_s)
        print(json.dumps({"run": r, "seqkit_seconds": round(s_s, 2), "gensim_seconds": round(g_s, 2),
                          "regex_seconds": round(x_s, 2), "seqkit_vocab": s_v, "gensim_vocab": g_v,
                          "regex_vocab": x_v, "ratio": round(s_s / g_s, 3),
                          "ratio_vs_regex": round(s_s / x_s, 3)}), flush=True)
    print(json.dumps({"summary": "preprocess", "median_ratio": round(statistics.median(ratios), 3),
                      "median_ratio_vs_regex": round(statistics.median(regex_ratios), 3)}))


if __name__ == "__main__":
    sys.exit(main())
