"""A seqkit linear classifier in fastText's structure (dictionary, pruned n-gram index, matrices), so
that fastText's CLI and seqkit's fastText reader predict with it, and its quantized form
(fasttext.cc quantize): `--cutoff` keeps the rows of largest norm ("</s>" always), then the input
matrix and, with `--qout`, the output matrix are product-quantized.

Rows: the model's words, then "</s>" (the end-of-text word) become fastText's words; the n-gram
buckets that have a row become its pruned index (bucket -> row). The texts must be normalized as
the model's tokenizer does (seqkit's quantized model stores those options and does it itself)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqkit.errors import ModelFormatError, OptionError
from seqkit.formats.fasttext.header import Args, Header
from seqkit.formats.fasttext.matrix import DenseMatrix
from seqkit.formats.fasttext.model import FastTextFile
from seqkit.quantize.pq import PQConfig, quantize_matrix

LOSS_CODES = {"hs": 1, "softmax": 3, "ova": 4}
EOS = b"</s>"


@dataclass(frozen=True)
class QuantizeConfig:
    pq: PQConfig = PQConfig()  # sub-vector size, norm quantization, seed
    qout: bool = False  # quantize the output matrix too (dsub 2, as fastText; needs 256 or more labels)
    cutoff: int = 0  # keep only this many input rows, those of largest norm (0: all)


def fasttext_structure(clf, dense_buckets: bool = False) -> FastTextFile:
    """The classifier as a fastText supervised model. dense_buckets: every bucket gets a row (zeros
    where the model has none), as a `.bin` needs; else the pruned index of the buckets it has."""
    c = clf.config
    if clf.loss == "hs":
        raise OptionError("fastText's hierarchical softmax tree differs from seqkit's: quantize or export a "
                          "linear model trained with --loss softmax or ova")
    if not c.eos:
        raise ModelFormatError("this linear model was trained without the end-of-text word (seqkit before it): "
                               "fastText always adds one; train it again to quantize or export it")
    words = [w.encode("utf-8") for w in clf.words]
    if EOS in words or any(not w or b"\0" in w or b" " in w for w in words):
        raise ModelFormatError("a word of this model cannot be written to a fastText dictionary")
    V, U, dim = len(words), len(clf.bucket_ids), clf.input.shape[1]
    nwords = V + 1
    words.append(EOS)
    order = np.concatenate([np.arange(V), [V + U], V + np.arange(U)])  # words, "</s>", n-gram rows
    labels = [("__label__" + n).encode("utf-8") for n in clf.labels]
    buckets = int(c.buckets) if c.word_ngrams > 1 else 0
    args = Args(dim, 5, c.epochs, c.min_count, 5, c.word_ngrams, LOSS_CODES[clf.loss], 3, buckets, 0, 0, 100, 1e-4)
    counts = np.concatenate([np.ones(nwords, np.int64), np.asarray(clf.label_counts, np.int64)])
    head = Header(args, 12, words + labels, counts, nwords, len(labels), 0)
    if dense_buckets:
        data = np.zeros((nwords + buckets, dim), np.float32)
        data[:nwords] = clf.input[order[:nwords]]
        data[nwords + np.asarray(clf.bucket_ids, np.int64)] = clf.input[V: V + U]
        inp = DenseMatrix(data)
    else:
        head.pruned, head.prune = True, dict(zip(np.asarray(clf.bucket_ids).tolist(), range(U)))
        inp = DenseMatrix(clf.input[order])
    return FastTextFile(None, head, inp, DenseMatrix(np.asarray(clf.output, np.float32)), False, False)


def select_rows(x: np.ndarray, eos: int, cutoff: int) -> np.ndarray:
    """selectEmbeddings: the `cutoff` rows of largest L2 norm, "</s>" first."""
    norms = np.linalg.norm(x, axis=1)
    norms[eos] = np.inf
    return np.argsort(-norms, kind="stable")[:cutoff]


def prune(f: FastTextFile, cutoff: int) -> FastTextFile:
    """Dictionary::prune: kept words in id order, then kept n-gram rows in norm order."""
    h = f.head
    x = f.input.data
    keep = select_rows(x, h.words.index(EOS), cutoff)
    words = np.sort(keep[keep < h.nwords])
    grams = keep[keep >= h.nwords]
    bucket_of = {r: b for b, r in h.prune.items()} if h.pruned else None
    new_prune = {(bucket_of[int(g) - h.nwords] if bucket_of is not None else int(g) - h.nwords): j
                 for j, g in enumerate(grams)}
    head = Header(h.args, h.version, [h.words[i] for i in words] + h.words[h.nwords:],
                  np.concatenate([h.counts[words], h.counts[h.nwords:]]), len(words), h.nlabels, h.ntokens,
                  new_prune, True)
    return FastTextFile(None, head, DenseMatrix(x[np.concatenate([words, grams])]), f.output, False, False)


def quantize_structure(f: FastTextFile, config: QuantizeConfig) -> FastTextFile:
    if config.cutoff and config.cutoff < f.input.shape[0]:
        f = prune(f, config.cutoff)
    inp = quantize_matrix(f.input.data, config.pq)
    out = f.output
    if config.qout:
        if f.output.shape[0] < 256:
            raise OptionError(f"--qout needs an output matrix of at least 256 rows (labels); this model has "
                              f"{f.output.shape[0]}")
        out = quantize_matrix(f.output.data, PQConfig(2, config.pq.qnorm, config.pq.seed))
    return FastTextFile(None, f.head, inp, out, True, config.qout)
