"""The sequence classifier: embedding -> recurrent or Transformer encoder -> pooling -> dropout -> linear.

    ids (B, T) -> emb (B, T, E) -> enc (B, T, F) -> feat (B, P) -> logits (B, C)

`--arch mlp` (seqkit/models/mlp.py) and `--arch cnn` (seqkit/models/cnn.py) share the configuration and
the file; `build_model` picks the class.

The model is a `seqkit.nn.Module`, so its parameters are walked by name, saved with `state_dict()` and
trained by any of the engine's optimizers. `forward` returns the logits and a cache; `backward` takes
dlogits and fills the gradients.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Literal

import numpy as np

from seqkit import limits
from seqkit.errors import ModelFormatError, OptionError
from seqkit.nn.layers import Dropout, Embedding, Linear, Pool, lengths_to_mask
from seqkit.nn.losses import softmax
from seqkit.nn.module import Module

ARCHS = ("rnn", "lstm", "gru", "transformer", "mlp", "cnn")
_FIELD_TYPES = {"int": int, "bool": bool, "float": (int, float)}  # other fields are Literal strings
_LIMITS = {"embed_dim": limits.MAX_DIM, "hidden": limits.MAX_HIDDEN, "layers": limits.MAX_LAYERS,
           "heads": limits.MAX_HEADS, "ffn": limits.MAX_FFN, "max_len": limits.MAX_LEN, "maps": limits.MAX_HIDDEN}
POOLS = ("last", "mean", "max", "meanmax", "cls")
MLP_ACTIVATIONS = ("relu", "sigmoid", "tanh")
DOC_WEIGHTS = ("mean", "tfidf")


@dataclass(frozen=True)
class ClassifierConfig:
    """The architecture. The command line builds it (sizes from the data left 0); fit_classifier sets
    vocab_size and n_classes once the data is read.

    A new architecture plugs in here: its name in ARCHS (and `Arch` in cli/classify.py), its own options
    as fields with defaults (old model files still load) plus an option line each in cli/classify.py's
    ARCHITECTURE group (same name as the field), checks in __post_init__, and an encoder builder in
    SequenceClassifier._encoder; a model of another shape (mlp) is its own Module, picked by build_model.
    """

    vocab_size: int = 0  # rows of the embedding table, <pad> and <unk> included (set from the data)
    n_classes: int = 0  # outputs of the head (softmax over them) (set from the data)
    arch: Literal["rnn", "lstm", "gru", "transformer", "mlp", "cnn"] = "gru"  # the encoder (mlp: none, a text is its mean vector)
    embed_dim: int = 100  # token vector size (d_model for the transformer); 100 or 300 to match word2vec files
    hidden: int = 128  # recurrent state per direction
    layers: int = 1  # stacked recurrent layers or Transformer blocks
    bidirectional: bool = False  # recurrent only: read each text both ways; helps pooling over all steps
    dropout: float = 0.2  # on embeddings, between layers and before the head: the main regulariser here
    pool: Literal["last", "mean", "max", "meanmax", "cls"] = "last"  # text vector from the encoder's steps (cls: transformer's [CLS])
    heads: int = 4  # transformer: attention heads (must divide embed_dim)
    ffn: int = 256  # transformer: width of the position-wise feed-forward layer
    positional: Literal["sinusoidal", "learned"] = "sinusoidal"  # transformer: how positions enter
    norm: Literal["pre", "post"] = "pre"  # transformer: LayerNorm before (stable) or after each sub-layer
    max_len: int = 400  # longest input; the learned positional table has this many rows
    freeze_embeddings: bool = False  # keep pretrained vectors fixed (fewer parameters to fit)
    padding: Literal["pre", "post"] = "post"  # where the pad tokens sit in each row
    activation: Literal["relu", "sigmoid", "tanh"] = "relu"  # mlp: the hidden layers' nonlinearity
    batch_norm: bool = False  # mlp: normalise each hidden layer's pre-activations over the batch
    doc_weight: Literal["mean", "tfidf"] = "mean"  # mlp: a text's vector is the plain or tf-idf-weighted mean
    tune_embeddings: bool = False  # mlp: train vectors from a file too (frozen by default: the mean of good vectors is the feature)
    filters: str = "3,4,5"  # cnn: comma-separated filter widths, one convolution each (Kim's 3,4,5)
    maps: int = 100  # cnn: feature maps per filter width
    channels: int = 1  # cnn: 2 adds a frozen copy of the --embeddings vectors beside the tuned one (Kim's multichannel)

    def __post_init__(self):
        if self.arch not in ARCHS:
            raise OptionError(f"--arch must be one of {', '.join(ARCHS)}, got {self.arch!r}")
        if self.pool not in POOLS:
            raise OptionError(f"--pool must be one of {', '.join(POOLS)}, got {self.pool!r}")
        for name in ("embed_dim", "hidden", "layers", "heads", "ffn", "max_len", "maps"):
            if getattr(self, name) < 1:
                raise OptionError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
            limits.check_range(f"--{name.replace('_', '-')}", getattr(self, name), 1, _LIMITS[name])
        if self.activation not in MLP_ACTIVATIONS:
            raise OptionError(f"--activation must be one of {', '.join(MLP_ACTIVATIONS)}, got {self.activation!r}")
        if self.doc_weight not in DOC_WEIGHTS:
            raise OptionError(f"--doc-weight must be one of {', '.join(DOC_WEIGHTS)}, got {self.doc_weight!r}")
        if self.batch_norm and self.arch != "mlp":
            raise OptionError("--batch-norm is for --arch mlp (the sequence encoders use --norm or none)")
        if self.tune_embeddings and self.arch != "mlp":
            raise OptionError("--tune-embeddings is for --arch mlp: the other architectures train their vectors unless --freeze-embeddings")
        if self.tune_embeddings and self.freeze_embeddings:
            raise OptionError("--tune-embeddings and --freeze-embeddings contradict each other: pass one")
        self._check_cnn()
        if not 0.0 <= self.dropout < 1.0:
            raise OptionError(f"--dropout must be in [0, 1), got {self.dropout}")
        if self.pool == "cls" and self.arch != "transformer":
            raise OptionError("--pool cls needs --arch transformer; recurrent encoders use last, mean, max or meanmax")
        if self.arch == "transformer" and self.padding == "pre":
            raise OptionError(
                "--padding pre does not suit the transformer (positions count from the start of each row): use --padding post"
            )
        if self.arch == "transformer" and self.embed_dim % self.heads:
            raise OptionError(
                f"--embed-dim {self.embed_dim} is not divisible by --heads {self.heads}: "
                "the transformer splits the embedding among the heads"
            )

    @property
    def filter_widths(self) -> tuple[int, ...]:
        """--filters as integers ("3,4,5" -> (3, 4, 5))."""
        return tuple(int(w) for w in self.filters.split(","))

    def _check_cnn(self) -> None:
        try:
            widths = self.filter_widths
        except ValueError:
            raise OptionError(f"--filters must be comma-separated widths such as 3,4,5, got {self.filters!r}") from None
        if not 1 <= len(widths) <= limits.MAX_FILTERS:
            raise OptionError(f"--filters takes 1 to {limits.MAX_FILTERS} widths, got {len(widths)}")
        for w in widths:
            limits.check_range("a --filters width", w, 1, limits.MAX_FILTER_WIDTH)
        if self.channels not in (1, 2):
            raise OptionError(f"--channels must be 1 or 2, got {self.channels}")
        if self.channels == 2 and self.arch != "cnn":
            raise OptionError("--channels 2 is for --arch cnn")
        if self.channels == 2 and self.freeze_embeddings:
            raise OptionError("--channels 2 already keeps one frozen copy and tunes the other: drop --freeze-embeddings")
        if self.arch == "cnn" and self.bidirectional:
            raise OptionError("--bidirectional is for the recurrent encoders, not --arch cnn")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ClassifierConfig":
        """The config a model file describes; ModelFormatError for a missing, unknown, mistyped or
        out-of-range field."""
        if not isinstance(d, dict):
            raise ModelFormatError("its architecture is not a JSON object")
        known = {f.name: f.type for f in fields(cls)}
        unknown = set(d) - set(known)
        if unknown:
            raise ModelFormatError(f"unknown architecture fields {sorted(unknown)}: upgrade seqkit")
        for name, value in d.items():
            want = _FIELD_TYPES.get(known[name], str)
            if isinstance(value, bool) != (want is bool) or not isinstance(value, want):
                raise ModelFormatError(f"architecture field {name} is {value!r}, not a {known[name]}")
        if d.get("vocab_size", 0) < 1 or d.get("n_classes", 0) < 1:
            raise ModelFormatError(f"a classifier needs words and classes, not {d.get('vocab_size')} and {d.get('n_classes')}")
        try:
            return cls(**d)
        except (TypeError, OptionError) as e:
            raise ModelFormatError(f"invalid architecture ({e})") from None

    def state_size(self) -> int:
        """How many numbers the model's parameters and buffers hold (what its file must hold), computed
        without building it: a file's claims are checked against its arrays before any allocation."""
        E, H, C = self.embed_dim, self.hidden, self.n_classes
        n = self.vocab_size * E
        if self.arch == "mlp":  # + the (V,) word weights; per layer Linear (bias only without batch norm)
            n += self.vocab_size  # or BatchNorm's gamma, beta and running mean and variance
            widths = [E] + [H] * self.layers
            for a, b in zip(widths, widths[1:]):
                n += a * b + (4 * b if self.batch_norm else b)
            return n + widths[-1] * C + C
        if self.arch == "cnn":  # both channels' tables; per width K: (E*ch, K, M) weights and M biases
            E_in, M = E * self.channels, self.maps
            n *= self.channels
            n += sum(E_in * k * M + M for k in self.filter_widths)
            return n + len(self.filter_widths) * M * C + C
        if self.arch == "transformer":
            F = self.ffn
            n += (self.max_len + 1) * E + (E if self.pool == "cls" else 0)
            n += self.layers * (E * 3 * E + 3 * E + E * E + E + 2 * E + E * F + F + F * E + E + 2 * E)
            n += 2 * E if self.norm == "pre" else 0
            enc = E
        else:
            gates = {"rnn": 1, "lstm": 4, "gru": 3}[self.arch] * H
            dirs = 2 if self.bidirectional else 1
            for layer in range(self.layers):
                inp = E if layer == 0 else H * dirs
                n += dirs * (inp * gates + H * gates + gates + (gates if self.arch == "gru" else 0))
            enc = H * dirs
        pooled = enc * (2 if self.pool == "meanmax" else 1)
        return n + pooled * C + C


