"""`seqkit train-classifier`, `seqkit predict`, `seqkit evaluate`: sentiment (or any label) classifiers."""

from __future__ import annotations

import contextlib
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from seqkit.cli import common, options

app = typer.Typer()


class Arch(str, Enum):
    rnn = "rnn"
    lstm = "lstm"
    gru = "gru"
    transformer = "transformer"


class Truncate(str, Enum):
    head = "head"
    tail = "tail"


class Padding(str, Enum):
    pre = "pre"
    post = "post"


class PoolKind(str, Enum):
    last = "last"
    mean = "mean"
    max = "max"
    meanmax = "meanmax"
    cls = "cls"


class Positional(str, Enum):
    sinusoidal = "sinusoidal"
    learned = "learned"


class Norm(str, Enum):
    pre = "pre"
    post = "post"


class Optim(str, Enum):
    sgd = "sgd"
    momentum = "momentum"
    nesterov = "nesterov"
    adagrad = "adagrad"
    adadelta = "adadelta"
    rmsprop = "rmsprop"
    adam = "adam"
    adamw = "adamw"


class Schedule(str, Enum):
    constant = "constant"
    linear = "linear"
    warmup = "warmup"


A = "Architecture"
T = "Training"
P = "Preprocessing"


def _text(max_len, truncate, padding, **normalize):
    from seqkit.models.data import TextOptions

    return TextOptions(normalize=options.NORMALIZE.build(**normalize), max_len=max_len, truncate=truncate.value,
                       padding=padding.value)


TEXT = options.OptionGroup(
    {
        "max_len": (int, typer.Option(400, "--max-len", min=1, help="Cut texts to this many tokens.", rich_help_panel=P)),
        "truncate": (Truncate, typer.Option(Truncate.tail, "--truncate", help="Keep the head or the tail of a long text.", rich_help_panel=P)),
        "padding": (Padding, typer.Option(Padding.post, "--padding", help="Pad tokens before (pre) or after (post) the text.", rich_help_panel=P)),
        **options.NORMALIZE.options,
    },
    _text,
)


def _architecture(**values):
    from seqkit.models.classifier import ClassifierConfig

    return ClassifierConfig(**{k: v.value if isinstance(v, Enum) else v for k, v in values.items()})


# Options named as ClassifierConfig's fields. A new architecture adds its options here (and the fields there).
ARCHITECTURE = options.OptionGroup(
    {
        "arch": (Arch, typer.Option(Arch.gru, "--arch", help="Encoder: Elman rnn, lstm, gru or transformer.", rich_help_panel=A)),
        "embed_dim": (int, typer.Option(100, "--embed-dim", min=1, help="Word vector size (taken from --embeddings when given).", rich_help_panel=A)),
        "hidden": (int, typer.Option(128, "--hidden", min=1, help="Recurrent state size per direction.", rich_help_panel=A)),
        "layers": (int, typer.Option(1, "--layers", min=1, help="Stacked recurrent layers or Transformer blocks.", rich_help_panel=A)),
        "bidirectional": (bool, typer.Option(False, "--bidirectional/--unidirectional", help="Recurrent: read each text both ways.", rich_help_panel=A)),
        "dropout": (float, typer.Option(0.2, "--dropout", min=0.0, max=0.95, help="Dropout on embeddings, between layers and before the output.", rich_help_panel=A)),
        "pool": (PoolKind, typer.Option(PoolKind.last, "--pool", help="Text vector: last valid state, mean, max, meanmax (both), or cls (transformer).", rich_help_panel=A)),
        "heads": (int, typer.Option(4, "--heads", min=1, help="Transformer: attention heads.", rich_help_panel=A)),
        "ffn": (int, typer.Option(256, "--ffn", min=1, help="Transformer: feed-forward width.", rich_help_panel=A)),
        "positional": (Positional, typer.Option(Positional.sinusoidal, "--positional", help="Transformer: position encoding.", rich_help_panel=A)),
        "norm": (Norm, typer.Option(Norm.pre, "--norm", help="Transformer: LayerNorm before (pre) or after (post) each sub-layer.", rich_help_panel=A)),
        "freeze_embeddings": (bool, typer.Option(False, "--freeze-embeddings", help="Do not train the word vectors.", rich_help_panel=A)),
    },
    _architecture,
)


