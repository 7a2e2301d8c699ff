"""`seqkit crosscheck`: passes when seqkit trains as well as gensim, fails when it does not."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from seqkit.cli import app

runner = CliRunner()
TOPICS, PER_TOPIC = 12, 6


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A corpus of topics (each document draws its words from one topic) and word-pair files that
    score words of one topic as similar: any working word2vec ranks those pairs first."""
    folder = tmp_path_factory.mktemp("planted")
    rng = np.random.default_rng(0)
    words = [[f"t{t}w{i}" for i in range(PER_TOPIC)] for t in range(TOPICS)]
    docs = [" ".join(rng.choice(words[rng.integers(TOPICS)], 20)) for _ in range(800)]
    (folder / "corpus.txt").write_text("\n".join(docs) + "\n")
    pairs = []
    for _ in range(80):
        t, u = rng.integers(TOPICS, size=2)
        a, b = rng.choice(PER_TOPIC, 2, replace=False)
        pairs.append(f"{words[t][a]}\t{words[t][b]}\t9")
        if t != u:
            pairs.append(f"{words[t][a]}\t{words[u][b]}\t1")
    (folder / "pairs.tsv").write_text("\n".join(pairs) + "\n")
    (folder / "questions.txt").write_text(": none here\nking queen man woman\n")
    return folder


def _args(folder):
    return ["crosscheck", str(folder / "corpus.txt"), "--min-count", "1", "--dim", "16", "--epochs", "3",
            "--threads", "1", "--window", "3", "--analogies", str(folder / "questions.txt"),
            "--wordsim", str(folder / "pairs.tsv"), "--simlex", str(folder / "pairs.tsv"), "--json", "-q"]


def test_crosscheck_passes_side_by_side(planted):
    result = runner.invoke(app, _args(planted))
    assert result.exit_code == 0, result.stderr
    r = json.loads(result.stdout)
    assert r["passed"] and r["shortfalls"] == []
    assert r["seqkit"]["vocab_size"] == r["gensim"]["vocab_size"] == TOPICS * PER_TOPIC
    for tool in ("seqkit", "gensim"):
        assert r[tool]["wordsim353_spearman"] > 0.5 and r[tool]["words_per_s"] > 0
    assert r["corpus_words"] == 800 * 20 and 0 <= r["neighbour_overlap"] <= 1


def test_crosscheck_in_a_pipe_is_tsv_that_names_its_columns(planted):
    result = runner.invoke(app, [a for a in _args(planted) if a != "--json"])
    assert result.exit_code == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert rows[0] == ["figure", "seqkit", "gensim"]  # which column is which tool
    assert rows[1][0] == "vocab_size" and rows[1][1] == rows[1][2] == str(TOPICS * PER_TOPIC)
    assert all(len(row) == 3 for row in rows)


def test_crosscheck_fails_when_seqkit_is_crippled(planted, monkeypatch):
    from seqkit.embed import trainer

    real = trainer.train

    def random_vectors(corpus, config, *a, **k):
        model = real(corpus, config, *a, **k)
        model.vectors = np.random.default_rng(0).standard_normal(model.vectors.shape).astype(np.float32)
        return model

    monkeypatch.setattr(trainer, "train", random_vectors)
    result = runner.invoke(app, _args(planted))
    assert result.exit_code == 1
    assert "seqkit trails gensim" in result.stderr and "Spearman" in result.stderr
    assert json.loads(result.stdout)["passed"] is False


def test_table_output_and_bad_tolerance(planted):
    args = [a for a in _args(planted) if a != "--json"]
    result = runner.invoke(app, args)
    rows = {line.split("\t")[0]: line.split("\t")[1:] for line in result.stdout.splitlines()}
    assert {"vocab_size", "words_per_s", "analogy_accuracy", "neighbour_overlap@10"} <= set(rows)
    assert runner.invoke(app, args + ["--tolerance", "-1", "0.02"]).exit_code == 2
