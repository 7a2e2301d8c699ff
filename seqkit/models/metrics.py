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
