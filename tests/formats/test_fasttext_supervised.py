"""Supervised fastText models (.bin and quantized .ftz) predict exactly as `fasttext predict-prob`:
the same labels in the same order on every line, probabilities within 1e-4. Models are built here
with the fastText CLI (skipped without it) and come as small committed fixtures made by it."""

from pathlib import Path

import numpy as np
import pytest

from seqkit.formats.fasttext.model import FastTextClassifier
from tests.formats.fasttext_corpus import corpus, parse_line, predict_prob, run, texts

DATA = Path(__file__).parent / "data"
TOL = 1e-4
TIE = 1e-6


def assert_same(clf: FastTextClassifier, lines: list[str], expected: list[list[tuple[str, float]]], k: int = -1,
                threshold: float = 0.0) -> None:
    got = clf.predict_top(lines, len(clf.labels) if k < 0 else k, threshold)
    assert len(got) == len(expected)
    P = clf.predict_proba(lines)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert len(g) == len(e), f"line {i}: {lines[i]!r}"
        for (j, _), (label, _) in zip(g, e):
            # two labels tied to the last float bits: fastText's summation order decides, so either order
            tied = abs(P[i, j] - P[i, clf.labels.index(label)]) <= TIE
            assert clf.labels[j] == label or tied, f"line {i}: {lines[i]!r}: {clf.labels[j]} for {label}"
        np.testing.assert_allclose([p for _, p in g], [p for _, p in e], atol=TOL, err_msg=f"line {i}")


@pytest.mark.parametrize("name", ["tiny.bin", "tiny_hs.bin", "tiny_hs.ftz"])
def test_committed_fixtures_predict_as_the_cli_did(name):
    expected = [parse_line(line) for line in (DATA / f"{name}.expected").read_text().split("\n")[: len(texts())]]
    clf = FastTextClassifier.load(DATA / name)
    assert_same(clf, texts(), expected)
    P = clf.predict_proba(texts())  # every label's probability: the same numbers, in label order
    for row, e in zip(P, expected):
        for label, p in e:
            assert abs(row[clf.labels.index(label)] - p) < TOL


TRAIN = {
    "softmax": ["-loss", "softmax", "-wordNgrams", "2", "-bucket", "2000"],
    "softmax-subwords": ["-loss", "softmax", "-minn", "2", "-maxn", "4", "-bucket", "2000"],
    "hs": ["-loss", "hs", "-wordNgrams", "3", "-bucket", "2000"],
    "hs-subwords": ["-loss", "hs", "-minn", "3", "-maxn", "5", "-bucket", "2000"],
    "ova": ["-loss", "ova", "-wordNgrams", "2", "-bucket", "2000"],
    "ns": ["-loss", "ns", "-minn", "3", "-maxn", "3", "-bucket", "2000"],
}


@pytest.fixture(scope="module")
def train_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ft") / "train.txt"
    path.write_text("\n".join(corpus(400, 6, multi=True)) + "\n", encoding="utf-8")
    return path


def _train(cli, train: Path, name: str, args: list[str]) -> Path:
    out = train.parent / name
    run(cli, "supervised", "-input", str(train), "-output", str(out), "-dim", "8", "-epoch", "5", "-verbose", "0", *args)
    return out.with_suffix(".bin")


@pytest.mark.parametrize("kind", sorted(TRAIN))
def test_cli_models_predict_as_the_cli(fasttext, train_file, kind):
    model = _train(fasttext, train_file, kind, TRAIN[kind])
    clf = FastTextClassifier.load(model)
    assert_same(clf, texts(), predict_prob(fasttext, model, texts()))
    assert_same(clf, texts(), predict_prob(fasttext, model, texts(), 2, 0.2), k=2, threshold=0.2)


QUANTIZE = {
    "plain": ["-dsub", "2"],
    "qnorm": ["-qnorm", "-dsub", "3"],
    "cutoff": ["-cutoff", "400"],
    "cutoff-retrain": ["-cutoff", "400", "-retrain", "-epoch", "1", "-qnorm"],
}


@pytest.mark.parametrize("kind", sorted(QUANTIZE))
@pytest.mark.parametrize("loss", ["softmax-subwords", "hs", "ova"])
def test_quantized_models_predict_as_the_cli(fasttext, train_file, loss, kind):
    model = _train(fasttext, train_file, f"q-{loss}-{kind}", TRAIN[loss])
    run(fasttext, "quantize", "-input", str(train_file), "-output", str(model.with_suffix("")), "-verbose", "0", *QUANTIZE[kind])
    ftz = model.with_suffix(".ftz")
    clf = FastTextClassifier.load(ftz)
    assert clf.file.quantized and (("cutoff" in kind) == clf.file.head.pruned)
    assert_same(clf, texts(), predict_prob(fasttext, ftz, texts()))


def test_quantized_output_with_many_labels(fasttext, tmp_path):
    """-qout quantizes the output matrix too, which needs at least 256 rows: 300 labels."""
    train = tmp_path / "many.txt"
    train.write_text("\n".join(corpus(1200, 300, seed=3)) + "\n", encoding="utf-8")
    model = _train(fasttext, train, "many", ["-minn", "3", "-maxn", "4", "-bucket", "1000"])
    run(fasttext, "quantize", "-input", str(train), "-output", str(model.with_suffix("")), "-verbose", "0",
        "-qout", "-qnorm", "-cutoff", "500", "-retrain", "-epoch", "1")
    ftz = model.with_suffix(".ftz")
    clf = FastTextClassifier.load(ftz)
    assert clf.file.qout
    # 300 labels of 8 numbers: the 5th and 6th labels of a line can tie to the last float bits, and fastText's
    # own summation order decides which one it prints. So: every label fastText prints has our probability,
    # and a label only we print sits at the cut (its probability that of fastText's last one). A model this
    # small gives every label about 1/300, so the tolerance is that of the printed digits, not TOL.
    tol = 1e-7
    lines = texts()
    got, P = clf.predict_top(lines, 5, 0.0), clf.predict_proba(lines)
    for i, (g, e) in enumerate(zip(got, predict_prob(fasttext, ftz, lines, 5))):
        assert len(g) == len(e) == 5, f"line {i}"
        for label, p in e:
            assert abs(P[i, clf.labels.index(label)] - p) < tol, f"line {i}: {label}"
        np.testing.assert_allclose([p for _, p in g], [p for _, p in e], atol=tol, err_msg=f"line {i}")
        theirs = {label for label, _ in e}
        for j, p in g:
            assert clf.labels[j] in theirs or abs(p - e[-1][1]) < tol, f"line {i}: {clf.labels[j]} {p} not at the cut"


def test_gensims_supervised_model(fasttext):
    """gensim's test data holds a supervised model written by an older fastText (softmax, no buckets)."""
    from gensim.test.utils import datapath

    model = Path(datapath("pang_lee_polarity_fasttext.bin"))
    clf = FastTextClassifier.load(model)
    assert_same(clf, texts(), predict_prob(fasttext, model, texts()))
