"""The solver reaches scikit-learn's optimum: the primal objective (same features, same C) within 1e-4
relative, for the squared-hinge SVM and logistic regression, two classes and three, one-vs-rest and
multinomial; class weights; NB scaling without a copy; the same weights with any thread count."""

from __future__ import annotations

import numpy as np
import pytest

from seqkit import runtime
from seqkit.models.sparse.config import SolverConfig
from seqkit.models.sparse.features import Csr
from seqkit.models.sparse.solver import fit, primal_objective

sklearn = pytest.importorskip("sklearn")


def _problem(n_labels, n=240, F=40, seed=0):
    from scipy.sparse import random as sparse_random

    rng = np.random.default_rng(seed)
    A = sparse_random(n, F, density=0.2, random_state=seed, format="csr")
    y = (A @ rng.normal(size=(F, n_labels)) + 0.5 * rng.normal(size=(n, n_labels))).argmax(axis=1)
    return Csr(A.indptr.astype(np.int64), A.indices.astype(np.int32), A.data.copy(), F), A, y


def _peer(loss, multiclass, n_labels, C, A, y, class_weight=None):
    """scikit-learn's weights (F, K) and intercepts (K,) in the solver's layout."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.svm import LinearSVC

    if loss == "svm":
        m = LinearSVC(C=C, tol=1e-10, max_iter=10**6, class_weight=class_weight).fit(A, y)
    elif multiclass == "multinomial":
        m = LogisticRegression(C=C, tol=1e-10, max_iter=10**5).fit(A, y)
    else:
        m = LogisticRegression(C=C, solver="liblinear", dual=True, tol=1e-10, max_iter=10**6)
        m = (OneVsRestClassifier(m) if n_labels > 2 else m).fit(A, y)
    if hasattr(m, "estimators_"):
        return np.vstack([e.coef_ for e in m.estimators_]).T, np.concatenate([e.intercept_ for e in m.estimators_])
    return m.coef_.T, m.intercept_


@pytest.mark.parametrize("loss,multiclass,n_labels", [
    ("svm", "ovr", 2), ("svm", "ovr", 3), ("logistic", "ovr", 2), ("logistic", "ovr", 3), ("logistic", "multinomial", 3),
])
def test_objective_reaches_scikit_learns(loss, multiclass, n_labels):
    X, A, y = _problem(n_labels)
    config = SolverConfig(loss=loss, multiclass=multiclass, C=0.7, tol=1e-8, max_iter=10**5)
    ours = fit(X, y, n_labels, config)
    W, b = _peer(loss, multiclass, n_labels, 0.7, A, y)
    theirs = primal_objective(X, y, n_labels, W, b, config)
    mine = primal_objective(X, y, n_labels, ours.W, ours.b, config)
    assert abs(mine - theirs) <= 1e-4 * theirs
    assert np.allclose(ours.W, W, rtol=1e-3, atol=1e-4) and np.allclose(ours.b, b, rtol=1e-3, atol=1e-4)  # one optimum
    worse = primal_objective(X, y, n_labels, ours.W * 1.01, ours.b, config)
    assert worse > mine  # the objective notices a small step off the optimum


def test_balanced_class_weights_reach_scikit_learns():
    X, A, y = _problem(3, seed=1)
    y[y == 2] = np.where(np.arange((y == 2).sum()) % 3 == 0, 2, 0)  # a rare class
    config = SolverConfig(C=0.5, tol=1e-8, max_iter=10**5, balanced=True)
    ours = fit(X, y, 3, config)
    theirs = primal_objective(X, y, 3, *_peer("svm", "ovr", 3, 0.5, A, y, "balanced"), config)
    assert abs(primal_objective(X, y, 3, ours.W, ours.b, config) - theirs) <= 1e-4 * theirs


@pytest.mark.parametrize("loss", ["svm", "logistic"])
def test_scales_equal_a_scaled_copy(loss):
    X, A, y = _problem(3, seed=2)
    r = np.random.default_rng(3).uniform(0.2, 3.0, size=(3, X.n_cols))  # a factor per class and feature
    config = SolverConfig(loss=loss, tol=1e-8, max_iter=10**5)
    got = fit(X, y, 3, config, r)
    for k in range(3):
        Xk = Csr(X.indptr, X.indices, X.data * r[k, X.indices], X.n_cols)
        one = fit(Xk, (y == k).astype(np.int64), 2, config)  # class k against the rest
        assert np.allclose(got.W[:, k], one.W[:, 0] * r[k], atol=1e-6) and np.isclose(got.b[k], one.b[0], atol=1e-6)


def test_same_weights_with_any_thread_count():
    X, _, y = _problem(4, seed=4)
    config = SolverConfig(tol=1e-3)
    with runtime.threads(1):
        one = fit(X, y, 4, config)
    with runtime.threads(2):
        two = fit(X, y, 4, config)
    assert np.array_equal(one.W, two.W) and one.passes == two.passes
