"""The NumPy neural-network engine: layers with hand-written backward passes, recurrent layers,
a Transformer encoder, losses, initialisers, optimizers and schedules, and gradient checking.

Conventions: every layer is a `Module` with `params`/`grads` dicts (same keys; grads accumulate),
`y, cache = layer.forward(x, train)` and `dx = layer.backward(dy, cache)`. Float32 for training,
float64 for gradient checks (`module.astype(np.float64)`).

The names below are imported from their modules on first use (PEP 562), not here: importing one layer
(`from seqkit.nn.layers import Linear`, as loading a model does) must not import the Numba kernels of
every other, which a one-line prediction never runs.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "activations": ("ELU", "GELU", "LeakyReLU", "ReLU", "Sigmoid", "Tanh", "activation", "sigmoid"),
    "batchnorm": ("BatchNorm",),
    "layers": ("Dropout", "Embedding", "LayerNorm", "Linear", "Pool", "WeightedMean", "last_valid_index",
               "lengths_to_mask"),
    "losses": ("log_softmax", "softmax", "softmax_cross_entropy"),
    "module": ("Module", "Sequential"),
    "optim": ("OPTIMIZERS", "clip_grad_norm", "linear_decay", "make_optimizer", "warmup_decay"),
    "recurrent": ("RecurrentConfig", "RecurrentEncoder", "RecurrentLayer"),
    "transformer": ("TransformerConfig", "TransformerEncoder", "sinusoidal_table"),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = list(_MODULE_OF)


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'seqkit.nn' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"seqkit.nn.{module}"), name)
    globals()[name] = value  # found directly next time
    return value
