"""`seqkit train-classifier --arch cnn` on tiny data: learning from scratch, static, tuned and two-channel
vectors, predict/evaluate on texts shorter than the filters, resume, plots, and bad options."""

import json

import numpy as np
import pytest

from tests.cli.test_classify import FILLER, NEG, POS, _examples, _tsv, cue_vectors, run

CNN = ["--arch", "cnn", "--min-count", "1", "--filters", "2,3", "--maps", "8", "--epochs", "4", "--lr", "0.01",
       "--batch-size", "16", "--quiet", "--force"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("cnn")
    return _tsv(d / "train.tsv", _examples(300, 0)), _tsv(d / "test.tsv", _examples(100, 1)), d


@pytest.fixture(scope="module")
def vectors(data):
    return cue_vectors(data[2] / "v.txt", POS + NEG + FILLER)


@pytest.fixture(scope="module")
def scratch(data):
    train, _, d = data
    model = d / "scratch.npz"
    r = run(["train-classifier", train, "-o", model, "--embed-dim", "8", *CNN, "--json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["arch"] == "cnn"
    return model


def test_learned_from_scratch_evaluates_and_predicts_short_texts(data, scratch):
    _, test, _ = data
    rep = json.loads(run(["evaluate", scratch, test, "--json"]).stdout)
    assert rep["accuracy"] >= 0.9, rep
    r = run(["predict", scratch], input="a superb wonderful film\nawful boring worst plot\nsuperb\nworst\nzzz\n")
    assert r.exit_code == 0, r.stderr
    assert [line.split("\t")[0] for line in r.stdout.splitlines()][:4] == ["pos", "neg", "pos", "neg"]


@pytest.mark.parametrize("mode", ["static", "tuned", "two-channel"])
def test_vectors_static_tuned_and_two_channels(data, vectors, mode):
    from seqkit.models.bundle import TrainedClassifier

    train, test, d = data
    vf, words, vecs = vectors
    extra = {"static": ["--freeze-embeddings"], "tuned": [], "two-channel": ["--channels", "2"]}[mode]
    model = d / f"{mode}.npz"
    r = run(["train-classifier", train, "-o", model, "--embeddings", vf, *CNN, *extra])
    assert r.exit_code == 0, r.stderr
    m = TrainedClassifier.load(model).model
    i, j = TrainedClassifier.load(model).encoder.index["superb"], words.index("superb")
    assert np.allclose(m.embedding.weight[i], vecs[j]) is (mode == "static")
    assert (m.static is not None) is (mode == "two-channel")
    if m.static is not None:
        assert np.allclose(m.static.weight[i], vecs[j]) and m.convs[0].conv.params["W"].shape[0] == 12
    rep = json.loads(run(["evaluate", model, test, "--json"]).stdout)
    assert rep["accuracy"] >= 0.9, rep


def test_resume_and_plots(data, tmp_path):
    train, test, _ = data
    model = tmp_path / "m.npz"
    r = run(["train-classifier", train, "-o", model, "--embed-dim", "8", *CNN, "--epochs", "1", "--patience", "0"])
    assert r.exit_code == 0, r.stderr
    r = run(["train-classifier", train, "-o", model, "--resume", tmp_path / "m.npz.ckpt", "--epochs", "2", "--quiet", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["epochs"] == 2, r.stderr
    for kind, args in (("history", [model]), ("confusion", [model, test])):
        out = tmp_path / f"{kind}.svg"
        r = run(["plot", kind, *args, "-o", out])
        assert r.exit_code == 0 and "</svg>" in out.read_text(), r.stderr


def test_bad_options_are_one_clear_line(data, vectors, tmp_path):
    train, _, _ = data
    out = tmp_path / "x.npz"
    cases = [
        (["--filters", "3,x"], "--filters"),
        (["--filters", "0"], "--filters"),
        (["--channels", "3"], "--channels"),
        (["--channels", "2"], "--channels 2 needs --embeddings"),
        (["--channels", "2", "--embeddings", vectors[0], "--freeze-embeddings"], "--freeze-embeddings"),
        (["--bidirectional"], "--bidirectional"),
    ]
    for extra, needle in cases:
        r = run(["train-classifier", train, "-o", out, *CNN, *extra])
        assert r.exit_code == 2 and needle in r.stderr and "Traceback" not in r.stderr, (extra, r.stderr)
    r = run(["train-classifier", train, "-o", out, "--arch", "gru", "--channels", "2", "--quiet"])
    assert r.exit_code == 2 and "--arch cnn" in r.stderr
    r = run(["train-classifier", train, "-o", out, "--arch", "linear", "--maps", "5", "--quiet"])
    assert r.exit_code == 2 and "--maps" in r.stderr
    assert not out.exists()
