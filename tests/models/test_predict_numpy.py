"""The neural classifiers' NumPy path (a few texts, no Numba) against the kernel path it stands in for,
on small trained models of every architecture that has one."""

from __future__ import annotations

import numpy as np
import pytest

from seqkit.models.bundle import TrainedClassifier
from seqkit.models.data import pad_batch
from seqkit.models.linear.predict_numpy import SMALL_CHARS
from tests.cli.test_classify import FAST, _examples, _tsv, run

WORDS = "good great awful boring the movie plot was and this".split()
# empty, unknown words only, every length from 1 to past --max-len 12 (cut there), known and unknown mixed
TEXTS = ["", "zzz qqq unseen", "good", "zzz awful"] + [" ".join(WORDS[i % 10] for i in range(n)) for n in range(1, 16)]

ARCHS = [
    ["--arch", "gru"],
    ["--arch", "gru", "--bidirectional", "--pool", "meanmax", "--layers", "2", "--padding", "pre"],
    ["--arch", "gru", "--pool", "max", "--layers", "2"],
    ["--arch", "lstm", "--bidirectional", "--pool", "mean"],
    ["--arch", "rnn", "--padding", "pre"],
    ["--arch", "mlp", "--doc-weight", "tfidf", "--batch-norm"],
    ["--arch", "mlp", "--activation", "tanh", "--layers", "2"],
]


@pytest.fixture(scope="module")
def train_file(tmp_path_factory):
    return _tsv(tmp_path_factory.mktemp("numpy-path") / "train.tsv", _examples(200, 0))


def _trained(train_file, arch: list[str]) -> TrainedClassifier:
    model = train_file.parent / ("-".join(a.strip("-") for a in arch) + ".npz")
    if not model.exists():
        r = run(["train-classifier", train_file, "-o", model, *arch, "--max-len", "12", *FAST])
        assert r.exit_code == 0, r.stderr
    return TrainedClassifier.load(model)


@pytest.mark.parametrize("arch", ARCHS, ids=lambda a: " ".join(a[1:]))
def test_numpy_path_equals_the_kernels(train_file, arch):
    clf = _trained(train_file, arch)
    m = clf.model
    assert m.has_numpy_path and m.dtype == np.float32
    ids, lengths = pad_batch([clf.encoder.encode(t) for t in TEXTS], clf.text.padding)
    want = m.predict_proba(ids, lengths)  # the kernels (float32 tanh and sigmoid approximated within 1e-6)
    got = m.predict_proba_numpy(ids, lengths)
    assert got.shape == want.shape == (len(TEXTS), 2)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert np.abs(want - 0.5).max() > 0.1  # a trained model, not a coin
    np.testing.assert_array_equal(clf.predict_proba(TEXTS), got)  # what predict_proba gives for a few texts
    for t in (0, 1, 7):  # each text alone: no dependence on the rest of the batch
        ids1, lengths1 = pad_batch([clf.encoder.encode(TEXTS[t])], clf.text.padding)
        np.testing.assert_allclose(m.predict_proba_numpy(ids1, lengths1), want[t:t + 1], rtol=0, atol=1e-6)


def test_many_or_long_texts_and_the_transformer_take_the_kernels(train_file, monkeypatch):
    clf = _trained(train_file, ["--arch", "gru"])
    called = []
    monkeypatch.setattr(type(clf.model), "predict_proba", lambda self, ids, lengths: called.append(len(ids)) or
                        np.full((len(ids), 2), 0.5))
    clf.predict_proba(["good film"])
    assert called == []
    clf.predict_proba(["good film"] * (SMALL_CHARS // 9 + 1))
    assert sum(called) == SMALL_CHARS // 9 + 1
    tr = _trained(train_file, ["--arch", "transformer", "--heads", "2"])
    assert not tr.model.has_numpy_path
    monkeypatch.setattr(type(tr.model), "predict_proba", lambda self, ids, lengths: called.append(-1) or
                        np.full((len(ids), 2), 0.5))
    tr.predict_proba(["good film"])
    assert called[-1] == -1


def test_a_loaded_model_predicts_as_the_trained_one_did(train_file):
    """Loading builds the network with init.NoDraws (zeros, no random numbers): every array then comes
    from the file, so the loaded model equals one built from a seeded generator and loaded the same way."""
    from seqkit.models.classifier import build_model

    clf = _trained(train_file, ["--arch", "gru", "--bidirectional"])
    seeded = build_model(clf.model.config, np.random.default_rng(0))
    seeded.load_state_dict(clf.model.state_dict())
    ids, lengths = pad_batch([clf.encoder.encode(t) for t in TEXTS], clf.text.padding)
    np.testing.assert_array_equal(seeded.predict_proba(ids, lengths), clf.model.predict_proba(ids, lengths))
