"""Fitting the sparse model's weights: one-vs-rest by dual coordinate descent (cd_kernels.py, Numba, a class
per thread) or multinomial logistic regression by SciPy's L-BFGS on the primal. Also the primal objectives,
which the tests compare with scikit-learn's. Never prints."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqkit.models.sparse.config import SolverConfig
from seqkit.models.sparse.features import Csr


@dataclass
class Fit:
    W: np.ndarray  # (F, K) float64 weights; K = 1 for two classes (positive: the second label)
    b: np.ndarray  # (K,) intercepts
    passes: list[int]  # coordinate descent passes per class (L-BFGS iterations for multinomial)


def class_c(labels: np.ndarray, n_labels: int, config: SolverConfig) -> np.ndarray:
    """(n_labels,) the C of an example of each label: C, or C * n / (labels * its texts) with balanced."""
    if not config.balanced:
        return np.full(n_labels, config.C)
    counts = np.bincount(labels, minlength=n_labels).astype(np.float64)
    return config.C * len(labels) / (n_labels * np.maximum(counts, 1.0))


def ovr_costs(labels: np.ndarray, n_labels: int, config: SolverConfig) -> np.ndarray:
    """(2, K): the C of each one-vs-rest problem's positive and negative examples, as liblinear weighs
    them: two labels, each label's own C; more, the class's C against plain C for the rest."""
    c = class_c(labels, n_labels, config)
    if n_labels == 2:
        return np.array([[c[1]], [c[0]]])
    return np.vstack([c, np.full(n_labels, config.C)])


def fit(X: Csr, labels: np.ndarray, n_labels: int, config: SolverConfig, scales: np.ndarray | None = None) -> Fit:
    """Weights for texts X (n, F) with labels (n,) in [0, n_labels). scales (K, F): per-class feature
    factors (NB ratios), folded into the returned W so that prediction multiplies X by W alone."""
    labels = np.ascontiguousarray(labels, np.int64)
    if config.multiclass == "multinomial":
        return _multinomial(X, labels, n_labels, config)
    from seqkit.models.sparse.cd_kernels import LOGISTIC, SVM, one_vs_rest

    K = 1 if n_labels == 2 else n_labels
    scaled = scales is not None
    scales = np.ascontiguousarray(scales, np.float64) if scaled else np.ones((1, 0))
    W = np.zeros((K, X.n_cols + 1))  # (K, F + 1): the bias weight last
    settings = (SVM if config.loss == "svm" else LOGISTIC, float(config.bias), float(config.tol),
                int(config.max_iter), int(config.seed), K == 1)
    data = (X.indptr, X.indices, np.ascontiguousarray(X.data, np.float64))
    passes = one_vs_rest(data, labels, scales, ovr_costs(labels, n_labels, config), settings, W)
    Wf = W[:, :-1] * scales if scaled else W[:, :-1]  # (K, F): scales folded in
    return Fit(np.ascontiguousarray(Wf.T), W[:, -1] * config.bias, [int(p) for p in passes])


def _multinomial(X: Csr, labels: np.ndarray, n_labels: int, config: SolverConfig) -> Fit:
    """min 0.5 |W|^2 + sum_i c_i (logsumexp(z_i) - z_i[y_i]), z = X W + b, b unregularised (scikit-learn's
    LogisticRegression with lbfgs), by L-BFGS."""
    from scipy.optimize import minimize

    A = X.scipy()
    F, K = X.n_cols, n_labels
    Y = np.zeros((len(labels), K))
    Y[np.arange(len(labels)), labels] = 1.0
    c = class_c(labels, n_labels, config)[labels][:, None]  # (n, 1)
    norm = float(c.sum())  # minimised divided by this, as scikit-learn does: --tol means the same there

    def objective(theta):
        W, b = theta[: F * K].reshape(F, K), theta[F * K:]
        Z = A @ W + b  # (n, K)
        Z -= Z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(Z).sum(axis=1, keepdims=True))
        P = np.exp(Z - lse)  # (n, K)
        f = 0.5 * float(np.sum(W * W)) + float(np.sum(c * (lse - (Z * Y).sum(axis=1, keepdims=True))))
        G = c * (P - Y)  # (n, K)
        return f / norm, np.concatenate([(W + A.T @ G).ravel(), G.sum(axis=0)]) / norm

    r = minimize(objective, np.zeros(F * K + K), jac=True, method="L-BFGS-B",
                 options={"maxiter": config.max_iter, "gtol": config.tol, "ftol": 64 * np.finfo(float).eps, "maxls": 50})
    return Fit(r.x[: F * K].reshape(F, K).copy(), r.x[F * K:].copy(), [int(r.nit)])


def decision(X: Csr, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, K) decision values X W + b."""
    return X.scipy() @ W + b


def primal_objective(X: Csr, labels: np.ndarray, n_labels: int, W: np.ndarray, b: np.ndarray, config: SolverConfig) -> float:
    """The objective the solver minimises (sum over one-vs-rest problems), at weights W (F, K) and b (K,)
    taken as the model's (scales folded in): for tests, with the same features and C as a peer's."""
    Z = decision(X, W, b)  # (n, K)
    if config.multiclass == "multinomial":
        c = class_c(labels, n_labels, config)[labels]  # (n,)
        Zs = Z - Z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(Zs).sum(axis=1))
        return 0.5 * float(np.sum(W * W)) + float(np.sum(c * (lse - Zs[np.arange(len(labels)), labels])))
    K = W.shape[1]
    Y = np.where(labels[:, None] == (np.arange(K) + (1 if K == 1 else 0))[None, :], 1.0, -1.0)  # (n, K)
    margin = Y * Z
    costs = ovr_costs(labels, n_labels, config)
    c = np.where(Y > 0, costs[0], costs[1])  # (n, K)
    if config.loss == "svm":
        loss = np.maximum(0.0, 1.0 - margin) ** 2
    else:
        loss = np.logaddexp(0.0, -margin)
    reg = 0.5 * (float(np.sum(W * W)) + float(np.sum((b / config.bias) ** 2)))
    return reg + float(np.sum(c * loss))
