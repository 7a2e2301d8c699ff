"""Everything `seqkit train-classifier` does between parsing options and printing: read the labelled
data, split off validation, build the vocabulary, initialise embeddings, build the model and optimizer,
train (or resume), and write the model and checkpoints atomically. Never prints: `notes` gets the
messages, `callbacks` the progress.

The command line builds a `ClassifierJob` (typed configs, once) and calls `run_training(job, callbacks)`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from seqkit.datasets.labeled import LabeledFormat
from seqkit.errors import InputError, OptionError
from seqkit.fileio import check_output
from seqkit.models.bundle import TrainedClassifier
from seqkit.models.classifier import ClassifierConfig, build_model
from seqkit.models.data import (
    PAD_ID,
    EncodedSet,
    TextEncoder,
    TextOptions,
    build_vocab,
    encode_set,
    label_ids,
    label_names,
)
from seqkit.models.io import default_checkpoint_path
from seqkit.models.registry import FitSummary  # noqa: F401  (its home was here: kept for importers)
from seqkit.text.normalize import Normalizer
from seqkit.train import Callbacks, CallbackList, Checkpoint, TrainConfig, TrainState, fit


@dataclass(frozen=True)
class DataConfig:
    """Where the labelled texts come from and which words make the vocabulary."""

    train: str  # labelled training data
    valid: str | None = None  # labelled validation data; None: hold out valid_split of train
    valid_split: float = 0.1  # fraction of train held out when valid is None (0: no validation)
    input: LabeledFormat = field(default_factory=LabeledFormat)  # format and columns of train and valid
    min_count: int = 2  # rarer training words map to <unk>
    max_vocab: int | None = 50000  # the most frequent words kept (memory and speed of the embedding)
    embeddings: str | None = None  # word-vector file that initialises the embedding rows


@dataclass(frozen=True)
class ClassifierJob:
    """One `train-classifier` run: the typed configs the command line builds once."""

    data: DataConfig
    text: TextOptions  # tokenizing, cutting and padding (stored in the model file)
    model: ClassifierConfig  # the architecture; vocab_size and n_classes are set from the data
    train: TrainConfig  # the loop: optimizer, schedule, epochs, early stopping
    output: str  # the model file; checkpoints go beside it
    resume: str | None = None  # continue from this checkpoint (its configs win, but epochs)

    def __post_init__(self):
        # max_len and padding are text options; the model and the loop must agree with them
        object.__setattr__(self, "model", replace(self.model, max_len=self.text.max_len, padding=self.text.padding))
        # batch norm needs two texts per training batch: a smaller one (a bucket's last) is skipped
        min_batch = 2 if self.model.batch_norm else 1
        object.__setattr__(self, "train", replace(self.train, padding=self.text.padding, min_batch=min_batch))


def _read(path: str, fmt: LabeledFormat, what: str):
    data = fmt.read(path)
    if len(data.texts) == 0:
        raise InputError(f"{what} {path} has no labelled texts")
    return list(data.texts), [str(x) for x in data.labels]


def _drop_empty(tokens, labels, what, notes):
    keep = [i for i, t in enumerate(tokens) if t]
    if not keep:
        raise InputError(f"every text in {what} is empty (no words after preprocessing): check --text-col and the file")
    if len(keep) < len(tokens) and notes:
        notes(f"{len(tokens) - len(keep)} empty texts in {what} skipped (no words after preprocessing)")
    return [tokens[i] for i in keep], [labels[i] for i in keep]


def _embedding_matrix(path: str, words: list[str], rng, notes) -> tuple[np.ndarray, np.ndarray]:
    """((V, d) rows from a word-vector file for the vocabulary, unknown words random, <pad> zero;
    (V,) bool: the word is in the file)."""
    from seqkit.embed.keyed import load_vectors

    kv = load_vectors(path)
    d = kv.dim
    found = np.array([kv.index.get(w, -1) for w in words])  # (V,)
    hit = found >= 0
    std = float(kv.vectors.std()) or 0.1
    E = rng.normal(0.0, std, size=(len(words), d)).astype(np.float32)  # (V, d)
    E[hit] = kv.vectors[found[hit]]
    E[PAD_ID] = 0.0
    if notes:
        notes(f"--embeddings {path}: {int(hit[2:].sum())} of {len(words) - 2} vocabulary words found ({d} dimensions)")
    if hit[2:].sum() == 0:
        raise InputError(
            f"no word of the training vocabulary is in {path}: were the vectors trained with the same preprocessing?"
        )
    return E, hit


def _schedule(tc: TrainConfig, total_steps: int):
    from seqkit.nn import optim

    if tc.schedule == "constant":
        return tc.lr
    if tc.schedule == "linear":
        return optim.linear_decay(tc.lr, total_steps)
    if tc.schedule == "warmup":
        return optim.warmup_decay(tc.lr, max(1, int(total_steps * tc.warmup)), total_steps)
    raise OptionError(f"--schedule must be constant, linear or warmup, got {tc.schedule!r}")


def _make_optimizer(model, tc: TrainConfig, total_steps: int):
    from seqkit.nn import optim

    kw = {"weight_decay": tc.weight_decay}
    if tc.weight_decay:
        kw["decay_filter"] = optim.default_decay_filter
    return optim.make_optimizer(tc.optimizer, model.parameters(), _schedule(tc, total_steps), **kw)


def _split(n: int, fraction: float, rng) -> tuple[np.ndarray, np.ndarray]:
    perm = rng.permutation(n)
    n_valid = int(round(n * fraction))
    if fraction > 0 and n_valid == 0 and n >= 2:
        n_valid = 1
    return np.sort(perm[n_valid:]), np.sort(perm[:n_valid])


@dataclass
class _Start:
    """The classifier, the loop's config and its state before the first new epoch."""

    clf: TrainedClassifier | None  # None: built once the vocabulary is known
    train: TrainConfig
    text: TextOptions
    opt_state: dict | None = None
    state: TrainState | None = None


