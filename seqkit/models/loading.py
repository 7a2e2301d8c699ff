"""Loading any classifier file: the recurrent/Transformer bundle or the linear model, by its metadata."""

from __future__ import annotations


def load_classifier(path):
    """A TrainedClassifier, a LinearClassifier or a FastTextClassifier (a fastText supervised .bin or
    .ftz); all have `.labels` and `.predict_proba(texts)`."""
    from seqkit.formats.fasttext.header import sniff
    from seqkit.models.linear.files import read_meta

    if sniff(path):
        from seqkit.formats.fasttext.model import FastTextClassifier

        return FastTextClassifier.load(path)

    meta = read_meta(path)
    if (meta.get("architecture") or {}).get("arch") == "fasttext-quantized":
        from seqkit.quantize import model_file

        return model_file.load(path, meta)
    if (meta.get("architecture") or {}).get("arch") == "linear":
        from seqkit.models.linear.model import LinearClassifier

        return LinearClassifier.load(path)
    from seqkit.models.bundle import TrainedClassifier

    return TrainedClassifier.load(path)
