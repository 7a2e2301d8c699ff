"""The sparse classifier as a library: learning what is planted in small made-up data (tf-idf and NB,
two and three classes), --C auto, its file (arrays memory-mapped, no pickle, damage refused)."""

from __future__ import annotations

import random
import zipfile

import numpy as np
import pytest

from seqkit.errors import ModelFormatError
from seqkit.models.sparse.config import FeatureConfig, SolverConfig, SparseConfig
from seqkit.models.sparse.model import SparseClassifier, probabilities
from seqkit.models.sparse.train import nb_ratios, train_model
from seqkit.models.sparse.features import fit_counts

CUES = {"sport": ["match", "goal"], "politics": ["vote", "party"], "science": ["atom", "cell"]}


def _data(labels, n=240, seed=0):
    rng = random.Random(seed)
    texts, y = [], []
    for _ in range(n):
        k = rng.randrange(len(labels))
        texts.append(f"news {rng.choice(CUES[labels[k]])} today {rng.choice(['a', 'the', 'of'])} not bad")
        y.append(k)
    return texts, np.array(y)


@pytest.mark.parametrize("weight,loss,multiclass,labels", [
    ("tfidf", "svm", "ovr", ["politics", "sport"]),
    ("nb", "logistic", "ovr", ["politics", "science", "sport"]),
    ("nb-tfidf", "svm", "ovr", ["politics", "science", "sport"]),
    ("tfidf", "logistic", "multinomial", ["politics", "science", "sport"]),
])
def test_learns_planted_cues(weight, loss, multiclass, labels):
    texts, y = _data(labels)
    config = SparseConfig(FeatureConfig(word_ngrams=2), SolverConfig(loss=loss, multiclass=multiclass), weight)
    model = train_model(texts, y, labels, config)
    tests = [f"{CUES[name][1]} of the day" for name in labels]
    P = model.predict_proba(tests)
    assert P.shape == (len(labels), len(labels)) and np.allclose(P.sum(axis=1), 1.0)
    assert P.argmax(axis=1).tolist() == list(range(len(labels)))


def test_nb_ratios_match_a_loop():
    texts, y = _data(["politics", "science", "sport"], n=60)
    _, X = fit_counts(texts, FeatureConfig(), "t")
    R = nb_ratios(X, y, 3, 0.5)
    dense = X.scipy().toarray()
    for k in range(3):
        p = 0.5 + dense[y == k].sum(axis=0)
        q = 0.5 + dense[y != k].sum(axis=0)
        assert np.allclose(R[k], np.log((p / p.sum()) / (q / q.sum())))
    assert nb_ratios(X, (y > 0).astype(np.int64), 2, 1.0).shape == (1, X.n_cols)


def test_probabilities():
    D = np.array([[0.0], [2.0]])
    assert np.allclose(probabilities(D, "ovr"), [[0.5, 0.5], [1 / (1 + np.exp(2)), 1 / (1 + np.exp(-2))]])
    P = probabilities(np.array([[1.0, -1.0, 3.0]]), "ovr")
    assert np.isclose(P.sum(), 1.0) and P.argmax() == 2
    assert np.allclose(probabilities(np.array([[0.0, np.log(3.0)]]), "multinomial"), [[0.25, 0.75]])


@pytest.fixture
def saved(tmp_path):
    labels = ["politics", "science", "sport"]
    texts, y = _data(labels)
    model = train_model(texts, y, labels, SparseConfig(FeatureConfig(word_ngrams=2)))
    path = tmp_path / "m.npz"
    model.save(path)
    return model, path, texts


def test_file_round_trip_maps_the_big_arrays(saved):
    model, path, texts = saved
    back = SparseClassifier.load(path)
    assert isinstance(back.W, np.memmap) and isinstance(back.vocab.keys, np.memmap)
    assert back.labels == model.labels and back.config == model.config
    assert np.array_equal(back.predict_proba(texts), model.predict_proba(texts))
    with zipfile.ZipFile(path) as z:
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
        assert not any(z.read(n).startswith(b"\x80") for n in z.namelist())  # no pickle stream


def test_damaged_file_is_refused(saved, tmp_path):
    from seqkit.models import io

    model, path, _ = saved
    arrays = {"keys": model.vocab.keys, "idf": model.vocab.idf, "weights": model.W[:-1], "bias": model.b}
    meta = io.load_arrays(path)[1]
    bad = tmp_path / "bad.npz"
    io.save_arrays(bad, arrays, {k: v for k, v in meta.items() if k not in ("kind", "format_version")})
    with pytest.raises(ModelFormatError, match="do not fit together"):
        SparseClassifier.load(bad)
    bad.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ModelFormatError):
        SparseClassifier.load(bad)


def test_hostile_ngram_length_in_a_file_is_refused(saved, tmp_path):
    from seqkit.models import io

    model, path, _ = saved
    arrays, meta = io.load_arrays(path)
    meta["architecture"]["features"]["word_ngrams"] = 10**9
    bad = tmp_path / "bad.npz"
    io.save_arrays(bad, arrays, {k: v for k, v in meta.items() if k not in ("kind", "format_version")})
    with pytest.raises(ModelFormatError, match="word-ngrams must be 1 to 9"):
        SparseClassifier.load(bad)


@pytest.mark.parametrize("weight,loss", [("tfidf", "svm"), ("nb", "logistic")])
def test_warm_up_compiles_what_training_and_prediction_call(weight, loss, monkeypatch):
    """The kernels are compiled before training's clock starts (its time leaves compilation out), and the
    user is told what the wait is; training and predicting afterwards compile nothing more: the tiny texts
    gave every kernel the types real data does."""
    from numba.core.caching import NullCache

    from seqkit.fast import shards
    from seqkit.models.sparse import cd_kernels, kernels
    from seqkit.models.sparse.train import warm_up

    labels = ["politics", "sport", "science"]
    config = SparseConfig(FeatureConfig(word_ngrams=2, min_df=2, max_df=0.9), SolverConfig(loss=loss), weight)
    said = []
    monkeypatch.setattr(shards, "compiled", lambda kernel: False)  # as in a fresh process
    monkeypatch.setattr(shards, "cached", lambda kernel: False)  # and an empty numba cache
    seconds = warm_up(config, labels, said.append)
    monkeypatch.undo()
    assert said == ["compiling the sparse classifier's kernels, first run only"] and seconds > 0
    used = [v for m in (kernels, cd_kernels) for v in vars(m).values()  # the modules' own cached kernels
            if not isinstance(getattr(v, "_cache", NullCache()), NullCache) and v.__module__ == m.__name__]
    assert used and all(shards.compiled(k) for k in used)
    signatures = [len(k.signatures) for k in used]
    texts, y = _data(labels)
    model = train_model(texts, y, labels, config)
    assert (model.predict_proba(texts).argmax(axis=1) == y).mean() > 0.9
    assert [len(k.signatures) for k in used] == signatures
    assert warm_up(config, labels, said.append) == 0.0 and len(said) == 1  # compiled: nothing to do or say
