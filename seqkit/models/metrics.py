"""Classification metrics: accuracy, per-class and macro precision/recall/F1, the confusion matrix."""

from __future__ import annotations

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """(C, C) int64 counts: row = true class, column = predicted class."""
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros_like(a, dtype=np.float64), where=b > 0)


def classification_report(y_true: np.ndarray, y_pred: np.ndarray, names: list[str]) -> dict:
    """{'n', 'accuracy', 'macro_precision', 'macro_recall', 'macro_f1', 'per_class': {name: {...}},
    'confusion': {'labels': names, 'matrix': rows}}. A class never predicted has precision 0."""
    C = len(names)
    cm = confusion_matrix(y_true, y_pred, C)
    tp = np.diag(cm).astype(np.float64)  # (C,)
    predicted = cm.sum(axis=0).astype(np.float64)
    support = cm.sum(axis=1).astype(np.float64)
    precision = _safe_div(tp, predicted)
    recall = _safe_div(tp, support)
    f1 = _safe_div(2 * precision * recall, precision + recall)
    n = int(cm.sum())
    per_class = {
        name: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]), "support": int(support[i])}
        for i, name in enumerate(names)
    }
    return {
        "n": n,
        "accuracy": float(tp.sum() / n) if n else 0.0,
        "macro_precision": float(precision.mean()),
        "macro_recall": float(recall.mean()),
        "macro_f1": float(f1.mean()),
        "per_class": per_class,
        "confusion": {"labels": list(names), "matrix": cm.tolist()},
    }


def precision_recall_at_k(P: np.ndarray, gold: list[list[str]], names: list[str], k: int) -> dict:
    """{'n', 'k', 'precision_at_k', 'recall_at_k'}: of the K most probable labels of each text, the share that
    are right (over n*K) and the share of the right labels found (over all right labels), as fastText's test."""
    index = {n: i for i, n in enumerate(names)}
    k = min(k, len(names))
    top = np.argsort(-P, axis=1, kind="stable")[:, :k]  # (N, k)
    hits = sum(len(set(row.tolist()) & {index[x] for x in g if x in index}) for row, g in zip(top, gold))
    n_gold = sum(len(g) for g in gold)
    n = len(gold)
    return {"n": n, "k": k, "precision_at_k": hits / max(1, n * k), "recall_at_k": hits / max(1, n_gold)}
