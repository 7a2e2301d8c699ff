"""The word2vec kernel alone, timed on a synthetic Zipf corpus: run it from two source trees to compare them.

    PYTHONPATH=/path/to/tree python benchmarks/kernel_ab.py --mode sg-ns [--tokens 2000000] [--repeats 3]

No command, no file, no progress bar: `train_shards` on one thread, called once untimed (Numba compiles or
loads it), then --repeats timed calls on fresh weights. Prints one JSON line: the mode, the best and median
words/s. The corpus (Zipf exponent 1.1, 30,000 words, documents of 200 tokens) comes from a fixed seed, so
two trees train on the same words; alternate the trees' runs (see ab_trees.py for the whole commands).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

MODES = {"sg-ns": (1, 0), "sg-hs": (1, 1), "cbow-ns": (0, 0), "cbow-hs": (0, 1)}


def corpus(tokens: int, vocab: int, doc_len: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids int32, offsets int64, counts int64): Zipf-distributed word ids, most frequent first."""
    rng = np.random.default_rng(7)
    p = 1.0 / np.arange(1, vocab + 1) ** 1.1
    ids = rng.choice(vocab, size=tokens, p=p / p.sum()).astype(np.int32)
    offsets = np.arange(0, tokens + 1, doc_len, dtype=np.int64)
    if offsets[-1] != tokens:
        offsets = np.append(offsets, tokens)
    return ids, offsets, np.bincount(ids, minlength=vocab).astype(np.int64) + 1


def encoded(folder: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, offsets, counts) of a preprocessed corpus folder: ids.npy memory-mapped read-only."""
    from pathlib import Path

    path = Path(folder)
    ids = np.load(path / "ids.npy", mmap_mode="r")
    offsets = np.load(path / "offsets.npy").astype(np.int64)
    counts = np.bincount(np.asarray(ids), minlength=int(ids.max()) + 1).astype(np.int64)
    return ids, offsets, counts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=sorted(MODES), default="sg-ns")
    ap.add_argument("--tokens", type=int, default=2_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--corpus", help="a folder `seqkit preprocess` wrote (its ids memory-mapped, as training does)")
    args = ap.parse_args()

    import numba

    from seqkit.embed import hot_rows, kernels
    from seqkit.embed.huffman import huffman_codes
    from seqkit.embed.sampling import alias_table, keep_thresholds

    numba.set_num_threads(1)
    skipgram, hs = MODES[args.mode]
    dim, vocab = 100, 30_000
    ids, offsets, counts = corpus(args.tokens, vocab, 200) if not args.corpus else encoded(args.corpus)
    vocab, tokens = len(counts), len(ids)
    keep = keep_thresholds(counts, 1e-3)
    prob, alias = alias_table(counts, 0.75)
    codes, points, lengths = huffman_codes(counts)
    tables = (keep, prob, alias, codes, points, lengths)
    hot = hot_rows.no_hot_rows(vocab - 1 if hs else vocab)
    settings = kernels.Word2VecSettings(skipgram, hs, 5, 5, 1, int(np.diff(offsets).max()), 0)
    shards = np.array([[0, len(offsets) - 1]], dtype=np.int64)

    def run() -> float:
        rng = np.random.default_rng(1)
        syn0 = ((rng.random((vocab, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)
        syn1neg = np.zeros((vocab, dim), np.float32)
        syn1 = np.zeros((vocab - 1, dim), np.float32)
        alphas = np.array([[0.025, 0.0001]])
        states = np.array([1], dtype=np.uint64)
        loss, count = np.zeros(1), np.zeros((1, 3), dtype=np.int64)
        start = time.perf_counter()
        kernels.train_shards(syn0, syn1neg, syn1, ids, offsets, shards, tables, hot, settings, alphas, states,
                             loss, count)
        return tokens / (time.perf_counter() - start)

    run()
    rates = [run() for _ in range(args.repeats)]
    print(json.dumps({"mode": args.mode, "best": round(max(rates)), "median": round(statistics.median(rates))}))


if __name__ == "__main__":
    main()
