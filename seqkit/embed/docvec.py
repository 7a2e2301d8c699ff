"""Document vectors: the mean of a document's word vectors, or the TF-IDF-weighted mean
(IDF from the documents given, smoothed: log((1 + N) / (1 + df)) + 1)."""

from __future__ import annotations

from typing import Iterable

import numpy as np

from seqkit.embed.keyed import KeyedVectors


def document_vectors(kv: KeyedVectors, docs: Iterable[list[str]], weight: str = "mean") -> tuple[np.ndarray, int]:
    """(D, d) vectors (zero for documents with no known word) and the number of such empty documents."""
    ids = [[kv.index[w] for w in doc if w in kv.index] for doc in docs]
    out = np.zeros((len(ids), kv.dim), dtype=np.float32)
    idf = None
    if weight == "tfidf":
        df = np.zeros(len(kv), dtype=np.float64)
        for doc in ids:
            df[list(set(doc))] += 1
        idf = np.log((1 + len(ids)) / (1 + df)) + 1.0  # (V,)
    empty = 0
    for k, doc in enumerate(ids):
        if not doc:
            empty += 1
            continue
        u, tf = np.unique(doc, return_counts=True)
        w = tf.astype(np.float64) if idf is None else tf * idf[u]
        out[k] = (w[:, None] * kv.vectors[u]).sum(axis=0) / w.sum()
    return out, empty