def _training(**values):
    from seqkit.train import TrainConfig

    return TrainConfig(**{k: v.value if isinstance(v, Enum) else v for k, v in values.items()})


# Options named as TrainConfig's fields.
TRAINING = options.OptionGroup(
    {
        "optimizer": (Optim, typer.Option(Optim.adam, "--optimizer", help="Optimizer.", rich_help_panel=T)),
        "lr": (float, typer.Option(1e-3, "--lr", min=0.0, help="Learning rate (peak with a schedule).", rich_help_panel=T)),
        "schedule": (Schedule, typer.Option(Schedule.constant, "--schedule", help="Learning rate over the run.", rich_help_panel=T)),
        "batch_size": (int, typer.Option(32, "--batch-size", min=1, help="Texts per step.", rich_help_panel=T)),
        "epochs": (int, typer.Option(5, "--epochs", min=1, help="Passes over TRAIN.", rich_help_panel=T)),
        "clip": (float, typer.Option(1.0, "--clip", min=0.0, help="Clip the global gradient norm to this (0: off).", rich_help_panel=T)),
        "weight_decay": (float, typer.Option(0.0, "--weight-decay", min=0.0, help="L2 weight decay (decoupled with adamw).", rich_help_panel=T)),
        "patience": (int, typer.Option(2, "--patience", min=0, help="Stop after this many epochs without a better validation accuracy (0: never).", rich_help_panel=T)),
        "seed": (int, typer.Option(0, "--seed", help="Random seed (initialisation, split, batches, dropout).", rich_help_panel=T)),
    },
    _training,
)


class _Reporter:
    """Training callbacks -> a rich progress bar per epoch and a summary line per epoch (stderr)."""

    def __init__(self, quiet: bool):
        from seqkit.cli.progress import progress_bar

        self.quiet = quiet
        self.bar = progress_bar(quiet, "loss {task.fields[loss]} acc {task.fields[acc]} {task.fields[tps]} tok/s")
        self.task = None

    def on_epoch_start(self, epoch, n_batches):
        self.bar.start()
        self.task = self.bar.add_task(f"epoch {epoch}", total=n_batches, loss="-", acc="-", tps="-")

    def on_batch(self, p):
        self.bar.update(self.task, completed=p.batch, loss=f"{p.loss:.4f}", acc=f"{p.accuracy:.4f}", tps=f"{p.tokens_per_s:,.0f}")

    def on_epoch_end(self, s, state):
        self.bar.remove_task(self.task)
        self.bar.stop()
        if self.quiet:
            return
        from seqkit.cli.output import message

        valid = "" if s.valid_accuracy is None else f"  valid loss {s.valid_loss:.4f} acc {s.valid_accuracy:.4f}"
        best = "  [green]best[/green]" if s.improved else ""
        message(
            f"epoch {s.epoch}: train loss {s.train_loss:.4f} acc {s.train_accuracy:.4f}{valid}  "
            f"{s.seconds:.0f}s {s.tokens_per_s:,.0f} tok/s{best}"
        )


