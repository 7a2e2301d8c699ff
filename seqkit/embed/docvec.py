"""Document vectors: the mean of a document's word vectors, plain or TF-IDF-weighted.

TF-IDF weights come from a set of documents: tf is a word's count in the document, idf is
log((1 + N) / (1 + df)) + 1 over the N documents (scikit-learn's smoothed idf), so words found in
every document still count a little. Words the model does not know are left out; a document with no
known word gets a zero vector. Subword models build the vectors of words outside the vocabulary
from their n-grams; they take rows after the vocabulary's in the (V,) table.

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


def document_tokenizer(kv: KeyedVectors):
    """The tokenizer of the model's training text (its stored preprocessing options; word2vec files: the defaults)."""
    from seqkit.text.normalize import Normalizer, NormalizeOptions

    opts = kv.meta.get("training", {}).get("preprocess", {}).get("normalize")
    return Normalizer(NormalizeOptions(**opts) if opts else NormalizeOptions()).tokenize


def known_ids(kv: KeyedVectors, documents: list[list[str]]) -> list[np.ndarray]:
    """Each document's tokens as int64 rows of ``kv``, unknown words left out."""
    index = kv.index
    return [np.fromiter((index[t] for t in doc if t in index), np.int64) for doc in documents]


def document_vectors(
    kv: KeyedVectors, documents: list[list[str]], weight: Literal["mean", "tfidf"] = "mean",
    idf: np.ndarray | None = None,
) -> tuple[np.ndarray, int, list[int]]:
    """((D, d) float32 document vectors, number of documents without a known word, per document the
    number of its words outside the vocabulary built from n-grams (subword models)). With
    ``weight="tfidf"`` the idf comes from ``documents``; a given ``idf`` ((V,) float64, from all the
    blocks of a cluster run) replaces it for the vocabulary's words."""
    table, ids, oov_counts = _rows(kv, documents)
    if weight == "tfidf":
        w_of = idf_weights(document_frequencies(ids, len(table)), len(documents))  # (V + oov,)
        if idf is not None:
            w_of[: len(idf)] = idf
    else:
        w_of = word_weights(weight, ids, len(table))  # (V + oov,)
    out = np.zeros((len(documents), kv.dim), dtype=np.float32)  # (D, d)
    empty = 0
    for row, doc in enumerate(ids):
        if not len(doc):
            empty += 1
            continue
        w = w_of[doc]  # (n,) one weight per token
        out[row] = (w @ table[doc]) / w.sum()  # (d,)
    return out, empty, oov_counts


def _rows(kv: KeyedVectors, documents: list[list[str]]) -> tuple[np.ndarray, list[np.ndarray], list[int]]:
    """(table (V + u, d): the vocabulary's vectors, then those of the u words outside it that a subword
    model builds from n-grams; each document's tokens as int64 rows of it; per document its count of
    such words). Words with no vector are left out."""
    from seqkit.errors import UnknownWordError

    index = kv.index
    extra: dict[str, int] = {}  # out-of-vocabulary word -> its row in the table
    rows: list[np.ndarray] = []
    if kv.has_subwords and kv.allow_oov:
        for t in {t for doc in documents for t in doc if t not in index}:
            try:
                rows.append(kv.vector(t))
                extra[t] = len(kv) + len(rows) - 1
            except UnknownWordError:  # no trained n-gram: left out like an unknown word
                pass
    table = np.concatenate([kv.vectors, np.array(rows, np.float32).reshape(-1, kv.dim)]) if rows else kv.vectors
    row_of = {**index, **extra} if extra else index
    ids = [np.fromiter((row_of[t] for t in doc if t in row_of), np.int64) for doc in documents]
    oov_counts = [sum(1 for t in doc if t in extra) for doc in documents] if extra else [0] * len(documents)
    return table, ids, oov_counts
