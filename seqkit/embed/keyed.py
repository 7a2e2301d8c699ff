"""Loading any word-vector file as KeyedVectors (seqkit/embed/vectors.py, re-exported here): the reader
is picked by the file's kind. This module sits above the readers (formats.py, fasttext_bin.py), which
build KeyedVectors from vectors.py: no import runs back up."""

from __future__ import annotations

import numpy as np

from seqkit.embed.vectors import KeyedVectors  # noqa: F401  (its home was here: kept for importers)


def load_vectors(path) -> KeyedVectors:
    """Any word-vector file seqkit reads: native, word2vec text or binary (gensim, word2vec.c, fastText .vec)."""
    from seqkit.embed import formats

    kind = formats.detect(path)
    if kind == "fasttext":
        from seqkit.embed.fasttext_bin import read_fasttext_bin

        return read_fasttext_bin(path)
    if kind == "native":
        words, counts, arrays, meta = formats.load_native(path)
        ngrams = None
        if "ngrams" in arrays:
            from seqkit.embed.subwords import NgramVectors, SubwordConfig

            config = SubwordConfig(**{k: meta["subwords"][k] for k in ("minn", "maxn", "buckets")})
            trained = np.unpackbits(arrays["trained_buckets"], count=config.buckets).astype(bool)
            ngrams = NgramVectors(config, arrays["ngrams"], trained)
        output = arrays.get("syn1neg", arrays.get("syn1"))
        return KeyedVectors(words, arrays["vectors"], counts, meta, source=str(path), ngrams=ngrams,
                            own_rows=arrays.get("vectors_vocab"), output=output)
    words, vectors = formats.read_word2vec(path)
    return KeyedVectors(words, vectors, None, {"format": "word2vec"}, source=str(path))

