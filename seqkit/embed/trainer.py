"""word2vec training: the configuration, the model, and the word2vec model's part of the one driver
(seqkit/embed/driver.py owns the loop: warm-up, learning-rate schedule, streaming of a sharded corpus,
progress and the training curve; the subword trainer uses the same driver with its own step).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable, Literal

import numpy as np

from seqkit.errors import InputError, OptionError
from seqkit.embed.driver import HISTORY_POINTS, Progress, chunks as _shards, kernel_arrays as _kernel_arrays  # noqa: F401
from seqkit.text.corpus import EncodedCorpus
from seqkit.text.vocab import Vocab


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
    deterministic_chunk_words: int = 0  # --deterministic: words a chunk trains against its round's start (0: by mode)

    def to_dict(self) -> dict:
        return asdict(self)

    def __post_init__(self):  # the one validation style: a config checks itself when it is built
        if self.model not in ("skipgram", "cbow"):
            raise OptionError(f"--model must be skipgram or cbow, not {self.model!r}")
        if self.loss not in ("ns", "hs"):
            raise OptionError(f"--loss must be ns or hs, not {self.loss!r}")
        if self.dim < 1:
            raise OptionError(f"--dim must be at least 1, not {self.dim}")
        if self.window < 1:
            raise OptionError(f"--window must be at least 1, not {self.window}")
        if self.min_count < 1:
            raise OptionError(f"--min-count must be at least 1, not {self.min_count}")
        if self.epochs < 1:
            raise OptionError(f"--epochs must be at least 1, not {self.epochs}")
        if not self.alpha > 0:
            raise OptionError(f"--alpha must be positive, not {self.alpha}")
        if not 0 <= self.min_alpha <= self.alpha:
            raise OptionError(f"--min-alpha must be between 0 and --alpha ({self.alpha}), not {self.min_alpha}")
        if self.sample < 0:
            raise OptionError(f"--sample must be 0 (off) or positive, not {self.sample}")
        if self.loss == "ns" and self.negative < 1:
            raise OptionError("--loss ns needs --negative of at least 1 (or use --loss hs)")
        if self.negative < 0:
            raise OptionError(f"--negative must not be negative, not {self.negative}")
        if self.batch_negatives and self.model != "skipgram":
            raise OptionError("--batch-negatives is for --model skipgram (CBOW already trains one example per window)")
        if self.threads < 0:
            raise OptionError(f"--threads must be 0 (all cores) or more, not {self.threads}")
        from seqkit import limits

        limits.check_range("--dim", self.dim, 1, limits.MAX_DIM)
        limits.check_range("--window", self.window, 1, limits.MAX_WINDOW)
        limits.check_range("--negative", self.negative, 0, limits.MAX_NEGATIVE)
        limits.check_range("--epochs", self.epochs, 1, limits.MAX_EPOCHS)
        limits.check_finite("--alpha", self.alpha, 0.0, limits.MAX_LR)
        limits.check_range("--seed", self.seed, 0, limits.MAX_SEED)

    def check(self) -> None:
        """Kept for callers of this name: a config is checked when it is built."""
        self.__post_init__()


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
            np.array(arrays["vectors"]),  # a writable copy: the file's rows are memory-mapped read-only
            arrays.get("syn1neg"),
            arrays.get("syn1"),
            meta.get("training", {}),
        )


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


def init_weights(vocab_size: int, dim: int, seed: int) -> np.ndarray:
    """gensim's initial input vectors: uniform in [-1/dim, 1/dim) (word2vec.c's range is half as wide;
    with it, one epoch of CBOW scored about 0.4 points lower on analogies)."""
    rng = np.random.default_rng(seed)
    return ((rng.random((vocab_size, dim), dtype=np.float32) * 2.0 - 1.0) / dim).astype(np.float32)


def train(
    corpus: EncodedCorpus,
    config: Word2VecConfig = Word2VecConfig(),
    init: Word2VecModel | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_epoch: Callable[[int, Word2VecModel], None] | None = None,
) -> Word2VecModel:
    """Train word vectors on ``corpus``; with ``init``, continue from that model (its vocabulary kept)."""
    from seqkit import runtime
    from seqkit.embed import driver

    source = corpus.meta.get("sources", [{}])
    name = ", ".join(s.get("path", "?") for s in source) if source else "the corpus"
    corpus, config = _training_corpus(corpus, config, init, name)
    vocab = corpus.vocab
    check_trainable(corpus, config, name)
    syn0, syn1neg, syn1 = _start_weights(len(vocab), config, init)
    tables = driver.sampling_tables(vocab.counts, config)
    hs = config.loss == "hs"
    model = Word2VecModel(vocab, syn0, None if hs else syn1neg, syn1 if hs else None, config.to_dict())
    # one thread per shard; the count is restored when training ends (the process's other work keeps its own)
    with runtime.threads(config.threads, blas=False) as threads:
        hot = _hot_rows(config, threads, vocab.counts, tables[0], tables[4], tables[5])
        step = _Word2VecStep(config, (syn0, syn1neg, syn1), tables, hot, driver.max_document(corpus))
        stats = driver.drive(corpus, config, step, threads, on_progress,
                             None if on_epoch is None else lambda epoch: on_epoch(epoch, model))
    model.config = {**config.to_dict(), "vocab_size": len(vocab), **stats.figures(config),
                    "continued": init is not None}
    return model


class _Word2VecStep:
    """The word2vec model's part of the driver's loop: its weights, tables and kernel call."""

    def __init__(self, config: Word2VecConfig, weights, tables, hot, max_len: int):
        from seqkit.embed import kernels

        self.kernels, self.weights, self.tables, self.hot, self.config = kernels, weights, tables, hot, config
        self.settings = kernels.Word2VecSettings(int(config.model == "skipgram"), int(config.loss == "hs"),
                                                 config.window, config.negative, int(config.cbow_mean), max_len,
                                                 int(config.batch_negatives))
        self.family = ("batched skip-gram" if config.batch_negatives else
                       "skip-gram" if config.model == "skipgram" else "CBOW")

    def ready(self) -> bool:
        return self.kernels.is_ready(self.settings)

    def cached(self) -> bool:
        return self.kernels.is_cached(self.settings)

    def __call__(self, ids, offsets, shards, alphas, states, out_loss, out_counts) -> None:
        syn0, syn1neg, syn1 = self.weights
        self.kernels.train_shards(syn0, syn1neg, syn1, ids, offsets, shards, self.tables, self.hot, self.settings,
                                  alphas, states, out_loss, out_counts)

    def rounds(self, chunk_words: int, threads: int):
        """--deterministic: the round schedule on the same weights (one input row a word)."""
        from seqkit.embed.deterministic import round_step

        syn0, syn1neg, syn1 = self.weights
        out = syn1 if self.settings.hs else syn1neg
        return round_step(self.config, (syn0, out), self.tables, None, self.settings, threads, chunk_words, 1,
                          self.family)


def _training_corpus(corpus: EncodedCorpus, config: Word2VecConfig, init, name: str):
    """(corpus over the vocabulary trained, config): --init's vocabulary and width, or the corpus's own words
    restricted to --min-count / --max-vocab."""
    from seqkit.text.corpus import restrict

    if init is not None:
        check_init_counts(init)
        corpus = reencode(corpus, init.vocab)
        if init.vectors.shape[1] != config.dim:
            config = Word2VecConfig(**{**config.to_dict(), "dim": init.vectors.shape[1]})
        return corpus, config
    corpus = restrict(corpus, config.min_count, config.max_vocab)
    if len(corpus.vocab) == 0 or (corpus.vocab.counts < config.min_count).all():
        raise InputError(f"no word occurs at least --min-count={config.min_count} times in {name}")
    return corpus, config


def _start_weights(v: int, config: Word2VecConfig, init):
    """(syn0 (V, d), syn1neg (V, d) or (0, d), syn1 (V-1, d) or (0, d)): fresh, or --init's copied."""
    dim, ns, hs = config.dim, config.loss == "ns", config.loss == "hs"
    if init is not None:
        syn0 = np.ascontiguousarray(init.vectors, dtype=np.float32).copy()
        syn1neg = init.syn1neg.copy() if ns and init.syn1neg is not None else np.zeros((v, dim), np.float32)
        syn1 = init.syn1.copy() if hs and init.syn1 is not None else np.zeros((v - 1, dim), np.float32)
    else:
        syn0 = init_weights(v, dim, config.seed)
        syn1neg = np.zeros((v, dim), np.float32)
        syn1 = np.zeros((v - 1, dim), np.float32)
    return syn0, syn1neg if ns else np.zeros((0, dim), np.float32), syn1 if hs else np.zeros((0, dim), np.float32)


def check_trainable(corpus: EncodedCorpus, config: Word2VecConfig, name: str) -> None:
    """InputError unless the (restricted) corpus has words to train on, and two for a Huffman tree."""
    if corpus.n_tokens == 0 or len(corpus.vocab) == 0:
        raise InputError(f"no word occurs at least --min-count={config.min_count} times in {name}")
    if config.loss == "hs" and len(corpus.vocab) < 2:
        raise InputError("hierarchical softmax needs at least 2 words in the vocabulary")


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

