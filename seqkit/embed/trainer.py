"""word2vec training: pure-Python orchestration around the Numba kernels.

The corpus is read shard after shard (a corpus from `preprocess --cluster` has many, each
memory-mapped on its own); each shard is cut into chunks of about `chunk_words` words, each kernel
call trains one chunk per thread (the kernels call them "shards"), and between calls Python
updates the learning rate, the progress callback and the running loss, and releases the pages
of the corpus already trained. The learning rate falls linearly from `alpha` to `min_alpha`
over the whole run.

Before the first chunk the kernel is compiled (or loaded from numba's cache) on an empty batch of
shards, so that the words/s figures count training only. The run's curve is kept in the model's
metadata as `history`: one point per kernel call, thinned to at most HISTORY_POINTS (plus the end of
each epoch), so that even a one-epoch run draws a curve (`seqkit plot history`).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Literal

import numpy as np

from seqkit.errors import InputError, OptionError
from seqkit.text.corpus import EncodedCorpus, longest_document, release_pages
from seqkit.text.vocab import Vocab

HISTORY_POINTS = 200  # points of the training curve kept per run (about; epoch ends are always kept)


@dataclass(frozen=True)
class Word2VecConfig:
    model: Literal["skipgram", "cbow"] = "skipgram"  # skip-gram: better for rare words; CBOW: faster
    loss: Literal["ns", "hs"] = "ns"  # negative sampling, or hierarchical softmax over a Huffman tree
    dim: int = 100  # vector size
    window: int = 5  # max distance between a word and its context; reduced at random per word
    min_count: int = 5  # rarer words are dropped before training
    max_vocab: int | None = None  # keep at most this many words
    sample: float = 1e-3  # frequent-word subsampling threshold (0 disables)
    negative: int = 5  # noise words per example (negative sampling)
    ns_exponent: float = 0.75  # noise distribution ~ count^exponent
    alpha: float = 0.025  # initial learning rate
    min_alpha: float = 0.0001  # final learning rate
    epochs: int = 5
    threads: int = 0  # 0: all cores
    seed: int = 1
    cbow_mean: bool = True  # CBOW averages context vectors (False: sums them)
    batch_negatives: bool = False  # skip-gram: a window's contexts share the output rows, updated once (HogBatch)
    chunk_words: int = 50_000  # words per thread per kernel call: progress granularity
    deterministic: bool = False  # the same vectors from a seed on any number of threads (deterministic.py)
    deterministic_chunk_words: int = 4096  # --deterministic: words a chunk trains against its round's start

    def to_dict(self) -> dict:
        return asdict(self)

    def check(self) -> None:
        def bad(msg: str):
            raise OptionError(msg)

        if self.model not in ("skipgram", "cbow"):
            bad(f"--model must be skipgram or cbow, not {self.model!r}")
        if self.loss not in ("ns", "hs"):
            bad(f"--loss must be ns or hs, not {self.loss!r}")
        if self.dim < 1:
            bad(f"--dim must be at least 1, not {self.dim}")
        if self.window < 1:
            bad(f"--window must be at least 1, not {self.window}")
        if self.min_count < 1:
            bad(f"--min-count must be at least 1, not {self.min_count}")
        if self.epochs < 1:
            bad(f"--epochs must be at least 1, not {self.epochs}")
        if not self.alpha > 0:
            bad(f"--alpha must be positive, not {self.alpha}")
        if not 0 <= self.min_alpha <= self.alpha:
            bad(f"--min-alpha must be between 0 and --alpha ({self.alpha}), not {self.min_alpha}")
        if self.sample < 0:
            bad(f"--sample must be 0 (off) or positive, not {self.sample}")
        if self.loss == "ns" and self.negative < 1:
            bad("--loss ns needs --negative of at least 1 (or use --loss hs)")
        if self.negative < 0:
            bad(f"--negative must not be negative, not {self.negative}")
        if self.batch_negatives and self.model != "skipgram":
            bad("--batch-negatives is for --model skipgram (CBOW already trains one example per window)")
        if self.threads < 0:
            bad(f"--threads must be 0 (all cores) or more, not {self.threads}")
        from seqkit import limits

        limits.check_range("--dim", self.dim, 1, limits.MAX_DIM)
        limits.check_range("--window", self.window, 1, limits.MAX_WINDOW)
        limits.check_range("--negative", self.negative, 0, limits.MAX_NEGATIVE)
        limits.check_range("--epochs", self.epochs, 1, limits.MAX_EPOCHS)


@dataclass
class Word2VecModel:
    vocab: Vocab
    vectors: np.ndarray  # (V, d) float32 input vectors: the word vectors
    syn1neg: np.ndarray | None = None  # (V, d) float32 output vectors (negative sampling)
    syn1: np.ndarray | None = None  # (V-1, d) float32 inner-node vectors (hierarchical softmax)
    config: dict = field(default_factory=dict)  # training options and figures

    def save(self, path) -> None:
        from seqkit.embed.formats import save_native

        arrays = {"vectors": self.vectors}
        if self.syn1neg is not None:
            arrays["syn1neg"] = self.syn1neg
        if self.syn1 is not None:
            arrays["syn1"] = self.syn1
        save_native(path, self.vocab.words, self.vocab.counts, arrays, {"training": self.config})

    @classmethod
    def load(cls, path) -> "Word2VecModel":
        from seqkit.embed.formats import load_native

        words, counts, arrays, meta = load_native(path)
        if "ngrams" in arrays:  # continuing from its mean vectors alone would drop every n-gram row, silently
            raise InputError(f"{path} is a subword model: --init continues word2vec models only; train a new "
                             "one with --subwords (continued subword training is not supported yet)")
        return cls(
            Vocab(words, counts),
            arrays["vectors"],
            arrays.get("syn1neg"),
            arrays.get("syn1"),
            meta.get("training", {}),
        )


@dataclass
class Progress:
    """What the progress callback is told after each kernel call."""

    words_done: int  # corpus words processed, over all epochs so far
    words_total: int  # corpus words x epochs
    epoch: int
    alpha: float
    mean_loss: float  # mean loss per trained example over the run so far
    words_per_s: float  # training time only (the kernel's compilation is not counted)
    stage: str = "training"  # or what happens before the first chunk, e.g. "compiling the skip-gram kernel"


def check_init_counts(init: "Word2VecModel", source: str = "the --init model") -> None:
    """Continued training draws noise words and subsamples by the model's word counts: a model without
    them (converted from a word2vec file, which stores none) is refused rather than trained on NaN tables."""
    counts = init.vocab.counts
    if len(counts) == 0 or int(counts.min()) <= 0:
        raise InputError(
            f"{source} has no word counts (it was converted from a word2vec file, which stores none), and "
            "continued training samples words by their counts: --init needs a model written by `seqkit train-w2v`"
        )


def reencode(corpus: EncodedCorpus, vocab: Vocab) -> EncodedCorpus:
    """``corpus`` over another vocabulary (continued training): unknown words dropped."""
    from seqkit.text.corpus import _renumber

    lookup = np.array([vocab.index.get(w, -1) for w in corpus.vocab.words], dtype=np.int32)  # (V_corpus,)
    shards = [_renumber(s, lookup) for s in corpus.shards]
    return EncodedCorpus(corpus.path, vocab, meta=corpus.meta, shards=shards)


def _shards(offsets: np.ndarray, chunk_words: int) -> np.ndarray:
    """(S, 2) document ranges of about chunk_words words each, in corpus order."""
    n = int(offsets[-1])
    cuts = np.searchsorted(offsets, np.arange(0, n, chunk_words), side="left")
    cuts = np.unique(np.concatenate([cuts, [len(offsets) - 1]]))
    cuts = cuts[cuts <= len(offsets) - 1]
    if cuts[0] != 0:
        cuts = np.concatenate([[0], cuts])
    return np.stack([cuts[:-1], cuts[1:]], axis=1).astype(np.int64)


def init_weights(vocab_size: int, dim: int, seed: int) -> np.ndarray:
    """gensim's initial input vectors: uniform in [-1/dim, 1/dim) (word2vec.c's range is half as wide;
    with it, one epoch of CBOW scored about 0.4 points lower on analogies)."""
    rng = np.random.default_rng(seed)
    return ((rng.random((vocab_size, dim), dtype=np.float32) * 2.0 - 1.0) / dim).astype(np.float32)


def _kernel_arrays(shard) -> tuple[np.ndarray, np.ndarray]:
    """A shard's ids (int32) and offsets (int64) as the kernels take them: views where the types match."""
    return np.ascontiguousarray(shard.ids, dtype=np.int32), np.ascontiguousarray(shard.offsets, dtype=np.int64)


