"""The NumPy neural-network engine: layers with hand-written backward passes, recurrent layers,
a Transformer encoder, losses, initialisers, optimizers and schedules, and gradient checking.

Conventions: every layer is a `Module` with `params`/`grads` dicts (same keys; grads accumulate),
`y, cache = layer.forward(x, train)` and `dx = layer.backward(dy, cache)`. Float32 for training,
float64 for gradient checks (`module.astype(np.float64)`).
"""

from seqkit.nn.activations import ELU, GELU, LeakyReLU, ReLU, Sigmoid, Tanh, activation, sigmoid
from seqkit.nn.batchnorm import BatchNorm
from seqkit.nn.layers import (
    Dropout, Embedding, LayerNorm, Linear, Pool, WeightedMean, last_valid_index, lengths_to_mask,
)
from seqkit.nn.losses import log_softmax, softmax, softmax_cross_entropy
from seqkit.nn.module import Module, Sequential
from seqkit.nn.optim import OPTIMIZERS, clip_grad_norm, linear_decay, make_optimizer, warmup_decay
from seqkit.nn.recurrent import RecurrentConfig, RecurrentEncoder, RecurrentLayer
from seqkit.nn.transformer import TransformerConfig, TransformerEncoder, sinusoidal_table

__all__ = [
    "ELU", "GELU", "LeakyReLU", "ReLU", "Sigmoid", "Tanh", "activation", "sigmoid",
    "BatchNorm", "Dropout", "Embedding", "LayerNorm", "Linear", "Pool", "WeightedMean", "last_valid_index",
    "lengths_to_mask",
    "log_softmax", "softmax", "softmax_cross_entropy", "Module", "Sequential",
    "RecurrentConfig", "RecurrentEncoder", "RecurrentLayer", "OPTIMIZERS", "clip_grad_norm", "linear_decay",
    "make_optimizer", "warmup_decay", "TransformerConfig", "TransformerEncoder", "sinusoidal_table",
]