def _start(job: ClassifierJob, notes) -> _Start:
    if not job.resume:
        return _Start(None, job.train, job.text)
    clf, opt_state, state, tc_dict = TrainedClassifier.load_checkpoint(job.resume)
    tc = TrainConfig(**{**tc_dict, "epochs": max(job.train.epochs, state.epoch)})
    if state.epoch >= tc.epochs and notes:
        notes(f"the checkpoint already has {state.epoch} epochs; pass a larger --epochs to train more")
    return _Start(clf, tc, clf.text, opt_state, state)


def _new_classifier(job: ClassifierJob, tokens, names, rng, notes) -> TrainedClassifier:
    """Vocabulary from the training tokens, embeddings (from a file or random), the model."""
    words = build_vocab(tokens, job.data.min_count, job.data.max_vocab)
    E, known = _embedding_matrix(job.data.embeddings, words, rng, notes) if job.data.embeddings else (None, None)
    if job.model.freeze_embeddings and E is None:
        raise OptionError("--freeze-embeddings needs --embeddings FILE: frozen random vectors learn nothing")
    if job.model.channels == 2 and E is None:
        raise OptionError("--channels 2 needs --embeddings FILE: its second channel is a frozen copy of them")
    config = replace(job.model, vocab_size=len(words), n_classes=len(names),
                     embed_dim=E.shape[1] if E is not None else job.model.embed_dim)
    kw = {}
    if config.arch == "mlp":
        config, kw["word_weight"] = _mlp_setup(config, tokens, words, E is not None, known)
    return TrainedClassifier(build_model(config, rng, embeddings=E, **kw), words, names, job.text)


def _mlp_setup(config: ClassifierConfig, tokens, words, pretrained: bool, known):
    """The MLP's config (vectors from a file frozen unless --tune-embeddings) and its (V,) word weights:
    idf over the training texts; words the frozen file lacks are left out of the mean."""
    from seqkit.models.mlp import text_word_weights

    frozen = pretrained and not config.tune_embeddings
    config = replace(config, freeze_embeddings=frozen)
    index = {w: i for i, w in enumerate(words)}
    seqs = [np.fromiter((index[t] for t in doc if t in index), np.int64) for doc in tokens]
    return config, text_word_weights(config, seqs, known if frozen else None)


@dataclass
class _Data:
    tokens: list[list[str]]  # every training text, tokenized (held-out ones included)
    labels: list[str]
    train_idx: np.ndarray  # (N_train,) rows of tokens that train
    valid_idx: np.ndarray | None  # (N_valid,) rows held out, or None with separate validation data
    valid: tuple[list, list] | None  # (tokens, labels) of --valid


def _load_data(d: DataConfig, text: TextOptions, rng, notes, new_model: bool) -> _Data:
    texts, labels = _read(d.train, d.input, "training data")
    if new_model:
        label_names(labels, f"training data {d.train}")  # two classes or more, no empty label
    tokenize = Normalizer(text.normalize).tokenize
    tokens, labels = _drop_empty([tokenize(t) for t in texts], labels, f"training data {d.train}", notes)
    if d.valid:
        v_texts, v_labels = _read(d.valid, d.input, "validation data")
        return _Data(tokens, labels, np.arange(len(tokens)), None, ([tokenize(t) for t in v_texts], v_labels))
    train_idx, valid_idx = _split(len(tokens), d.valid_split, rng)
    return _Data(tokens, labels, train_idx, valid_idx, None)


def _encoded(encoder: TextEncoder, data: _Data, d: DataConfig, names, notes) -> tuple[EncodedSet, EncodedSet | None]:
    """(training set, validation set or None) as id sequences."""
    train_tokens = [data.tokens[i] for i in data.train_idx]
    train_set = encode_set(encoder, train_tokens, label_ids([data.labels[i] for i in data.train_idx], names, d.train))
    if data.valid is not None:
        v_tokens, v_labels = _drop_empty(*data.valid, f"validation data {d.valid}", notes)
        return train_set, encode_set(encoder, v_tokens, label_ids(v_labels, names, d.valid))
    if len(data.valid_idx):
        v_tokens = [data.tokens[i] for i in data.valid_idx]
        return train_set, encode_set(encoder, v_tokens, label_ids([data.labels[i] for i in data.valid_idx], names, d.train))
    return train_set, None


