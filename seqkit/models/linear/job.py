"""One `train-classifier --arch linear` run: read, train, check on --valid, save. Never prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from seqkit.datasets.labeled import LabeledFormat, iter_labeled
from seqkit.errors import InputError, SeqkitError
from seqkit.models.linear.config import LinearConfig
from seqkit.models.linear.train import Progress, encode_corpus, fit_linear


@dataclass(frozen=True)
class LinearJob:
    train: str  # labelled training data
    output: str  # model file
    config: LinearConfig
    input: LabeledFormat = LabeledFormat()
    valid: str | None = None  # labelled data to report accuracy on after training
    embeddings: str | None = None  # word vectors that start the word rows


def run_linear(job: LinearJob, progress: Progress | None = None, notes: Callable[[str], None] | None = None) -> dict:
    f = job.input
    corpus = encode_corpus(iter_labeled(job.train, f.format, f.text_col, f.label_col), job.config,
                           f"training data {job.train}")
    if corpus.skipped and notes:
        notes(f"{corpus.skipped} empty texts in training data {job.train} skipped (no words after preprocessing)")
    n_texts = len(corpus.offsets) - 1
    if len(corpus.labels) > n_texts // 2 and notes:
        notes(f"{len(corpus.labels)} labels for {n_texts} texts: most labels have a single example; "
              "expect little accuracy (--loss hs keeps training fast with many labels)")
    model = fit_linear(corpus, job.config, job.embeddings, progress, notes)
    del corpus
    if not (np.isfinite(model.output).all() and np.isfinite(model.input).all()):
        raise SeqkitError(f"training diverged: the model's weights hold NaN or infinity; lower --lr "
                          f"({job.config.lr}); nothing was written")
    valid_accuracy = None
    if job.valid:
        pairs = list(iter_labeled(job.valid, f.format, f.text_col, f.label_col))
        if not pairs:
            raise InputError(f"validation data {job.valid} has no labelled texts")
        P = model.predict_proba([t for t, _ in pairs], job.config.threads)
        index = {n: i for i, n in enumerate(model.labels)}
        best = P.argmax(axis=1)
        valid_accuracy = float(np.mean([index.get(labels[0], -1) == b for (_, labels), b in zip(pairs, best)]))
        model.info["valid_accuracy"] = round(valid_accuracy, 6)
    model.info["train"] = str(job.train)
    model.save(job.output)
    return {
        "model": job.output, "arch": "linear", "loss": model.loss, "epochs": job.config.epochs,
        "best_epoch": job.config.epochs, "valid_accuracy": valid_accuracy,
        "train_seconds": model.info["train_seconds"], "stopped": "finished", "texts": model.info["texts"],
        "skipped_empty": model.info["skipped_empty"], "labels": len(model.labels), "words": model.info["words"],
        "ngram_rows": model.info["ngram_rows"],
    }
