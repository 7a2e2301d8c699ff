"""Batch normalisation (Ioffe & Szegedy 2015) over the feature axis of (N, D) inputs.

In training each feature is normalised by the batch's own mean and (biased) variance, then scaled by
gamma and shifted by beta; the running averages move towards the batch statistics with `momentum`
(the running variance takes the unbiased estimate, as PyTorch's BatchNorm1d does). In evaluation the
running averages normalise instead, so a prediction does not depend on the rest of its batch. The
running averages are buffers: saved and loaded with the model, never trained.
"""

from __future__ import annotations

import numpy as np

from seqkit.errors import OptionError
from seqkit.nn.module import Module


class BatchNorm(Module):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta per feature; x is (N, D) (any leading shape is flattened)."""

    def __init__(self, dim: int, momentum: float = 0.1, eps: float = 1e-5):
        super().__init__()
        if not 0.0 <= momentum <= 1.0:
            raise OptionError(f"batch-norm momentum must be in [0, 1], got {momentum}")
        self.momentum = momentum  # weight of the newest batch in the running averages (PyTorch's default)
        self.eps = eps  # keeps the division finite for a constant feature
        self.add_param("gamma", np.ones(dim, np.float32))  # (D,)
        self.add_param("beta", np.zeros(dim, np.float32))  # (D,)
        self.buffers["running_mean"] = np.zeros(dim, np.float32)  # (D,)
        self.buffers["running_var"] = np.ones(dim, np.float32)  # (D,)

    def forward(self, x, train=False):
        D = x.shape[-1]
        x2 = x.reshape(-1, D)  # (N, D)
        if train:
            n = x2.shape[0]
            if n < 2:
                raise OptionError(
                    "batch normalisation needs at least 2 examples per training batch (a batch of one has no variance)"
                )
            mean = x2.mean(axis=0)  # (D,)
            var = x2.var(axis=0)  # (D,) biased, as the normalisation uses
            self._update_running(mean, var * (n / (n - 1)))
        else:
            mean, var = self.buffers["running_mean"], self.buffers["running_var"]
        rstd = (1.0 / np.sqrt(var + self.eps)).astype(x2.dtype, copy=False)  # (D,)
        xhat = (x2 - mean) * rstd  # (N, D)
        y = xhat * self.params["gamma"] + self.params["beta"]  # (N, D)
        return y.reshape(x.shape), (xhat, rstd, train, x.shape)

    def _update_running(self, mean: np.ndarray, unbiased_var: np.ndarray) -> None:
        m = self.momentum
        for key, value in (("running_mean", mean), ("running_var", unbiased_var)):
            buf = self.buffers[key]
            buf *= 1.0 - m
            buf += m * value.astype(buf.dtype, copy=False)

    def backward(self, dy, cache):
        xhat, rstd, train, shape = cache
        dy2 = dy.reshape(-1, shape[-1])  # (N, D)
        self.grads["gamma"] += (dy2 * xhat).sum(axis=0)
        self.grads["beta"] += dy2.sum(axis=0)
        dxhat = dy2 * self.params["gamma"]  # (N, D)
        if not train:  # fixed statistics: an affine map per feature
            return (dxhat * rstd).reshape(shape)
        # the batch's mean and variance depend on every row:
        # dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), means over the batch
        dx = rstd * (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0))
        return dx.reshape(shape)
