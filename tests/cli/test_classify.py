"""`seqkit train-classifier`, `predict`, `evaluate` on tiny data: formats, outputs, and every bad input."""

import json
import random

import pytest
from typer.testing import CliRunner

from seqkit.cli import app

runner = CliRunner()

POS = "good great excellent wonderful superb loved".split()
NEG = "bad awful terrible boring worst hated".split()
FILLER = "the a movie film plot actor it was and this".split()
FAST = ["--min-count", "1", "--embed-dim", "8", "--hidden", "8", "--epochs", "3", "--lr", "0.02", "--quiet", "--force"]


def run(args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def _examples(n, seed=0, classes=("pos", "neg")):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        label = rng.choice(classes)
        cue = POS if label == "pos" else NEG if label == "neg" else ["meh", "okay", "average"]
        words = [rng.choice(FILLER) for _ in range(rng.randint(2, 10))] + [rng.choice(cue), rng.choice(cue)]
        rng.shuffle(words)
        out.append((label, " ".join(words)))
    return out


def cue_vectors(path, words, dim=6):
    """A word2vec text file of `words` where the positive and negative cue words sit in opposite corners:
    (path, words, vectors)."""
    import numpy as np

    from seqkit.embed.formats import write_word2vec

    vecs = np.random.default_rng(0).normal(size=(len(words), dim)).astype(np.float32)
    vecs[[w in POS for w in words]] += 3.0
    vecs[[w in NEG for w in words]] -= 3.0
    write_word2vec(path, words, vecs, binary=False)
    return path, words, vecs


def _tsv(path, rows, header=("label", "text"), sep="\t"):
    with open(path, "w") as f:
        f.write(sep.join(header) + "\n")
        for label, text in rows:
            f.write(f"{label}{sep}{text}\n")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One small GRU trained from TSV, shared by the predict/evaluate tests."""
    d = tmp_path_factory.mktemp("clf")
    train = _tsv(d / "train.tsv", _examples(300, 0))
    test = _tsv(d / "test.tsv", _examples(100, 1))
    model = d / "m.npz"
    r = run(["train-classifier", train, "-o", model, "--arch", "gru", "--bidirectional", "--pool", "meanmax", *FAST])
    assert r.exit_code == 0, r.stderr
    return model, test


def test_train_writes_a_model_that_evaluates_well_with_json_keys(trained):
    model, test = trained
    r = run(["evaluate", model, test, "--json"])
    assert r.exit_code == 0, r.stderr
    rep = json.loads(r.stdout)
    assert {"accuracy", "macro_f1", "per_class", "confusion"} <= set(rep)
    assert rep["accuracy"] >= 0.9
    assert set(rep["per_class"]) == {"neg", "pos"}
    assert sum(map(sum, rep["confusion"]["matrix"])) == 100


def test_evaluate_table_in_a_pipe_is_tsv(trained):
    model, test = trained
    r = run(["evaluate", model, test])
    assert r.exit_code == 0, r.stderr
    report, confusion = (block.splitlines() for block in r.stdout.strip().split("\n\n"))
    rows = [line.split("\t") for line in report]
    assert rows[0] == ["class", "precision", "recall", "f1", "support"]  # a reader can tell the columns apart
    assert rows[1][0] in ("neg", "pos") and len(rows[1]) == 5 and rows[-1][0] == "accuracy"
    assert [line.split("\t") for line in confusion] == [["confusion", "pred neg", "pred pos"],
                                                        ["true neg", *confusion[1].split("\t")[1:]],
                                                        ["true pos", *confusion[2].split("\t")[1:]]]


def test_predict_stdin_file_probs_and_json(trained, tmp_path):
    model, _ = trained
    r = run(["predict", model], input="a superb wonderful film\nawful boring worst plot\n")
    assert r.exit_code == 0, r.stderr
    lines = [line.split("\t") for line in r.stdout.splitlines()]
    assert [row[0] for row in lines] == ["pos", "neg"] and all(0.5 < float(row[1]) <= 1 for row in lines)
    f = tmp_path / "in.txt"
    f.write_text("superb\n\nNEVERSEENWORD zzz\n" + "word " * 5000 + "\n")  # empty, unknown, longer than --max-len
    r = run(["predict", model, f, "--json", "--probs"])
    assert r.exit_code == 0, r.stderr
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(recs) == 4  # a line in, a line out
    for rec in recs:
        assert set(rec["probs"]) == {"neg", "pos"} and abs(sum(rec["probs"].values()) - 1) < 1e-5
        assert rec["label"] == max(rec["probs"], key=rec["probs"].get)
    r = run(["predict", model, "-", "--probs"], input="great\n")
    assert len(r.stdout.split("\t")) == 4  # label, prob, p_neg, p_pos


def test_predict_on_an_empty_file_prints_nothing(trained, tmp_path):
    model, _ = trained
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    r = run(["predict", model, empty])
    assert r.exit_code == 0 and r.stdout == ""
    r = run(["predict", model, "-"], input="")  # nothing piped in
    assert r.exit_code == 0 and r.stdout == ""


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "fasttext"])
def test_other_formats_and_any_number_of_classes(tmp_path, fmt):
    rows = _examples(240, 3, classes=("pos", "neg", "mid"))
    path = tmp_path / f"train.{fmt}"
    if fmt == "csv":
        _tsv(path, rows, header=("label", "text"), sep=",")
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps({"text": t, "label": lab}) + "\n" for lab, t in rows))
    else:
        path.write_text("".join(f"__label__{lab} {t}\n" for lab, t in rows))
    model = tmp_path / "m.npz"
    r = run(["train-classifier", path, "-o", model, "--arch", "lstm", "--pool", "max", *FAST[:-2], "--epochs", "6"])
    assert r.exit_code == 0, r.stderr
    r = run(["evaluate", model, path, "--json"])
    rep = json.loads(r.stdout)
    assert set(rep["per_class"]) == {"pos", "neg", "mid"} and len(rep["confusion"]["matrix"]) == 3
    assert rep["accuracy"] > 0.6


def test_custom_columns_and_a_missing_text_column_names_the_columns(tmp_path):
    rows = _examples(60, 4)
    path = _tsv(tmp_path / "t.tsv", rows, header=("sentiment", "review"))
    r = run(["train-classifier", path, "-o", tmp_path / "m.npz", "--text-col", "review", "--label-col", "sentiment", *FAST])
    assert r.exit_code == 0, r.stderr
    r = run(["train-classifier", path, "-o", tmp_path / "m2.npz", "--text-col", "body", "--label-col", "sentiment", *FAST])
    assert r.exit_code == 1 and "body" in r.stderr and "review" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "m2.npz").exists()


def test_transformer_and_rnn_from_the_command_line(tmp_path):
    path = _tsv(tmp_path / "t.tsv", _examples(200, 5))
    for extra in (["--arch", "transformer", "--heads", "2", "--ffn", "16", "--positional", "learned", "--norm", "post", "--pool", "cls"],
                  ["--arch", "rnn", "--layers", "2", "--dropout", "0.1", "--truncate", "head", "--max-len", "6", "--padding", "pre"]):
        model = tmp_path / "m.npz"
        r = run(["train-classifier", path, "-o", model, *extra, *FAST, "--json"])
        assert r.exit_code == 0, r.stderr
        summary = json.loads(r.stdout)
        assert summary["arch"] == extra[1] and summary["epochs"] == 3
        r = run(["predict", model], input="great superb\n")
        assert r.exit_code == 0 and r.stdout.count("\t") == 1


def test_only_one_class_and_missing_labels_are_refused(tmp_path):
    one = _tsv(tmp_path / "one.tsv", [("pos", t) for _, t in _examples(20, 6)])
    r = run(["train-classifier", one, "-o", tmp_path / "m.npz", *FAST])
    assert r.exit_code == 1 and "at least two classes" in r.stderr
    missing = _tsv(tmp_path / "missing.tsv", [("pos", "good film"), ("", "bad film"), ("neg", "awful")])
    r = run(["train-classifier", missing, "-o", tmp_path / "m.npz", *FAST])
    assert r.exit_code == 1 and "label" in r.stderr and "Traceback" not in r.stderr


def test_empty_texts_are_skipped_and_all_empty_is_an_error(tmp_path):
    rows = _examples(80, 7) + [("pos", "   "), ("neg", "!!!")]
    path = _tsv(tmp_path / "t.tsv", rows)
    r = run(["train-classifier", path, "-o", tmp_path / "m.npz", *FAST[:-2], "--force"])
    assert r.exit_code == 0, r.stderr
    assert "2 empty texts" in r.stderr
    empty = tmp_path / "e.tsv"
    empty.write_text("label\ttext\npos\t...\nneg\t!!!\n")
    r = run(["train-classifier", empty, "-o", tmp_path / "m3.npz", *FAST])
    assert r.exit_code == 1 and "empty" in r.stderr


def test_invalid_json_line_is_reported_with_its_number(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"text": "good", "label": "pos"}\n{"text": "bad", "label": "neg"}\n{"text": oops}\n')
    r = run(["train-classifier", path, "-o", tmp_path / "m.npz", *FAST])
    assert r.exit_code == 1 and "3" in r.stderr and "Traceback" not in r.stderr


def test_newer_model_format_is_refused(trained, tmp_path):
    import numpy as np

    from seqkit.models import io

    model, test = trained
    arrays, meta = io.load_arrays(model)
    newer = tmp_path / "newer.npz"
    io.save_arrays(newer, arrays, {**meta, "format_version": io.FORMAT_VERSION + 1})
    for args in (["predict", newer], ["evaluate", newer, test]):
        r = run(args, input="good\n")
        assert r.exit_code == 1 and "newer" in r.stderr and "upgrade" in r.stderr
    assert np.load(model, allow_pickle=False)  # the original still loads without pickle


def test_existing_output_needs_force_and_bad_options_exit_2(trained, tmp_path):
    model, test = trained
    r = run(["train-classifier", test, "-o", model, "--quiet"])
    assert r.exit_code == 1 and "--force" in r.stderr  # the same exit code as every command's
    r = run(["train-classifier", test, "-o", tmp_path / "x.npz", "--arch", "transformer", "--embed-dim", "10", "--heads", "3", *FAST])
    assert r.exit_code == 2 and "divisible" in r.stderr
    r = run(["train-classifier", test, "-o", tmp_path / "x.npz", "--arch", "resnet"])
    assert r.exit_code == 2
    r = run(["train-classifier", test, "-o", tmp_path / "x.npz", "--freeze-embeddings", *FAST])
    assert r.exit_code == 2 and "--embeddings" in r.stderr


def test_unknown_label_in_test_data_is_an_error(trained, tmp_path):
    model, _ = trained
    other = _tsv(tmp_path / "o.tsv", [("mid", "okay film"), ("pos", "good")])
    r = run(["evaluate", model, other])
    assert r.exit_code == 1 and "'mid'" in r.stderr and "neg, pos" in r.stderr


def test_embeddings_from_a_word2vec_file_and_frozen(tmp_path):
    import numpy as np

    from seqkit.embed.formats import write_word2vec

    words = POS + NEG + FILLER
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(len(words), 6)).astype(np.float32)
    vecs[: len(POS)] += 3.0  # positive words in one corner
    vecs[len(POS): len(POS) + len(NEG)] -= 3.0
    vf = tmp_path / "v.txt"
    write_word2vec(vf, words, vecs, binary=False)
    path = _tsv(tmp_path / "t.tsv", _examples(150, 8))
    model = tmp_path / "m.npz"
    r = run(["train-classifier", path, "-o", model, "--embeddings", vf, "--freeze-embeddings", "--pool", "mean", *FAST[:-2], "--force"])
    assert r.exit_code == 0, r.stderr
    assert "vocabulary words found (6 dimensions)" in r.stderr
    from seqkit.models.bundle import TrainedClassifier

    clf = TrainedClassifier.load(model)
    assert clf.model.config.embed_dim == 6 and clf.model.config.freeze_embeddings
    i = clf.encoder.index["superb"]
    np.testing.assert_allclose(clf.model.embedding.weight[i], vecs[words.index("superb")])
    r = run(["train-classifier", path, "-o", model, "--embeddings", tmp_path / "nope.txt", *FAST])
    assert r.exit_code == 1 and "nope.txt" in r.stderr


def test_resume_from_checkpoint_adds_epochs(tmp_path):
    path = _tsv(tmp_path / "t.tsv", _examples(120, 9))
    model = tmp_path / "m.npz"
    r = run(["train-classifier", path, "-o", model, *FAST[:-2], "--epochs", "1", "--patience", "0", "--json"])
    assert r.exit_code == 0, r.stderr
    ckpt = tmp_path / "m.npz.ckpt"
    assert ckpt.exists()
    r = run(["train-classifier", path, "-o", model, "--resume", ckpt, "--epochs", "3", "--quiet", "--json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["epochs"] == 3
    from seqkit.models.bundle import TrainedClassifier

    assert [h["epoch"] for h in TrainedClassifier.load(model).info["history"]] == [1, 2, 3]
    r = run(["train-classifier", path, "-o", tmp_path / "x.npz", "--resume", model, "--quiet"])
    assert r.exit_code == 1 and "not a checkpoint" in r.stderr


def test_ctrl_c_keeps_the_best_model_so_far(tmp_path, monkeypatch):
    import seqkit.train as train_mod

    path = _tsv(tmp_path / "t.tsv", _examples(120, 10))
    model = tmp_path / "m.npz"
    real = train_mod.softmax_cross_entropy
    calls = {"n": 0}

    def interrupting(*a, **k):  # Ctrl-C during the second epoch
        calls["n"] += 1
        if calls["n"] == 6:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(train_mod, "softmax_cross_entropy", interrupting)
    r = run(["train-classifier", path, "-o", model, *FAST[:-2], "--batch-size", "32", "--epochs", "5"])
    assert r.exit_code == 130
    assert "kept the best model so far (epoch 1)" in r.stderr and "--resume" in r.stderr
    from seqkit.models.bundle import TrainedClassifier

    assert TrainedClassifier.load(model).info["epochs"] == 1


def test_commands_have_help_with_an_example():
    for cmd in ("train-classifier", "predict", "evaluate"):
        r = run([cmd, "--help"])
        assert r.exit_code == 0 and "Example:" in r.stdout and f"seqkit {cmd}" in r.stdout
