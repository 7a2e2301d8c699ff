"""`--arch sparse` as an entry of seqkit/models/registry.py: its config from the option values, its run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from seqkit.errors import OptionError
from seqkit.models.registry import FitSummary

C_GRID_NOTE = "auto: the best of 1/16..4 on --valid or a --valid-split held out of the training data"


@dataclass(frozen=True)
class SparseArch:
    """The --arch sparse options, as strings and numbers (the command line's enums already resolved)."""

    word_ngrams: int = 1
    min_df: int = 1
    max_df: float = 1.0
    max_features: int = 0
    weight: str = "tfidf"  # tfidf, nb or nb-tfidf
    tf: str = "auto"  # auto: binary for nb, else sublinear
    sparse_loss: str = "svm"
    multiclass: str = "ovr"
    c: str = "1"  # a number, or auto
    tol: float = 1e-4
    max_iter: int = 1000
    class_weight: str = "none"
    nb_alpha: float = 1.0


def build_config(values: dict) -> SparseArch:
    names = SparseArch.__dataclass_fields__
    return SparseArch(**{k: v for k, v in values.items() if k in names})


def sparse_config(arch: SparseArch, seed: int, threads: int, normalize):
    """The library's SparseConfig of the command line's values."""
    from seqkit.models.sparse.config import FeatureConfig, SolverConfig, SparseConfig

    auto = arch.c.strip().lower() == "auto"
    try:
        C = 1.0 if auto else float(arch.c)
    except ValueError:
        raise OptionError(f"--C must be a number or auto, got {arch.c!r}") from None
    nb = arch.weight == "nb"  # NBSVM: the ratios alone scale the features
    tf = arch.tf if arch.tf != "auto" else ("binary" if nb else "sublinear")
    features = FeatureConfig(word_ngrams=arch.word_ngrams, min_df=arch.min_df, max_df=arch.max_df,
                             max_features=arch.max_features, tf=tf, idf=not nb, l2=not nb, normalize=normalize)
    solver = SolverConfig(loss=arch.sparse_loss, multiclass=arch.multiclass, C=C, tol=arch.tol,
                          max_iter=arch.max_iter, balanced=arch.class_weight == "balanced", seed=seed)
    return SparseConfig(features, solver, arch.weight, arch.nb_alpha, auto, threads)


def run_request(request, callbacks=None, notes: Callable[[str], None] | None = None) -> FitSummary:
    """A registry request (seqkit.models.registry.ClassifierRequest) for --arch sparse. Its stages
    (reading, featurizing, solving) go to ``callbacks.on_stage`` where the callbacks have it."""
    from seqkit import runtime
    from seqkit.models.sparse.train import SparseJob, run_sparse

    data = request.data
    threads = request.threads or runtime.cores()
    config = sparse_config(request.model, request.train.seed, threads, request.text.normalize)
    job = SparseJob(train=data.train, output=request.output, config=config, input=data.input, valid=data.valid,
                    valid_split=data.valid_split)
    progress = getattr(callbacks, "on_stage", None)
    with runtime.threads(threads, blas=False):  # Numba's pool: featurizing, a class per thread
        r = run_sparse(job, notes=notes, progress=progress)
    note = f"sparse ({r['loss']}, C={r['C']:g}), {r['texts']} texts, {r['labels']} labels, {r['features']} features"
    figures = {k: r[k] for k in ("loss", "C", "texts", "labels", "features", "c_grid")}
    return FitSummary(model=r["model"], arch="sparse", epochs=1, best_epoch=1, valid_accuracy=r["valid_accuracy"],
                      train_seconds=r["train_seconds"], stopped="completed", saved=True, checkpoint="", note=note,
                      figures=figures)
