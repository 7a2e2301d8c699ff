"""Dual coordinate descent for L2-regularised linear models, in Numba, as liblinear does it (Hsieh et al.
2008 for the squared-hinge SVM with shrinking; Yu, Huang and Lin 2011 for logistic regression). One-vs-rest
problems run in parallel, one class per thread; each class draws its own visiting order from its own seed,
so a result does not depend on the thread count.

The bias is a virtual last feature of value `bias` (liblinear's -B, scikit-learn's intercept_scaling),
regularised with the weights. `scale` (per class, per feature) multiplies every feature value: the NB
log-count ratios of NBSVM without a copy of the matrix per class. Checked against
tests/models/sparse/reference_sparse.py and against scikit-learn's objective.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from seqkit.fast import cache  # noqa: F401  (numba caches kernels on every seqkit source they reach)

SVM, LOGISTIC = 0, 1
INF = np.inf


@njit(inline="always")
def _next(state):
    """xorshift64*: (new state, a draw in [0, 2^62))."""
    x = state
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    return x, np.int64((x * np.uint64(0x2545F4914F6CDD1D)) >> np.uint64(2))


@njit(inline="always")
def _shuffle(order, n, state):
    for i in range(n):
        state, r = _next(state)
        j = i + r % (n - i)
        order[i], order[j] = order[j], order[i]
    return state


@njit(inline="always")
def _dot(X, scale, w, bias, i):
    """w . x_i (scale: (F,) factors, or (0,) for none)."""
    indptr, indices, data = X
    s = w[w.shape[0] - 1] * bias
    if scale.shape[0] == 0:
        for k in range(indptr[i], indptr[i + 1]):
            s += w[indices[k]] * data[k]
    else:
        for k in range(indptr[i], indptr[i + 1]):
            s += w[indices[k]] * data[k] * scale[indices[k]]
    return s


@njit(inline="always")
def _axpy(X, scale, w, bias, i, d):
    """w += d x_i."""
    indptr, indices, data = X
    if scale.shape[0] == 0:
        for k in range(indptr[i], indptr[i + 1]):
            w[indices[k]] += d * data[k]
    else:
        for k in range(indptr[i], indptr[i + 1]):
            w[indices[k]] += d * data[k] * scale[indices[k]]
    w[w.shape[0] - 1] += d * bias


@njit(inline="always")
def _sq_norms(X, scale, bias):
    indptr, indices, data = X
    n = indptr.shape[0] - 1
    out = np.empty(n)
    for i in range(n):
        s = bias * bias
        for k in range(indptr[i], indptr[i + 1]):
            v = data[k] * (1.0 if scale.shape[0] == 0 else scale[indices[k]])
            s += v * v
        out[i] = s
    return out


@njit(inline="always")
def svm_dual(X, scale, y, upper, bias, eps, max_iter, state, w):
    """Squared-hinge SVM: min 0.5|w|^2 + sum_i upper_i max(0, 1 - y_i w.x_i)^2, into w (F+1,). Returns passes."""
    n = y.shape[0]
    alpha = np.zeros(n)
    diag = 0.5 / upper  # (n,) the squared hinge's D_ii
    qd = _sq_norms(X, scale, bias) + diag
    order = np.arange(n)
    active = n
    pg_max_old, pg_min_old = INF, -INF
    it = 0
    while it < max_iter:
        pg_max, pg_min = -INF, INF
        state = _shuffle(order, active, state)
        s = 0
        while s < active:
            i = order[s]
            g = y[i] * _dot(X, scale, w, bias, i) - 1.0 + diag[i] * alpha[i]
            pg = g
            if alpha[i] == 0.0:
                if g > pg_max_old:  # shrink: likely to stay at the bound
                    active -= 1
                    order[s], order[active] = order[active], order[s]
                    continue
                if g > 0.0:
                    pg = 0.0
            pg_max = max(pg_max, pg)
            pg_min = min(pg_min, pg)
            if abs(pg) > 1e-12:
                old = alpha[i]
                alpha[i] = max(old - g / qd[i], 0.0)
                _axpy(X, scale, w, bias, i, (alpha[i] - old) * y[i])
            s += 1
        it += 1
        if pg_max - pg_min <= eps:
            if active == n:
                break
            active = n  # check once more on every example
            pg_max_old, pg_min_old = INF, -INF
            continue
        pg_max_old = pg_max if pg_max > 0 else INF
        pg_min_old = pg_min if pg_min < 0 else -INF
    return it


@njit(inline="always")
def _lr_newton(a, b, c, sign, old, inner_eps):
    """liblinear's one-variable Newton on the dual logistic sub-problem; returns (z, |first gradient|, steps)."""
    z = old
    if c - z < 0.5 * c:
        z = 0.1 * z
    gp = a * (z - old) + sign * b + np.log(z / (c - z))
    first = abs(gp)
    steps = 0
    while steps <= 100 and abs(gp) >= inner_eps:
        t = z - gp / (a + c / (c - z) / z)
        z = z * 0.1 if t <= 0.0 else t
        gp = a * (z - old) + sign * b + np.log(z / (c - z))
        steps += 1
    return z, first, steps


