"""One `train-classifier --arch sparse` run: read, featurize, weigh (tf-idf and/or NB ratios), fit, choose C
on held-out texts with --C auto, check on --valid, save. Never prints: `notes` gets one-line facts."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable, Protocol

import numpy as np

from seqkit.datasets.labeled import LabeledFormat, read_labeled
from seqkit.errors import InputError
from seqkit.models.sparse.config import C_GRID, SparseConfig
from seqkit.models.sparse.features import Csr, fit_counts, weigh
from seqkit.models.sparse.model import SparseClassifier
from seqkit.models.sparse.solver import fit


@dataclass(frozen=True)
class SparseJob:
    train: str  # labelled training data
    output: str  # model file
    config: SparseConfig
    input: LabeledFormat = LabeledFormat()
    valid: str | None = None  # labelled data: accuracy reported, and C chosen on it with --C auto
    valid_split: float = 0.1  # --C auto without --valid: this fraction of TRAIN is held out to choose C


def _labelled(path: str, f: LabeledFormat, what: str, labels: list[str] | None = None) -> tuple[list[str], np.ndarray, list[str]]:
    """(texts, label ids, label names) of a single-label file; `labels` given: ids into those."""
    data = read_labeled(path, f.format, f.text_col, f.label_col)
    if not data.texts:
        raise InputError(f"{what} {path} has no labelled texts")
    if data.label_sets:
        raise InputError(f"{what} {path} has texts with several labels: --arch sparse takes one label per text "
                         "(--arch linear takes several)")
    names = labels or sorted(set(data.labels))
    if any(n == "" for n in names):
        raise InputError(f"some texts in {what} {path} have an empty label: every text needs a label")
    if len(names) < 2:
        raise InputError(f"{what} {path} has only the label {names[0]!r}: a classifier needs at least two classes")
    index = {n: i for i, n in enumerate(names)}
    unknown = next((x for x in data.labels if x not in index), None)
    if unknown is not None:
        raise InputError(f"label {unknown!r} in {what} {path} was not seen in training")
    return data.texts, np.fromiter((index[x] for x in data.labels), np.int64, len(data.labels)), names


def nb_ratios(X: Csr, labels: np.ndarray, n_labels: int, alpha: float) -> np.ndarray:
    """(K, F) NBSVM's log-count ratios r = log((p / |p|_1) / (q / |q|_1)), p = alpha + the feature sums
    of the class's texts, q = alpha + those of the others; K = 1 (the second label) for two labels."""
    from scipy.sparse import csr_matrix

    Y = csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(n_labels, len(labels)))
    S = np.asarray((Y @ X.scipy()).todense())  # (labels, F) feature sums per label
    total = S.sum(axis=0)
    rows = [1] if n_labels == 2 else range(n_labels)
    R = np.empty((len(rows), X.n_cols))
    for j, k in enumerate(rows):
        p, q = alpha + S[k], alpha + total - S[k]
        R[j] = np.log(p / p.sum()) - np.log(q / q.sum())
    return R


class Progress(Protocol):
    def __call__(self, stage: str, done: int, total: int) -> None: ...


def train_model(texts: list[str], y: np.ndarray, labels: list[str], config: SparseConfig,
                progress: Progress | None = None) -> SparseClassifier:
    """Featurize, weigh and fit; the NB ratios, when used, are folded into the weights."""
    f = config.features
    step = (lambda done: progress("featurizing", done, len(texts))) if progress else None
    vocab, X = fit_counts(texts, f, "training data", step)
    weigh(X, vocab, f)
    scales = nb_ratios(X, y, len(labels), config.nb_alpha) if config.weight != "tfidf" else None
    if progress:
        progress(f"fitting C={config.solver.C:g}", 0, 1)
    fitted = fit(X, y, len(labels), config.solver, scales)
    if progress:
        progress(f"fitting C={config.solver.C:g}", 1, 1)
    info = {"texts": X.n_rows, "features": X.n_cols, "nnz": int(len(X.data)), "passes": fitted.passes}
    return SparseClassifier(config, vocab, fitted.W.astype(np.float32), fitted.b.astype(np.float64), labels, info)


