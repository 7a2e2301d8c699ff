"""Word vectors of any unsupervised fastText file: the old layout (fastText 0.1, no magic number) and
quantized `.ftz` files, which seqkit.embed.fasttext_bin does not read. A word's vector is the mean of
its own row and its n-grams' rows, as fastText and gensim compute it; n-gram rows stay in the file
(memory-mapped, or codes reconstructed on demand) for words outside the vocabulary. Words that are
not UTF-8 are read with backslash escapes and their n-grams taken from that text, as gensim does."""

from __future__ import annotations

import numpy as np

from seqkit.errors import ModelFormatError
from seqkit.formats.fasttext.header import MODELS, decode_word
from seqkit.formats.fasttext.matrix import DenseMatrix
from seqkit.formats.fasttext.model import read_model_file


def read_vectors(path):
    """KeyedVectors of an unsupervised fastText model file of any layout."""
    from seqkit.embed.vectors import KeyedVectors
    from seqkit.embed.subwords import NgramVectors, SubwordConfig, mean_rows, trained_buckets, word_rows

    f = read_model_file(path)
    h, a = f.head, f.head.args
    if a.supervised:
        raise ModelFormatError(f"{path} is a supervised fastText model (a text classifier): use predict or evaluate")
    if h.pruned:
        raise ModelFormatError(f"{path} is a pruned fastText model: its n-gram index is not by bucket")
    words = [decode_word(w) for w in h.words]
    if len(set(words)) != len(words):
        raise ModelFormatError(f"{path}: its dictionary has duplicate words")
    v = h.nwords
    matrix = f.input.data if isinstance(f.input, DenseMatrix) else f.input
    if a.maxn > 0 and a.bucket > 0:
        config = SubwordConfig(max(a.minn, 1), a.maxn, a.bucket)
        offsets, rows = word_rows(words, v, config)
        vectors = mean_rows(matrix, offsets, rows)
        ngrams = NgramVectors(config, matrix[v:], trained_buckets(offsets, rows, v, a.bucket))
    else:
        vectors, ngrams = np.asarray(matrix[np.arange(v)], np.float32), None
    if not np.isfinite(vectors).all():
        raise ModelFormatError(f"{path}: its vectors contain NaN or infinity (damaged?)")
    meta = {"format": "fasttext-ftz" if f.quantized else "fasttext-bin",
            "fasttext": {"dim": a.dim, "ws": a.ws, "epoch": a.epoch, "minCount": a.minCount, "neg": a.neg,
                         "loss": a.loss, "model": a.model, "bucket": a.bucket, "minn": a.minn, "maxn": a.maxn,
                         "kind": MODELS[a.model], "layout": "0.1" if h.version is None else f"version {h.version}"},
            "training": {"corpus_words": h.ntokens}}
    own = matrix[:v] if isinstance(f.input, DenseMatrix) else None
    output = f.output.data if isinstance(f.output, DenseMatrix) and f.output.shape[0] else None
    return KeyedVectors(words, vectors, h.counts[:v], meta, source=str(path), ngrams=ngrams, own_rows=own, output=output)
