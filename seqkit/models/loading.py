"""Loading any classifier file: the recurrent/Transformer bundle, the linear, sparse or quantized model, or a
fastText supervised file, by its magic number or its metadata."""

from __future__ import annotations


def load_classifier(path):
    """A TrainedClassifier, LinearClassifier, SparseClassifier, a quantized linear model or a
    FastTextClassifier (a fastText supervised .bin or .ftz); all have `.labels` and `.predict_proba(texts)`."""
    from seqkit.formats.fasttext.header import sniff
    from seqkit.models.linear.files import read_meta

    if sniff(path):
        from seqkit.formats.fasttext.model import FastTextClassifier

        return FastTextClassifier.load(path)

    meta = read_meta(path)
    arch = (meta.get("architecture") or {}).get("arch")
    if arch == "fasttext-quantized":
        from seqkit.quantize import model_file

        return model_file.load(path, meta)
    if arch == "sparse":
        from seqkit.models.sparse.model import SparseClassifier

        return SparseClassifier.load(path)
    if arch == "linear":
        from seqkit.models.linear.model import LinearClassifier

        return LinearClassifier.load(path)
    from seqkit.models.bundle import TrainedClassifier

    return TrainedClassifier.load(path)
