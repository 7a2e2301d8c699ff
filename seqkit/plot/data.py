"""What each picture shows, as plain data: a figure is drawn from these and nothing else, so tests
(and users, through `--points`) can check the numbers behind a picture without reading pixels."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from seqkit.errors import ModelFormatError, OptionError


@dataclass
class WordMap:
    """Points of a word map, one per word, in drawing order."""

    words: list[str]
    xy: np.ndarray  # (n, 2) coordinates
    groups: list[str]  # the seed word a point belongs to ('' for --top maps)
    neighbours: list[list[str]]  # each word's nearest words in the full model (hover text)
    method: str
    title: str = ""


def _map_words(kv, words: list[str], top: int, neighbours: int) -> tuple[list[str], list[str]]:
    """(words, groups): the given words each followed by its K nearest neighbours, or the top N words."""
    if words:
        for w in words:
            kv.id_of(w)  # UnknownWordError names the word
        seeds = list(dict.fromkeys(words))
        chosen, groups, seen = [], [], set(seeds)  # a seed word is in its own group, never a neighbour
        for seed in seeds:
            chosen.append(seed)
            groups.append(seed)
            for w in [n for n, _ in kv.most_similar([seed], topn=neighbours)] if neighbours else []:
                if w not in seen:
                    seen.add(w)
                    chosen.append(w)
                    groups.append(seed)
        return chosen, groups
    if top < 1:
        raise OptionError(f"--top must be at least 1, not {top}")
    chosen = list(kv.words[: min(top, len(kv))])
    return chosen, [""] * len(chosen)


def word_map(kv, words: list[str] = (), top: int = 100, neighbours: int = 0, method: str = "pca",
             seed: int = 0, hover_neighbours: int = 5) -> WordMap:
    """A 2-D map of ``words`` (with ``neighbours`` nearest words each), or of the ``top`` most frequent words."""
    from seqkit.plot.projection import project

    if neighbours < 0:
        raise OptionError(f"--neighbours must be 0 or more, not {neighbours}")
    chosen, groups = _map_words(kv, list(words), top, neighbours)
    if len(chosen) < 2:
        raise OptionError("a map needs at least 2 words: name more words, or pass --neighbours K")
    xy = project(kv.vectors[[kv.index[w] for w in chosen]], method, seed)
    near = [[n for n, _ in kv.most_similar([w], topn=hover_neighbours)] for w in chosen]
    name = kv.source.rsplit("/", 1)[-1]
    return WordMap(chosen, np.asarray(xy, dtype=np.float64), groups, near, method, f"{name}: {len(chosen)} words ({method.upper() if method == 'pca' else method})")


@dataclass
class History:
    """Training curves read from a model file."""

    kind: str  # "word2vec" or "classifier"
    x: np.ndarray  # (n,) epochs (fractional for word2vec's points within an epoch)
    series: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (n,) values (NaN where absent)
    best_epoch: int | None = None  # classifiers: the epoch whose weights the file holds
    title: str = ""


def _column(points: list[dict], key: str, path) -> np.ndarray:
    try:
        return np.array([np.nan if p.get(key) is None else float(p[key]) for p in points], dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelFormatError(f"{path}: its training history holds a {key!r} that is not a number") from None


def _check_points(points, path) -> list[dict]:
    if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
        raise ModelFormatError(f"{path}: its training history is malformed")
    return points


def _no_history(path, what: str):
    return ModelFormatError(
        f"{path} has no training history ({what}); models trained by this version of seqkit record it: train it again"
    )


def read_history(path) -> History:
    """The training curves of a word2vec model or a classifier file; ModelFormatError when it has none."""
    from seqkit.embed import formats

    name = str(path).rsplit("/", 1)[-1]
    if formats.detect(path) == "word2vec":
        raise ModelFormatError(f"{path} is a word2vec vectors file: it keeps vectors only, no training history")
    try:
        _, _, _, meta = formats.load_native(path)
    except ModelFormatError:
        meta = None
    if meta is not None:
        points = meta.get("training", {}).get("history")
        if not points:
            raise _no_history(path, "word vectors saved before histories were kept, or converted from another format")
        points = _check_points(points, path)
        keys = ("loss", "mean_loss", "alpha", "words_per_s")
        return History("word2vec", _column(points, "epoch", path), {k: _column(points, k, path) for k in keys},
                       title=f"{name}: word2vec training")
    from seqkit.models import io

    _, meta = io.load_arrays(path, "model")
    info = meta.get("info", {}) if isinstance(meta.get("info"), dict) else {}
    points = info.get("history")
    if not points:
        raise _no_history(path, "a classifier saved without one")
    points = _check_points(points, path)
    keys = ("train_loss", "valid_loss", "train_accuracy", "valid_accuracy")
    best = info.get("best_epoch")
    return History("classifier", _column(points, "epoch", path), {k: _column(points, k, path) for k in keys},
                   int(best) if isinstance(best, (int, float)) else None, f"{name}: classifier training")


@dataclass
class Confusion:
    labels: list[str]
    counts: np.ndarray  # (C, C) int: row = true class, column = predicted class
    title: str = ""

    @property
    def normalized(self) -> np.ndarray:
        """(C, C) each row divided by its total (a class absent from the data: a row of zeros)."""
        totals = self.counts.sum(axis=1, keepdims=True)  # (C, 1)
        return self.counts / np.where(totals > 0, totals, 1)


def confusion_from_report(report: dict, title: str = "") -> Confusion:
    """From seqkit.models.metrics.classification_report (what `seqkit evaluate` prints)."""
    c = report["confusion"]
    return Confusion(list(c["labels"]), np.asarray(c["matrix"], dtype=np.int64), title)


def evaluate_confusion(model_path, data_path, format: str = "auto", text_col=None, label_col=None) -> Confusion:
    """The confusion matrix `seqkit evaluate MODEL DATA` reports, as a Confusion."""
    from seqkit.datasets.labeled import read_labeled
    from seqkit.errors import InputError
    from seqkit.models.data import label_ids
    from seqkit.models.loading import load_classifier
    from seqkit.models.metrics import classification_report

    clf = load_classifier(model_path)  # any architecture
    data = read_labeled(data_path, format=format, text_col=text_col, label_col=label_col)
    if not data.texts:
        raise InputError(f"test data {data_path} has no labelled texts")
    y = label_ids(data.labels, clf.labels, data_path)
    report = classification_report(y, clf.predict_proba(data.texts).argmax(axis=1), clf.labels)
    name = str(model_path).rsplit("/", 1)[-1]
    return confusion_from_report(report, f"{name} on {str(data_path).rsplit('/', 1)[-1]}: accuracy {report['accuracy']:.1%}")
