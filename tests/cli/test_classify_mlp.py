"""`seqkit train-classifier --arch mlp` on tiny data: learning, frozen and tuned vectors, the model file,
predict/evaluate, and bad input."""

import json

import numpy as np
import pytest

from tests.cli.test_classify import FILLER, NEG, POS, _examples, _tsv, cue_vectors, run

MLP = ["--arch", "mlp", "--min-count", "1", "--hidden", "16", "--epochs", "6", "--lr", "0.02", "--quiet", "--force"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("mlp")
    return _tsv(d / "train.tsv", _examples(300, 0)), _tsv(d / "test.tsv", _examples(100, 1)), d


@pytest.fixture(scope="module")
def vectors(data):
    return cue_vectors(data[2] / "v.txt", POS + NEG + FILLER[:-2])  # 'and', 'this' missing from the file


@pytest.mark.parametrize("extra", [["--doc-weight", "tfidf", "--batch-norm"], ["--activation", "sigmoid", "--dropout", "0.3"],
                                   ["--activation", "tanh", "--layers", "2", "--doc-weight", "mean"]])
def test_learned_from_scratch_evaluates_well_and_predicts(data, extra):
    train, test, d = data
    model = d / "scratch.npz"
    r = run(["train-classifier", train, "-o", model, "--embed-dim", "8", *MLP, *extra, "--json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["arch"] == "mlp"
    rep = json.loads(run(["evaluate", model, test, "--json"]).stdout)
    assert rep["accuracy"] >= 0.9, rep
    r = run(["predict", model], input="a superb wonderful film\nawful boring worst plot\nzzz unknown\n")
    assert r.exit_code == 0 and [line.split("\t")[0] for line in r.stdout.splitlines()][:2] == ["pos", "neg"]


def test_vectors_from_a_file_are_frozen_by_default_and_tuned_on_request(data, vectors):
    from seqkit.models.bundle import TrainedClassifier

    train, test, d = data
    vf, words, vecs = vectors
    for tune in (False, True):
        model = d / f"v{tune}.npz"
        args = ["train-classifier", train, "-o", model, "--embeddings", vf, "--doc-weight", "tfidf", "--batch-norm", *MLP]
        r = run(args + (["--tune-embeddings"] if tune else []))
        assert r.exit_code == 0, r.stderr
        clf = TrainedClassifier.load(model)
        m = clf.model
        assert m.config.embed_dim == 6 and m.config.freeze_embeddings is not tune and m.config.tune_embeddings is tune
        i = clf.encoder.index["superb"]
        assert np.allclose(m.embedding.weight[i], vecs[words.index("superb")]) is not tune
        # idf of the training texts kept in the file; with frozen vectors, words the file lacks are left out
        w = m.buffers["word_weight"]
        assert w[0] == w[1] == 0 and w[clf.encoder.index["superb"]] > w[clf.encoder.index["the"]] > 0
        assert (w[clf.encoder.index["this"]] == 0) is not tune
        assert len(m.norms) == 1 and not np.allclose(m.norms[0].buffers["running_var"], 1.0)
        rep = json.loads(run(["evaluate", model, test, "--json"]).stdout)
        assert rep["accuracy"] >= 0.9, rep


def test_a_last_batch_of_one_is_skipped_with_batch_norm(data):
    train, _, d = data  # 270 training texts after the 10% split: batches of 269 and 1
    r = run(["train-classifier", train, "-o", d / "b.npz", "--embed-dim", "8", "--batch-norm", "--batch-size", "269", *MLP])
    assert r.exit_code == 0, r.stderr


def test_bad_input_is_one_clear_line(data, tmp_path):
    train, _, _ = data
    out = tmp_path / "x.npz"
    cases = [
        (["--embed-dim", "0"], "--embed-dim"),  # no vectors and no size
        (["--activation", "softplus"], "--activation"),
        (["--batch-norm", "--batch-size", "1"], "at least 2 texts per batch"),
        (["--doc-weight", "bm25"], "--doc-weight"),
        (["--tune-embeddings", "--freeze-embeddings", "--embed-dim", "8"], "contradict"),
    ]
    for extra, needle in cases:
        r = run(["train-classifier", train, "-o", out, *MLP, *extra])
        assert r.exit_code == 2 and needle in r.stderr and "Traceback" not in r.stderr, (extra, r.stderr)
    r = run(["train-classifier", train, "-o", out, "--arch", "gru", "--batch-norm", "--quiet"])
    assert r.exit_code == 2 and "--batch-norm is for --arch mlp" in r.stderr
    assert not out.exists()
