"""The convolutional sentence classifier of Kim (2014) (`--arch cnn`):

    ids (B, T) -> emb (B, T, E*ch) -> per width K: conv K -> ReLU -> max over time (B, M)
               -> concat (B, nK*M) -> dropout -> linear -> logits (B, C)

Each convolution pads K - 1 zeros on both sides (Kim's), so a text shorter than the widest filter still
fills every window once; the max runs over the outputs whose window holds a real token (padding never
wins). Dropout acts on the pooled features only, as in the paper. Two channels (`--channels 2`): a
frozen copy of the vectors from the file beside the tuned one, stacked on the feature axis, so each
filter sees both (Kim's CNN-multichannel). With `--freeze-embeddings` the one channel is frozen (CNN-static).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from seqkit.models.data import PAD_ID
from seqkit.nn.conv import ConvMaxPool, distinct_rows
from seqkit.nn.layers import Dropout, Embedding, Linear, lengths_to_mask
from seqkit.nn.losses import softmax
from seqkit.nn.module import Module


class CNNConfig(Protocol):
    """What the CNN reads of its config (seqkit.models.classifier.ClassifierConfig has it all; this
    module does not import it: classifier.build_model imports this one)."""

    vocab_size: int
    n_classes: int
    embed_dim: int
    maps: int
    channels: int
    dropout: float
    padding: str
    freeze_embeddings: bool
    filter_widths: tuple[int, ...]


class CNNClassifier(Module):
    """Token ids -> class logits through max-pooled convolutions. See the module docstring."""

    def __init__(self, config: CNNConfig, rng: np.random.Generator, embeddings: np.ndarray | None = None):
        super().__init__()
        c = self.config = config
        self.embedding = Embedding(
            c.vocab_size, c.embed_dim, rng, padding_idx=PAD_ID, weights=embeddings, frozen=c.freeze_embeddings
        )
        # the second channel starts from the same vectors and never trains
        self.static = (
            Embedding(c.vocab_size, c.embed_dim, rng, padding_idx=PAD_ID, weights=embeddings, frozen=True)
            if c.channels == 2 else None
        )
        self.convs = [ConvMaxPool(c.embed_dim * c.channels, c.maps, k, rng) for k in c.filter_widths]
        self.drop = Dropout(c.dropout, np.random.default_rng(rng.integers(2**63)))
        self.head = Linear(c.maps * len(self.convs), c.n_classes, rng)

    def forward(self, x, train=False):
        """x = (ids (B, T) int, lengths (B,)) -> (logits (B, C), cache)."""
        ids, lengths = x
        mask = lengths_to_mask(lengths, ids.shape[1], pre_padded=self.config.padding == "pre")  # (B, T)
        uniq, index = distinct_rows(ids)  # (U,), (B, T): each word's vector goes through the filters once
        rows, _ = self.embedding.forward(uniq, train)  # (U, E)
        if self.static is not None:
            rows = np.concatenate([rows, self.static.forward(uniq, train)[0]], axis=1)  # (U, 2E): tuned, static
        tuned = not self.embedding.frozen
        feats, c_convs = [], []
        for conv in self.convs:
            f, cc = conv.forward(rows, train, mask=mask, need_dx=tuned, index=index)  # (B, M)
            feats.append(f)
            c_convs.append(cc)
        feat, c_drop = self.drop.forward(np.concatenate(feats, axis=1), train)  # (B, nK*M)
        logits, c_head = self.head.forward(feat, train)  # (B, C)
        return logits, (ids, c_convs, c_drop, c_head)

    def backward(self, dlogits, cache):
        ids, c_convs, c_drop, c_head = cache
        dfeat = self.drop.backward(self.head.backward(dlogits, c_head), c_drop)  # (B, nK*M)
        M = self.config.maps
        demb = None
        for k, (conv, cc) in enumerate(zip(self.convs, c_convs)):
            d = conv.backward(np.ascontiguousarray(dfeat[:, k * M : (k + 1) * M]), cc)  # (B, T, E*ch) or None
            if d is not None:
                demb = d if demb is None else demb + d
        if demb is not None:
            self.embedding.backward(demb[:, :, : self.config.embed_dim], ids)  # the tuned channel only
        return None

    def predict_proba(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """(B, T), (B,) -> class probabilities (B, C), no dropout."""
        logits, _ = self.forward((ids, lengths), train=False)
        return softmax(logits.astype(np.float64), axis=1)
