"""A few short lines take the NumPy path (loops_numpy.py): the same numbers as the Numba kernels, bit
for bit, on fastText's files (dense, quantized, pruned, qnorm, hs, word n-grams, subwords), and a
one-line `seqkit predict MODEL.ftz` never imports Numba (nor SciPy)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from seqkit.cli import app
from seqkit.formats.fasttext.model import FastTextClassifier
from seqkit.models.loading import load_classifier
from seqkit.quantize.linear import fasttext_structure
from tests.formats.fasttext_corpus import corpus, run, texts

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """The committed fixtures, and a seqkit bigram model as a dense structure and quantized (pruned, qnorm)."""
    d = tmp_path_factory.mktemp("numpy-path")
    (d / "train.txt").write_text("\n".join(corpus(500, 4)) + "\n", encoding="utf-8")
    cli = [["train-classifier", d / "train.txt", "--format", "fasttext", "-o", d / "lin.npz", "--arch", "linear",
            "--embed-dim", "8", "--word-ngrams", "3", "--buckets", "3000", "--epochs", "2", "--threads", "1", "--quiet"],
           ["quantize", d / "lin.npz", "-o", d / "q.ftz", "--format", "fasttext", "--cutoff", "500", "--qnorm"],
           ["quantize", d / "lin.npz", "-o", d / "q.npz", "--dsub", "3"]]
    for args in cli:
        r = runner.invoke(app, [str(a) for a in args])
        assert r.exit_code == 0, r.output
    lin = load_classifier(d / "lin.npz")
    found = {name: FastTextClassifier.load(DATA / name) for name in ("tiny.bin", "tiny_hs.bin", "tiny_hs.ftz")}
    found.update({"dense": FastTextClassifier(fasttext_structure(lin, dense_buckets=True)),
                  "pruned-qnorm.ftz": FastTextClassifier.load(d / "q.ftz"), "seqkit-q.npz": load_classifier(d / "q.npz")})
    return found


NAMES = ["tiny.bin", "tiny_hs.bin", "tiny_hs.ftz", "dense", "pruned-qnorm.ftz", "seqkit-q.npz"]


@pytest.mark.parametrize("name", NAMES)
def test_numpy_path_gives_the_kernels_numbers(models, name):
    clf = models[name]
    lines = texts() + ["", "w1", "w3 w3 w3 w3 w3 w3 w3 w3 w1 w2"]
    np.testing.assert_array_equal(clf.predict_proba(lines, numpy=True), clf.predict_proba(lines, numpy=False))
    assert clf.predict_top(lines, 3, 0.1, numpy=True) == clf.predict_top(lines, 3, 0.1, numpy=False)
    (H, live), (Hk, live_k) = clf.hidden(lines, True), clf.hidden(lines, False)
    np.testing.assert_array_equal(H, Hk)
    np.testing.assert_array_equal(live, live_k)
    assert np.abs(H).sum(axis=1).min() > 0  # every line has rows ("</s>" at least): nothing compared is all zero


def test_fasttext_cli_models_take_the_numpy_path_with_the_same_numbers(fasttext, tmp_path):
    (tmp_path / "train.txt").write_text("\n".join(corpus(400, 3)) + "\n", encoding="utf-8")
    run(fasttext, "supervised", "-input", str(tmp_path / "train.txt"), "-output", str(tmp_path / "m"), "-dim", "8",
        "-epoch", "3", "-minn", "2", "-maxn", "4", "-wordNgrams", "2", "-bucket", "2000", "-verbose", "0")
    clf = FastTextClassifier.load(tmp_path / "m.bin")
    np.testing.assert_array_equal(clf.predict_proba(texts(), numpy=True), clf.predict_proba(texts(), numpy=False))


@pytest.mark.parametrize("name", ["tiny_hs.ftz", "tiny.bin"])
def test_one_line_predict_imports_no_numba(name):
    code = ("import sys; from seqkit.cli import app\n"
            f"sys.argv = ['seqkit', 'predict', {str(DATA / name)!r}, '-']\n"
            "try:\n    app()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print(sorted(m for m in ('numba', 'scipy', 'gensim') if m in sys.modules))")
    p = subprocess.run([sys.executable, "-c", code], input="w1 w2 w3\n", capture_output=True, text=True, cwd=REPO,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    (label, prob), imported = p.stdout.split("\n")[0].split("\t"), p.stdout.split("\n")[1]
    assert label in FastTextClassifier.load(DATA / name).labels and 0 < float(prob) <= 1
    assert imported == "[]"
