"""A fastText model file (.bin or .ftz) opened for prediction: matrices memory-mapped, nothing copied."""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqkit.embed.fasttext_bin import _Reader
from seqkit.errors import ModelFormatError
from seqkit.fileio import check_readable_file
from seqkit.formats.fasttext import predict as out
from seqkit.formats.fasttext.dictionary import LABEL_PREFIX, LineEncoder
from seqkit.formats.fasttext.header import Header, decode_word, read_header
from seqkit.formats.fasttext.matrix import read_matrix

_BOOL = struct.Struct("<?")


@dataclass
class FastTextFile:
    """Every part of a fastText model file."""

    path: Path
    head: Header
    input: object  # DenseMatrix or QuantMatrix, (nwords + bucket or kept rows, dim)
    output: object  # (labels or words, dim); (labels - 1, dim) inner nodes used by hs
    quantized: bool
    qout: bool


def read_model_file(path, offset: int = 0, length: int | None = None) -> FastTextFile:
    """The model file at `path` (or the `length` bytes at `offset` in it: a member of a seqkit .npz)."""
    p = check_readable_file(path, "model")
    if p.stat().st_size == 0:
        raise ModelFormatError(f"model {p} is empty")
    with open(p, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        r = _Reader(buf, p)
        r.pos, r.size = offset, len(buf) if length is None else offset + length
        head = read_header(r, p)
        old = head.version is None
        quant = False if old else r.unpack(_BOOL, "the quantization flag")[0]
        if head.pruned and not quant:
            raise ModelFormatError(f"{p}: a pruned dictionary with a full input matrix (fastText refuses such files too)")
        inp = read_matrix(r, p, quant, "input")
        qout = False if old else r.unpack(_BOOL, "the output quantization flag")[0]
        output = read_matrix(r, p, quant and qout, "output")
        end = r.pos
    finally:
        buf.close()
    a = head.args
    rows = inp.shape[0]
    expect = head.nwords + (len(head.prune) if head.pruned else a.bucket)
    if inp.shape[1] != a.dim or output.shape[1] != a.dim or rows != expect:
        raise ModelFormatError(f"{p}: its input matrix is {rows} x {inp.shape[1]}, its output {output.shape[0]} x "
                               f"{output.shape[1]}; the header needs {expect} x {a.dim} (damaged?)")
    if end != r.size:
        raise ModelFormatError(f"{p}: {r.size - end:,} bytes after the model's end (damaged, or not a fastText model?)")
    return FastTextFile(p, head, inp, output, quant, qout)




class FastTextClassifier:
    """A supervised fastText model: `.labels`, `.predict_proba(texts)` and `.predict_top(texts, k, threshold)`
    give fastText's answers (the probabilities `fasttext predict-prob` prints)."""

    def __init__(self, f: FastTextFile, normalize=None):
        """normalize: seqkit's NormalizeOptions applied to each text first (a model quantized by seqkit);
        None: texts as they are, as fastText reads them."""
        h = f.head
        self._tokenize = None
        if normalize is not None:
            from seqkit.text.normalize import Normalizer

            self._tokenize = Normalizer(normalize).tokenize
        if not h.args.supervised:
            raise ModelFormatError(f"{f.path} is an unsupervised fastText model (word vectors), not a classifier: "
                                   "use it with similar, analogy or vectors")
        self.file, self.args = f, h.args
        self.loss = h.args.loss_name
        names = [decode_word(w) for w in h.words[h.nwords:]]
        prefix = LABEL_PREFIX.decode()
        self.labels = [n[len(prefix):] if n.startswith(prefix) else n for n in names]
        n_out = len(self.labels) - 1 if self.loss == "hs" else len(self.labels)
        if f.output.shape[0] < n_out or (self.loss != "hs" and f.output.shape[0] != n_out):
            raise ModelFormatError(f"{f.path}: its output matrix has {f.output.shape[0]} rows for "
                                   f"{len(self.labels)} labels ({self.loss}) (damaged?)")
        self.encoder = LineEncoder(h)
        self._out, self._out_norm = _output_rows(f.output, n_out)
        self._tree = out.build_tree(h.counts[h.nwords:]) if self.loss == "hs" else None
        self.info = {"format": "fasttext-ftz" if f.quantized else "fasttext-bin", "loss": self.loss}

    @classmethod
    def load(cls, path) -> "FastTextClassifier":
        return cls(read_model_file(path))

    def hidden(self, texts: list[str], numpy: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """((N, dim) float32 mean input row of each text, (N,) bool: the text has rows); numpy: in
        NumPy (loops_numpy.py), else in the Numba kernels; the same numbers either way."""
        if self._tokenize is not None:
            texts = [" ".join(self._tokenize(t)) for t in texts]
        rows, offsets = self.encoder.batch(texts, numpy)
        H = np.zeros((len(texts), self.args.dim), np.float32)
        if numpy:
            from seqkit.formats.fasttext.loops_numpy import mean_matrix_rows

            mean_matrix_rows(self.file.input, rows, offsets, H)
        else:
            self.file.input.mean_rows(rows, offsets, H)
        return H, np.diff(offsets) > 0

    def _forward(self, texts: list[str], numpy: bool | None) -> tuple[np.ndarray, np.ndarray]:
        """((N, C) softmax/ova probabilities, or (N, C-1) inner-node sigmoids for hs; (N,) the text has
        rows). numpy None: NumPy for a few short texts (predict_numpy.is_small), else the kernels."""
        if numpy is None:
            from seqkit.models.linear.predict_numpy import is_small

            numpy = is_small(texts)
        H, live = self.hidden(texts, numpy)
        if numpy:
            from seqkit.formats.fasttext.loops_numpy import dot_rows
        else:
            from seqkit.formats.fasttext.kernels import dot_rows
        z = np.empty((len(H), len(self._out)), np.float32)  # (N, C)
        dot_rows(H, self._out, self._out_norm, z)
        if self.loss == "softmax":
            return out.softmax(z), live
        if self.loss == "hs":
            return (1.0 / (1.0 + np.exp(-z.astype(np.float64)))).astype(np.float32), live
        return out.table_sigmoid(z), live

    def predict_proba(self, texts: list[str], threads: int | None = None, numpy: bool | None = None) -> np.ndarray:
        """(N, C) the probability fastText prints for each label (exp(log(p + 1e-5))); 0 for a text
        without any known word, n-gram or subword. numpy: as _forward."""
        S, live = self._forward(list(texts), numpy)
        logp = out.hs_all(S, self._tree) if self.loss == "hs" else out.std_log(S)
        P = np.exp(logp).astype(np.float32)
        P[~live] = 0
        return P

    def predict_top(self, texts: list[str], k: int, threshold: float = 0.0,
                    numpy: bool | None = None) -> list[list[tuple[int, float]]]:
        """fastText's predictions per text: [(label id, probability)] best first, at most k, each at least
        `threshold`; empty for a text without input rows (fastText prints an empty line)."""
        S, live = self._forward(list(texts), numpy)
        k = min(k, len(self.labels))
        result = []
        for s, ok in zip(S, live):
            best = out.hs_best(s, self._tree, k, threshold) if self.loss == "hs" else out.k_best(s, k, threshold)
            result.append([(i, float(np.exp(np.float32(lp)))) for lp, i in best] if ok else [])
        return result


def _output_rows(m, n: int) -> tuple[np.ndarray, np.ndarray]:
    """((n, dim) float32 output rows, (n,) norms or empty): a quantized matrix's rows are its codes'
    vectors, their norms applied after the dot product, as fastText's mulcode does."""
    from seqkit.formats.fasttext.matrix import QuantMatrix

    if not isinstance(m, QuantMatrix):
        return np.ascontiguousarray(m.data[:n], np.float32), np.zeros(0, np.float32)
    rows = m.pq.decode(np.asarray(m.codes[:n]))  # (n, dim)
    norms = np.zeros(0, np.float32) if m.norm_codes is None else m.norms[m.norm_codes[:n]].astype(np.float32)
    return rows, norms