def check_checkpoint(output, inputs, resume: str | None, force: bool) -> None:
    """The output policy for the checkpoint written beside the model (MODEL.ckpt): never one of the
    inputs, and an existing one is replaced only with --force or when it is the checkpoint resumed."""
    ckpt = default_checkpoint_path(output)
    continued = resume is not None and os.path.realpath(resume) == os.path.realpath(ckpt)
    check_output(ckpt, [*inputs, None if continued else resume], force=force or continued)


def run_training(job: ClassifierJob, callbacks: Callbacks | None = None,
                 notes: Callable[[str], None] | None = None) -> FitSummary:
    """Train (or resume) and save: the model file holds the best epoch so far after every epoch, and a
    checkpoint beside it the last one. ``callbacks`` get the loop's progress; ``notes`` the messages."""
    start = _start(job, notes)
    tc = start.train
    rng = np.random.default_rng(tc.seed)
    data = _load_data(job.data, start.text, rng, notes, new_model=start.clf is None)
    if start.clf is None:
        train_labels = [data.labels[i] for i in data.train_idx]
        names = label_names(train_labels, f"training data {job.data.train}")
        clf = _new_classifier(job, [data.tokens[i] for i in data.train_idx], names, rng, notes)
    else:
        clf, names = start.clf, start.clf.labels
    train_set, valid_set = _encoded(clf.encoder, data, job.data, names, notes)
    if notes:
        notes(
            f"{len(train_set.seqs)} training texts, {0 if valid_set is None else len(valid_set.seqs)} validation, "
            f"{len(names)} classes, vocabulary {len(clf.encoder.words)}, {clf.model.n_parameters():,} parameters; "
            f"{train_set.n_truncated} texts cut to --max-len {start.text.max_len} (keeping the {start.text.truncate})"
        )

    n_batches = -(-len(train_set.seqs) // tc.batch_size)
    optimizer = _make_optimizer(clf.model, tc, n_batches * tc.epochs)
    if start.state is not None:
        optimizer.load_state_dict(start.opt_state)
        rng = np.random.default_rng([tc.seed, start.state.epoch])  # fresh batches for the next epochs
    ckpt_path = default_checkpoint_path(job.output)

    def checkpoint(st: TrainState) -> None:
        if st.best_epoch == st.epoch:  # the model file always holds the best model so far
            clf.save(job.output)
        clf.save_checkpoint(ckpt_path, optimizer, st, tc.to_dict())  # after the model: never one without it

    hooks = CallbackList([Checkpoint(checkpoint)] + ([callbacks] if callbacks is not None else []))
    had_checkpoint = ckpt_path.exists()
    try:
        result = fit(clf.model, train_set, valid_set, tc, optimizer, hooks, start.state, rng)
        return _finish(clf, job, tc, result, valid_set is not None, str(ckpt_path))
    except Exception:  # a failed run (not Ctrl-C, which keeps the checkpoint to --resume) leaves none
        if not had_checkpoint:
            ckpt_path.unlink(missing_ok=True)
        raise


def _finish(clf: TrainedClassifier, job: ClassifierJob, tc: TrainConfig, result, validated: bool,
            checkpoint: str) -> FitSummary:
    """Write the best model with its training record; the summary of the run."""
    st = result.state
    saved = st.best_params is not None
    if saved:
        clf.info = {
            "epochs": st.epoch, "best_epoch": st.best_epoch, "train_seconds": round(st.train_seconds, 1),
            "valid_accuracy": st.best_score if validated else None, "train": str(job.data.train),
            "train_config": tc.to_dict(), "history": st.history,
        }
        clf.save(job.output)
    return FitSummary(
        model=job.output, arch=clf.model.config.arch, epochs=st.epoch, best_epoch=st.best_epoch,
        valid_accuracy=float(st.best_score) if validated and saved else None,
        train_seconds=round(st.train_seconds, 2), stopped=result.stopped, saved=saved, checkpoint=checkpoint,
    )


# -- the neural architectures' entry in seqkit/models/registry.py ------------------------------------------

def build_config(values: dict) -> ClassifierConfig:
    """The ClassifierConfig of the architecture options (the registry's builder for the neural encoders)."""
    fields = ClassifierConfig.__dataclass_fields__
    return ClassifierConfig(**{k: v for k, v in values.items() if k in fields})


def run_request(request, callbacks: Callbacks | None = None, notes: Callable[[str], None] | None = None) -> FitSummary:
    """A registry request (seqkit.models.registry.ClassifierRequest) trained with --threads threads, BLAS on
    one, freed memory kept for reuse (runtime.threads)."""
    from seqkit import runtime

    job = ClassifierJob(data=request.data, text=request.text, model=request.model, train=request.train,
                        output=request.output, resume=request.resume)
    with runtime.threads(request.threads, keep_freed_memory=True):
        return run_training(job, callbacks, notes)