def train(
    corpus: EncodedCorpus,
    config: Word2VecConfig = Word2VecConfig(),
    init: Word2VecModel | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_epoch: Callable[[int, Word2VecModel], None] | None = None,
) -> Word2VecModel:
    """Train word vectors on ``corpus``; with ``init``, continue from that model (its vocabulary kept)."""
    from seqkit import runtime
    from seqkit.embed import deterministic as det
    from seqkit.embed import kernels
    from seqkit.embed.huffman import huffman_codes
    from seqkit.embed.sampling import alias_table, keep_thresholds
    from seqkit.text.corpus import restrict

    config.check()
    source = corpus.meta.get("sources", [{}])
    name = ", ".join(s.get("path", "?") for s in source) if source else "the corpus"
    if init is not None:
        check_init_counts(init)
        corpus = reencode(corpus, init.vocab)
        if init.vectors.shape[1] != config.dim:
            config = Word2VecConfig(**{**config.to_dict(), "dim": init.vectors.shape[1]})
    else:
        corpus = restrict(corpus, config.min_count, config.max_vocab)
        if len(corpus.vocab) == 0 or (corpus.vocab.counts < config.min_count).all():
            raise InputError(f"no word occurs at least --min-count={config.min_count} times in {name}")
    vocab = corpus.vocab
    check_trainable(corpus, config, name)

    v, dim = len(vocab), config.dim
    ns, hs = config.loss == "ns", config.loss == "hs"
    if init is not None:
        syn0 = np.ascontiguousarray(init.vectors, dtype=np.float32).copy()
        syn1neg = init.syn1neg.copy() if ns and init.syn1neg is not None else np.zeros((v, dim), np.float32)
        syn1 = init.syn1.copy() if hs and init.syn1 is not None else np.zeros((v - 1, dim), np.float32)
    else:
        syn0 = init_weights(v, dim, config.seed)
        syn1neg = np.zeros((v, dim), np.float32)
        syn1 = np.zeros((v - 1, dim), np.float32)
    if not ns:
        syn1neg = np.zeros((0, dim), np.float32)
    if not hs:
        syn1 = np.zeros((0, dim), np.float32)

    keep = keep_thresholds(vocab.counts, config.sample)
    alias_prob, alias_idx = alias_table(vocab.counts, config.ns_exponent) if ns else (
        np.zeros(1, np.uint64), np.zeros(1, np.int32))
    codes, points, lengths = huffman_codes(vocab.counts) if hs else (
        np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32))
    tables = (keep, alias_prob, alias_idx, codes, points, lengths)

    # one thread per shard; the count is restored when training ends (the process's other work keeps its own)
    with runtime.threads(config.threads, blas=False) as threads:
        hot = _hot_rows(config, threads, vocab.counts, keep, points, lengths)
        max_len = max((longest_document(s.offsets) for s in corpus.shards if s.n_docs), default=1)
        settings = kernels.Word2VecSettings(int(config.model == "skipgram"), int(hs), config.window, config.negative,
                                            int(config.cbow_mean), max(max_len, 1), int(config.batch_negatives))
        words_per_epoch = corpus.n_tokens
        total = words_per_epoch * config.epochs
        states = (np.uint64(config.seed) * np.uint64(1000003) + np.arange(threads, dtype=np.uint64) * np.uint64(7919) + np.uint64(1)).astype(np.uint64)
        plan = [(s, _shards(np.ascontiguousarray(s.offsets, dtype=np.int64), chunk_words(config))) for s in corpus.shards if s.n_docs]
        rounds = _rounds(config, (syn0, syn1 if hs else syn1neg), tables, None, settings, threads, plan, lengths)
        per_call = det.ROUND_CHUNKS if rounds else threads  # chunks a kernel call trains
        out_loss = np.zeros(per_call, np.float64)
        out_counts = np.zeros((per_call, 3), np.int64)
        loss_sum, examples, done = 0.0, 0, 0
        family = "batched skip-gram" if config.batch_negatives else "skip-gram" if config.model == "skipgram" else "CBOW"
        if on_progress is not None and not kernels.is_ready(settings):
            stage = f"compiling the {family} kernel, first run only" if not kernels.is_cached(settings) else f"loading the {family} kernel"
            on_progress(Progress(0, total, 1, config.alpha, float("nan"), 0.0, stage))
        # No shards: compiles (or loads) the kernel and trains nothing. The corpus's own arrays (read-only
        # memory maps from a folder) give the types the training calls use: Numba compiles per type.
        ids0, offsets0 = _kernel_arrays(plan[0][0]) if plan else (np.zeros(0, np.int32), np.zeros(1, np.int64))
        if rounds:
            rounds.train(ids0, offsets0, np.zeros((0, 2), np.int64), np.zeros((0, 2)), out_loss, out_counts)
        else:
            kernels.train_shards(
                syn0, syn1neg, syn1, ids0, offsets0, np.zeros((0, 2), np.int64), tables,
                hot, settings, np.zeros((0, 2), np.float64), states[:0], out_loss[:0], out_counts[:0],
            )
        calls_per_epoch = max(1, sum(-(-len(chunks) // per_call) for _, chunks in plan))
        every = max(1, config.epochs * calls_per_epoch // HISTORY_POINTS)  # kernel calls between two points of the curve
        history: list[dict] = []
        call = 0
        start = time.perf_counter()

        def alpha_at(words: int) -> float:
            return max(config.min_alpha, config.alpha - (config.alpha - config.min_alpha) * words / total)

        model = Word2VecModel(vocab, syn0, syn1neg if ns else None, syn1 if hs else None, config.to_dict())
        for epoch in range(config.epochs):
            for shard, chunks in plan:  # a sharded corpus: the kernels see one memory-mapped shard at a time
                ids, offsets = _kernel_arrays(shard)
                for first in range(0, len(chunks), per_call):
                    batch = chunks[first : first + per_call]
                    size = int(offsets[batch[-1, 1]] - offsets[batch[0, 0]])
                    if rounds:
                        rounds.train(ids, offsets, batch, det.chunk_alphas(offsets, batch, done, alpha_at), out_loss,
                                     out_counts)
                    else:
                        alphas = np.tile([alpha_at(done), alpha_at(done + size)], (len(batch), 1))
                        kernels.train_shards(
                            syn0, syn1neg, syn1, ids, offsets, np.ascontiguousarray(batch), tables, hot, settings,
                            alphas, states[: len(batch)], out_loss[: len(batch)], out_counts[: len(batch)],
                        )
                    release_pages(shard.ids, offsets[batch[-1, 1]])  # a large corpus streams through memory
                    release_pages(shard.offsets, batch[-1, 1])
                    chunk_loss, chunk_examples = float(out_loss[: len(batch)].sum()), int(out_counts[: len(batch), 0].sum())
                    loss_sum += chunk_loss
                    examples += chunk_examples
                    done += size
                    call += 1
                    elapsed = time.perf_counter() - start
                    rate = done / elapsed if elapsed > 0 else 0.0
                    if call % every == 0 or call % calls_per_epoch == 0:
                        history.append({
                            "words": done, "epoch": round(done / words_per_epoch, 4), "alpha": alpha_at(done),
                            "loss": chunk_loss / max(chunk_examples, 1), "mean_loss": loss_sum / max(examples, 1),
                            "words_per_s": round(rate, 1), "seconds": round(elapsed, 3),
                        })
                    if on_progress is not None:
                        on_progress(Progress(done, total, epoch + 1, alpha_at(done), loss_sum / max(examples, 1), rate))
            if on_epoch is not None:
                on_epoch(epoch + 1, model)
        seconds = time.perf_counter() - start
    model.config = {
        **config.to_dict(),
        "threads": threads,
        "vocab_size": v,
        "corpus_words": words_per_epoch,
        "train_seconds": round(seconds, 3),
        "words_per_s": round(total / seconds, 1) if seconds > 0 else None,
        "mean_loss": loss_sum / max(examples, 1),
        "continued": init is not None,
        "history": history,
    }
    return model


def check_trainable(corpus: EncodedCorpus, config: Word2VecConfig, name: str) -> None:
    """InputError unless the (restricted) corpus has words to train on, and two for a Huffman tree."""
    if corpus.n_tokens == 0 or len(corpus.vocab) == 0:
        raise InputError(f"no word occurs at least --min-count={config.min_count} times in {name}")
    if config.loss == "hs" and len(corpus.vocab) < 2:
        raise InputError("hierarchical softmax needs at least 2 words in the vocabulary")


def chunk_words(config: Word2VecConfig) -> int:
    """Words a kernel call trains per chunk: small chunks with --deterministic (their rounds train against a
    stale start: 50,000-word chunks cost CBOW 6 analogy points on 4M IMDB words)."""
    return config.deterministic_chunk_words if config.deterministic else config.chunk_words


def _rounds(config: Word2VecConfig, weights, tables, csr, settings, threads: int, plan, path_lengths, rows_per_word=1):
    """The deterministic schedule's state (--deterministic), else None. ``plan``: [(shard, chunks)]."""
    if not config.deterministic:
        return None
    from seqkit.embed import deterministic as det

    words = max((det.longest_chunk(np.asarray(s.offsets), c) for s, c in plan), default=1)
    per_word = det.output_rows_per_word(config, int(np.max(path_lengths)) if config.loss == "hs" else 0)
    caps = (det.pool_rows(len(weights[0]), words, rows_per_word), det.pool_rows(len(weights[1]), words, per_word))
    return det.Rounds(det.family(config, csr is not None), weights, tables, csr, settings, threads, config.seed, caps)


def _hot_rows(config: Word2VecConfig, threads: int, counts, keep, points, lengths):
    """The output rows each thread keeps its own copies of (none for one thread, or --batch-negatives,
    which already writes output rows once per window)."""
    from seqkit.embed import hot_rows as H

    n_rows = len(counts) - 1 if config.loss == "hs" else len(counts)
    if threads == 1 or config.batch_negatives or config.deterministic:
        return H.no_hot_rows(n_rows)
    kept = H.kept_frequencies(counts, keep)
    if config.loss == "hs":
        return H.hot_rows(H.node_weights(kept, points, lengths))
    return H.hot_rows(H.noise_weights(kept, counts, config.ns_exponent, config.negative))

