"""Loading any classifier file: the recurrent/Transformer bundle or the linear model, by its metadata."""

from __future__ import annotations


def load_classifier(path):
    """A TrainedClassifier, LinearClassifier or SparseClassifier; both have `.labels` and `.predict_proba(texts)`."""
    from seqkit.models.linear.files import read_meta

    meta = read_meta(path)
    arch = (meta.get("architecture") or {}).get("arch")
    if arch == "sparse":
        from seqkit.models.sparse.model import SparseClassifier

        return SparseClassifier.load(path)
    if arch == "linear":
        from seqkit.models.linear.model import LinearClassifier

        return LinearClassifier.load(path)
    from seqkit.models.bundle import TrainedClassifier

    return TrainedClassifier.load(path)
