"""Word vectors product-quantized into an unsupervised fastText `.ftz` (fastText itself quantizes only
classifiers): the words' rows and, for subword models, the n-gram rows, one byte per --dsub numbers.
seqkit reads it like any model (similar, analogy, vectors; rows rebuilt from the codes)."""

from __future__ import annotations

import numpy as np

from seqkit.errors import ModelFormatError
from seqkit.formats.fasttext.header import Args, Header
from seqkit.formats.fasttext.matrix import DenseMatrix
from seqkit.quantize.pq import PQConfig, quantize_matrix


def quantize_vectors(kv, config: PQConfig, path) -> int:
    """Write `kv` quantized to `path` (.ftz); returns the number of rows quantized."""
    from seqkit.formats.fasttext.writer import write_model

    words = [w.encode("utf-8") for w in kv.words]
    if any(not w or b"\0" in w or any(ch.isspace() for ch in w.decode()) for w in words):
        raise ModelFormatError("a word of this model cannot be written to a fastText dictionary (empty, NUL, whitespace)")
    v, dim = len(words), kv.dim
    counts = np.asarray(kv.counts if kv.counts is not None else np.ones(v), np.int64)
    if kv.ngrams is not None and getattr(kv, "own_rows", None) is not None:
        c = kv.ngrams.config
        rows = np.concatenate([np.asarray(kv.own_rows, np.float32), np.asarray(kv.ngrams.matrix, np.float32)])
        minn, maxn, bucket = c.minn, c.maxn, c.buckets
    else:
        rows, minn, maxn, bucket = np.asarray(kv.vectors, np.float32), 0, 0, 0
    args = Args(dim, 5, 1, 1, 5, 1, 2, 2, bucket, minn, maxn, 100, 1e-4)  # skip-gram, negative sampling
    corpus = int((kv.meta.get("training") or {}).get("corpus_words") or counts.sum())
    head = Header(args, 12, words, counts, v, 0, corpus)
    q = quantize_matrix(rows, config)
    write_model(path, head, q, DenseMatrix(np.zeros((0, dim), np.float32)))
    return len(rows)
