"""Everything `seqkit train-classifier` does between parsing options and printing: read the labelled
data, split off validation, build the vocabulary, initialise embeddings, build the model and optimizer,
train (or resume), and write the model and checkpoints atomically. Never prints: `notes` gets the
messages, `callbacks` the progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from seqkit.errors import InputError, OptionError
from seqkit.models.bundle import TrainedClassifier
from seqkit.models.classifier import ClassifierConfig, SequenceClassifier
from seqkit.models.data import (
    PAD_ID,
    TextEncoder,
    TextOptions,
    build_vocab,
    encode_set,
    label_ids,
    label_names,
)
from seqkit.models.io import default_checkpoint_path
from seqkit.text.normalize import Normalizer, NormalizeOptions
from seqkit.train import TrainConfig, TrainState, fit


@dataclass
class TrainRequest:
    """The command line's choices, one field per option (see `seqkit train-classifier --help`)."""

    train: str
    output: str
    valid: str | None = None
    valid_split: float = 0.1
    format: str = "auto"
    text_col: str | None = None
    label_col: str | None = None
    normalize: NormalizeOptions = NormalizeOptions()
    max_len: int = 400
    truncate: str = "tail"
    padding: str = "post"
    min_count: int = 2
    max_vocab: int | None = 50000
    arch: str = "gru"
    embed_dim: int = 100
    hidden: int = 128
    layers: int = 1
    bidirectional: bool = False
    dropout: float = 0.2
    pool: str = "last"
    heads: int = 4
    ffn: int = 256
    positional: str = "sinusoidal"
    norm: str = "pre"
    embeddings: str | None = None
    freeze_embeddings: bool = False
    optimizer: str = "adam"
    lr: float = 1e-3
    schedule: str = "constant"
    batch_size: int = 32
    epochs: int = 5
    clip: float = 1.0
    weight_decay: float = 0.0
    patience: int = 2
    seed: int = 0
    resume: str | None = None


def _read(path, r: TrainRequest, what: str):
    from seqkit.datasets.labeled import read_labeled

    data = read_labeled(path, format=r.format, text_col=r.text_col, label_col=r.label_col)
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


def _embedding_matrix(path: str, words: list[str], rng, notes) -> np.ndarray:
    """(V, d) rows from a word-vector file for the vocabulary; unknown words random, <pad> zero."""
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
    return E


