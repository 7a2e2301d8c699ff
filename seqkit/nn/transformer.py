"""Transformer encoder: positions, stacked (self-attention + feed-forward) blocks, pre- or post-LN.

x (B, T, D) embedded tokens and mask (B, T) bool -> (B, T', D), where T' = T + 1 with a [CLS] slot
(cls=True: a learned vector prepended at position 0; take out[:, 0] as the sequence summary).
The blocks run on the real tokens only, packed as (N, D) rows (PyTorch's nested tensors do the same
at inference): padding costs no product or norm, and the outputs at padded positions are zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from seqkit.errors import OptionError
from seqkit.nn.activations import activation
from seqkit.nn.attention import MultiHeadSelfAttention, PackedBatch
from seqkit.nn.layers import Dropout, LayerNorm, Linear
from seqkit.nn.module import Module


def sinusoidal_table(length: int, d_model: int) -> np.ndarray:
    """PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d)); (length, d) float32."""
    pos = np.arange(length)[:, None]  # (L, 1)
    two_i = np.arange(0, d_model, 2)[None, :]  # (1, ceil(d/2))
    angle = pos / np.power(10000.0, two_i / d_model)  # (L, ceil(d/2))
    pe = np.zeros((length, d_model))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, : d_model // 2])
    return pe.astype(np.float32)


@dataclass
class TransformerConfig:
    d_model: int = 100  # token vector size through the whole stack (the embedding size)
    heads: int = 4  # attention heads; d_model must be divisible by it
    ffn: int = 256  # hidden units of the position-wise feed-forward block
    layers: int = 2  # stacked encoder blocks
    dropout: float = 0.1  # on embeddings+positions, on each sub-block's output and on attention weights
    positional: Literal["sinusoidal", "learned"] = "sinusoidal"  # fixed table or trained vectors
    norm: Literal["pre", "post"] = "pre"  # pre-LN trains stably without warm-up; post-LN is the 2017 original
    max_len: int = 512  # the longest sequence the positions cover (learned table size)
    activation: Literal["relu", "gelu"] = "relu"  # the feed-forward non-linearity
    cls: bool = False  # prepend a learned [CLS] vector whose output summarises the sequence
    scale_input: bool = True  # multiply embeddings by sqrt(d_model) so they are not drowned by the positions


class FeedForward(Module):
    """Linear(D, F) -> activation -> dropout -> Linear(F, D), applied at every position."""

    def __init__(self, d_model: int, ffn: int, rng: np.random.Generator, act: str = "relu", dropout: float = 0.0):
        super().__init__()
        self.lin1 = Linear(d_model, ffn, rng, init_fn="he" if act == "relu" else "xavier")
        self.act = activation(act)
        self.drop = Dropout(dropout, np.random.default_rng(rng.integers(2**63)))
        self.lin2 = Linear(ffn, d_model, rng)

    def forward(self, x, train=False):
        h, c1 = self.lin1.forward(x, train)  # (..., F)
        h, c2 = self.act.forward(h, train)
        h, c3 = self.drop.forward(h, train)
        y, c4 = self.lin2.forward(h, train)  # (..., D)
        return y, (c1, c2, c3, c4)

    def backward(self, dy, cache):
        c1, c2, c3, c4 = cache
        d = self.lin2.backward(dy, c4)
        d = self.drop.backward(d, c3)
        d = self.act.backward(d, c2)
        return self.lin1.backward(d, c1)


class EncoderBlock(Module):
    """post-LN: x = LN(x + drop(attn(x))); x = LN(x + drop(ffn(x))).
    pre-LN:  x = x + drop(attn(LN(x))); x = x + drop(ffn(LN(x))).
    x (B, T, D) with a bool mask, or x (N, D) with a PackedBatch as the mask."""

    def __init__(self, c: TransformerConfig, rng: np.random.Generator):
        super().__init__()
        self.norm_kind = c.norm
        self.attn = MultiHeadSelfAttention(c.d_model, c.heads, rng, c.dropout)
        self.ln1 = LayerNorm(c.d_model)
        self.ffn = FeedForward(c.d_model, c.ffn, rng, c.activation, c.dropout)
        self.ln2 = LayerNorm(c.d_model)
        self.drop1 = Dropout(c.dropout, np.random.default_rng(rng.integers(2**63)))
        self.drop2 = Dropout(c.dropout, np.random.default_rng(rng.integers(2**63)))

    def forward(self, x, train=False, mask=None):
        if self.norm_kind == "pre":
            h, cn1 = self.ln1.forward(x, train)
            h, ca = self.attn.forward(h, train, mask)
            h, cd1 = self.drop1.forward(h, train)
            x = x + h
            h, cn2 = self.ln2.forward(x, train)
            h, cf = self.ffn.forward(h, train)
            h, cd2 = self.drop2.forward(h, train)
            return x + h, (cn1, ca, cd1, cn2, cf, cd2)
        h, ca = self.attn.forward(x, train, mask)
        h, cd1 = self.drop1.forward(h, train)
        x, cn1 = self.ln1.forward(x + h, train)
        h, cf = self.ffn.forward(x, train)
        h, cd2 = self.drop2.forward(h, train)
        y, cn2 = self.ln2.forward(x + h, train)
        return y, (cn1, ca, cd1, cn2, cf, cd2)

    def backward(self, dy, cache):
        cn1, ca, cd1, cn2, cf, cd2 = cache
        if self.norm_kind == "pre":
            dh = self.drop2.backward(dy, cd2)
            dh = self.ffn.backward(dh, cf)
            dx = dy + self.ln2.backward(dh, cn2)
            dh = self.drop1.backward(dx, cd1)
            dh = self.attn.backward(dh, ca)
            return dx + self.ln1.backward(dh, cn1)
        dsum = self.ln2.backward(dy, cn2)
        dh = self.drop2.backward(dsum, cd2)
        dx = dsum + self.ffn.backward(dh, cf)
        dsum = self.ln1.backward(dx, cn1)
        dh = self.drop1.backward(dsum, cd1)
        return dsum + self.attn.backward(dh, ca)


class TransformerEncoder(Module):
    """Embedded tokens (B, T, D) + positions -> dropout -> blocks -> final LN (pre-LN only) -> (B, T', D)."""

    def __init__(self, config: TransformerConfig, rng: np.random.Generator):
        super().__init__()
        c = self.config = config
        if c.positional not in ("sinusoidal", "learned"):
            raise OptionError(f"positional must be sinusoidal or learned, got {c.positional!r}")
        if c.norm not in ("pre", "post"):
            raise OptionError(f"norm must be pre or post, got {c.norm!r}")
        if c.positional == "learned":
            self.add_param("pos", (rng.standard_normal((c.max_len + 1, c.d_model)) * 0.02).astype(np.float32))
        else:
            self.buffers["pos"] = sinusoidal_table(c.max_len + 1, c.d_model)  # not trained; +1 for [CLS]
        if c.cls:
            self.add_param("cls", (rng.standard_normal(c.d_model) * 0.02).astype(np.float32))  # (D,)
        self.drop = Dropout(c.dropout, np.random.default_rng(rng.integers(2**63)))
        self.blocks = [EncoderBlock(c, rng) for _ in range(c.layers)]
        self.final_ln = LayerNorm(c.d_model) if c.norm == "pre" else None

    def _pos(self) -> np.ndarray:
        return self.params["pos"] if "pos" in self.params else self.buffers["pos"]

    def output_mask(self, mask: np.ndarray | None, B: int, T: int) -> np.ndarray | None:
        """The mask of the output steps: with [CLS], one more always-valid step in front."""
        if not self.config.cls:
            return mask
        if mask is None:
            mask = np.ones((B, T), bool)
        return np.concatenate([np.ones((B, 1), bool), mask], axis=1)

    def forward(self, x, train=False, mask=None):
        c = self.config
        B, T, D = x.shape
        if T + int(c.cls) > c.max_len + 1:
            raise OptionError(f"sequence length {T} exceeds the encoder's max_len={c.max_len}; truncate the input")
        h = x * np.asarray(np.sqrt(D) if c.scale_input else 1.0, x.dtype)
        if c.cls:
            h = np.concatenate([np.broadcast_to(self.params["cls"], (B, 1, D)), h], axis=1)  # (B, T+1, D)
        Tp = h.shape[1]
        h = h + self._pos()[:Tp]
        packed = PackedBatch.of(self.output_mask(mask, B, T), B, Tp)
        h = packed.pack(h)  # (N, D): the blocks see only the real tokens
        h, cd = self.drop.forward(h, train)
        caches = []
        for block in self.blocks:
            h, cb = block.forward(h, train, packed)
            caches.append(cb)
        cl = None
        if self.final_ln is not None:
            h, cl = self.final_ln.forward(h, train)
        return packed.unpack(h), (cd, caches, cl, packed)

    def backward(self, dy, cache):
        cd, caches, cl, packed = cache
        Tp = packed.T
        c = self.config
        dy = packed.pack(np.asarray(dy))  # (N, D); the padded outputs are constant zeros
        if self.final_ln is not None:
            dy = self.final_ln.backward(dy, cl)
        for block, cb in zip(reversed(self.blocks), reversed(caches)):
            dy = block.backward(dy, cb)
        dy = packed.unpack(self.drop.backward(dy, cd))  # (B, T', D)
        if "pos" in self.params:
            self.grads["pos"][:Tp] += dy.sum(axis=0)
        if c.cls:
            self.grads["cls"] += dy[:, 0].sum(axis=0)
            dy = dy[:, 1:]
        D = dy.shape[-1]
        return dy * np.asarray(np.sqrt(D) if c.scale_input else 1.0, dy.dtype)
