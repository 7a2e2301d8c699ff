"""`plot history` from what training records, `plot confusion` from what `evaluate` computes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from seqkit.cli import app
from seqkit.embed.formats import save_native
from seqkit.plot.data import read_history
from seqkit.plot.figures import draw_confusion, draw_history
from seqkit.plot.data import evaluate_confusion
from tests.plot.test_word_map import png_size

pytest.importorskip("seqkit.datasets.labeled")
from tests.cli.test_classify import FAST, _examples, _tsv  # noqa: E402

runner = CliRunner()


def run(args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    d = tmp_path_factory.mktemp("clf")
    train = _tsv(d / "train.tsv", _examples(200, 0, ("pos", "neg", "mid")))
    test = _tsv(d / "test.tsv", _examples(60, 1, ("pos", "neg", "mid")))
    model = d / "m.npz"
    r = run(["train-classifier", train, "-o", model, "--arch", "rnn", *FAST, "--patience", "0"])
    assert r.exit_code == 0, r.stderr
    return model, test


def test_word2vec_history_is_drawn_from_the_file(model_file, tmp_path):
    h = read_history(model_file)
    assert h.kind == "word2vec" and list(h.x) == [0.25, 0.5, 0.75, 1.0]
    np.testing.assert_allclose(h.series["loss"], [2.8, 2.6, 2.4, 2.2])
    fig = draw_history(h)
    loss_axis = fig.axes[0]
    np.testing.assert_allclose(loss_axis.lines[0].get_ydata(), h.series["loss"])
    out = tmp_path / "curve.png"
    r = run(["plot", "history", model_file, "-o", out])
    assert r.exit_code == 0, r.stderr
    assert png_size(out)[0] > 400


def test_a_trained_word2vec_model_has_a_history_to_plot(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat and the dog sat on the log\n" * 400)
    model, out = tmp_path / "m.w2v", tmp_path / "h.svg"
    r = run(["train-w2v", corpus, "-o", model, "--min-count", "1", "--epochs", "2", "--threads", "1", "--quiet"])
    assert r.exit_code == 0, r.stderr
    assert read_history(model).x[-1] == pytest.approx(2.0)
    assert run(["plot", "history", model, "-o", out]).exit_code == 0
    assert "</svg>" in out.read_text()


def test_files_without_a_history_get_a_clear_error(kv, tmp_path):
    old = tmp_path / "old.w2v"
    save_native(old, kv.words, kv.counts, {"vectors": kv.vectors}, {"training": {"dim": 12}})
    r = run(["plot", "history", old, "-o", tmp_path / "h.png"])
    assert r.exit_code == 1 and "has no training history" in r.stderr and "Traceback" not in r.stderr
    text = tmp_path / "v.txt"
    text.write_text("2 2\na 1 0\nb 0 1\n")
    r = run(["plot", "history", text, "-o", tmp_path / "h.png"])
    assert r.exit_code == 1 and "vectors only" in r.stderr
    assert not (tmp_path / "h.png").exists()


def test_classifier_history_marks_the_epoch_kept(classifier, tmp_path):
    model, _ = classifier
    h = read_history(model)
    assert h.kind == "classifier" and list(h.x) == [1.0, 2.0, 3.0]
    assert 1 <= h.best_epoch <= 3
    assert not np.isnan(h.series["valid_accuracy"]).any()
    fig = draw_history(h)
    labels = [line.get_label() for line in fig.axes[1].lines]
    assert labels == ["training", "validation", f"epoch kept ({h.best_epoch})"]
    out = tmp_path / "h.pdf"
    assert run(["plot", "history", model, "-o", out]).exit_code == 0
    assert out.read_bytes()[:5] == b"%PDF-"


def test_confusion_matches_evaluate(classifier, tmp_path):
    model, test = classifier
    report = json.loads(run(["evaluate", model, test, "--json"]).stdout)
    c = evaluate_confusion(model, test)
    assert c.labels == report["confusion"]["labels"]
    assert c.counts.tolist() == report["confusion"]["matrix"]
    np.testing.assert_allclose(c.normalized.sum(axis=1), 1.0)
    fig = draw_confusion(c)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), c.normalized)
    cells = [t.get_text().split("\n")[0] for t in fig.axes[0].texts]
    assert cells == [f"{n:,}" for n in c.counts.ravel()]
    out = tmp_path / "cm.png"
    r = run(["plot", "confusion", model, test, "-o", out])
    assert r.exit_code == 0, r.stderr
    assert png_size(out)[1] > 200


def test_a_hostile_history_is_one_line(kv, tmp_path):
    for history in ("oops", [{"epoch": "x", "loss": 1}], [1, 2]):
        path = tmp_path / "h.w2v"
        save_native(path, kv.words, kv.counts, {"vectors": kv.vectors}, {"training": {"history": history}})
        r = run(["plot", "history", path, "-o", tmp_path / "h.png"])
        assert r.exit_code == 1 and "history" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_without_matplotlib_the_error_names_the_extra(model_file, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    r = run(["plot", "history", model_file, "-o", tmp_path / "h.png"])
    assert r.exit_code == 1 and "pip install 'seqkit[plot]'" in r.stderr and "Traceback" not in r.stderr
