"""`seqkit quantize`: a linear classifier made 100x smaller by product quantization (fastText's
`quantize`), as a seqkit model or a fastText .ftz."""

from __future__ import annotations

from enum import Enum

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
    seed: int = typer.Option(1234, "--seed", help="Seed of the k-means samples and initial centroids."),
    force: bool = common.FORCE,
) -> None:
    """Product-quantize a linear classifier or word vectors: 256 centroids per sub-vector of --dsub
    numbers, one byte each, as fastText's quantize (FastText.zip); --cutoff keeps only the rows of
    largest norm (classifiers). Word vectors (plain or subword) become a fastText .ftz that similar,
    analogy and vectors read.

    Example: seqkit quantize linear.npz -o small.npz --cutoff 100000 --qnorm

    Example: seqkit quantize linear.npz -o small.ftz --format fasttext

    Example: seqkit quantize reviews.w2v -o reviews.ftz --dsub 2
    """
    from seqkit.cli.output import message
    from seqkit.fileio import check_output
    from seqkit.formats.fasttext.writer import write_model
    from seqkit.models.loading import load_classifier
    from seqkit.models.linear.model import LinearClassifier
    from seqkit.quantize import model_file
    from seqkit.quantize.linear import QuantizeConfig, fasttext_structure, quantize_structure
    from seqkit.quantize.pq import PQConfig
    from seqkit.errors import OptionError

    check_output(output, [model], force=force)
    if not _is_classifier(model):
        _quantize_vectors(model, output, PQConfig(dsub, qnorm, seed), qout or cutoff > 0)
        return
    clf = load_classifier(model)
    if not isinstance(clf, LinearClassifier):
        raise OptionError(f"{model} is not a seqkit linear classifier or word vectors: quantize takes --arch linear "
                          "models and word-vector models")
    config = QuantizeConfig(PQConfig(dsub, qnorm, seed), qout, cutoff)
    q = quantize_structure(fasttext_structure(clf), config)
    if fmt is QuantFormat.fasttext:
        write_model(output, q.head, q.input, q.output)
    else:
        model_file.save(output, q, clf.config.normalize, {"quantized_from": str(model), "dsub": dsub, "qnorm": qnorm,
                                                           "qout": qout, "cutoff": cutoff})
    message(f"wrote {output}: {q.input.shape[0]:,} rows of {q.input.pq.nsubq} bytes")


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
        raise OptionError("--qout and --cutoff apply to classifiers; word vectors keep every row")
    n = quantize_vectors(load_vectors(model), config, output)
    message(f"wrote {output}: {n:,} rows quantized")
