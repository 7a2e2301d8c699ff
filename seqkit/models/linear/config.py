"""The linear classifier's settings: built once by the command line, taken by the trainer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from seqkit.errors import OptionError
from seqkit.limits import MAX_BUCKETS, MAX_DIM, MAX_LR, MAX_SEED, MAX_WORD_NGRAMS, check_finite, check_range
from seqkit.text.normalize import NormalizeOptions

Loss = Literal["auto", "softmax", "hs", "ova"]
LOSSES = ("auto", "softmax", "hs", "ova")


@dataclass(frozen=True)
class LinearConfig:
    dim: int = 100  # text vector size (fastText's -dim)
    word_ngrams: int = 1  # longest word n-gram: 2 adds bigrams, each hashed into a bucket row
    buckets: int = 2_000_000  # n-gram hash space (fastText's -bucket); only buckets seen in training get rows
    loss: Loss = "auto"  # softmax; hs: hierarchical softmax (many labels); ova: one-vs-all (multi-label); auto: ova for multi-label data, else softmax
    lr: float = 0.1  # starting learning rate, decayed linearly to 0 over the run
    epochs: int = 5  # passes over the training texts
    min_count: int = 1  # words seen fewer times get no row (their n-grams still count)
    threads: int = 0  # Hogwild shards, one per thread (0: all cores); 1 is bit-reproducible with a seed
    seed: int = 0  # initial vectors and the order of texts in each epoch
    deterministic: bool = False  # the same model from a seed on any number of threads (deterministic.py)
    eos: bool = True  # every text ends with an end-of-text word, as fastText's "</s>": a learned bias (models saved before it: False)
    normalize: NormalizeOptions = field(default_factory=NormalizeOptions)

    def __post_init__(self):  # checked when built, as every config
        checks = (
            (self.dim >= 1, f"--embed-dim must be at least 1, got {self.dim}"),
            (self.word_ngrams >= 1, f"--word-ngrams must be at least 1 (1: words only, 2: words and bigrams), got {self.word_ngrams}"),
            (self.buckets >= 1 or self.word_ngrams == 1, f"--buckets must be at least 1 with --word-ngrams {self.word_ngrams}, got {self.buckets}"),
            (self.loss in LOSSES, f"--loss must be one of {', '.join(LOSSES)}, got {self.loss!r}"),
            (self.lr > 0, f"--lr must be above 0, got {self.lr}"),
            (self.epochs >= 1, f"--epochs must be at least 1, got {self.epochs}"),
            (self.min_count >= 1, f"--min-count must be at least 1, got {self.min_count}"),
            (self.threads >= 0, f"--threads must be 0 (all cores) or more, got {self.threads}"),
        )
        for ok, message in checks:
            if not ok:
                raise OptionError(message)
        check_range("--embed-dim", self.dim, 1, MAX_DIM)
        check_range("--word-ngrams", self.word_ngrams, 1, MAX_WORD_NGRAMS)
        check_range("--buckets", self.buckets, 0, MAX_BUCKETS)
        check_finite("--lr", self.lr, 0.0, MAX_LR)
        check_range("--seed", self.seed, 0, MAX_SEED)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["normalize"] = self.normalize.to_dict()
        return d
