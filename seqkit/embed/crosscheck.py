"""seqkit against gensim on the very same token stream: same vocabulary, same hyperparameters,
same threads; then the quality figures of both side by side and a verdict.

gensim is fed the decoded token lists of the encoded corpus's documents (after the vocabulary
cut, so both see exactly the same words in the same order, and gensim's `min_count` keeps every
one of them). Training time is the wall time of the training call only (gensim's vocabulary
scan is not counted; seqkit's table building is, its kernel's first-run compile is not). Words/s
is counted as gensim counts it: corpus words x epochs / training seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from seqkit.embed.keyed import KeyedVectors
from seqkit.text.corpus import EncodedCorpus, restrict


@dataclass(frozen=True)
class Tolerance:
    analogy_points: float = 1.0  # seqkit may trail gensim by this many points of analogy accuracy (0-100)
    spearman: float = 0.02  # ... and by this much on each Spearman correlation (noise of a rerun)


@dataclass(frozen=True)
class EvalFiles:
    analogies: str | None = None  # None: gensim's questions-words.txt
    wordsim: str | None = None  # None: gensim's wordsim353.tsv
    simlex: str | None = None  # None: gensim's simlex999.txt


def gensim_params(config) -> dict:
    """Word2Vec(...) keyword arguments equal to a seqkit Word2VecConfig."""
    return {
        "vector_size": config.dim, "window": config.window, "min_count": config.min_count,
        "sample": config.sample, "sg": int(config.model == "skipgram"), "hs": int(config.loss == "hs"),
        "negative": config.negative if config.loss == "ns" else 0, "ns_exponent": config.ns_exponent,
        "alpha": config.alpha, "min_alpha": config.min_alpha, "epochs": config.epochs, "seed": config.seed,
        "workers": config.threads, "cbow_mean": int(config.cbow_mean),
    }


class TokenLists:
    """The corpus's documents as lists of word strings, restartable (gensim iterates several times)."""

    def __init__(self, corpus: EncodedCorpus):
        self.corpus = corpus
        self.words = np.array(corpus.vocab.words, dtype=object)

    def __iter__(self):
        ids, offsets, words = self.corpus.ids, self.corpus.offsets, self.words
        for d in range(self.corpus.n_docs):
            yield words[ids[offsets[d] : offsets[d + 1]]].tolist()


def train_gensim(corpus: EncodedCorpus, config) -> tuple[KeyedVectors, float]:
    """(vectors, training seconds) from gensim on ``corpus``'s token stream."""
    import logging

    from gensim.models import Word2Vec

    logging.getLogger("gensim").setLevel(logging.WARNING)
    stream = TokenLists(corpus)
    model = Word2Vec(**gensim_params(config))
    model.build_vocab(stream)
    start = time.perf_counter()
    model.train(stream, total_examples=corpus.n_docs, epochs=config.epochs)
    seconds = time.perf_counter() - start
    wv = model.wv
    return KeyedVectors(list(wv.index_to_key), np.ascontiguousarray(wv.vectors)), seconds


def train_seqkit(corpus: EncodedCorpus, config) -> tuple[KeyedVectors, float]:
    from seqkit.embed import trainer  # looked up at call time: tests replace trainer.train

    warm_up(corpus, config)
    start = time.perf_counter()
    model = trainer.train(corpus, config)
    seconds = time.perf_counter() - start
    return KeyedVectors(list(model.vocab.words), model.vectors), seconds


def warm_up(corpus: EncodedCorpus, config) -> None:
    """Train on the first documents only, so that the kernel's first-run compile (or its load from
    Numba's cache) is not counted as training time."""
    from dataclasses import replace

    from seqkit.embed import trainer

    n = min(corpus.n_docs, 3)
    head = EncodedCorpus(corpus.path, corpus.vocab, corpus.ids[: corpus.offsets[n]], corpus.offsets[: n + 1], corpus.meta)
    trainer.train(head, replace(config, epochs=1, min_count=1, max_vocab=None))