@app.command("train-classifier")
@ARCHITECTURE.into("model")
@TRAINING.into("training")
@TEXT.into("text")
@options.LABELED_INPUT.into("labeled")
def train_classifier(
    train: str = typer.Argument(..., help="Labelled training data (TSV/CSV/JSON lines/fastText file, or an aclImdb folder or tarball)."),
    output: Path = typer.Option(..., "--output", "-o", help="The model file to write (.npz)."),
    valid: Optional[str] = typer.Option(None, "--valid", help="Labelled validation data (same format as TRAIN); default: --valid-split of TRAIN.", rich_help_panel=T),
    valid_split: float = typer.Option(0.1, "--valid-split", min=0.0, max=0.5, help="Fraction of TRAIN held out for validation when --valid is not given (0: none).", rich_help_panel=T),
    min_count: int = typer.Option(2, "--min-count", min=1, help="Drop words seen fewer times than this in TRAIN.", rich_help_panel="Vocabulary"),
    max_vocab: Optional[int] = typer.Option(50000, "--max-vocab", min=1, help="Keep at most this many of the most frequent words.", rich_help_panel="Vocabulary"),
    embeddings: Optional[str] = typer.Option(None, "--embeddings", help="Initialise word vectors from this file (seqkit model or word2vec text/binary, e.g. gensim's).", rich_help_panel=A),
    resume: Optional[str] = typer.Option(None, "--resume", help="Continue from a checkpoint (MODEL.ckpt, written after every epoch).", rich_help_panel=T),
    threads: Optional[int] = typer.Option(None, "--threads", min=1, help="Threads (default: all cores).", rich_help_panel=T),
    force: bool = common.FORCE,
    quiet: bool = common.QUIET,
    as_json: bool = common.JSON,
    model=None,  # ClassifierConfig, from @ARCHITECTURE
    training=None,  # TrainConfig, from @TRAINING
    text=None,  # TextOptions, from @TEXT
    labeled=None,  # LabeledFormat, from @LABELED_INPUT
) -> None:
    """Train a text classifier (RNN, LSTM, GRU or Transformer encoder) on labelled texts.

    Example: seqkit train-classifier train.tsv -o sentiment.npz --arch gru --bidirectional --pool meanmax --epochs 3
    """
    from seqkit.cli.output import emit_record, message
    from seqkit.errors import OptionError
    from seqkit.models.fit_classifier import ClassifierJob, DataConfig, run_training

    if output.exists() and not force and not resume:
        raise OptionError(f"{output} already exists: choose another -o or pass --force to replace it")
    data = DataConfig(train=train, valid=valid, valid_split=valid_split, input=labeled, min_count=min_count,
                      max_vocab=max_vocab, embeddings=embeddings)
    job = ClassifierJob(data=data, text=text, model=model, train=training, output=str(output), resume=resume)
    reporter = _Reporter(quiet)
    try:
        with _threads(threads):
            result = run_training(job, reporter, notes=None if quiet else message)
    finally:
        reporter.bar.stop()  # an interrupted epoch leaves its bar running
    if result.stopped == "interrupted":
        if result.saved:
            message(f"[yellow]interrupted[/yellow]: kept the best model so far (epoch {result.best_epoch}) in {output}; "
                    f"continue with --resume {result.checkpoint}")
        else:
            message("[yellow]interrupted[/yellow] before the first epoch ended: no model written")
        raise typer.Exit(130)
    if not quiet or as_json:
        record = {k: getattr(result, k) for k in ("model", "arch", "epochs", "best_epoch", "valid_accuracy", "train_seconds", "stopped")}
        if as_json:
            emit_record(record, True)
        else:
            message(
                f"wrote {output}: {result.arch}, best epoch {result.best_epoch}"
                + ("" if result.valid_accuracy is None else f", validation accuracy {result.valid_accuracy:.4f}")
                + f", {result.train_seconds:.0f}s of training ({result.stopped.replace('_', ' ')})"
            )


def _threads(n: int | None = None):
    """n threads (default: all cores) for the engine's kernels and split products, BLAS single-threaded,
    freed memory kept for reuse; all restored when the command's work ends."""
    from seqkit import runtime

    return runtime.threads(n, keep_freed_memory=True)


def _open_lines(path: str):
    """Text lines of a file or stdin, streamed, newline stripped."""
    from seqkit.datasets.labeled import iter_texts

    return iter_texts(path, format="lines")


@app.command("predict")
def predict(
    model: str = typer.Argument(..., help="A model from `seqkit train-classifier`."),
    input: str = typer.Argument("-", help="Texts, one per line ('-' or nothing: stdin)."),
    probs: bool = typer.Option(False, "--probs", help="Print the probability of every class, not just the best one."),
    batch: int = typer.Option(512, "--batch", min=1, help="Texts read and classified at a time (with --cluster: texts per task)."),
    as_json: bool = common.JSON,
    cluster: Optional[str] = common.CLUSTER,
) -> None:
    """Classify texts, one per line: the label and its probability for each, streamed.

    Example: echo "a wonderful, moving film" | seqkit predict sentiment.npz -
    Cluster: seqkit predict sentiment.npz reviews.txt --cluster tcp://scheduler:8786 > labels.tsv
    """
    from seqkit.cli.output import emit_rows
    from seqkit.models.bundle import TrainedClassifier

    clf = TrainedClassifier.load(model)
    names = clf.labels
    columns = ["label", "prob"] + ([f"p_{n}" for n in names] if probs and not as_json else [])
    with _threads(), _probabilities(clf, model, _chunks(_open_lines(input), batch), cluster) as probabilities:
        for P in probabilities:  # (n, C) per chunk, in input order
            emit_rows(columns + (["probs"] if as_json and probs else []), _rows(P, names, probs, as_json), as_json)
            sys.stdout.flush()


