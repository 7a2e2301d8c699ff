"""`train-classifier --arch sparse` with predict --k/--threshold/--probs, evaluate, --C auto and refused options."""

import json
import random

import pytest
from typer.testing import CliRunner

from seqkit.cli import app

runner = CliRunner()
FAST = ["--arch", "sparse", "--quiet", "--force"]


def run(args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def _tsv(path, n, seed=0, labels=("pos", "neg", "meh")):
    rng = random.Random(seed)
    cues = {"pos": ["good", "great"], "neg": ["bad", "awful"], "meh": ["okay", "fine"]}
    with open(path, "w") as f:
        f.write("label\ttext\n")
        for _ in range(n):
            label = rng.choice(labels)
            f.write(f"{label}\tthe {rng.choice(cues[label])} film {rng.choice(['a', 'it', 'was'])}\n")
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    d = tmp_path_factory.mktemp("sparse")
    out = d / "m.npz"
    r = run(["train-classifier", _tsv(d / "train.tsv", 300), "-o", out, *FAST, "--word-ngrams", "2",
             "--valid", _tsv(d / "valid.tsv", 60, seed=1), "--json"])
    assert r.exit_code == 0, r.output
    rec = json.loads(r.stdout.strip().splitlines()[-1])
    assert rec["arch"] == "sparse" and rec["labels"] == 3 and rec["valid_accuracy"] == 1.0
    return out


def test_predict_k_threshold_probs(model, tmp_path):
    texts = tmp_path / "t.txt"
    texts.write_text("a good film\nawful\nfine it was\n")
    r = run(["predict", model, texts])
    assert r.exit_code == 0, r.output
    assert [line.split("\t")[0] for line in r.stdout.strip().splitlines()] == ["pos", "neg", "meh"]
    r = run(["predict", model, texts, "--k", "2", "--threshold", "0.2", "--json"])
    recs = [json.loads(line) for line in r.stdout.strip().splitlines()]
    assert [rec["labels"][0] for rec in recs] == ["pos", "neg", "meh"]
    assert all(p >= 0.2 for rec in recs for p in rec["probs"])
    r = run(["predict", model, texts, "--probs"])
    rows = [line.split("\t") for line in r.stdout.strip().splitlines()]
    assert all(len(x) == 5 and abs(sum(map(float, x[2:])) - 1) < 1e-3 for x in rows)


def test_evaluate_json(model, tmp_path):
    r = run(["evaluate", model, _tsv(tmp_path / "test.tsv", 50, seed=2), "--json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["accuracy"] == 1.0 and report["confusion"]["labels"] == ["meh", "neg", "pos"]


def test_c_auto_reports_the_grid(tmp_path):
    r = run(["train-classifier", _tsv(tmp_path / "train.tsv", 200, labels=("pos", "neg")), "-o", tmp_path / "m.npz",
             *FAST, "--C", "auto", "--valid-split", "0.2", "--weight", "nb", "--sparse-loss", "logistic", "--json"])
    assert r.exit_code == 0, r.output
    rec = json.loads(r.stdout.strip().splitlines()[-1])
    assert len(rec["c_grid"]) == 7 and rec["C"] in [g["C"] for g in rec["c_grid"]]
    assert max(g["accuracy"] for g in rec["c_grid"]) == 1.0


@pytest.mark.parametrize("args,message", [
    (["--epochs", "3"], "--epochs does not apply to --arch sparse"),
    (["--C", "lots"], "--C must be a number or auto"),
    (["--C", "0"], "--C must be above 0"),
    (["--multiclass", "multinomial"], "needs --sparse-loss logistic"),
    (["--weight", "nb", "--sparse-loss", "logistic", "--multiclass", "multinomial"], "--weight nb needs --multiclass ovr"),
    (["--min-df", "1000"], "--min-df=1000"),
])
def test_bad_options_are_one_line_errors(tmp_path, args, message):
    r = run(["train-classifier", _tsv(tmp_path / "train.tsv", 30), "-o", tmp_path / "m.npz", *FAST, *args])
    assert r.exit_code in (1, 2) and message in r.output and "Traceback" not in r.output


def test_multi_label_and_single_class_are_refused(tmp_path):
    ft = tmp_path / "t.ft"
    ft.write_text("__label__a __label__b some text\n__label__a other text\n")
    r = run(["train-classifier", ft, "-o", tmp_path / "m.npz", *FAST])
    assert r.exit_code == 1 and "one label per text" in r.output
    r = run(["train-classifier", _tsv(tmp_path / "one.tsv", 20, labels=("pos",)), "-o", tmp_path / "m.npz", *FAST])
    assert r.exit_code == 1 and "at least two classes" in r.output


def test_plot_confusion(model, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "cm.png"
    r = run(["plot", "confusion", model, _tsv(tmp_path / "test.tsv", 30, seed=3), "-o", out])
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:4] == b"\x89PNG"
