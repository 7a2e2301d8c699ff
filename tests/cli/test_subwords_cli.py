"""Subword models through the command line: training in every mode, out-of-vocabulary queries in
every command, fastText .bin in and out, bad options and bad files."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from seqkit.cli import app
from tests.embed.test_fasttext_bin import WORDS, native_model  # noqa: F401 (fixture)

runner = CliRunner()


def run(args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


@pytest.fixture
def text(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "t.txt"
    path.write_text("\n".join(" ".join(rng.choice(WORDS, 15)) for _ in range(150)) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize("loss", ["ns", "hs"])
def test_train_subwords_every_mode(text, tmp_path, model, loss):
    out = tmp_path / "m.ft"
    result = run(["train-w2v", text, "-o", out, "--subwords", "--model", model, "--loss", loss, "--min-count", "1",
                  "--dim", "8", "--epochs", "2", "--buckets", "1000", "--minn", "2", "--maxn", "4", "--threads", "1", "-q"])
    assert result.exit_code == 0, result.stderr
    assert "1,000 n-gram rows" in result.stderr
    rows = run(["vectors", out, "film", "filmz", "--format", "jsonl"])
    assert rows.exit_code == 0, rows.stderr
    records = [json.loads(line) for line in rows.stdout.splitlines()]
    assert [(r["word"], r["oov"]) for r in records] == [("film", False), ("filmz", True)]
    assert all(len(r["vector"]) == 8 and any(r["vector"]) for r in records)


@pytest.mark.parametrize("options, message", [
    (["--minn", "5", "--maxn", "3"], "--minn (5) must not be larger than --maxn (3)"),
    (["--minn", "0"], "--minn must be at least 1"),
    (["--maxn", "100"], "--maxn must be at most 64"),
    (["--buckets", "0"], "--buckets must be between 1"),
])
def test_bad_subword_options_exit_2_and_write_nothing(text, tmp_path, options, message):
    out = tmp_path / "m.ft"
    result = run(["train-w2v", text, "-o", out, "--subwords", *options])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.txt"]


def test_init_from_a_subword_model_is_refused_not_stripped_of_its_ngrams(text, tmp_path):
    model = tmp_path / "m.ft"
    assert run(["train-w2v", text, "-o", model, "--subwords", "--min-count", "1", "--dim", "8", "--epochs", "1",
                "--buckets", "1000", "--threads", "1", "-q"]).exit_code == 0
    out = tmp_path / "more.w2v"
    result = run(["train-w2v", text, "-o", out, "--init", model, "--epochs", "1", "-q"])
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "is a subword model" in result.stderr
    assert not out.exists()


def test_similar_marks_oov_query_words(native_model):
    result = run(["similar", native_model, "filmic", "-n", "3", "--json"])
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 3 and all(r["oov"] == ["filmic"] for r in rows)
    known = run(["similar", native_model, "film", "-n", "2"])
    assert known.exit_code == 0 and all(line.split("\t")[2] == "" for line in known.stdout.splitlines())
    refused = run(["similar", native_model, "filmic", "--no-oov"])
    assert refused.exit_code == 1 and "'filmic' is not in the vocabulary" in refused.stderr


def test_batch_queries_and_analogy_with_oov(native_model):
    result = run(["similar", native_model], input="filmic\nfilm good\n")
    assert result.exit_code == 0, result.stderr
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert {tuple(row[i] for i in (0, 3)) for row in lines} == {("filmic", "filmic"), ("film good", "")}
    result = run(["analogy", native_model, "film", "films", "moviez", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["oov"] == ["moviez"]


def test_vectors_tsv_keeps_word_and_numbers_jsonl_marks_oov(native_model, tmp_path):
    result = run(["vectors", native_model, "film", "filmic", "--format", "tsv"])
    assert result.exit_code == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [r[0] for r in rows] == ["film", "filmic"] and all(len(r) == 13 for r in rows)  # word + 12 numbers, no flag
    assert "1 of 2 words are outside the vocabulary" in result.stderr
    result = run(["vectors", native_model, "film", "filmic", "--format", "jsonl"])
    assert [json.loads(line)["oov"] for line in result.stdout.splitlines()] == [False, True]
    docs = tmp_path / "docs.txt"
    docs.write_text("the film\nthe filmic moviegoer\n", encoding="utf-8")
    result = run(["vectors", native_model, "--docs", docs, "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["oov"] for line in result.stdout.splitlines()] == [0, 2]


def test_evaluate_answers_every_pair_and_counts_oov(native_model, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("film\tmovie\t8\nfilmic\tmovie\t7\nplot\tbad\t2\ngoodness\tbad\t3\nthe\tcafé\t1\n", encoding="utf-8")
    result = run(["evaluate-w2v", native_model, "--wordsim", pairs, "--simlex", pairs, "--analogies", _analogies(tmp_path), "--json"])
    assert result.exit_code == 0, result.stderr
    r = json.loads(result.stdout)
    assert r["wordsim353_pairs"] == 5 and r["wordsim353_oov"] == 2 and r["wordsim353_unanswered"] == 0
    result = run(["evaluate-w2v", native_model, "--wordsim", pairs, "--simlex", pairs, "--analogies", _analogies(tmp_path),
                  "--json", "--no-oov"])
    r = json.loads(result.stdout)
    assert r["wordsim353_pairs"] == 3 and r["wordsim353_oov"] == 2


def _analogies(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(": s\nfilm films movie movies\n", encoding="utf-8")
    return path


def test_export_fasttext_bin_then_query_it(native_model, tmp_path):
    out = tmp_path / "m.bin"
    result = run(["export", native_model, "-o", out, "--format", "fasttext-bin"])
    assert result.exit_code == 0, result.stderr
    a = run(["vectors", native_model, "filmic", "--format", "tsv"]).stdout
    b = run(["vectors", out, "filmic", "--format", "tsv"]).stdout
    assert a == b and a.startswith("filmic\t")
    back = tmp_path / "back.ft"
    assert run(["export", out, "-o", back, "--format", "native"]).exit_code == 0  # .bin -> native keeps n-grams
    assert run(["vectors", back, "filmic", "--format", "tsv"]).stdout == a


def test_export_fasttext_bin_needs_subwords(tmp_path):
    from seqkit.embed import formats

    plain = tmp_path / "p.w2v"
    formats.save_native(plain, ["a", "b"], np.array([2, 1]), {"vectors": np.ones((2, 4), np.float32)}, {})
    result = run(["export", plain, "-o", tmp_path / "p.bin", "--format", "fasttext-bin"])
    assert result.exit_code == 1 and "needs a subword model" in result.stderr
    assert not (tmp_path / "p.bin").exists()


def test_truncated_bin_through_the_cli(native_model, tmp_path):
    out = tmp_path / "m.bin"
    run(["export", native_model, "-o", out, "--format", "fasttext-bin"])
    data = out.read_bytes()
    out.write_bytes(data[: len(data) // 2])
    result = run(["similar", out, "film"])
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1 and "truncated" in result.stderr