@njit(inline="always")
def logistic_dual(X, scale, y, upper, bias, eps, max_iter, state, w):
    """Logistic regression: min 0.5|w|^2 + sum_i upper_i log(1 + exp(-y_i w.x_i)), into w (F+1,). Returns passes."""
    n = y.shape[0]
    alpha = np.empty(2 * n)  # alpha[2i] + alpha[2i+1] = upper_i
    xx = _sq_norms(X, scale, bias)
    for i in range(n):
        alpha[2 * i] = min(0.001 * upper[i], 1e-8)
        alpha[2 * i + 1] = upper[i] - alpha[2 * i]
        _axpy(X, scale, w, bias, i, y[i] * alpha[2 * i])
    order = np.arange(n)
    inner_eps, inner_min = 1e-2, min(1e-8, eps)
    it = 0
    while it < max_iter:
        state = _shuffle(order, n, state)
        newton, g_max = 0, 0.0
        for s in range(n):
            i = order[s]
            b = y[i] * _dot(X, scale, w, bias, i)
            one, two, sign = 2 * i, 2 * i + 1, 1.0
            if 0.5 * xx[i] * (alpha[two] - alpha[one]) + b < 0:
                one, two, sign = two, one, -1.0
            old = alpha[one]
            z, first, steps = _lr_newton(xx[i], b, upper[i], sign, old, inner_eps)
            g_max = max(g_max, first)
            newton += steps
            if steps > 0:
                alpha[one], alpha[two] = z, upper[i] - z
                _axpy(X, scale, w, bias, i, sign * (z - old) * y[i])
        it += 1
        if g_max < eps:
            break
        if newton <= n // 10:
            inner_eps = max(inner_min, 0.1 * inner_eps)
    return it


@njit(parallel=True, cache=True)
def one_vs_rest(X, labels, scales, costs, settings, W):
    """Trains W[k] (K, F+1) for each class k against the rest, one class per thread. labels (n,) int64;
    scales (K or 1, F), or (1, 0) for none; costs (2, K): the C of problem k's positive and of its negative examples;
    settings: (loss SVM|LOGISTIC, bias, eps, max_iter, seed, binary: K == 1 and label 1 is positive).
    Returns passes per class (K,)."""
    loss, bias, eps, max_iter, seed, binary = settings
    K = W.shape[0]
    passes = np.zeros(K, np.int64)
    for k in prange(K):
        target = 1 if binary else k
        y = np.where(labels == target, 1.0, -1.0)
        upper = np.where(y > 0, costs[0, k], costs[1, k])
        scale = scales[k] if scales.shape[0] > 1 else scales[0]
        state = np.uint64(seed * 1000003 + k + 1) * np.uint64(0x9E3779B97F4A7C15) | np.uint64(1)
        if loss == SVM:
            passes[k] = svm_dual(X, scale, y, upper, bias, eps, max_iter, state, W[k])
        else:
            passes[k] = logistic_dual(X, scale, y, upper, bias, eps, max_iter, state, W[k])
    return passes
