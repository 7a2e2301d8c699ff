"""Ablations of seqkit's word2vec training: does any of its departures from gensim's loop change quality?

    python benchmarks/ablate_w2v.py ../shared/corpora/imdb --modes cbow-ns,sg-ns --seeds 3 [--limit N] [--gensim]

seqkit's kernels make the updates of gensim's loop, with three departures that concern threads
only: with more than one thread, (1) the 64 hot output rows are trained in per-thread copies folded
back after each document, (2) threads race on the shared rows (Hogwild, as gensim's threads do),
and (3) each thread trains a contiguous shard of documents (gensim hands out 10,000-word jobs in
turn). Variants, each over the same seeds on the same encoded corpus:

- ``default``:      2 threads (or --threads), as shipped
- ``no-hot-rows``:  the same threads, every output row written in place
- ``one-thread``:   one thread: no copies, no races, one shard (bit-reproducible)
- ``id-order-ties``: hierarchical softmax's Huffman tree with words of equal count merged in id order
                     (first appearance; word2vec.c's and seqkit's before issue 13) instead of hashed order
- ``gensim-tree``:   the tree as gensim builds it (a heap compared by count only: ties in heap order)
- ``gensim-one-thread``: gensim itself with one worker (the yardstick for ``one-thread``)
- ``gensim-sigmoid``: gensim's sigmoid table (1000 cells, left edges, indexed by (f + 6) * 83 in integers)
- ``gensim-noise``:   gensim's noise draw (cumulative table over 2^31 - 1, bisection) for the alias table
- ``alias-mixed``:    the alias table drawn from one splitmix64-mixed LCG output a noise word, not two raw ones
- ``small-chunks``:   10,000-word chunks a thread per kernel call (gensim's job size) instead of 50,000
- ``old-seeds``:      each thread's LCG seeded by seed * 1000003 + 7919 t + 1, as before issue 32 (now
                     splitmix64 of (seed, thread))

With --gensim, gensim on the same tokens and vocabulary (1 epoch, the same threads) as the yardstick.
Quality is what `evaluate-w2v` reports, the analogies over one list of words for every variant and for
gensim (as bench_w2v: files order equally frequent words differently). Prints one JSON line per run
and a table of means and standard deviations. Quality does not depend on the machine's load, so this may run beside other work.
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_w2v import MODES, STREAMS, make_token_file  # noqa: E402

VARIANTS = ("default", "no-hot-rows", "one-thread", "id-order-ties", "gensim-tree", "gensim-one-thread",
            "gensim-sigmoid", "gensim-noise", "alias-mixed", "small-chunks", "old-seeds")


def _gensim_tree(counts):
    """gensim's _build_heap: Heapitem compares counts only, so heapq leaves ties in heap order."""
    import heapq

    import numpy as np

    from seqkit.embed import huffman

    class Item(tuple):
        def __lt__(self, other):
            return self[0] < other[0]

    v = len(counts)
    heap = [Item((int(c), i)) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    parent, branch = np.zeros(2 * v - 1, np.int32), np.zeros(2 * v - 1, np.uint8)
    for node in range(v, 2 * v - 1):
        a, b = heapq.heappop(heap), heapq.heappop(heap)
        parent[a[1]], parent[b[1]], branch[b[1]] = node, node, 1
        heapq.heappush(heap, Item((a[0] + b[0], node)))
    return huffman.leaf_paths(parent, branch, v)


def _patch_kernels(variant: str) -> None:
    """Variants that change what the kernels compute, compiled into a cache of their own (Numba bakes
    module globals into the machine code, and its cache would not notice a changed table)."""
    import os

    os.environ["NUMBA_CACHE_DIR"] = str(Path(tempfile.gettempdir()) / f"seqkit-ablate-{variant}")
    import numpy as np

    from seqkit.embed import kernels, sampling

    if variant == "gensim-sigmoid":  # gensim's 1000-cell table, indexed as its C code does: (f + 6) * 83
        grid = np.arange(1000, dtype=np.float64) / 1000 * 2 * 6 - 6
        kernels.TABLE_SIZE, kernels._SCALE = 1000, 83.0
        kernels.SIGMOID_TABLE = (1 / (1 + np.exp(-grid))).astype(np.float32)
        kernels.LOG_SIGMOID_TABLE = (-np.log1p(np.exp(-grid))).astype(np.float32)
    if variant == "gensim-noise":  # gensim's cumulative table (domain 2^31 - 1), drawn by bisection
        from numba import njit

        def cum_table(counts, exponent):
            w = np.asarray(counts, np.float64) ** exponent
            return np.round(np.cumsum(w) / w.sum() * (2**31 - 1)).astype(np.uint64), np.zeros(1, np.int32)

        @njit(inline="always")
        def draw(word, negative, cum, unused, state, targets, labels):
            targets[0], labels[0], n_t = word, 1.0, 1
            for k in range(negative):
                state = kernels._next(state)
                x = kernels._hi32(state) % cum[cum.shape[0] - 1]
                target = np.searchsorted(cum, x)  # bisect_left
                if target != word:
                    targets[n_t], labels[n_t] = target, 0.0
                    n_t += 1
            return n_t, state

        sampling.alias_table = cum_table  # the trainer imports it when it trains
        kernels._draw_targets = draw
    if variant == "alias-mixed":  # the alias draw from splitmix64-mixed outputs instead of raw LCG bits
        from numba import njit

        @njit(inline="always")
        def mix(z):
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            return z ^ (z >> np.uint64(31))

        @njit(inline="always")
        def draw_mixed(word, negative, alias_prob, alias_idx, state, targets, labels):
            vocab_size = alias_prob.shape[0]
            targets[0], labels[0], n_t = word, 1.0, 1
            for k in range(negative):
                state = kernels._next(state)
                z = mix(state)
                j = np.int64(((z >> np.uint64(32)) * np.uint64(vocab_size)) >> np.uint64(32))
                target = j if (z & np.uint64(0xFFFFFFFF)) < alias_prob[j] else alias_idx[j]
                if target != word:
                    targets[n_t], labels[n_t] = target, 0.0
                    n_t += 1
            return n_t, state

        kernels._draw_targets = draw_mixed


def child(corpus_dir: str, mode: str, variant: str, threads: int, seed: int) -> dict:
    if variant in ("gensim-sigmoid", "gensim-noise", "alias-mixed"):
        _patch_kernels(variant)
    import numpy as np

    from seqkit.embed import trainer
    from seqkit.embed.evaluate import analogy_accuracy, evaluate_all, frequent_words
    from seqkit.embed.hot_rows import no_hot_rows
    from seqkit.embed.keyed import KeyedVectors
    from seqkit.text.corpus import EncodedCorpus, restrict

    model, loss = MODES[mode]
    corpus = EncodedCorpus.load(corpus_dir)
    if variant in ("gensim", "gensim-one-thread"):
        import logging

        logging.disable(logging.WARNING)
        from gensim.models import Word2Vec

        words = np.array(corpus.vocab.words, dtype=object)

        class Stream:
            def __iter__(self):
                for d in range(corpus.n_docs):
                    yield words[corpus.ids[corpus.offsets[d] : corpus.offsets[d + 1]]].tolist()

        g = Word2Vec(vector_size=100, window=5, min_count=5, sample=1e-3, negative=5 if loss == "ns" else 0,
                     hs=int(loss == "hs"), sg=int(model == "skipgram"), epochs=1, seed=seed,
                     workers=1 if variant == "gensim-one-thread" else threads)
        g.build_vocab(Stream())
        start = time.perf_counter()
        g.train(Stream(), total_examples=corpus.n_docs, epochs=1)
        train_s = time.perf_counter() - start
        kv = KeyedVectors(list(g.wv.index_to_key), g.wv.vectors)
    else:
        from seqkit.embed import huffman

        if variant == "id-order-ties":
            by_id = huffman.huffman_codes
            huffman.huffman_codes = lambda counts: by_id(counts, np.arange(2 * len(counts) - 1))
        if variant == "gensim-tree":
            huffman.huffman_codes = _gensim_tree
        if variant == "no-hot-rows":
            trainer._hot_rows = lambda config, threads, counts, *rest: no_hot_rows(
                len(counts) - 1 if config.loss == "hs" else len(counts))
        if variant == "old-seeds":
            from seqkit.embed import driver

            driver.rng_states = lambda seed, threads: (np.uint64(seed) * np.uint64(1000003) + np.uint64(1)
                                                       + np.arange(threads, dtype=np.uint64) * np.uint64(7919))
        cfg = trainer.Word2VecConfig(model=model, loss=loss, epochs=1, seed=seed,
                                     threads=1 if variant == "one-thread" else threads,
                                     **({"chunk_words": 10_000} if variant == "small-chunks" else {}))
        m = trainer.train(corpus, cfg)
        train_s = m.config["corpus_words"] * cfg.epochs / m.config["words_per_s"]
        kv = KeyedVectors(m.vocab.words, m.vectors)
    vocab = restrict(corpus, 5).vocab  # the same analogy questions for every variant (as bench_w2v)
    q = evaluate_all(kv, restrict_words=frequent_words(vocab.words, vocab.counts))
    own = analogy_accuracy(kv)  # over the file's own first 30,000 words: tie order decides which
    return {"analogy": q["analogy_accuracy"], "analogy_own_30k": own["accuracy"], "questions_own_30k": own["total"],
            "wordsim353": q["wordsim353_spearman"], "simlex999": q["simlex999_spearman"], "train_s": round(train_s, 2)}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        corpus_dir, mode, variant, threads, seed = sys.argv[2:7]
        print(json.dumps(child(corpus_dir, mode, variant, int(threads), int(seed))))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--modes", default="cbow-ns")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--gensim", action="store_true", help="add gensim as the yardstick")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N tokens")
    ap.add_argument("--stream", default="seqkit", choices=STREAMS, help="token stream (see bench_w2v.py)")
    ap.add_argument("--keep", type=Path, default=None, help="keep the encoded corpus in this folder (reused if there)")
    args = ap.parse_args()
    variants = args.variants.split(",") + (["gensim"] if args.gensim else [])
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus_dir = args.keep or Path(tmp) / "corpus"
        if not corpus_dir.exists():
            tok = Path(tmp) / "tok.txt"
            make_token_file(args.folder, tok, args.limit, args.stream)
            subprocess.run([str(Path(sys.executable).with_name("seqkit")), "preprocess", str(tok), "-o", str(corpus_dir), "-q"],
                           check=True)
        for seed in range(1, args.seeds + 1):
            for mode in args.modes.split(","):
                for variant in variants:
                    out = subprocess.run([sys.executable, __file__, "--child", str(corpus_dir), mode, variant,
                                          str(args.threads), str(seed)], capture_output=True, text=True)
                    if out.returncode != 0:
                        raise SystemExit(out.stderr[-3000:])
                    run = {"mode": mode, "variant": variant, "seed": seed, **json.loads(out.stdout.strip().splitlines()[-1])}
                    runs.append(run)
                    print(json.dumps(run), flush=True)
    print(f"\nmean ± sd over {args.seeds} seeds (analogy in %)\n")
    print("| mode | variant | analogy | analogy, own first 30k (questions) | WordSim353 | SimLex-999 | training s |")
    print("|---|---|---|---|---|---|---|")
    for mode in args.modes.split(","):
        for variant in variants:
            rs = [r for r in runs if r["mode"] == mode and r["variant"] == variant]

            def cell(key, scale=1.0, digits=3):
                xs = [r[key] * scale for r in rs]
                sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
                return f"{statistics.mean(xs):.{digits}f} ± {sd:.{digits}f}"

            questions = "/".join(str(q) for q in sorted({r["questions_own_30k"] for r in rs}))
            print(f"| {mode} | {variant} | {cell('analogy', 100, 2)} | {cell('analogy_own_30k', 100, 2)} ({questions}) "
                  f"| {cell('wordsim353')} | {cell('simlex999')} "
                  f"| {cell('train_s', 1.0, 1)} |")


if __name__ == "__main__":
    main()
