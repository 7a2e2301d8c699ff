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