def build_model(config: ClassifierConfig, rng: np.random.Generator, embeddings: np.ndarray | None = None, **kw) -> Module:
    """The network for a configuration: an MLPClassifier for arch "mlp" (kw: word_weight), a CNNClassifier
    for "cnn", else a SequenceClassifier."""
    if config.arch == "cnn":
        from seqkit.models.cnn import CNNClassifier

        return CNNClassifier(config, rng, embeddings=embeddings)
    if config.arch == "mlp":
        from seqkit.models.mlp import MLPClassifier

        return MLPClassifier(config, rng, embeddings=embeddings, **kw)
    return SequenceClassifier(config, rng, embeddings=embeddings)


class SequenceClassifier(Module):
    """Token ids -> class logits. See the module docstring for the shapes."""

    def __init__(self, config: ClassifierConfig, rng: np.random.Generator, embeddings: np.ndarray | None = None):
        super().__init__()
        c = self.config = config
        self.embedding = Embedding(
            c.vocab_size, c.embed_dim, rng, padding_idx=0, weights=embeddings, frozen=c.freeze_embeddings
        )
        # the transformer applies its own dropout to embeddings + positions
        p_embed = 0.0 if c.arch == "transformer" else c.dropout
        self.embed_drop = Dropout(p_embed, np.random.default_rng(rng.integers(2**63)))
        self.encoder, enc_dim = self._encoder(c, rng)
        kinds = ["mean", "max"] if c.pool == "meanmax" else ["last" if c.pool == "cls" else c.pool]
        self.pools = [Pool(k) for k in kinds]
        self.head_drop = Dropout(c.dropout, np.random.default_rng(rng.integers(2**63)))
        self.head = Linear(enc_dim * len(kinds), c.n_classes, rng)

    @staticmethod
    def _encoder(c: ClassifierConfig, rng: np.random.Generator):
        """(encoder, its output width F) for the architecture: a new arch adds its branch here."""
        if c.arch == "transformer":
            from seqkit.nn import transformer as tr

            cfg = tr.TransformerConfig(
                d_model=c.embed_dim, heads=c.heads, ffn=c.ffn, layers=c.layers, dropout=c.dropout, norm=c.norm,
                positional=c.positional, max_len=c.max_len, cls=c.pool == "cls",
            )
            return tr.TransformerEncoder(cfg, rng), c.embed_dim
        from seqkit.nn.recurrent import RecurrentConfig, RecurrentEncoder

        cfg = RecurrentConfig(
            cell=c.arch, input_dim=c.embed_dim, hidden=c.hidden, layers=c.layers, bidirectional=c.bidirectional,
            dropout=c.dropout,
        )
        encoder = RecurrentEncoder(cfg, rng)
        return encoder, encoder.output_dim

    @property
    def recurrent(self) -> bool:
        return self.config.arch != "transformer"

    def forward(self, x, train=False):
        """x = (ids (B, T) int, lengths (B,)) -> (logits (B, C), cache)."""
        ids, lengths = x
        B, T = ids.shape
        mask = lengths_to_mask(lengths, T, pre_padded=self.config.padding == "pre")  # (B, T) bool
        emb, c_emb = self.embedding.forward(ids, train)  # (B, T, E)
        emb, c_ed = self.embed_drop.forward(emb, train)
        if self.recurrent:
            (out, last), c_enc = self.encoder.forward(emb, train, mask)  # (B, T, F), (B, F)
        else:
            out, c_enc = self.encoder.forward(emb, train, mask)  # (B, T', F); T' = T+1 with [CLS]
            last = out[:, 0] if self.config.pool == "cls" else None
            mask = self.encoder.output_mask(mask, B, T)
        feats, c_pool = [], []
        for pool in self.pools:
            if pool.kind == "last" and last is not None:
                feats.append(last)  # final valid state of both directions
                c_pool.append(None)
            else:
                f, cp = pool.forward(out, train, mask=mask)
                feats.append(f)
                c_pool.append(cp)
        feat = feats[0] if len(feats) == 1 else np.concatenate(feats, axis=1)  # (B, P)
        feat, c_hd = self.head_drop.forward(feat, train)
        logits, c_head = self.head.forward(feat, train)  # (B, C)
        return logits, (c_emb, c_ed, c_enc, c_pool, c_hd, c_head, out.shape)

    def backward(self, dlogits, cache):
        c_emb, c_ed, c_enc, c_pool, c_hd, c_head, out_shape = cache
        dfeat = self.head.backward(dlogits, c_head)  # (B, P)
        dfeat = self.head_drop.backward(dfeat, c_hd)
        F = out_shape[2]
        dout, dlast = None, None
        for k, (pool, cp) in enumerate(zip(self.pools, c_pool)):
            d = dfeat[:, k * F : (k + 1) * F]
            if cp is None:
                dlast = d
            else:
                dk = pool.backward(d, cp)  # (B, T, F)
                dout = dk if dout is None else dout + dk
        if self.recurrent:
            demb = self.encoder.backward((dout, dlast), c_enc)
        else:
            if dlast is not None:  # the [CLS] step
                dout = np.zeros(out_shape, dlast.dtype)
                dout[:, 0] = dlast
            demb = self.encoder.backward(dout, c_enc)
        demb = self.embed_drop.backward(demb, c_ed)
        self.embedding.backward(demb, c_emb)
        return None

    def predict_proba(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """(B, T), (B,) -> class probabilities (B, C), no dropout."""
        logits, _ = self.forward((ids, lengths), train=False)
        return softmax(logits.astype(np.float64), axis=1)

    @property
    def has_numpy_path(self) -> bool:
        """Whether predict_proba_numpy serves this model: the recurrent encoders (the Transformer's attention
        runs in its kernels only)."""
        return self.recurrent

    def predict_proba_numpy(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """predict_proba without Numba, for a few short texts: the recurrent loops of nn/recurrent_ref.py
        (exact tanh and sigmoid, which the kernels approximate within 1e-6), NumPy's products."""
        T = ids.shape[1]
        mask = lengths_to_mask(lengths, T, pre_padded=self.config.padding == "pre")  # (B, T) bool
        emb, _ = self.embedding.forward(ids)  # (B, T, E)
        out, last = self.encoder.predict_numpy(emb, mask)  # (B, T, F), (B, F)
        feats = [last if pool.kind == "last" else pool.forward(out, mask=mask)[0] for pool in self.pools]
        feat = feats[0] if len(feats) == 1 else np.concatenate(feats, axis=1)  # (B, P)
        return softmax(self.head.predict_numpy(feat).astype(np.float64), axis=1)
