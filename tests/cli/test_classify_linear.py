"""`train-classifier --arch linear`, `predict --k/--threshold`, `evaluate --k` on tiny data."""

import json
import random

import pytest
from typer.testing import CliRunner

from seqkit.cli import app

runner = CliRunner()
FAST = ["--arch", "linear", "--embed-dim", "8", "--epochs", "5", "--lr", "0.5", "--quiet", "--force"]


def run(args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def _tsv(path, n, seed=0):
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("label\ttext\n")
        for _ in range(n):
            label = rng.choice(["pos", "neg"])
            cue = rng.choice(["good", "great"] if label == "pos" else ["bad", "awful"])
            f.write(f"{label}\tthe {cue} film {rng.choice(['a', 'it', 'was'])}\n")
    return path


def _multilabel(path, n, seed=0):
    rng = random.Random(seed)
    with open(path, "w") as f:
        for _ in range(n):
            tags = rng.choice([["sports"], ["politics"], ["sports", "politics"]])
            words = {"sports": "match", "politics": "vote"}
            f.write(" ".join(f"__label__{t}" for t in tags) + " news " + " ".join(words[t] for t in tags) + "\n")
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    d = tmp_path_factory.mktemp("lin")
    out = d / "m.npz"
    r = run(["train-classifier", _tsv(d / "train.tsv", 300), "-o", out, *FAST, "--word-ngrams", "2", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.strip().splitlines()[-1])["arch"] == "linear"
    return out


def test_predict_top_k_with_threshold(model, tmp_path):
    texts = tmp_path / "t.txt"
    texts.write_text("a good film\nawful\n")
    r = run(["predict", model, texts, "--k", "2"])
    assert r.exit_code == 0, r.output
    lines = [line.split("\t") for line in r.stdout.strip().splitlines()]
    assert [x[0] for x in lines] == ["pos", "neg"] and all(len(x) == 4 for x in lines)
    assert float(lines[0][1]) + float(lines[0][3]) == pytest.approx(1.0, abs=1e-3)
    r = run(["predict", model, texts, "--k", "2", "--threshold", "0.5", "--json"])
    recs = [json.loads(line) for line in r.stdout.strip().splitlines()]
    assert [rec["labels"] for rec in recs] == [["pos"], ["neg"]]
    r = run(["predict", model, "-"], input="great\n")
    assert r.stdout.startswith("pos\t")


def test_evaluate_single_label_with_k(model, tmp_path):
    r = run(["evaluate", model, _tsv(tmp_path / "test.tsv", 50, 1), "--json", "--k", "2"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert rep["accuracy"] > 0.95 and rep["recall_at_k"] == 1.0 and rep["precision_at_k"] == 0.5


def test_multilabel_train_and_precision_recall_at_k(tmp_path):
    out = tmp_path / "ml.npz"
    r = run(["train-classifier", _multilabel(tmp_path / "train.ft", 300), "-o", out, *FAST, "--epochs", "10"])
    assert r.exit_code == 0, r.output
    r = run(["evaluate", out, _multilabel(tmp_path / "test.ft", 60, 1), "--k", "2", "--json"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert rep["recall_at_k"] == 1.0 and rep["precision_at_k"] >= 0.6  # two guesses, one or two right labels
    r = run(["predict", out, "-", "--k", "2", "--threshold", "0.5", "--json"], input="news match vote\nnews vote\n")
    recs = [json.loads(line) for line in r.stdout.strip().splitlines()]
    assert sorted(recs[0]["labels"]) == ["politics", "sports"] and recs[1]["labels"] == ["politics"]


@pytest.mark.parametrize("extra, message", [
    (["--word-ngrams", "0"], "--word-ngrams"),
    (["--word-ngrams", "2", "--buckets", "0"], "--buckets"),
    (["--hidden", "16"], "--hidden does not apply"),
    (["--max-vocab", "10"], "--max-vocab does not apply"),
])
def test_nonsense_options_exit_2(tmp_path, extra, message):
    r = run(["train-classifier", _tsv(tmp_path / "t.tsv", 20), "-o", tmp_path / "m.npz", *FAST, *extra])
    assert r.exit_code == 2 and message in r.output


def test_linear_options_are_refused_for_other_architectures(tmp_path):
    r = run(["train-classifier", _tsv(tmp_path / "t.tsv", 20), "-o", tmp_path / "m.npz", "--arch", "gru",
             "--word-ngrams", "2", "--quiet"])
    assert r.exit_code == 2 and "--word-ngrams does not apply to --arch gru" in r.output


def test_empty_texts_skipped_or_refused(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("label\ttext\npos\tgood film\nneg\tbad film\npos\t...\n")
    r = run(["train-classifier", path, "-o", tmp_path / "m.npz", *[a for a in FAST if a != "--quiet"]])
    assert r.exit_code == 0 and "1 empty texts" in r.output
    path.write_text("label\ttext\npos\t!!!\nneg\t???\n")
    r = run(["train-classifier", path, "-o", tmp_path / "m2.npz", *FAST])
    assert r.exit_code == 1 and "empty" in r.output and "Traceback" not in r.output


def test_thousands_of_labels_with_one_text_each(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("label\ttext\n" + "".join(f"L{i}\tword{i} shared\n" for i in range(2000)))
    r = run(["train-classifier", path, "-o", tmp_path / "m.npz", "--arch", "linear", "--embed-dim", "4", "--epochs", "1",
             "--loss", "hs", "--force"])
    assert r.exit_code == 0, r.output
    assert "2000 labels for 2000 texts" in r.output