def _schedule(name: str, lr: float, total_steps: int):
    from seqkit.nn import optim

    if name == "constant":
        return lr
    if name == "linear":
        return optim.linear_decay(lr, total_steps)
    if name == "warmup":
        return optim.warmup_decay(lr, max(1, total_steps // 20), total_steps)
    raise OptionError(f"--schedule must be constant, linear or warmup, got {name!r}")


def _make_optimizer(model, tc: TrainConfig, total_steps: int):
    from seqkit.nn import optim

    kw = {"weight_decay": tc.weight_decay}
    if tc.weight_decay:
        kw["decay_filter"] = optim.default_decay_filter
    return optim.make_optimizer(tc.optimizer, model.parameters(), _schedule(tc.schedule, tc.lr, total_steps), **kw)


def _split(n: int, fraction: float, rng) -> tuple[np.ndarray, np.ndarray]:
    perm = rng.permutation(n)
    n_valid = int(round(n * fraction))
    if fraction > 0 and n_valid == 0 and n >= 2:
        n_valid = 1
    return np.sort(perm[n_valid:]), np.sort(perm[:n_valid])


def run_training(r: TrainRequest, callbacks=None, notes: Callable[[str], None] | None = None) -> dict:
    """Train (or resume) and save. Returns a summary dict (model, arch, epochs, best_epoch, valid_accuracy,
    train_seconds, stopped, saved, checkpoint)."""
    ckpt_path = default_checkpoint_path(r.output)
    resumed = None
    if r.resume:
        clf, opt_state, state, tc_dict = TrainedClassifier.load_checkpoint(r.resume)
        tc = TrainConfig(**{**tc_dict, "epochs": max(r.epochs, state.epoch)})
        if state.epoch >= tc.epochs and notes:
            notes(f"the checkpoint already has {state.epoch} epochs; pass a larger --epochs to train more")
        resumed = (clf, opt_state, state)
        text = clf.text
    else:
        tc = TrainConfig(
            optimizer=r.optimizer, lr=r.lr, batch_size=r.batch_size, epochs=r.epochs, clip=r.clip,
            weight_decay=r.weight_decay, schedule=r.schedule, patience=r.patience, seed=r.seed, padding=r.padding,
        )
        text = TextOptions(normalize=r.normalize, max_len=r.max_len, truncate=r.truncate, padding=r.padding)
    rng = np.random.default_rng(tc.seed)

    texts, labels = _read(r.train, r, "training data")
    names = resumed[0].labels if resumed else label_names(labels, f"training data {r.train}")
    tokenize = Normalizer(text.normalize).tokenize
    tokens = [tokenize(t) for t in texts]
    tokens, labels = _drop_empty(tokens, labels, f"training data {r.train}", notes)
    if r.valid:
        v_texts, v_labels = _read(r.valid, r, "validation data")
        v_tokens = [tokenize(t) for t in v_texts]
        train_idx, valid_idx = np.arange(len(tokens)), None
    else:
        train_idx, valid_idx = _split(len(tokens), r.valid_split, rng)
    train_tokens = [tokens[i] for i in train_idx]
    train_labels = [labels[i] for i in train_idx]
    if not resumed:
        names = label_names(train_labels, f"training data {r.train}")

    if resumed:
        clf = resumed[0]
        model = clf.model
    else:
        words = build_vocab(train_tokens, r.min_count, r.max_vocab)
        E = _embedding_matrix(r.embeddings, words, rng, notes) if r.embeddings else None
        if r.freeze_embeddings and E is None:
            raise OptionError("--freeze-embeddings needs --embeddings FILE: frozen random vectors learn nothing")
        config = ClassifierConfig(
            vocab_size=len(words), n_classes=len(names), arch=r.arch,
            embed_dim=E.shape[1] if E is not None else r.embed_dim, hidden=r.hidden, layers=r.layers,
            bidirectional=r.bidirectional, dropout=r.dropout, pool=r.pool, heads=r.heads, ffn=r.ffn,
            positional=r.positional, norm=r.norm, max_len=r.max_len, freeze_embeddings=r.freeze_embeddings,
            padding=r.padding,
        )
        model = SequenceClassifier(config, rng, embeddings=E)
        clf = TrainedClassifier(model, words, names, text)
    encoder: TextEncoder = clf.encoder

    train_set = encode_set(encoder, train_tokens, label_ids(train_labels, names, r.train))
    if r.valid:
        v_tokens, v_labels = _drop_empty(v_tokens, v_labels, f"validation data {r.valid}", notes)
        valid_set = encode_set(encoder, v_tokens, label_ids(v_labels, names, r.valid))
    elif len(valid_idx):
        valid_set = encode_set(
            encoder, [tokens[i] for i in valid_idx], label_ids([labels[i] for i in valid_idx], names, r.train)
        )
    else:
        valid_set = None
    if notes:
        notes(
            f"{len(train_set.seqs)} training texts, {0 if valid_set is None else len(valid_set.seqs)} validation, "
            f"{len(names)} classes, vocabulary {len(encoder.words)}, {model.n_parameters():,} parameters; "
            f"{train_set.n_truncated} texts cut to --max-len {text.max_len} (keeping the {text.truncate})"
        )

    n_batches = -(-len(train_set.seqs) // tc.batch_size)
    optimizer = _make_optimizer(model, tc, n_batches * tc.epochs)
    state = None
    if resumed:
        optimizer.load_state_dict(resumed[1])
        state = resumed[2]
        rng = np.random.default_rng([tc.seed, state.epoch])  # fresh batches for the next epochs

    def checkpoint(st: TrainState) -> None:
        clf.save_checkpoint(ckpt_path, optimizer, st, tc.to_dict())
        if st.best_epoch == st.epoch:  # the model file always holds the best model so far
            clf.save(r.output)

    if callbacks is not None:
        callbacks.on_end = checkpoint
    else:
        from seqkit.train import NoCallbacks

        class _C(NoCallbacks):
            def on_epoch_end(self, s, st):
                checkpoint(st)

        callbacks = _C()

    result = fit(model, train_set, valid_set, tc, optimizer, callbacks, state, rng)
    st = result.state
    saved = st.best_params is not None
    if saved:
        clf.info = {
            "epochs": st.epoch, "best_epoch": st.best_epoch, "train_seconds": round(st.train_seconds, 1),
            "valid_accuracy": None if valid_set is None else st.best_score, "train": str(r.train),
            "train_config": tc.to_dict(), "history": st.history,
        }
        clf.save(r.output)
    return {
        "model": r.output,
        "arch": model.config.arch,
        "epochs": st.epoch,
        "best_epoch": st.best_epoch,
        "valid_accuracy": None if valid_set is None else (float(st.best_score) if saved else None),
        "train_seconds": round(st.train_seconds, 2),
        "stopped": result.stopped,
        "saved": saved,
        "checkpoint": str(ckpt_path),
    }
