"""One `train-classifier --arch linear` run: read, train, check on --valid, save. Never prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from seqkit.datasets.labeled import LabeledFormat, iter_labeled
from seqkit.errors import InputError, SeqkitError
from seqkit.models.linear.config import LinearConfig
from seqkit.models.linear.train import Progress, encode_corpus, fit_linear
from seqkit.models.registry import FitSummary


@dataclass(frozen=True)
class LinearJob:
    train: str  # labelled training data
    output: str  # model file
    config: LinearConfig
    input: LabeledFormat = LabeledFormat()
    valid: str | None = None  # labelled data to report accuracy on after training
    embeddings: str | None = None  # word vectors that start the word rows


def run_linear(job: LinearJob, progress: Progress | None = None, notes: Callable[[str], None] | None = None) -> dict:
    """Train, check on --valid, save; returns the run's facts (the JSON record's fields)."""
    f = job.input
    corpus = encode_corpus(iter_labeled(job.train, f.format, f.text_col, f.label_col), job.config,
                           f"training data {job.train}")
    _note_corpus(corpus, job.train, notes)
    model = fit_linear(corpus, job.config, job.embeddings, progress, notes)
    del corpus
    if not (np.isfinite(model.output).all() and np.isfinite(model.input).all()):
        raise SeqkitError(f"training diverged: the model's weights hold NaN or infinity; lower --lr "
                          f"({job.config.lr}); nothing was written")
    valid_accuracy = _valid_accuracy(model, job) if job.valid else None
    if valid_accuracy is not None:
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


def _note_corpus(corpus, train: str, notes) -> None:
    if notes is None:
        return
    if corpus.skipped:
        notes(f"{corpus.skipped} empty texts in training data {train} skipped (no words after preprocessing)")
    n_texts = len(corpus.offsets) - 1
    if len(corpus.labels) > n_texts // 2:
        notes(f"{len(corpus.labels)} labels for {n_texts} texts: most labels have a single example; "
              "expect little accuracy (--loss hs keeps training fast with many labels)")


def _valid_accuracy(model, job: LinearJob) -> float:
    f = job.input
    pairs = list(iter_labeled(job.valid, f.format, f.text_col, f.label_col))
    if not pairs:
        raise InputError(f"validation data {job.valid} has no labelled texts")
    P = model.predict_proba([t for t, _ in pairs], job.config.threads)
    index = {n: i for i, n in enumerate(model.labels)}
    best = P.argmax(axis=1)
    return float(np.mean([index.get(labels[0], -1) == b for (_, labels), b in zip(pairs, best)]))


# -- the linear entry of seqkit/models/registry.py --------------------------------------------------------

@dataclass(frozen=True)
class LinearArch:
    """The options of --arch linear's own (the rest of LinearConfig comes from the shared ones)."""

    embed_dim: int = 100
    word_ngrams: int = 1
    buckets: int = 2_000_000
    loss: str = "auto"
    deterministic: bool = False  # the same model from a seed on any number of threads (LinearConfig.deterministic)


def build_config(values: dict) -> LinearArch:
    return LinearArch(values.get("embed_dim", 100), values.get("word_ngrams", 1), values.get("buckets", 2_000_000),
                      values.get("loss", "auto"), bool(values.get("deterministic", False)))


def run_request(request, callbacks=None, notes: Callable[[str], None] | None = None) -> FitSummary:
    """A registry request (seqkit.models.registry.ClassifierRequest) for --arch linear."""
    arch, data, tc = request.model, request.data, request.train
    config = LinearConfig(dim=arch.embed_dim, word_ngrams=arch.word_ngrams, buckets=arch.buckets, loss=arch.loss,
                          lr=tc.lr, epochs=tc.epochs, min_count=data.min_count, threads=request.threads, seed=tc.seed,
                          normalize=request.text.normalize, deterministic=arch.deterministic)
    job = LinearJob(train=data.train, output=request.output, config=config, input=data.input, valid=data.valid,
                    embeddings=data.embeddings)
    r = run_linear(job, callbacks, notes)
    note = (f"{r['loss']} loss, {r['texts']} texts, {r['labels']} labels, {r['words']} words + "
            f"{r['ngram_rows']} n-gram rows")
    figures = {k: r[k] for k in ("loss", "texts", "skipped_empty", "labels", "words", "ngram_rows")}
    return FitSummary(model=r["model"], arch="linear", epochs=r["epochs"], best_epoch=r["best_epoch"],
                      valid_accuracy=r["valid_accuracy"], train_seconds=r["train_seconds"], stopped="completed",
                      saved=True, checkpoint="", note=note, figures=figures)
