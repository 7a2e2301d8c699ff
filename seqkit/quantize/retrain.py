"""`seqkit quantize --cutoff N --retrain` (fasttext.cc quantize with -retrain): the linear classifier
cut down to the N rows of largest norm (its dictionary pruned: dropped words become unknown words,
dropped n-gram buckets have no row), then trained again from those weights on the training data by
the linear trainer's own epoch loop (seqkit/models/linear/train.py), so that the kept rows learn to
make up for the dropped ones before they are quantized."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from seqkit.errors import InputError
from seqkit.quantize.linear import select_rows


@dataclass(frozen=True)
class RetrainConfig:
    train: str  # labelled training data (the model's own, as `info["train"]` records, unless --input)
    epochs: int | None = None  # passes over it (None: the model's own --epochs)
    lr: float | None = None  # starting learning rate, decayed to 0 (None: the model's own --lr)
    threads: int = 0  # Hogwild shards (0: all cores); 1 is bit-reproducible with a seed
    seed: int = 0  # the order of texts in each epoch


def pruned_classifier(clf, cutoff: int):
    """The LinearClassifier of the `cutoff` rows of largest norm ("</s>" always kept, as fastText's
    selectEmbeddings): kept words in their order, then kept n-gram buckets (sorted), then "</s>"."""
    from seqkit.models.linear.model import LinearClassifier

    V, U = len(clf.words), len(clf.bucket_ids)
    keep = select_rows(clf.input, V + U, cutoff)  # "</s>" is the model's last row
    words = np.sort(keep[keep < V])
    grams = np.sort(keep[(keep >= V) & (keep < V + U)]) - V
    rows = np.concatenate([words, V + grams, [V + U]])
    return LinearClassifier(clf.config, clf.loss, [clf.words[i] for i in words], clf.word_hash32[words],
                            clf.word_keys[words], clf.bucket_ids[grams], np.ascontiguousarray(clf.input[rows]),
                            np.array(clf.output, np.float32), list(clf.labels), clf.label_counts, dict(clf.info))


def retrain(clf, config: RetrainConfig, pairs, progress=None):
    """Train the (pruned) classifier `clf` again, in place, on the labelled (text, labels) pairs; returns it."""
    from seqkit import runtime
    from seqkit.models.linear.train import encode_corpus, train_epochs

    if not clf.config.eos:
        raise InputError("this linear model was trained without the end-of-text word (seqkit before it): "
                         "train it again to quantize it with --retrain")
    own = clf.config
    clf.config = replace(own, epochs=own.epochs if config.epochs is None else config.epochs,
                         lr=own.lr if config.lr is None else config.lr, threads=config.threads, seed=config.seed)
    c = encode_corpus(pairs, clf.config, f"training data {config.train}")
    c.label_ids = _model_labels(c, clf.labels, config.train)
    with runtime.threads(config.threads, blas=False) as threads:
        history, _ = train_epochs(clf, c, _word_rows(c.keys, clf.word_keys), threads,
                               np.random.default_rng(config.seed), progress)
    if not (np.isfinite(clf.input).all() and np.isfinite(clf.output).all()):
        raise InputError(f"retraining diverged: the weights hold NaN or infinity; lower --lr ({clf.config.lr})")
    clf.info = {**clf.info, "retrained": {"train": str(config.train), "epochs": clf.config.epochs,
                                          "lr": clf.config.lr, "history": history}}
    return clf


def _word_rows(corpus_keys: np.ndarray, model_keys: np.ndarray) -> np.ndarray:
    """(len(corpus_keys),) int32: the model's row of each corpus word (by 64-bit key), -1 where it has none."""
    order = np.argsort(model_keys, kind="stable")
    sorted_keys = model_keys[order]
    if not len(sorted_keys):
        return np.full(len(corpus_keys), -1, np.int32)
    at = np.minimum(np.searchsorted(sorted_keys, corpus_keys), len(sorted_keys) - 1)
    return np.where(sorted_keys[at] == corpus_keys, order[at], -1).astype(np.int32)


def _model_labels(c, labels: list[str], where: str) -> np.ndarray:
    """The corpus's label ids as the model's; every label must be one the model knows."""
    index = {n: i for i, n in enumerate(labels)}
    unknown = [n for n in c.labels if n not in index]
    if unknown:
        raise InputError(f"training data {where} has labels the model does not know ({', '.join(unknown[:5])}): "
                         "retrain on the data the model was trained on")
    return np.array([index[n] for n in c.labels], np.int32)[c.label_ids]
