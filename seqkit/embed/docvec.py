"""Document vectors: the mean of a document's word vectors, plain or TF-IDF-weighted.

TF-IDF weights come from a set of documents: tf is a word's count in the document, idf is
log((1 + N) / (1 + df)) + 1 over the N documents (scikit-learn's smoothed idf), so words found in
every document still count a little. Words the model does not know are left out; a document with no
known word gets a zero vector.

The weighting is per word, so it is one (V,) table: `word_weights` gives 1 for every word ("mean") or
its idf ("tfidf"). A document's vector is then sum_t w[t] v[t] / sum_t w[t] over its tokens t, which
equals the tf * idf weighted mean over its distinct words. `seqkit vectors --docs` computes it here;
the MLP classifier (seqkit/models/mlp.py) keeps the table of its training texts and computes the same
mean inside the network (seqkit.nn.layers.WeightedMean), so it can train the vectors through it.

With `--cluster`, the documents go to the workers in blocks: document frequencies are summed over
all blocks first (`document_frequencies`), then each block is weighted with the same idf.
"""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np

from seqkit.embed.keyed import KeyedVectors
from seqkit.errors import OptionError

WEIGHTS = ("mean", "tfidf")


def document_frequencies(ids: Sequence[np.ndarray], vocab_size: int) -> np.ndarray:
    """(V,) int64: in how many of the documents (arrays of word ids) each word occurs."""
    df = np.zeros(vocab_size, np.int64)
    for doc in ids:
        if len(doc):
            df[np.unique(np.asarray(doc, dtype=np.int64))] += 1
    return df


def idf_weights(df: np.ndarray, n_docs: int) -> np.ndarray:
    """(V,) float64 smoothed idf from document frequencies over ``n_docs`` documents."""
    return np.log((1.0 + n_docs) / (1.0 + df.astype(np.float64))) + 1.0


def smoothed_idf(docs: Sequence[np.ndarray], n_words: int) -> np.ndarray:
    """(V,) float64 log((1 + N) / (1 + df)) + 1 of each word id over the N documents (arrays of ids)."""
    return idf_weights(document_frequencies(docs, n_words), len(docs))


def word_weights(weight: Literal["mean", "tfidf"], docs: Sequence[np.ndarray], n_words: int) -> np.ndarray:
    """(V,) float64 weight of each word id: 1 for "mean", the smoothed idf over `docs` for "tfidf"."""
    if weight == "mean":
        return np.ones(n_words, np.float64)
    if weight == "tfidf":
        return smoothed_idf(docs, n_words)
    raise OptionError(f"--weight must be one of {', '.join(WEIGHTS)}, not {weight!r}")


def known_ids(kv: KeyedVectors, documents: list[list[str]]) -> list[np.ndarray]:
    """Each document's tokens as int64 rows of ``kv``, unknown words left out."""
    index = kv.index
    return [np.fromiter((index[t] for t in doc if t in index), np.int64) for doc in documents]


def document_vectors(
    kv: KeyedVectors, documents: list[list[str]], weight: Literal["mean", "tfidf"] = "mean",
    idf: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """((D, d) float32 document vectors, number of documents without a known word). With
    ``weight="tfidf"`` the idf comes from ``documents`` unless given (``idf``, (V,) float64)."""
    ids = known_ids(kv, documents)
    w_of = idf if weight == "tfidf" and idf is not None else word_weights(weight, ids, len(kv.vectors))  # (V,)
    out = np.zeros((len(documents), kv.dim), dtype=np.float32)  # (D, d)
    empty = 0
    for row, doc in enumerate(ids):
        if not len(doc):
            empty += 1
            continue
        w = w_of[doc]  # (n,) one weight per token
        out[row] = (w @ kv.vectors[doc]) / w.sum()  # (d,)
    return out, empty