def neighbour_overlap(a: KeyedVectors, b: KeyedVectors, top_words: int = 1000, k: int = 10) -> float:
    """Mean share of common words among the k nearest neighbours, in a and in b, of the top_words
    most frequent words of a that b knows too (neighbours searched among the words both know)."""
    common = [w for w in a.words if w in b.index]
    if len(common) <= k:
        return float("nan")
    ia = np.array([a.index[w] for w in common])
    ib = np.array([b.index[w] for w in common])
    ua, ub = a.unit[ia], b.unit[ib]  # (C, d_a), (C, d_b) rows for the same words
    n = min(top_words, len(common))
    total = 0.0
    for start in range(0, n, 256):
        rows = np.arange(start, min(start + 256, n))
        sets = []
        for u in (ua, ub):
            scores = u[rows] @ u.T  # (B, C)
            scores[np.arange(len(rows)), rows] = -np.inf  # not the word itself
            sets.append(np.argpartition(-scores, k - 1, axis=1)[:, :k])  # (B, k)
        total += sum(len(set(x) & set(y)) for x, y in zip(sets[0].tolist(), sets[1].tolist())) / k
    return total / n


def _quality(kv: KeyedVectors, files: EvalFiles) -> dict:
    from seqkit.embed.evaluate import evaluate_all

    r = evaluate_all(kv, files.analogies, files.wordsim, files.simlex)
    return {"analogy_accuracy": 100.0 * r["analogy_accuracy"], "analogy_total": r["analogy_total"],
            "wordsim353_spearman": r["wordsim353_spearman"], "simlex999_spearman": r["simlex999_spearman"]}


def shortfalls(seqkit: dict, gensim: dict, tolerance: Tolerance) -> list[str]:
    """Where seqkit's quality trails gensim's by more than the tolerance (empty: it passes)."""
    out = []
    checks = [("analogy_accuracy", tolerance.analogy_points, "points of analogy accuracy"),
              ("wordsim353_spearman", tolerance.spearman, "wordsim353 Spearman"),
              ("simlex999_spearman", tolerance.spearman, "simlex999 Spearman")]
    for key, tol, what in checks:
        ours, theirs = seqkit[key], gensim[key]
        if np.isnan(theirs):
            continue  # gensim has no figure either (no pair in the vocabulary)
        if np.isnan(ours) or ours < theirs - tol:
            out.append(f"{what}: seqkit {ours:.4f} < gensim {theirs:.4f} - {tol}")
    return out


def crosscheck(
    corpus: EncodedCorpus,
    config,
    tolerance: Tolerance = Tolerance(),
    files: EvalFiles = EvalFiles(),
    on_step: Callable[[str], None] | None = None,
) -> dict:
    """Train both, evaluate both; {'seqkit': {...}, 'gensim': {...}, 'neighbour_overlap', 'shortfalls', 'passed'}."""
    step = on_step or (lambda text: None)
    corpus = restrict(corpus, config.min_count, config.max_vocab)
    results, vectors = {}, {}
    for tool, train in (("gensim", train_gensim), ("seqkit", train_seqkit)):
        step(f"training {tool}")
        kv, seconds = train(corpus, config)
        vectors[tool] = kv
        step(f"evaluating {tool}")
        results[tool] = {"vocab_size": len(kv), "train_seconds": round(seconds, 3),
                         "words_per_s": round(corpus.n_tokens * config.epochs / seconds, 1) if seconds > 0 else None,
                         **_quality(kv, files)}
    step("comparing neighbours")
    overlap = neighbour_overlap(vectors["seqkit"], vectors["gensim"])
    problems = shortfalls(results["seqkit"], results["gensim"], tolerance)
    return {"corpus_words": corpus.n_tokens, "epochs": config.epochs, "threads": config.threads,
            "model": config.model, "loss": config.loss, **{t: results[t] for t in ("seqkit", "gensim")},
            "neighbour_overlap": overlap, "shortfalls": problems, "passed": not problems}