def accuracy(model: SparseClassifier, texts: list[str], y: np.ndarray) -> float:
    return float(np.mean(model.predict_proba(texts).argmax(axis=1) == y))


def choose_c(texts, y, labels, held: tuple, config: SparseConfig, notes, progress=None) -> tuple[float, list[dict]]:
    """The C of C_GRID with the best accuracy on the held-out texts (the smaller C on a tie)."""
    scores = []
    for c in C_GRID:
        model = train_model(texts, y, labels, replace(config, solver=replace(config.solver, C=c)), progress)
        scores.append({"C": c, "accuracy": round(accuracy(model, *held), 6)})
        if notes:
            notes(f"--C auto: C={c:g} held-out accuracy {scores[-1]['accuracy']:.4f}")
    best = max(scores, key=lambda s: (s["accuracy"], -s["C"]))
    return best["C"], scores


def warm_up(config: SparseConfig, labels: list[str], notes: Callable[[str], None] | None = None) -> float:
    """Compile (or load from numba's cache) the kernels that featurize, fit and predict, on one tiny text per
    label, before training's clock starts (with a note while they do); returns the seconds it took."""
    from seqkit.fast.shards import warm_up_note
    from seqkit.models.sparse import cd_kernels, kernels

    note = warm_up_note((kernels.text_gram_keys, kernels.add_keys, kernels.table_of, kernels.lookup_columns,
                         kernels.csr_counts, kernels.keep_columns, cd_kernels.one_vs_rest),
                        "the sparse classifier's kernels")
    if note is None:
        return 0.0
    began = time.perf_counter()
    if notes is not None:
        notes(note)
    texts = ["warm up the kernels"] * len(labels)  # letters only: a word under any --normalize option
    tiny = replace(config, auto_c=False, features=replace(config.features, min_df=1, max_df=1.0, max_features=0))
    model = train_model(texts, np.arange(len(labels), dtype=np.int64), labels, tiny)
    model.predict_proba(texts)
    return time.perf_counter() - began


def _held_out(texts: list[str], y: np.ndarray, fraction: float, seed: int):
    order = np.random.default_rng(seed).permutation(len(texts))
    n_held = int(round(fraction * len(texts)))
    if n_held < 1 or n_held >= len(texts):
        raise InputError(f"--C auto needs held-out texts: give --valid, or a --valid-split that leaves some of the {len(texts)} texts on each side")
    held, kept = order[:n_held], order[n_held:]
    return ([texts[i] for i in kept], y[kept]), ([texts[i] for i in held], y[held])


def run_sparse(job: SparseJob, notes: Callable[[str], None] | None = None, progress: Progress | None = None) -> dict:
    start = time.perf_counter()
    config = job.config
    if progress:
        progress("reading", 0, 1)
    texts, y, labels = _labelled(job.train, job.input, "training data")
    valid = _labelled(job.valid, job.input, "validation data", labels)[:2] if job.valid else None
    compiling = warm_up(config, labels, notes)
    grid = None
    if config.auto_c:
        if valid is not None:
            part, held = (texts, y), valid
        else:
            part, held = _held_out(texts, y, job.valid_split, config.solver.seed)
        best, grid = choose_c(*part, labels, held, config, notes, progress)
        config = replace(config, solver=replace(config.solver, C=best))
    model = train_model(texts, y, labels, config, progress)
    seconds = time.perf_counter() - start - compiling  # the kernels' first-run compilation is not training time
    model.info.update({"train": str(job.train), "C": config.solver.C, "train_seconds": round(seconds, 2)})
    if grid is not None:
        model.info["c_grid"] = grid
    valid_accuracy = None
    if valid is not None:
        valid_accuracy = accuracy(model, *valid)
        model.info["valid_accuracy"] = round(valid_accuracy, 6)
    model.save(job.output)
    return {
        "model": job.output, "arch": "sparse", "loss": config.solver.loss, "C": config.solver.C,
        "valid_accuracy": valid_accuracy, "train_seconds": model.info["train_seconds"], "texts": len(texts),
        "labels": len(labels), "features": model.info["features"], "c_grid": grid,
    }
