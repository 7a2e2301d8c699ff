"""Loading any word-vector file as KeyedVectors (seqkit/embed/vectors.py, re-exported here): the reader
is picked by the file's kind. This module sits above the readers (formats.py, fasttext_bin.py), which
build KeyedVectors from vectors.py: no import runs back up."""

from __future__ import annotations

import numpy as np

from seqkit.embed.vectors import KeyedVectors  # noqa: F401  (its home was here: kept for importers)
from seqkit.errors import ModelFormatError


def document_tokenizer(kv: KeyedVectors):
    """The tokenizer the model's corpus was preprocessed with (the default one when it records none);
    ModelFormatError when its recorded options are malformed."""
    from seqkit.text.normalize import Normalizer, NormalizeOptions

    training = kv.meta.get("training") if isinstance(kv.meta.get("training"), dict) else {}
    preprocess = training.get("preprocess") if isinstance(training.get("preprocess"), dict) else {}
    opts = preprocess.get("normalize")
    try:
        return Normalizer(NormalizeOptions.from_dict(opts) if opts else NormalizeOptions()).tokenize
    except TypeError as e:
        raise ModelFormatError(f"{kv.source} is corrupted: its preprocessing options are malformed ({e})") from None


def split_query(words: list[str]) -> tuple[list[str], list[str]]:
    """(positive, negative) words of a query line: '-word' subtracts a word ('king -man woman')."""
    pos = [w for w in words if not (w.startswith("-") and len(w) > 1)]
    neg = [w[1:] for w in words if w.startswith("-") and len(w) > 1]
    return pos, neg


def load_vectors(path) -> KeyedVectors:
    """Any word-vector file seqkit reads: native, word2vec text or binary (gensim, word2vec.c, fastText .vec)."""
    from seqkit.embed import formats

    kind = formats.detect(path)
    if kind == "fasttext":
        from seqkit.embed.fasttext_bin import read_fasttext_bin
        from seqkit.formats.fasttext.header import quantized

        if not quantized(path):
            return read_fasttext_bin(path)
        kind = "fasttext-other"
    if kind == "fasttext-other":  # the old layout or a quantized .ftz
        from seqkit.formats.fasttext.vectors import read_vectors

        return read_vectors(path)
    if kind == "native":
        words, index, counts, arrays, meta = formats.load_native_indexed(path)
        ngrams = None
        if "ngrams" in arrays:
            from seqkit.embed.subwords import NgramVectors, SubwordConfig

            config = SubwordConfig.stated(path, *(meta["subwords"][k] for k in ("minn", "maxn", "buckets")))
            trained = np.unpackbits(arrays["trained_buckets"], count=config.buckets).astype(bool)
            ngrams = NgramVectors(config, arrays["ngrams"], trained)
        output = arrays.get("syn1neg", arrays.get("syn1"))
        return KeyedVectors(words, arrays["vectors"], counts, meta, source=str(path), index=index, ngrams=ngrams,
                            own_rows=arrays.get("vectors_vocab"), output=output)
    words, vectors = formats.read_word2vec(path)
    return KeyedVectors(words, vectors, None, {"format": "word2vec"}, source=str(path))

