"""The served models: each loaded once, at start, by the loaders the commands use (word vectors through
embed/keyed.py, classifiers through models/loading.py), so every kind they read is served too."""

from __future__ import annotations

import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from seqkit.errors import ModelFormatError, OptionError

VECTORS, CLASSIFIER = "vectors", "classifier"


@dataclass
class Served:
    name: str
    path: str
    kind: str  # VECTORS or CLASSIFIER
    model: object  # KeyedVectors, or a classifier with .labels and .predict_proba
    lock: threading.Lock = field(default_factory=threading.Lock)  # one query at a time per process: threads would
    # share one core's memory bandwidth (similar streams the whole matrix) and classifiers' buffers

    def describe(self) -> dict:
        m = self.model
        if self.kind == VECTORS:
            return {"name": self.name, "kind": self.kind, "path": self.path, "words": len(m), "dim": m.dim,
                    "subwords": m.has_subwords}
        return {"name": self.name, "kind": self.kind, "path": self.path, "labels": list(m.labels)}


def kind_of(path: str) -> str:
    """A word-vector model (native, word2vec, fastText .bin/.ftz) or a classifier (.npz with metadata, or a
    fastText supervised .bin/.ftz)."""
    from seqkit.embed.formats import detect

    found = detect(path)
    if found.startswith("fasttext"):
        from seqkit.formats.fasttext.header import supervised

        return CLASSIFIER if supervised(path) else VECTORS
    if found != "native":
        return VECTORS
    try:
        with zipfile.ZipFile(path) as z:
            return VECTORS if "words.npy" in z.namelist() else CLASSIFIER
    except (zipfile.BadZipFile, OSError) as e:
        raise ModelFormatError(f"{path} is not a readable model (truncated or corrupted?): {e}") from None


def load(path: str, name: str) -> Served:
    kind = kind_of(path)
    if kind == VECTORS:
        from seqkit.embed.keyed import load_vectors

        kv = load_vectors(path)
        kv.inverse_norms  # (V,) now, before the workers fork: shared, not computed per process
        kv.split_rows = True  # a query takes both cores when they are free (BLAS has one thread a worker)
        return Served(name, path, kind, kv)
    from seqkit.models.loading import load_classifier

    clf = load_classifier(path)
    clf.predict_proba(["warm up"])  # builds the lookup tables before the fork
    return Served(name, path, kind, clf)


def parse_spec(spec: str) -> tuple[str, str]:
    """'NAME=PATH' or 'PATH' (named by its stem) -> (name, path)."""
    name, sep, path = spec.partition("=")
    if sep and name and not Path(spec).exists():
        return name, path
    return Path(spec).stem, spec


def load_all(specs) -> dict[str, Served]:
    models: dict[str, Served] = {}
    for spec in specs:
        name, path = parse_spec(spec)
        if name in models:
            raise OptionError(f"two models are named {name!r}: name one of them, NAME={path}")
        models[name] = load(path, name)
    return models