@contextlib.contextmanager
def _probabilities(clf, model: str, chunks, cluster: Optional[str]):
    """Class probabilities per chunk of texts: here, or on the Dask cluster with --cluster."""
    if cluster is None:
        yield (clf.predict_proba(chunk) for chunk in chunks)
        return
    from seqkit.cluster.blocks import predict_proba
    from seqkit.cluster.session import connect

    with connect(cluster) as client:
        yield predict_proba(client, model, chunks)


def _rows(P, names: list[str], probs: bool, as_json: bool) -> list[list]:
    """Probabilities (n, C) -> one row per text: best label, its probability, and every class's with --probs."""
    rows = []
    for p in P:
        best = int(p.argmax())
        if as_json:
            rows.append([names[best], round(float(p[best]), 6)]
                        + ([{n: round(float(v), 6) for n, v in zip(names, p)}] if probs else []))
        else:
            rows.append([names[best], float(p[best])] + ([float(v) for v in p] if probs else []))
    return rows


def _chunks(it, n):
    buf = []
    for x in it:
        buf.append(x)
        if len(buf) == n:
            yield buf
            buf = []
    if buf:
        yield buf


@app.command("evaluate")
@options.LABELED_INPUT.into("labeled")
def evaluate(
    model: str = typer.Argument(..., help="A model from `seqkit train-classifier`."),
    test: str = typer.Argument(..., help="Labelled test data (same formats as train-classifier)."),
    as_json: bool = common.JSON,
    cluster: Optional[str] = common.CLUSTER,
    labeled=None,  # LabeledFormat, from @LABELED_INPUT
) -> None:
    """Accuracy, per-class and macro precision/recall/F1 and the confusion matrix on labelled texts.

    Example: seqkit evaluate sentiment.npz test.tsv --json
    Cluster: seqkit evaluate sentiment.npz test.tsv --cluster local:4
    """
    from seqkit.models.bundle import TrainedClassifier
    from seqkit.models.data import label_ids
    from seqkit.models.metrics import classification_report

    clf = TrainedClassifier.load(model)
    data = labeled.read(test)
    if not data.texts:
        from seqkit.errors import InputError

        raise InputError(f"test data {test} has no labelled texts")
    y = label_ids(data.labels, clf.labels, test)
    with _threads():
        if cluster is None:
            P = clf.predict_proba(data.texts)  # (N, C)
        else:
            import numpy as np

            with _probabilities(clf, model, _chunks(data.texts, 512), cluster) as probabilities:
                P = np.concatenate(list(probabilities))  # (N, C), blocks of 512 texts in input order
    report = classification_report(y, P.argmax(axis=1), clf.labels)
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
        return
    _print_report(report)


def _print_report(report: dict) -> None:
    from seqkit.cli.output import emit_rows, stdout_is_terminal

    names = report["confusion"]["labels"]
    rows = [[n, v["precision"], v["recall"], v["f1"], v["support"]] for n, v in report["per_class"].items()]
    rows.append(["macro avg", report["macro_precision"], report["macro_recall"], report["macro_f1"], report["n"]])
    rows.append(["accuracy", "", "", report["accuracy"], report["n"]])
    emit_rows(["class", "precision", "recall", "f1", "support"], rows, False, title="evaluation")
    cm_rows = [[f"true {n}"] + r for n, r in zip(names, report["confusion"]["matrix"])]
    if not stdout_is_terminal():
        print()
    emit_rows(["confusion"] + [f"pred {n}" for n in names], cm_rows, False, title="confusion matrix")
