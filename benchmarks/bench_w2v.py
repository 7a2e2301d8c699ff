"""word2vec speed and quality: seqkit against gensim on the same token stream.

    python benchmarks/bench_w2v.py ../shared/corpora/imdb --threads 2 [--limit 3000000] [--modes sg-ns,cbow-hs]

The IMDB text (train + test + unsup) is preprocessed once with seqkit's defaults; gensim is fed
the very same tokens (the decoded encoded corpus, streamed), with the same vocabulary and
hyperparameters. Each training runs in its own process (so peak memory is its own), gensim and
seqkit interleaved. Words/s is counted as gensim counts it: corpus words x epochs / training
seconds. Prints one JSON line per mode and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = {"sg-ns": ("skipgram", "ns"), "cbow-ns": ("cbow", "ns"), "sg-hs": ("skipgram", "hs"), "cbow-hs": ("cbow", "hs")}
# seqkit's --batch-negatives (HogBatch) against gensim's plain skip-gram: `--modes sg-ns-batch,sg-hs-batch`
EXTRA_MODES = {"sg-ns-batch": ("skipgram", "ns"), "sg-hs-batch": ("skipgram", "hs")}


def prepare(folder: Path, out: Path, limit: int | None) -> None:
    from seqkit.text.corpus import EncodedCorpus
    from seqkit.text.preprocess import PreprocessOptions, preprocess

    inputs = [str(folder / n) for n in ("train.tsv.gz", "test.tsv.gz", "unsup.txt.gz")]
    full = out / "full"
    preprocess(inputs, full, PreprocessOptions(min_count=5))
    corpus = EncodedCorpus.load(full)
    if limit:  # the first `limit` tokens, whole documents, counted again
        import numpy as np

        d = int(np.searchsorted(corpus.offsets, limit, side="right")) - 1
        words = np.array(corpus.vocab.words, dtype=object)
        with open(out / "head.txt", "w") as f:
            for k in range(d):
                f.write(" ".join(words[corpus.ids[corpus.offsets[k] : corpus.offsets[k + 1]]]) + "\n")
        del corpus
        preprocess([str(out / "head.txt")], full, PreprocessOptions(min_count=5), force=True)


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would include the parent's before exec)."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_one(tool: str, corpus_dir: str, mode: str, threads: int, epochs: int, dim: int) -> dict:
    import numpy as np

    from seqkit.embed.evaluate import evaluate_all
    from seqkit.embed.keyed import KeyedVectors
    from seqkit.text.corpus import EncodedCorpus

    model, loss = {**MODES, **EXTRA_MODES}[mode]
    corpus = EncodedCorpus.load(corpus_dir)
    words_total = corpus.n_tokens * epochs
    if tool == "seqkit":
        from seqkit.embed.trainer import Word2VecConfig, train

        cfg = Word2VecConfig(model=model, loss=loss, threads=threads, epochs=epochs, dim=dim, min_count=5,
                             batch_negatives=mode in EXTRA_MODES)
        start = time.perf_counter()
        m = train(corpus, cfg)
        seconds = time.perf_counter() - start
        kv = KeyedVectors(m.vocab.words, m.vectors)
    else:
        from gensim.models import Word2Vec

        words = np.array(corpus.vocab.words, dtype=object)

        class Stream:  # restartable, like gensim's LineSentence
            def __iter__(self):
                for d in range(corpus.n_docs):
                    yield words[corpus.ids[corpus.offsets[d] : corpus.offsets[d + 1]]].tolist()

        g = Word2Vec(vector_size=dim, window=5, min_count=5, sample=1e-3, negative=5 if loss == "ns" else 0,
                     hs=int(loss == "hs"), sg=int(model == "skipgram"), workers=threads, epochs=epochs, seed=1)
        g.build_vocab(Stream())
        start = time.perf_counter()
        g.train(Stream(), total_examples=corpus.n_docs, epochs=epochs)
        seconds = time.perf_counter() - start
        kv = KeyedVectors(list(g.wv.index_to_key), g.wv.vectors)
    quality = evaluate_all(kv)
    return {"seconds": seconds, "words_per_s": words_total / seconds, "vocab": len(kv),
            "peak_mb": peak_mb(),
            "analogy": quality["analogy_accuracy"], "wordsim353": quality["wordsim353_spearman"],
            "simlex999": quality["simlex999_spearman"]}


def child(tool, corpus_dir, mode, args) -> dict:
    cmd = [sys.executable, __file__, "--child", tool, corpus_dir, mode, str(args.threads), str(args.epochs), str(args.dim)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{tool} {mode} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        logging.disable(logging.WARNING)
        tool, corpus_dir, mode, threads, epochs, dim = sys.argv[2:8]
        print(json.dumps(run_one(tool, corpus_dir, mode, int(threads), int(epochs), int(dim))))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, help="folder with train.tsv.gz, test.tsv.gz, unsup.txt.gz")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N tokens")
    ap.add_argument("--modes", default=",".join(MODES))
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        prepare(args.folder, Path(tmp), args.limit)
        corpus_dir = str(Path(tmp) / "full")
        for family in ("sg-ns", "cbow-ns", "sg-ns-batch"):  # compile each kernel family once, before any timing
            child("seqkit", corpus_dir, family, argparse.Namespace(threads=1, epochs=1, dim=8))
        for mode in args.modes.split(","):
            g = child("gensim", corpus_dir, mode, args)
            s = child("seqkit", corpus_dir, mode, args)
            row = {"mode": mode, "threads": args.threads, "seqkit_words_per_s": round(s["words_per_s"]),
                   "gensim_words_per_s": round(g["words_per_s"]), "ratio": round(s["words_per_s"] / g["words_per_s"], 2),
                   "seqkit_analogy": round(s["analogy"], 4), "gensim_analogy": round(g["analogy"], 4),
                   "seqkit_wordsim353": round(s["wordsim353"], 4), "gensim_wordsim353": round(g["wordsim353"], 4),
                   "seqkit_simlex999": round(s["simlex999"], 4), "gensim_simlex999": round(g["simlex999"], 4),
                   "seqkit_peak_mb": round(s["peak_mb"]), "gensim_peak_mb": round(g["peak_mb"])}
            rows.append(row)
            print(json.dumps(row), flush=True)
    print()
    print("| mode | threads | seqkit words/s | gensim words/s | ratio | analogy (seqkit / gensim) | wordsim353 | simlex999 | peak MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['mode']} | {r['threads']} | {r['seqkit_words_per_s']:,} | {r['gensim_words_per_s']:,} | **{r['ratio']}x** "
              f"| {r['seqkit_analogy']:.3f} / {r['gensim_analogy']:.3f} | {r['seqkit_wordsim353']:.3f} / {r['gensim_wordsim353']:.3f} "
              f"| {r['seqkit_simlex999']:.3f} / {r['gensim_simlex999']:.3f} | {r['seqkit_peak_mb']} / {r['gensim_peak_mb']} |")


if __name__ == "__main__":
    main()
