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
from dataclasses import dataclass, replace
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


def gensim_fasttext(corpus: EncodedCorpus, config, sub) -> tuple[KeyedVectors, float]:
    """(vectors with n-gram rows, training seconds) from gensim's FastText on ``corpus``'s token stream."""
    import logging

    from gensim.models import FastText

    logging.getLogger("gensim").setLevel(logging.WARNING)
    stream = TokenLists(corpus)
    model = FastText(**gensim_params(config), min_n=sub.minn, max_n=sub.maxn, bucket=sub.buckets)
    model.build_vocab(stream)
    start = time.perf_counter()
    model.train(stream, total_examples=corpus.n_docs, epochs=config.epochs)
    seconds = time.perf_counter() - start
    wv = model.wv
    return subword_vectors(list(wv.index_to_key), np.ascontiguousarray(wv.vectors), wv.vectors_vocab, wv.vectors_ngrams,
                           sub), seconds


def subword_vectors(words, vectors, own_rows, ngram_rows, sub) -> KeyedVectors:
    """KeyedVectors that build out-of-vocabulary words from ``ngram_rows`` (fastText's rule)."""
    from seqkit.embed.subwords import NgramVectors, trained_buckets, word_rows

    offsets, rows = word_rows(words, len(words), sub)
    ngrams = NgramVectors(sub, ngram_rows, trained_buckets(offsets, rows, len(words), sub.buckets))
    return KeyedVectors(words, vectors, ngrams=ngrams, own_rows=own_rows)


def seqkit_subwords(corpus: EncodedCorpus, config, sub) -> tuple[KeyedVectors, float]:
    from seqkit.embed.subword_trainer import train_subwords

    n = min(corpus.n_docs, 3)  # warm up: the kernel's compile (or cache load) is not training time
    head = EncodedCorpus(corpus.path, corpus.vocab, corpus.ids[: corpus.offsets[n]], corpus.offsets[: n + 1], corpus.meta)
    train_subwords(head, replace(config, epochs=1, min_count=1, max_vocab=None), replace(sub, buckets=min(sub.buckets, 1000)))
    start = time.perf_counter()
    model = train_subwords(corpus, config, sub)
    seconds = time.perf_counter() - start
    v = len(model.vocab)
    return subword_vectors(list(model.vocab.words), model.vectors, model.input[:v], model.ngram_matrix(), sub), seconds


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


def _quality(kv: KeyedVectors, files: EvalFiles, analogy_words) -> dict:
    from seqkit.embed.evaluate import evaluate_all

    r = evaluate_all(kv, files.analogies, files.wordsim, files.simlex, restrict_words=analogy_words)
    return {"analogy_accuracy": 100.0 * r["analogy_accuracy"], "analogy_total": r["analogy_total"],
            "wordsim353_spearman": r["wordsim353_spearman"], "simlex999_spearman": r["simlex999_spearman"]}


def shortfalls(seqkit: dict, gensim: dict, tolerance: Tolerance) -> list[str]:
    """Where seqkit's quality trails gensim's by more than the tolerance (empty: it passes)."""
    out = []
    checks = [("analogy_accuracy", tolerance.analogy_points, "points of analogy accuracy"),
              ("wordsim353_spearman", tolerance.spearman, "wordsim353 Spearman"),
              ("simlex999_spearman", tolerance.spearman, "simlex999 Spearman"),
              ("oov_spearman", tolerance.spearman, "out-of-vocabulary Spearman")]
    for key, tol, what in checks:
        if key not in seqkit or key not in gensim:
            continue
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
    subwords=None,
) -> dict:
    """Train both, evaluate both; {'seqkit': {...}, 'gensim': {...}, 'neighbour_overlap', 'shortfalls', 'passed'}.

    With ``subwords`` (a SubwordConfig): seqkit's subword training against gensim's FastText, on the
    corpus without the words of the held-out WordSim353/SimLex-999 pairs (oov_score.py), and each
    side's out-of-vocabulary score on those pairs too."""
    step = on_step or (lambda text: None)
    corpus = restrict(corpus, config.min_count, config.max_vocab)
    held_out = None
    if subwords is not None:
        from seqkit.embed import oov_score as oov

        held_out = oov.pair_files(files.wordsim, files.simlex)
        corpus = oov.delete_words(corpus, oov.held_out_words(held_out))
        tools = (("gensim", lambda c, k: gensim_fasttext(c, k, subwords)), ("seqkit", lambda c, k: seqkit_subwords(c, k, subwords)))
    else:
        tools = (("gensim", train_gensim), ("seqkit", train_seqkit))
    from seqkit.embed.evaluate import frequent_words

    # both sides' analogies over the same words: gensim orders words of equal count last-seen first,
    # seqkit first-seen first, and a plain 30,000-word cut-off would ask them different questions
    analogy_words = frequent_words(corpus.vocab.words, corpus.vocab.counts)
    results, vectors = {}, {}
    for tool, train in tools:
        step(f"training {tool}")
        kv, seconds = train(corpus, config)
        vectors[tool] = kv
        step(f"evaluating {tool}")
        results[tool] = {"vocab_size": len(kv), "train_seconds": round(seconds, 3),
                         "words_per_s": round(corpus.n_tokens * config.epochs / seconds, 1) if seconds > 0 else None,
                         **_quality(kv, files, analogy_words)}
        if held_out is not None:
            results[tool].update(oov.oov_score(kv, held_out))
    step("comparing neighbours")
    overlap = neighbour_overlap(vectors["seqkit"], vectors["gensim"])
    problems = shortfalls(results["seqkit"], results["gensim"], tolerance)
    return {"corpus_words": corpus.n_tokens, "epochs": config.epochs, "threads": config.threads,
            "model": config.model, "loss": config.loss, "subwords": subwords.to_dict() if subwords else None,
            **{t: results[t] for t in ("seqkit", "gensim")},
            "neighbour_overlap": overlap, "shortfalls": problems, "passed": not problems}
