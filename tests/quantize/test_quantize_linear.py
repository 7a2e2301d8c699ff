"""`seqkit quantize` on a linear classifier: its fastText structure predicts as the model does, the
quantized seqkit model predicts as the .ftz does (in seqkit and in the fastText CLI), options work."""

import numpy as np
import pytest
from typer.testing import CliRunner

from seqkit.cli import app
from seqkit.formats.fasttext.model import FastTextClassifier
from seqkit.models.loading import load_classifier
from seqkit.quantize.linear import fasttext_structure
from seqkit.text.normalize import Normalizer
from tests.formats.fasttext_corpus import corpus, predict_prob, texts

runner = CliRunner()


def run(*args):
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r


@pytest.fixture(scope="module")
def linear(tmp_path_factory):
    d = tmp_path_factory.mktemp("lin")
    train = d / "train.txt"
    train.write_text("\n".join(corpus(500, 4)) + "\n", encoding="utf-8")
    run("train-classifier", train, "--format", "fasttext", "-o", d / "lin.npz", "--arch", "linear", "--embed-dim", "8",
        "--word-ngrams", "2", "--buckets", "3000", "--epochs", "3", "--quiet")
    return d / "lin.npz"


def test_the_fasttext_structure_predicts_as_the_linear_model(linear):
    clf = load_classifier(linear)
    as_ft = FastTextClassifier(fasttext_structure(clf), clf.config.normalize)
    np.testing.assert_allclose(as_ft.predict_proba(texts()), clf.predict_proba(texts()), atol=2e-5)


@pytest.mark.parametrize("options", [[], ["--qnorm", "--dsub", "3"], ["--cutoff", "300"]])
def test_quantized_model_predicts_as_its_ftz(linear, tmp_path, options):
    run("quantize", linear, "-o", tmp_path / "q.npz", *options)
    run("quantize", linear, "-o", tmp_path / "q.ftz", "--format", "fasttext", *options)
    q, full = load_classifier(tmp_path / "q.npz"), load_classifier(linear)
    ftz = FastTextClassifier.load(tmp_path / "q.ftz")
    normalized = [" ".join(Normalizer(full.config.normalize).tokenize(t)) for t in texts()]
    np.testing.assert_allclose(q.predict_proba(texts()), ftz.predict_proba(normalized), atol=1e-6)
    agree = (q.predict_proba(texts()).argmax(1) == full.predict_proba(texts()).argmax(1)).mean()
    assert agree > (0.5 if "--cutoff" in options else 0.8)  # 300 of ~2,000 rows kept: a coarse model
    assert (tmp_path / "q.npz").stat().st_size < linear.stat().st_size / 2  # tiny: the centroids weigh
    if "--cutoff" in options:
        assert q.file.head.pruned and q.file.input.shape[0] == 300


def test_the_fasttext_cli_reads_the_ftz_with_the_same_answers(linear, tmp_path, fasttext):
    run("quantize", linear, "-o", tmp_path / "q.ftz", "--format", "fasttext", "--qnorm", "--cutoff", "400")
    q = FastTextClassifier.load(tmp_path / "q.ftz")
    full = load_classifier(linear)
    normalized = [" ".join(Normalizer(full.config.normalize).tokenize(t)) for t in texts()]
    expected = predict_prob(fasttext, tmp_path / "q.ftz", normalized)
    got = q.predict_top(normalized, len(q.labels))
    assert [[q.labels[j] for j, _ in g] for g in got] == [[label for label, _ in e] for e in expected]
    assert max(abs(p - e[i][1]) for g, e in zip(got, expected) for i, (_, p) in enumerate(g)) < 1e-4


def test_refusals(linear, tmp_path):
    r = runner.invoke(app, ["quantize", str(linear), "-o", str(tmp_path / "q.npz"), "--qout"])
    assert r.exit_code != 0 and "256" in r.stderr
    r = runner.invoke(app, ["quantize", str(linear), "-o", str(linear)])
    assert r.exit_code != 0 and r.stderr.startswith("error")


def test_export_bin_predicts_as_the_model_in_the_fasttext_cli(linear, tmp_path, fasttext):
    """On texts whose n-grams all have rows (training texts), the .bin gives the model's answers; an unseen
    n-gram's bucket is a zero row in a .bin (counted in the mean), where seqkit has no row."""
    run("export", linear, "-o", tmp_path / "lin.bin", "--format", "fasttext-bin")
    full = load_classifier(linear)
    seen = [line.split(" ", 1)[1] for line in corpus(500, 4)[:60] if " " in line]
    seen = [t for t in (" ".join(t.split()[1:]) if t.startswith("__label__") else t for t in seen)]
    normalized = [" ".join(Normalizer(full.config.normalize).tokenize(t)) for t in seen]
    expected = predict_prob(fasttext, tmp_path / "lin.bin", normalized)
    P = full.predict_proba(seen)
    for p, e in zip(P, expected):
        assert [full.labels[j] for j in np.argsort(-p, kind="stable")] == [label for label, _ in e]
        assert max(abs(p[full.labels.index(label)] - q) for label, q in e) < 1e-4
