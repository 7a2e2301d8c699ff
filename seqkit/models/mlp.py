"""The multi-layer perceptron over document vectors (`--arch mlp`):

    ids (B, T) -> emb (B, T, E) -> doc (B, E) weighted mean -> [Linear -> BatchNorm? -> act -> Dropout] x layers
               -> logits (B, C)

A text's vector is the mean of its word vectors, plain or tf-idf-weighted, as `seqkit vectors --docs`
computes it (seqkit/embed/docvec.py). The per-word weights are one (V,) buffer, saved with the model:
1 or the idf over the training texts for each vocabulary word, 0 for <pad> and <unk> and, when the
vectors are frozen, for words the vector file lacks (left out, as `vectors --docs` leaves them out).
Because the mean is computed inside the network, `--tune-embeddings` trains the vectors through it.
"""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from seqkit.embed.docvec import word_weights
from seqkit.models.data import PAD_ID, UNK_ID
from seqkit.nn.activations import activation
from seqkit.nn.batchnorm import BatchNorm
from seqkit.nn.layers import Dropout, Embedding, Linear, WeightedMean
from seqkit.nn.losses import softmax
from seqkit.nn.module import Module


class MLPConfig(Protocol):
    """What the MLP reads of its config (seqkit.models.classifier.ClassifierConfig has it all; this
    module does not import it: classifier.build_model imports this one)."""

    vocab_size: int
    n_classes: int
    embed_dim: int
    hidden: int
    layers: int
    dropout: float
    activation: str
    batch_norm: bool
    freeze_embeddings: bool
    doc_weight: str


def text_word_weights(
    config: MLPConfig, train_seqs: Sequence[np.ndarray], known: np.ndarray | None = None
) -> np.ndarray:
    """(V,) float32 weight of each vocabulary word in a text's mean: idf over `train_seqs` (id arrays) for
    tfidf, 1 for mean; 0 for <pad>, <unk> and the words where `known` (V,) bool is False."""
    w = word_weights(config.doc_weight, train_seqs, config.vocab_size)  # (V,)
    w[[PAD_ID, UNK_ID]] = 0.0
    if known is not None:
        w[~known] = 0.0
    return w.astype(np.float32)


class MLPClassifier(Module):
    """Token ids -> class logits through the (weighted) mean of their vectors. See the module docstring."""

    def __init__(
        self,
        config: MLPConfig,
        rng: np.random.Generator,
        embeddings: np.ndarray | None = None,
        word_weight: np.ndarray | None = None,
    ):
        super().__init__()
        c = self.config = config
        self.embedding = Embedding(
            c.vocab_size, c.embed_dim, rng, padding_idx=PAD_ID, weights=embeddings, frozen=c.freeze_embeddings
        )
        if word_weight is None:  # every word counts once; a loaded model replaces this with its own table
            word_weight = np.ones(c.vocab_size, np.float32)
            word_weight[[PAD_ID, UNK_ID]] = 0.0
        self.buffers["word_weight"] = np.asarray(word_weight, np.float32)  # (V,)
        self.mean = WeightedMean()
        init_fn = "he" if c.activation == "relu" else "xavier"
        widths = [c.embed_dim] + [c.hidden] * c.layers
        # with batch norm a bias before it is cancelled by the mean: the norm's beta is the shift
        self.linears = [Linear(a, b, rng, bias=not c.batch_norm, init_fn=init_fn) for a, b in zip(widths, widths[1:])]
        self.norms = [BatchNorm(c.hidden) for _ in range(c.layers)] if c.batch_norm else []
        self.acts = [activation(c.activation) for _ in range(c.layers)]
        self.drops = [Dropout(c.dropout, np.random.default_rng(rng.integers(2**63))) for _ in range(c.layers)]
        self.head = Linear(widths[-1], c.n_classes, rng)

    def forward(self, x, train=False):
        """x = (ids (B, T) int, lengths (B,)) -> (logits (B, C), cache). Padding has weight 0, so lengths are unused."""
        ids, _ = x
        emb, c_emb = self.embedding.forward(ids, train)  # (B, T, E)
        w = self.buffers["word_weight"][ids]  # (B, T)
        h, c_mean = self.mean.forward(emb, train, weights=w)  # (B, E)
        caches = []
        for k, (lin, act, drop) in enumerate(zip(self.linears, self.acts, self.drops)):
            h, c_lin = lin.forward(h, train)  # (B, H)
            c_norm = None
            if self.norms:
                h, c_norm = self.norms[k].forward(h, train)
            h, c_act = act.forward(h, train)
            h, c_drop = drop.forward(h, train)
            caches.append((c_lin, c_norm, c_act, c_drop))
        logits, c_head = self.head.forward(h, train)  # (B, C)
        return logits, (c_emb, c_mean, caches, c_head)

    def backward(self, dlogits, cache):
        c_emb, c_mean, caches, c_head = cache
        dh = self.head.backward(dlogits, c_head)  # (B, H)
        for k in reversed(range(len(caches))):
            c_lin, c_norm, c_act, c_drop = caches[k]
            dh = self.drops[k].backward(dh, c_drop)
            dh = self.acts[k].backward(dh, c_act)
            if self.norms:
                dh = self.norms[k].backward(dh, c_norm)
            dh = self.linears[k].backward(dh, c_lin)  # (B, E) at the end
        if not self.embedding.frozen:
            demb = self.mean.backward(dh, c_mean)  # (B, T, E)
            self.embedding.backward(demb, c_emb)
        return None

    def predict_proba(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """(B, T), (B,) -> class probabilities (B, C): no dropout, batch norm by its running averages."""
        logits, _ = self.forward((ids, lengths), train=False)
        return softmax(logits.astype(np.float64), axis=1)

    has_numpy_path = True  # predict_proba_numpy serves every MLP

    def predict_proba_numpy(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """predict_proba without Numba, for a few short texts: forward's evaluation steps, NumPy's products."""
        emb, _ = self.embedding.forward(ids)  # (B, T, E)
        h, _ = self.mean.forward(emb, weights=self.buffers["word_weight"][ids])  # (B, E)
        for k, (lin, act) in enumerate(zip(self.linears, self.acts)):
            h = lin.predict_numpy(h)  # (B, H)
            if self.norms:
                h, _ = self.norms[k].forward(h)  # by the running averages
            h, _ = act.forward(h)
        return softmax(self.head.predict_numpy(h).astype(np.float64), axis=1)
