"""Gradient checking by centred finite differences in float64.

`compare(loss_fn, arrays, analytic)` perturbs entries of each array in place, reads the loss from
`loss_fn()`, and returns the relative error ||a - n|| / (||a|| + ||n||) per array. `check_layer` does the
whole dance for one Module: cast to float64, project every output on a fixed random tensor so the loss
is a scalar, run backward, and compare the parameter and input gradients.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from seqkit.nn.module import Module


def relative_error(a: np.ndarray, n: np.ndarray) -> float:
    """||a - n|| / (||a|| + ||n||); 0 when both are zero."""
    denom = np.linalg.norm(a) + np.linalg.norm(n)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - n) / denom)


def numerical_gradient(
    loss_fn: Callable[[], float], x: np.ndarray, idx: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """d loss / d x at flat indices idx, by (f(x+e) - f(x-e)) / 2e, changing x in place and restoring it."""
    flat = x.reshape(-1)  # a view: x must be contiguous
    out = np.empty(len(idx))
    for k, i in enumerate(idx):
        old = flat[i]
        flat[i] = old + eps
        fp = loss_fn()
        flat[i] = old - eps
        fm = loss_fn()
        flat[i] = old
        out[k] = (fp - fm) / (2 * eps)
    return out


def sample_indices(size: int, max_entries: int | None, rng: np.random.Generator) -> np.ndarray:
    if max_entries is None or size <= max_entries:
        return np.arange(size)
    return np.sort(rng.choice(size, max_entries, replace=False))


def compare(
    loss_fn: Callable[[], float],
    arrays: dict[str, np.ndarray],
    analytic: dict[str, np.ndarray],
    eps: float = 1e-6,
    max_entries: int | None = 40,
    seed: int = 0,
) -> dict[str, float]:
    """Relative error of analytic against numerical gradients for each named array (a sample of entries)."""
    rng = np.random.default_rng(seed)
    errors = {}
    for name, x in arrays.items():
        if x.dtype != np.float64 or not x.flags.c_contiguous:
            raise TypeError(f"gradcheck needs contiguous float64 arrays; {name} is {x.dtype}")
        idx = sample_indices(x.size, max_entries, rng)
        num = numerical_gradient(loss_fn, x, idx, eps)
        errors[name] = relative_error(np.asarray(analytic[name]).reshape(-1)[idx], num)
    return errors


def _as_tuple(y) -> tuple:
    return y if isinstance(y, tuple) else (y,)


def check_layer(
    layer: Module,
    x: Any,
    forward_kwargs: dict | None = None,
    eps: float = 1e-6,
    max_entries: int | None = 40,
    seed: int = 0,
    check_input: bool = True,
    train: bool = False,
) -> dict[str, float]:
    """Relative errors of every parameter gradient (dotted names) and of dx (key 'x') for one layer.

    The layer is cast to float64 in place. x is a float array (cast to float64) or an int array (ids:
    no input gradient). Outputs may be an array or a tuple of arrays; each is projected on a random tensor.
    """
    forward_kwargs = forward_kwargs or {}
    layer.astype(np.float64)
    rng = np.random.default_rng(seed)
    floating = np.issubdtype(np.asarray(x).dtype, np.floating)
    if floating:
        x = np.ascontiguousarray(x, dtype=np.float64)
    y, _ = layer.forward(x, train, **forward_kwargs)
    proj = tuple(None if yi is None else rng.standard_normal(np.shape(yi)) for yi in _as_tuple(y))

    def loss_fn() -> float:
        out, _ = layer.forward(x, train, **forward_kwargs)
        return float(sum(np.sum(o * r) for o, r in zip(_as_tuple(out), proj) if r is not None))

    layer.zero_grad()
    y, cache = layer.forward(x, train, **forward_kwargs)
    dy = proj if isinstance(y, tuple) else proj[0]
    dx = layer.backward(dy, cache)
    arrays = {name: p for name, p, _ in layer.named_parameters()}
    analytic = {name: g.copy() for name, _, g in layer.named_parameters()}
    if floating and check_input:
        arrays["x"] = x
        analytic["x"] = dx
    return compare(loss_fn, arrays, analytic, eps, max_entries, seed)
