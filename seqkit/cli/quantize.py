"""`seqkit quantize`: a linear classifier made 100x smaller by product quantization (fastText's
`quantize`), as a seqkit model or a fastText .ftz."""

from __future__ import annotations

from enum import Enum
from typing import Optional

import typer

from seqkit.cli import common

app = typer.Typer()


class QuantFormat(str, Enum):
    seqkit = "seqkit"
    fasttext = "fasttext"


@app.command("quantize")
def quantize(
    model: str = typer.Argument(..., help="A linear classifier (seqkit train-classifier --arch linear)."),
    output: str = typer.Option(..., "--output", "-o", help="The quantized model."),
    fmt: QuantFormat = typer.Option(QuantFormat.seqkit, "--format", help="seqkit: a model predict/evaluate use on raw text; fasttext: a .ftz for fastText's CLI (texts normalized as the model's tokenizer does)."),
    dsub: int = typer.Option(2, "--dsub", min=1, help="Numbers per sub-vector, each stored in one byte (fastText's -dsub)."),
    qnorm: bool = typer.Option(False, "--qnorm", help="Quantize each row's norm separately (fastText's -qnorm)."),
    qout: bool = typer.Option(False, "--qout", help="Quantize the output matrix too (needs 256 or more labels)."),
    cutoff: int = typer.Option(0, "--cutoff", min=0, help="Keep only this many word and n-gram rows, those of largest norm (0: all)."),
    retrain: bool = typer.Option(False, "--retrain", help="With --cutoff: train the kept rows again on the training data before quantizing (fastText's -retrain).", rich_help_panel="Retraining"),
    train: Optional[str] = typer.Option(None, "--input", help="--retrain's labelled training data (default: the file the model was trained on, as it records).", rich_help_panel="Retraining"),
    epochs: Optional[int] = typer.Option(None, "--epochs", min=1, help="--retrain's passes over the training data (default: the model's own).", rich_help_panel="Retraining"),
    lr: Optional[float] = typer.Option(None, "--lr", min=0.0, help="--retrain's starting learning rate (default: the model's own).", rich_help_panel="Retraining"),
    text_col: Optional[str] = common.TEXT_COL,
    label_col: Optional[str] = common.LABEL_COL,
    threads: int = common.THREADS,
    seed: int = typer.Option(1234, "--seed", help="Seed of the k-means samples and initial centroids (and of --retrain's text order)."),
    quiet: bool = common.QUIET,
    force: bool = common.FORCE,
) -> None:
    """Product-quantize a linear classifier or word vectors: 256 centroids per sub-vector of --dsub
    numbers, one byte each, as fastText's quantize (FastText.zip); --cutoff keeps only the rows of
    largest norm (classifiers). Word vectors (plain or subword) become a fastText .ftz that similar,
    analogy and vectors read.

    Example: seqkit quantize linear.npz -o small.npz --cutoff 100000 --qnorm

    Example: seqkit quantize linear.npz -o small.ftz --format fasttext

    Example: seqkit quantize linear.npz -o small.npz --cutoff 100000 --retrain --input train.tsv

    Example: seqkit quantize reviews.w2v -o reviews.ftz --dsub 2
    """
    from seqkit.cli.output import message
    from seqkit.datasets.labeled import LabeledFormat
    from seqkit.fileio import check_output
    from seqkit.formats.fasttext.writer import write_model
    from seqkit.quantize import model_file
    from seqkit.quantize.linear import QuantizeConfig, fasttext_structure, quantize_structure
    from seqkit.quantize.pq import PQConfig
    from seqkit.quantize.retrain import RetrainConfig

    check_output(output, [model], force=force)
    if not _is_classifier(model):
        _quantize_vectors(model, output, PQConfig(dsub, qnorm, seed), qout or cutoff > 0 or retrain)
        return
    clf = _linear(model)
    config = QuantizeConfig(PQConfig(dsub, qnorm, seed), qout, cutoff)
    if retrain:
        retrain_config = RetrainConfig(_training_data(clf, model, train, cutoff), epochs, lr, threads, seed)
        clf = _retrained(clf, retrain_config, cutoff, LabeledFormat("auto", text_col, label_col), quiet)
    q = quantize_structure(fasttext_structure(clf), config)
    if fmt is QuantFormat.fasttext:
        write_model(output, q.head, q.input, q.output)
    else:
        model_file.save(output, q, clf.config.normalize, {"quantized_from": str(model), "dsub": dsub, "qnorm": qnorm,
                                                           "qout": qout, "cutoff": cutoff,
                                                           "retrained": clf.info.get("retrained")})
    message(f"wrote {output}: {q.input.shape[0]:,} rows of {q.input.pq.nsubq} bytes")


def _linear(model: str):
    from seqkit.errors import OptionError
    from seqkit.models.linear.model import LinearClassifier
    from seqkit.models.loading import load_classifier

    clf = load_classifier(model)
    if not isinstance(clf, LinearClassifier):
        raise OptionError(f"{model} is not a seqkit linear classifier or word vectors: quantize takes --arch linear "
                          "models and word-vector models")
    return clf


def _is_classifier(model: str) -> bool:
    """A classifier (seqkit's or fastText's supervised), not word vectors."""
    from seqkit.errors import ModelFormatError
    from seqkit.formats.fasttext.header import sniff

    if sniff(model):
        from seqkit.formats.fasttext.model import read_model_file

        return read_model_file(model).head.args.supervised
    from seqkit.models.linear.files import read_meta

    try:
        return "architecture" in read_meta(model)
    except ModelFormatError:
        return False


def _quantize_vectors(model: str, output: str, config, classifier_options: bool) -> None:
    from seqkit.cli.output import message
    from seqkit.embed.keyed import load_vectors
    from seqkit.errors import OptionError
    from seqkit.quantize.vectors import quantize_vectors

    if classifier_options:
        raise OptionError("--qout, --cutoff and --retrain apply to classifiers; word vectors keep every row")
    n = quantize_vectors(load_vectors(model), config, output)
    message(f"wrote {output}: {n:,} rows quantized")


def _training_data(clf, model: str, train, cutoff: int) -> str:
    """--retrain's training data: --input, else the file the model records; refused without --cutoff."""
    from seqkit.errors import OptionError
    from seqkit.formats.fasttext.matrix import KSUB

    if not KSUB <= cutoff < clf.input.shape[0]:
        raise OptionError(f"--retrain trains the rows that --cutoff keeps: give a --cutoff from {KSUB} (the "
                          f"quantizer's centroids) to below the model's {clf.input.shape[0]:,} rows")
    train = train or clf.info.get("train")
    if not train:
        raise OptionError(f"{model} does not record its training data: give it with --input")
    return str(train)


def _retrained(clf, config, cutoff: int, labeled, quiet: bool):
    """The classifier pruned to --cutoff rows and trained again on config.train (seqkit/quantize/retrain.py)."""
    from seqkit.cli.classify import _Reporter
    from seqkit.cli.output import message
    from seqkit.datasets.labeled import iter_labeled
    from seqkit.quantize.retrain import pruned_classifier, retrain

    pruned = pruned_classifier(clf, cutoff)
    pairs = iter_labeled(config.train, labeled.format, labeled.text_col, labeled.label_col)
    out = retrain(pruned, config, pairs, _Reporter(quiet))
    message(f"retrained the {cutoff:,} kept rows on {config.train}: {out.config.epochs} epochs from --lr {out.config.lr}")
    return out
