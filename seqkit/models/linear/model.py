"""A trained linear classifier: word and n-gram rows, the output layer, the vocabulary and the labels,
with prediction and its file (seqkit/models/linear/files.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

import numpy as np

from seqkit import __version__
from seqkit.errors import InputError, ModelFormatError, OptionError
from seqkit.fileio import held_call
from seqkit.models import io
from seqkit.models.linear.config import LinearConfig
from seqkit.text.normalize import NormalizeOptions

LOSS_CODES = {"softmax": 0, "hs": 1, "ova": 2}
ARCH = "linear"
PREDICT_CHUNK = 4096  # texts encoded at a time


def label_tree(loss: str, label_counts: np.ndarray):
    """(codes, points, lengths) of the Huffman tree over the labels (hierarchical softmax), else empty."""
    if loss == "hs":
        from seqkit.embed.huffman import huffman_codes

        codes, points, lengths = huffman_codes(label_counts)
        return codes, points, lengths
    return np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32)


@dataclass
class LinearClassifier:
    config: LinearConfig
    loss: str  # the loss trained: softmax, hs or ova (never auto)
    words: list[str]  # row i of `input` is words[i]; n-gram rows follow
    word_hash32: np.ndarray  # (V,) int32 fastText word hashes (n-gram hashing)
    word_keys: np.ndarray  # (V,) int64 64-bit identity keys (the tokenizer's lookup)
    bucket_ids: np.ndarray  # (U,) int32 sorted n-gram buckets that have a row: V + k for bucket_ids[k]
    input: np.ndarray  # (V + U (+ 1 for "</s>" with config.eos), dim) float32
    output: np.ndarray  # (C, dim) softmax/ova, (C - 1, dim) inner nodes for hs; float32
    labels: list[str]
    label_counts: np.ndarray  # (C,) training texts per label (the Huffman tree)
    info: dict = field(default_factory=dict)
    _bucket_row: np.ndarray | None = field(default=None, repr=False)
    _table: tuple | None = field(default=None, repr=False)
    _numpy: object | None = field(default=None, repr=False)  # predict_numpy.NumpyPredictor, built on first use

    # -- the kernels' view ------------------------------------------------------------------------------
    def bucket_row(self) -> np.ndarray:
        if self._bucket_row is None:
            n = self.config.buckets if self.config.word_ngrams > 1 else 1
            row = np.full(max(n, 1), -1, np.int32)
            row[self.bucket_ids] = np.arange(len(self.bucket_ids), dtype=np.int32)
            self._bucket_row = row
        return self._bucket_row

    def kernel_config(self, shards: int, total_tokens: float = 1.0, lr: float | None = None):
        from seqkit.models.linear.kernels import KernelConfig

        c = self.config
        V, U = len(self.words), len(self.bucket_ids)
        return KernelConfig(
            dim=int(self.input.shape[1]), n_words=len(self.words), buckets=max(int(c.buckets), 1),
            ngrams=int(c.word_ngrams), loss=LOSS_CODES[self.loss], n_labels=len(self.labels),
            lr=float(c.lr if lr is None else lr), total_tokens=float(max(total_tokens, 1.0)), shards=int(shards),
            eos_row=V + U if c.eos else -1,
        )

    def tree(self):
        return label_tree(self.loss, self.label_counts)

    # -- prediction -------------------------------------------------------------------------------------
    def _vocab(self):
        """The tokenizer's view of the vocabulary (hash table of the words' keys), built on first use."""
        if self._table is None:
            from seqkit.models.linear.kernels import vocab_table
            from seqkit.models.linear.tokenize import TextEncoder

            keys, ids, bits = held_call(vocab_table, self.word_keys)  # a tuple of arrays: Ctrl-C held
            self._table = (keys, ids, bits, self.word_hash32)
            self._encoder = TextEncoder(self.config.normalize)
        return self._table

    def predict_proba(self, texts: list[str], threads: int = 0) -> np.ndarray:
        """(N, C) label probabilities: softmax and hs give a distribution; ova each label's own probability.
        ``threads``: shards (0: the threads of the caller's `runtime.threads` block). A few short texts
        take the NumPy path (no Numba to import: seqkit/models/linear/predict_numpy.py)."""
        from seqkit.models.linear import predict_numpy

        texts = list(texts)
        if texts and predict_numpy.is_small(texts):
            if self._numpy is None:
                self._numpy = predict_numpy.NumpyPredictor(self)
            return _checked(self._numpy.predict_proba(texts))
        return self.predict_kernel(texts, threads)

    def predict_kernel(self, texts: list[str], threads: int = 0) -> np.ndarray:
        """predict_proba in the Numba kernel, whatever the size of the input."""
        from seqkit.models.linear import kernels

        if not threads:
            from seqkit import runtime

            threads = runtime.numba_threads()  # the caller sets them: `with runtime.threads(n)`
        if len(texts) > PREDICT_CHUNK:  # bounded transient copies of the text
            return np.concatenate([self.predict_kernel(texts[i: i + PREDICT_CHUNK], threads)
                                   for i in range(0, len(texts), PREDICT_CHUNK)])
        if not texts:
            return np.zeros((0, len(self.labels)))
        vocab = self._vocab()
        e = self._encoder
        buf = e.text_bytes(texts)  # UTF-8, each text ended by a newline
        ends = np.flatnonzero(buf == 10)  # (N,)
        self._check_lengths(ends)
        cfg = self.kernel_config(shards=max(1, min(threads, len(texts))))
        P = kernels.predict_bytes((buf, ends, e.classes, e.specials and e.scanner), vocab, self.bucket_row(),
                                  self.tree(), (self.input, self.output), cfg)
        return _checked(P)

    def _check_lengths(self, ends: np.ndarray) -> None:
        """The kernel gives each thread room for (longest text's bytes / 2 + 2) x --word-ngrams feature
        rows: refuse a text that would need more than limits.MAX_TEXT_FEATURES, before any allocation."""
        from seqkit.limits import MAX_TEXT_FEATURES

        lengths = np.diff(ends, prepend=-1) - 1  # (N,) bytes of each text
        rows = (int(lengths.max()) // 2 + 2) * int(self.config.word_ngrams)
        if rows > MAX_TEXT_FEATURES:
            t = int(lengths.argmax())
            raise InputError(f"text {t + 1} of this batch is too long for a model with --word-ngrams "
                             f"{self.config.word_ngrams}: {int(lengths[t]):,} bytes, at most "
                             f"{2 * (MAX_TEXT_FEATURES // self.config.word_ngrams - 2):,}; split it into shorter texts")

    def predict_stream(self, texts: Iterable[str], chunk: int = 2048, threads: int = 0) -> Iterator[tuple[list[str], np.ndarray]]:
        """(texts, probabilities (n, C)) chunk by chunk: constant memory over any input."""
        from seqkit.chunks import chunked

        for buf in chunked(texts, chunk):
            yield buf, self.predict_proba(buf, threads)

    # -- files ------------------------------------------------------------------------------------------
    def save(self, path) -> None:
        arrays = {
            "input": self.input, "output": self.output, "word_hash32": self.word_hash32,
            "word_keys": self.word_keys, "bucket_ids": self.bucket_ids, "label_counts": self.label_counts,
        }
        architecture = {"arch": ARCH, **self.config.to_dict(), "loss": self.loss}  # the loss trained, never auto
        meta = {
            "seqkit_version": __version__, "architecture": architecture, "labels": self.labels,
            "vocab": self.words, "info": self.info,
        }
        io.save_arrays(path, arrays, meta)

    @classmethod
    def load(cls, path) -> "LinearClassifier":
        from seqkit.models.linear import files

        arrays, meta = files.load(path)
        try:
            a = dict(meta["architecture"])
            if a.pop("arch") != ARCH:
                raise ModelFormatError(f"{path} is not a linear model")
            loss = a["loss"]
            a["normalize"] = NormalizeOptions.from_dict(a["normalize"])
            if not isinstance(a.setdefault("eos", False), bool):  # missing: a file from before the end-of-text word
                raise ValueError(f"eos must be true or false, not {a['eos']!r}")
            config = LinearConfig(**a)
            model = cls(config, loss, list(meta["vocab"]), arrays["word_hash32"], arrays["word_keys"],
                        arrays["bucket_ids"], arrays["input"], arrays["output"], list(meta["labels"]),
                        arrays["label_counts"], meta.get("info", {}))
        except (KeyError, TypeError, ValueError, OptionError) as e:
            raise ModelFormatError(f"{path}: its metadata or arrays are incomplete or impossible ({e}); "
                                   "train the model again") from None
        model.check(path)
        return model

    def check(self, path) -> None:
        """Shapes and ranges that the kernels rely on; a hostile file gets a clear error, not a crash."""
        V, C, U = len(self.words), len(self.labels), len(self.bucket_ids)
        dim = self.input.shape[1] if self.input.ndim == 2 else -1
        n_out = C - 1 if self.loss == "hs" else C
        ok = (
            self.loss in LOSS_CODES and C >= 2 and self.input.shape == (V + U + self.config.eos, dim) and self.input.dtype == np.float32
            and self.output.shape == (n_out, dim) and self.output.dtype == np.float32
            and self.word_hash32.shape == (V,) and self.word_keys.shape == (V,) and self.label_counts.shape == (C,)
            and (U == 0 or (self.bucket_ids.min() >= 0 and self.bucket_ids.max() < self.config.buckets))
        )
        if not ok:
            raise ModelFormatError(f"{path}: the linear model's arrays do not fit together; the file is damaged")
        self.word_hash32 = self.word_hash32.astype(np.int32, copy=False)
        self.word_keys = self.word_keys.astype(np.int64, copy=False)
        self.bucket_ids = self.bucket_ids.astype(np.int64, copy=False)
        self.label_counts = self.label_counts.astype(np.int64, copy=False)


def _checked(P: np.ndarray) -> np.ndarray:
    """``P`` when every probability is a number in [0, 1]; ModelFormatError otherwise (never printed)."""
    if not (np.isfinite(P).all() and P.min(initial=0.0) >= 0.0 and P.max(initial=0.0) <= 1.0):
        raise ModelFormatError("the model's probabilities are not numbers in [0, 1] "
                               "(its rows hold NaN or infinity: the file is damaged, or training diverged)")
    return P
