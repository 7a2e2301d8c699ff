"""`seqkit quantize --cutoff N --retrain`: the kept rows trained again on the training data (fastText's
-retrain) make a model at least as accurate as the cutoff alone; its output loads, predicts, and the
fastText CLI reads its .ftz with the same answers."""

import numpy as np
import pytest
from typer.testing import CliRunner

from seqkit.cli import app
from seqkit.formats.fasttext.model import FastTextClassifier
from seqkit.models.loading import load_classifier
from seqkit.quantize.linear import select_rows
from seqkit.quantize.retrain import pruned_classifier
from seqkit.text.normalize import Normalizer
from tests.formats.fasttext_corpus import predict_prob

runner = CliRunner()
VOCAB = 600


def run(*args):
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r


def polar(n: int, seed: int) -> list[str]:
    """fastText lines whose label is the sign of the summed polarity of their 4-9 words (linearly separable)."""
    polarity = np.random.default_rng(0).normal(size=VOCAB)
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(n):
        w = rng.integers(0, VOCAB, size=int(rng.integers(4, 10)))
        lines.append(f"__label__{'pos' if polarity[w].sum() > 0 else 'neg'} " + " ".join(f"w{i}" for i in w))
    return lines


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("retrain")
    (d / "train.txt").write_text("\n".join(polar(3000, 1)) + "\n", encoding="utf-8")
    run("train-classifier", d / "train.txt", "--format", "fasttext", "-o", d / "lin.npz", "--arch", "linear",
        "--embed-dim", "8", "--word-ngrams", "2", "--buckets", "3000", "--epochs", "5", "--threads", "1", "--quiet")
    return d


def accuracy(model, lines: list[str]) -> float:
    clf = load_classifier(model)
    P = clf.predict_proba([line.split(" ", 1)[1] for line in lines])
    return float(np.mean([clf.labels[i] == line.split(" ", 1)[0][len("__label__"):] for i, line in zip(P.argmax(1), lines)]))


def test_pruned_classifier_keeps_the_rows_of_largest_norm(trained):
    clf = load_classifier(trained / "lin.npz")
    small = pruned_classifier(clf, 400)
    kept = np.sort(np.linalg.norm(small.input, axis=1))
    rows = select_rows(clf.input, len(clf.input) - 1, 400)
    np.testing.assert_array_equal(kept, np.sort(np.linalg.norm(clf.input[rows], axis=1)))
    assert small.input.shape == (400, 8) and list(np.diff(small.bucket_ids) > 0) == [True] * (len(small.bucket_ids) - 1)
    np.testing.assert_array_equal(small.input[-1], clf.input[-1])  # "</s>" always kept, last


def test_retrain_keeps_or_improves_accuracy(trained, tmp_path):
    test = polar(1000, 2)
    run("quantize", trained / "lin.npz", "-o", tmp_path / "cut.npz", "--cutoff", "600")
    run("quantize", trained / "lin.npz", "-o", tmp_path / "re.npz", "--cutoff", "600", "--retrain", "--threads", "1",
        "--quiet")
    cut, re = accuracy(tmp_path / "cut.npz", test), accuracy(tmp_path / "re.npz", test)
    assert re >= cut and re > 0.7, (cut, re)
    info = load_classifier(tmp_path / "re.npz").file.head
    assert info.pruned and len(info.prune) + info.nwords == 600


def test_retrain_options_and_refusals(trained, tmp_path):
    lin = trained / "lin.npz"
    run("quantize", lin, "-o", tmp_path / "e.npz", "--cutoff", "300", "--retrain", "--epochs", "1", "--lr", "0.05",
        "--input", trained / "train.txt", "--threads", "1", "--quiet")
    assert len(load_classifier(tmp_path / "e.npz").predict_proba(["w1 w2 w3"])) == 1
    for args, words in ((["--retrain"], "--cutoff"), (["--retrain", "--cutoff", "100"], "256"),
                        (["--retrain", "--cutoff", "300", "--input", tmp_path / "none.txt"], "none.txt")):
        r = runner.invoke(app, ["quantize", str(lin), "-o", str(tmp_path / "x.npz"), *map(str, args)])
        assert r.exit_code != 0 and r.stderr.startswith("error") and words in r.stderr, r.stderr
    (tmp_path / "other.txt").write_text("__label__x w1 w2\n__label__y w3\n", encoding="utf-8")
    r = runner.invoke(app, ["quantize", str(lin), "-o", str(tmp_path / "x.npz"), "--cutoff", "300", "--retrain",
                            "--input", str(tmp_path / "other.txt")])
    assert r.exit_code != 0 and "labels the model does not know" in r.stderr


def test_the_fasttext_cli_reads_the_retrained_ftz(trained, tmp_path, fasttext):
    run("quantize", trained / "lin.npz", "-o", tmp_path / "q.ftz", "--format", "fasttext", "--qnorm", "--cutoff",
        "500", "--retrain", "--threads", "1", "--quiet")
    q = FastTextClassifier.load(tmp_path / "q.ftz")
    normalize = load_classifier(trained / "lin.npz").config.normalize
    texts = [" ".join(Normalizer(normalize).tokenize(line.split(" ", 1)[1])) for line in polar(80, 3)]
    expected = predict_prob(fasttext, tmp_path / "q.ftz", texts)
    got = q.predict_top(texts, len(q.labels))
    assert [[q.labels[j] for j, _ in g] for g in got] == [[label for label, _ in e] for e in expected]
    assert max(abs(p - e[i][1]) for g, e in zip(got, expected) for i, (_, p) in enumerate(g)) < 1e-4
