"""The classifier architectures of `seqkit train-classifier --arch`: one entry each, in this one place.

An entry says which options are its own (an option that belongs to other entries only is refused for it,
generically: no hand-kept lists), its values for shared options the user leaves unset (linear takes
fastText's --lr 0.1 and --min-count 1), how its typed config is built from the option values, and how it
is trained: ``run(request, callbacks, notes) -> FitSummary``, progress going to the training loop's
callbacks (seqkit.train.Callbacks) whatever the architecture. Builders and runners are named as
"module:function" and imported when used, so `seqkit --help` imports nothing heavy.

Adding an architecture is one `register(Architecture(...))` below, its options in cli/classify.py.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from seqkit.errors import OptionError

# Options of the neural encoders (the NumPy engine's loop): parameter names of cli/classify.py.
NEURAL_OPTIONS = frozenset({
    "hidden", "layers", "bidirectional", "dropout", "pool", "heads", "ffn", "positional", "norm",
    "freeze_embeddings", "optimizer", "schedule", "batch_size", "clip", "weight_decay", "patience", "max_len",
    "truncate", "padding", "resume", "valid_split", "doc_weight", "activation", "batch_norm", "tune_embeddings",
    "max_vocab",
})
CNN_OPTIONS = frozenset({"filters", "maps", "channels"})
LINEAR_OPTIONS = frozenset({"word_ngrams", "buckets", "loss", "deterministic"})
SPARSE_OPTIONS = frozenset({
    "word_ngrams", "valid_split", "min_df", "max_df", "max_features", "weight", "tf", "sparse_loss", "multiclass", "c",
    "tol", "max_iter", "class_weight", "nb_alpha",
})


@dataclass(frozen=True)
class ClassifierRequest:
    """One `train-classifier` run as the command line parsed it: typed configs, built once."""

    data: Any  # seqkit.models.fit_classifier.DataConfig: where the texts come from, the vocabulary
    text: Any  # seqkit.models.data.TextOptions: tokenizing, cutting and padding
    model: Any  # the architecture's config, from its builder
    train: Any  # seqkit.train.TrainConfig: optimizer, learning rate, epochs, seed
    output: str  # the model file
    resume: str | None = None  # a checkpoint to continue from (architectures that write them)
    threads: int = 0  # 0: all cores, as --threads everywhere


@dataclass
class FitSummary:
    """What a run did, whatever the architecture: the command line's last line or JSON record."""

    model: str  # the model file written
    arch: str
    epochs: int  # epochs completed
    best_epoch: int
    valid_accuracy: float | None  # of the best epoch; None without validation data
    train_seconds: float
    stopped: str  # completed, early_stopping or interrupted
    saved: bool  # a model file was written (not when interrupted before the first epoch ended)
    checkpoint: str  # where the checkpoint of the last epoch is ("" for an architecture without checkpoints)
    note: str = ""  # the architecture's own facts for the last line (linear: loss, texts, labels, rows)
    figures: dict = field(default_factory=dict)  # the same facts for the JSON record


@dataclass(frozen=True)
class Architecture:
    name: str  # the --arch value
    options: frozenset[str]  # its own options (parameter names); others' own options are refused for it
    builder: str  # "module:function": (option values by parameter name) -> its config
    runner: str  # "module:function": (ClassifierRequest, callbacks, notes) -> FitSummary
    defaults: Mapping[str, Any] = field(default_factory=dict)  # shared options' values when left unset
    refuses: frozenset[str] = frozenset()  # shared options it has no use for (refused like others' own)

    def build(self, values: dict) -> Any:
        return _load(self.builder)(values)

    def run(self, request: ClassifierRequest, callbacks=None, notes: Callable[[str], None] | None = None):
        return _load(self.runner)(request, callbacks, notes)


def _load(target: str):
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


ARCHITECTURES: dict[str, Architecture] = {}


def register(arch: Architecture) -> Architecture:
    ARCHITECTURES[arch.name] = arch
    return arch


def get(name: str) -> Architecture:
    if name not in ARCHITECTURES:
        raise OptionError(f"--arch must be one of {', '.join(ARCHITECTURES)}, not {name!r}")
    return ARCHITECTURES[name]


def check_options(arch: Architecture, given: Iterable[str]) -> None:
    """OptionError for the first option given that is another architecture's own and not ``arch``'s."""
    others = frozenset().union(*(a.options for a in ARCHITECTURES.values())) - arch.options | arch.refuses
    for name in sorted(set(given) & others):
        if name in arch.refuses:
            raise OptionError(f"--{name.replace('_', '-')} does not apply to --arch {arch.name}")
        users = ", ".join(a.name for a in ARCHITECTURES.values() if name in a.options)
        raise OptionError(f"--{name.replace('_', '-')} does not apply to --arch {arch.name} (it is for --arch {users})")


_NEURAL = dict(options=NEURAL_OPTIONS, builder="seqkit.models.fit_classifier:build_config",
               runner="seqkit.models.fit_classifier:run_request")
for _name in ("rnn", "lstm", "gru", "transformer", "mlp"):
    register(Architecture(_name, **_NEURAL))
register(Architecture("cnn", **{**_NEURAL, "options": NEURAL_OPTIONS | CNN_OPTIONS}))
register(Architecture("linear", LINEAR_OPTIONS, builder="seqkit.models.linear.job:build_config",
                      runner="seqkit.models.linear.job:run_request", defaults={"lr": 0.1, "min_count": 1}))
register(Architecture("sparse", SPARSE_OPTIONS, builder="seqkit.models.sparse.job:build_config",
                      runner="seqkit.models.sparse.job:run_request",
                      refuses=frozenset({"embed_dim", "lr", "epochs", "min_count", "embeddings"})))
