"""The sparse linear classifier's settings: built once by the command line, taken by the library."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from seqkit.errors import OptionError
from seqkit.text.normalize import NormalizeOptions

Weight = Literal["tfidf", "nb", "nb-tfidf"]
Tf = Literal["raw", "sublinear", "binary"]
Loss = Literal["svm", "logistic"]
Multiclass = Literal["ovr", "multinomial"]
WEIGHTS, TFS, LOSSES, MULTICLASS = ("tfidf", "nb", "nb-tfidf"), ("raw", "sublinear", "binary"), ("svm", "logistic"), ("ovr", "multinomial")
MAX_NGRAMS = 9  # longer n-grams almost never repeat; a bound a model file cannot exceed either
C_GRID = (0.0625, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0)  # --C auto: tried on the held-out split


@dataclass(frozen=True)
class FeatureConfig:
    """Texts -> a sparse matrix: which n-grams are columns and how a count becomes a value."""

    word_ngrams: int = 1  # longest word n-gram (2: words and bigrams)
    min_df: int = 1  # drop n-grams found in fewer training texts
    max_df: float = 1.0  # drop n-grams found in more than this fraction of training texts
    max_features: int = 0  # keep the n-grams found in the most texts (0: all)
    tf: Tf = "sublinear"  # count c as c (raw), 1 + ln c (sublinear) or 1 (binary)
    idf: bool = True  # times ln((1 + n) / (1 + df)) + 1, scikit-learn's smooth idf
    l2: bool = True  # rows scaled to unit length
    normalize: NormalizeOptions = field(default_factory=NormalizeOptions)  # the tokenizer's options

    def __post_init__(self):
        _check((
            (1 <= self.word_ngrams <= MAX_NGRAMS, f"--word-ngrams must be 1 to {MAX_NGRAMS}, got {self.word_ngrams}"),
            (self.min_df >= 1, f"--min-df must be at least 1, got {self.min_df}"),
            (0.0 < self.max_df <= 1.0, f"--max-df must be a fraction in (0, 1], got {self.max_df}"),
            (self.max_features >= 0, f"--max-features must be 0 (all) or more, got {self.max_features}"),
            (self.tf in TFS, f"--tf must be one of {', '.join(TFS)}, got {self.tf!r}"),
        ))


@dataclass(frozen=True)
class SolverConfig:
    """The linear model fitted on those features."""

    loss: Loss = "svm"  # svm: squared hinge (LinearSVC); logistic: logistic regression
    multiclass: Multiclass = "ovr"  # one-vs-rest (dual coordinate descent) or multinomial (logistic, L-BFGS)
    C: float = 1.0  # inverse regularisation strength, as scikit-learn's and liblinear's C
    tol: float = 1e-4  # stopping tolerance on the dual's projected gradient (liblinear's -e)
    max_iter: int = 1000  # passes over the data at most
    balanced: bool = False  # weight each class's C by n / (classes * its texts)
    bias: float = 1.0  # value of the constant feature whose weight is the intercept (regularised, as liblinear's -B)
    seed: int = 0  # the order coordinate descent visits the texts in

    def __post_init__(self):
        _check((
            (self.loss in LOSSES, f"--sparse-loss must be one of {', '.join(LOSSES)}, got {self.loss!r}"),
            (self.multiclass in MULTICLASS, f"--multiclass must be one of {', '.join(MULTICLASS)}, got {self.multiclass!r}"),
            (self.multiclass == "ovr" or self.loss == "logistic", "--multiclass multinomial needs --sparse-loss logistic"),
            (self.C > 0, f"--C must be above 0, got {self.C}"),
            (self.tol > 0, f"--tol must be above 0, got {self.tol}"),
            (self.max_iter >= 1, f"--max-iter must be at least 1, got {self.max_iter}"),
        ))


@dataclass(frozen=True)
class SparseConfig:
    features: FeatureConfig = field(default_factory=FeatureConfig)
    solver: SolverConfig = field(default_factory=SolverConfig)
    weight: Weight = "tfidf"  # tfidf; nb: NBSVM's log-count ratios times the features; nb-tfidf: both
    nb_alpha: float = 1.0  # NB smoothing (the count added to every feature)
    auto_c: bool = False  # choose C from C_GRID on the validation texts, then refit on all of TRAIN
    threads: int = 1  # Numba threads: featurizing, and one class per thread in one-vs-rest

    def __post_init__(self):
        _check((
            (self.weight in WEIGHTS, f"--weight must be one of {', '.join(WEIGHTS)}, got {self.weight!r}"),
            (self.nb_alpha > 0, f"--nb-alpha must be above 0, got {self.nb_alpha}"),
            (self.weight == "tfidf" or self.solver.multiclass == "ovr", "--weight nb needs --multiclass ovr (a ratio per class)"),
            (self.threads >= 1, f"--threads must be at least 1, got {self.threads}"),
        ))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["features"]["normalize"] = self.features.normalize.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "SparseConfig":
        f = dict(d["features"])
        f["normalize"] = NormalizeOptions(**f["normalize"])
        return cls(FeatureConfig(**f), SolverConfig(**d["solver"]), d["weight"], d["nb_alpha"], d["auto_c"], d["threads"])


def _check(checks) -> None:
    for ok, message in checks:
        if not ok:
            raise OptionError(message)
