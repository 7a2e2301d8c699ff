"""`train-classifier --arch sparse`: its options (one group) and the run; the logic is in seqkit.models.sparse."""

from __future__ import annotations

from enum import Enum

import typer

from seqkit.cli import options

S = "Sparse (--arch sparse)"


class Weight(str, Enum):
    tfidf = "tfidf"
    nb = "nb"
    nb_tfidf = "nb-tfidf"


class Tf(str, Enum):
    auto = "auto"
    raw = "raw"
    sublinear = "sublinear"
    binary = "binary"


class SparseLoss(str, Enum):
    svm = "svm"
    logistic = "logistic"


class Multiclass(str, Enum):
    ovr = "ovr"
    multinomial = "multinomial"


class ClassWeight(str, Enum):
    none = "none"
    balanced = "balanced"


SPARSE = options.OptionGroup(
    {
        "min_df": (int, typer.Option(1, "--min-df", help="Drop n-grams found in fewer training texts.", rich_help_panel=S)),
        "max_df": (float, typer.Option(1.0, "--max-df", help="Drop n-grams found in more than this fraction of the training texts.", rich_help_panel=S)),
        "max_features": (int, typer.Option(0, "--max-features", help="Keep the n-grams found in the most texts (0: all).", rich_help_panel=S)),
        "weight": (Weight, typer.Option(Weight.tfidf, "--weight", help="tfidf (sublinear tf, smooth idf, unit rows); nb: NBSVM, binary counts times the NB log-count ratios; nb-tfidf: tf-idf times the ratios.", rich_help_panel=S)),
        "tf": (Tf, typer.Option(Tf.auto, "--tf", help="A count c counts as c (raw), 1 + ln c (sublinear) or 1 (binary); auto: binary for nb, else sublinear.", rich_help_panel=S)),
        "sparse_loss": (SparseLoss, typer.Option(SparseLoss.svm, "--sparse-loss", help="svm: squared hinge (LinearSVC); logistic: logistic regression.", rich_help_panel=S)),
        "multiclass": (Multiclass, typer.Option(Multiclass.ovr, "--multiclass", help="ovr: one-vs-rest by dual coordinate descent, a class per thread; multinomial: softmax logistic regression (L-BFGS).", rich_help_panel=S)),
        "c": (str, typer.Option("1", "--C", help="Inverse regularisation strength (as scikit-learn's C), or auto: the best of 1/16..4 on --valid or a --valid-split held out of TRAIN.", rich_help_panel=S)),
        "tol": (float, typer.Option(1e-4, "--tol", help="Stopping tolerance of the solver.", rich_help_panel=S)),
        "max_iter": (int, typer.Option(1000, "--max-iter", help="Solver passes over the data at most.", rich_help_panel=S)),
        "class_weight": (ClassWeight, typer.Option(ClassWeight.none, "--class-weight", help="balanced: weight each class's C by n / (classes * its texts).", rich_help_panel=S)),
        "nb_alpha": (float, typer.Option(1.0, "--nb-alpha", help="NB ratios: the smoothing count added to every feature.", rich_help_panel=S)),
    },
    lambda **values: values,
)

# Options of the other architectures that mean nothing to --arch sparse: giving one is a usage error.
NOT_SPARSE = ("embed_dim", "hidden", "layers", "bidirectional", "dropout", "pool", "heads", "ffn", "positional", "norm",
              "freeze_embeddings", "optimizer", "schedule", "batch_size", "clip", "weight_decay", "patience",
              "max_len", "truncate", "padding", "resume", "doc_weight", "activation", "batch_norm",
              "tune_embeddings", "lr", "epochs", "buckets", "loss", "min_count", "max_vocab", "embeddings")


def sparse_config(values: dict, word_ngrams: int, seed: int, threads: int, normalize):
    """The SparseConfig of the command line's values."""
    from seqkit.errors import OptionError
    from seqkit.models.sparse.config import FeatureConfig, SolverConfig, SparseConfig

    weight = values["weight"].value
    auto = values["c"].strip().lower() == "auto"
    try:
        C = 1.0 if auto else float(values["c"])
    except ValueError:
        raise OptionError(f"--C must be a number or auto, got {values['c']!r}") from None
    tf = values["tf"].value if values["tf"] is not Tf.auto else ("binary" if weight == "nb" else "sublinear")
    nb = weight == "nb"  # NBSVM: the ratios alone scale the features
    features = FeatureConfig(word_ngrams=word_ngrams, min_df=values["min_df"], max_df=values["max_df"],
                             max_features=values["max_features"], tf=tf, idf=not nb, l2=not nb, normalize=normalize)
    solver = SolverConfig(loss=values["sparse_loss"].value, multiclass=values["multiclass"].value, C=C,
                          tol=values["tol"], max_iter=values["max_iter"],
                          balanced=values["class_weight"] is ClassWeight.balanced, seed=seed)
    return SparseConfig(features, solver, weight, values["nb_alpha"], auto, threads)


def train_sparse(ctx, given, train, output, values: dict, word_ngrams, training, text, labeled, valid, valid_split,
                 threads, quiet, as_json) -> None:
    """The `train-classifier --arch sparse` run: options checked, the job run, one summary line."""
    from seqkit import runtime
    from seqkit.cli.output import emit_record, message
    from seqkit.errors import OptionError
    from seqkit.models.sparse.train import SparseJob, run_sparse

    for name in NOT_SPARSE:
        if given(ctx, name):
            raise OptionError(f"--{name.replace('_', '-')} does not apply to --arch sparse")
    config = sparse_config(values, word_ngrams, training.seed, threads or runtime.cores(), text.normalize)
    job = SparseJob(train=train, output=str(output), config=config, input=labeled, valid=valid, valid_split=valid_split)
    from seqkit.cli.progress import progress_bar

    bar = progress_bar(quiet)
    task = bar.add_task("reading", total=1)

    def progress(stage: str, done: int, total: int) -> None:
        bar.update(task, description=stage, completed=done, total=total)

    with bar, runtime.threads(config.threads, blas=False):  # Numba's pool: featurizing, a class per thread
        result = run_sparse(job, notes=None if quiet else message, progress=progress)
    if as_json:
        emit_record(result, True)
    elif not quiet:
        message(
            f"wrote {output}: sparse ({result['loss']}, C={result['C']:g}), {result['texts']} texts, "
            f"{result['labels']} labels, {result['features']} features"
            + ("" if result["valid_accuracy"] is None else f", validation accuracy {result['valid_accuracy']:.4f}")
            + f", {result['train_seconds']:.1f}s"
        )
