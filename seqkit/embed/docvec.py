"""Document vectors: the mean of a document's word vectors, plain or TF-IDF-weighted.

TF-IDF weights come from the documents themselves: tf is a word's count in the document, idf is
log((1 + N) / (1 + df)) + 1 over the N documents given (scikit-learn's smoothed idf), so words
found in every document still count a little. Words the model does not know are left out; a
document with no known word gets a zero vector. Subword models build the vectors of words outside
the vocabulary from their n-grams.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

import numpy as np

from seqkit.embed.keyed import KeyedVectors
from seqkit.errors import OptionError


def document_vectors(
    kv: KeyedVectors, documents: list[list[str]], weight: Literal["mean", "tfidf"] = "mean"
) -> tuple[np.ndarray, int, list[int]]:
    """((D, d) float32 document vectors, number of documents without a known word, per document the
    number of its words outside the vocabulary that were built from n-grams (subword models))."""
    from seqkit.errors import UnknownWordError

    extra: dict[str, int] = {}  # out-of-vocabulary word -> its row in ``table``
    rows: list[np.ndarray] = []
    if kv.has_subwords and kv.allow_oov:
        for t in {t for doc in documents for t in doc if t not in kv.index}:
            try:
                rows.append(kv.vector(t))
                extra[t] = len(kv) + len(rows) - 1
            except UnknownWordError:  # no trained n-gram: left out like an unknown word
                pass
    table = np.concatenate([kv.vectors, np.array(rows, np.float32).reshape(-1, kv.dim)]) if rows else kv.vectors
    ids = [[kv.index[t] if t in kv.index else extra[t] for t in doc if t in kv.index or t in extra] for doc in documents]
    oov_counts = [sum(1 for t in doc if t in extra) for doc in documents]
    idf = None
    if weight == "tfidf":
        df = Counter(i for doc in ids for i in set(doc))
        n = len(documents)
        idf = {i: np.log((1.0 + n) / (1.0 + c)) + 1.0 for i, c in df.items()}
    elif weight != "mean":
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
            w *= np.array([idf[i] for i in tf], dtype=np.float64)
        out[row] = (w @ table[words]) / w.sum()  # (d,)
    return out, empty, oov_counts
