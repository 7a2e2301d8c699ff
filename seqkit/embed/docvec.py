"""Document vectors: the mean of a document's word vectors, plain or TF-IDF-weighted.

TF-IDF weights come from the documents themselves: tf is a word's count in the document, idf is
log((1 + N) / (1 + df)) + 1 over the N documents given (scikit-learn's smoothed idf), so words
found in every document still count a little. Words the model does not know are left out; a
document with no known word gets a zero vector.

With `--cluster`, the documents go to the workers in blocks: document frequencies are summed over
all blocks first (`document_frequencies`), then each block is weighted with the same idf.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

import numpy as np

from seqkit.embed.keyed import KeyedVectors
from seqkit.errors import OptionError


def known_ids(kv: KeyedVectors, documents: list[list[str]]) -> list[list[int]]:
    """Each document's tokens as rows of ``kv``, unknown words left out."""
    return [[kv.index[t] for t in doc if t in kv.index] for doc in documents]


def document_frequencies(ids: list[list[int]], vocab_size: int) -> np.ndarray:
    """(V,) int64: in how many of the documents each word occurs."""
    df = np.zeros(vocab_size, np.int64)
    for doc in ids:
        if doc:
            df[np.unique(np.asarray(doc, dtype=np.int64))] += 1
    return df


def idf_weights(df: np.ndarray, n_docs: int) -> np.ndarray:
    """(V,) float64 smoothed idf from document frequencies over ``n_docs`` documents."""
    return np.log((1.0 + n_docs) / (1.0 + df.astype(np.float64))) + 1.0


def document_vectors(
    kv: KeyedVectors, documents: list[list[str]], weight: Literal["mean", "tfidf"] = "mean",
    idf: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """((D, d) float32 document vectors, number of documents without a known word). With
    ``weight="tfidf"`` the idf comes from ``documents`` unless given (``idf``, (V,) float64)."""
    ids = known_ids(kv, documents)
    if weight == "tfidf":
        if idf is None:
            idf = idf_weights(document_frequencies(ids, len(kv)), len(documents))
    elif weight == "mean":
        idf = None
    else:
        raise OptionError(f"--weight must be mean or tfidf, not {weight!r}")
    out = np.zeros((len(documents), kv.dim), dtype=np.float32)  # (D, d)
    empty = 0
    for row, doc in enumerate(ids):
        if not doc:
            empty += 1
            continue
        tf = Counter(doc)
        words = np.fromiter(tf.keys(), dtype=np.int64, count=len(tf))  # (u,)
        w = np.fromiter(tf.values(), dtype=np.float64, count=len(tf))  # (u,) counts
        if idf is not None:
            w *= idf[words]
        out[row] = (w @ kv.vectors[words]) / w.sum()  # (d,)
    return out, empty
