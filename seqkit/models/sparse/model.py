"""A trained sparse linear classifier: the n-gram vocabulary (64-bit keys), idf, the weight matrix and the
labels, with prediction and its file. The file is the classifier `.npz` with its big arrays stored
uncompressed and memory-mapped at load (seqkit/models/linear/files.py); no pickle.

Probabilities from decision values d = x W + b: multinomial, the softmax of d; one-vs-rest, each class's
sigmoid(d_k), divided by their sum (scikit-learn's one-vs-rest logistic regression does the same); two
classes, sigmoid(d) for the second label. For the SVM these are a monotone squashing of the margins, not
calibrated probabilities: they rank the labels as the margins do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from seqkit import __version__
from seqkit.errors import ModelFormatError, OptionError
from seqkit.models import io
from seqkit.models.sparse.config import SparseConfig
from seqkit.models.sparse.features import Vocabulary, counts, weigh

ARCH = "sparse"
MAPPED = ("keys", "idf", "weights")
PREDICT_CHUNK = 8192  # texts featurized at a time


@dataclass
class SparseClassifier:
    config: SparseConfig
    vocab: Vocabulary
    W: np.ndarray  # (F, K) float32; K = 1 for two labels (the decision for the second)
    b: np.ndarray  # (K,) float64
    labels: list[str]
    info: dict = field(default_factory=dict)

    def decision(self, texts: list[str]) -> np.ndarray:
        """(n, K) decision values."""
        X = weigh(counts(texts, self.vocab, self.config.features), self.vocab, self.config.features)
        A = X.scipy().astype(np.float32)
        return A @ self.W + self.b  # (n, K)

    def predict_proba(self, texts, threads: int | None = None) -> np.ndarray:
        """(n, C) label probabilities (see the module's docstring for how)."""
        texts = list(texts)
        if len(texts) > PREDICT_CHUNK:
            return np.concatenate([self.predict_proba(texts[i: i + PREDICT_CHUNK])
                                   for i in range(0, len(texts), PREDICT_CHUNK)])
        if not texts:
            return np.zeros((0, len(self.labels)))
        return probabilities(self.decision(texts).astype(np.float64), self.config.solver.multiclass)

    def save(self, path) -> None:
        arrays = {"keys": self.vocab.keys, "idf": self.vocab.idf, "weights": self.W.astype(np.float32), "bias": self.b}
        meta = {
            "seqkit_version": __version__, "architecture": {"arch": ARCH, **self.config.to_dict()},
            "labels": self.labels, "info": self.info,
        }
        io.save_arrays(path, arrays, meta)

    @classmethod
    def load(cls, path) -> "SparseClassifier":
        from seqkit.models.linear import files

        arrays, meta = files.load(path, MAPPED)
        try:
            a = dict(meta["architecture"])
            if a.pop("arch") != ARCH:
                raise ModelFormatError(f"{path} is not a sparse model")
            config = SparseConfig.from_dict(a)
            model = cls(config, Vocabulary(arrays["keys"], arrays["idf"]), arrays["weights"], arrays["bias"],
                        [str(x) for x in meta["labels"]], meta.get("info", {}))
        except (KeyError, TypeError, ValueError, OptionError) as e:
            raise ModelFormatError(f"{path}: its metadata or arrays are incomplete or out of range ({e}); train the model again") from None
        model.check(path)
        return model

    def check(self, path) -> None:
        """Shapes and types the predictor relies on; a damaged file gets a clear error, not a crash."""
        F, C = len(self.vocab.keys), len(self.labels)
        K = 1 if C == 2 and self.config.solver.multiclass == "ovr" else C
        ok = (
            C >= 2 and len(set(self.labels)) == C and self.vocab.keys.shape == (F,) and self.vocab.keys.dtype == np.int64
            and self.vocab.idf.shape == (F,) and self.vocab.idf.dtype == np.float64
            and self.W.shape == (F, K) and self.W.dtype == np.float32 and self.b.shape == (K,)
            and self.b.dtype == np.float64
        )  # repeated keys would only shadow each other: not checked, so loading stays O(1) in the keys
        if not ok:
            raise ModelFormatError(f"{path}: the sparse model's arrays do not fit together; the file is damaged")


def probabilities(D: np.ndarray, multiclass: str) -> np.ndarray:
    """(n, K) decision values -> (n, C) probabilities."""
    if multiclass == "multinomial":
        E = np.exp(D - D.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)
    P = 1.0 / (1.0 + np.exp(-np.clip(D, -500, 500)))  # (n, K)
    if P.shape[1] == 1:
        return np.hstack([1.0 - P, P])
    return P / np.maximum(P.sum(axis=1, keepdims=True), 1e-300)
